"""The Prefect flows really run (the session's Prefect test server): batches, artifacts, counts."""

from __future__ import annotations

from datetime import date

import pytest

from services.mail.outbox import list_messages
from tests.integration.helpers import flow_overrides, latest_artifact

pytestmark = [pytest.mark.flow, pytest.mark.parametrize("backend", ["sqlite"])]


def test_sweep_flow_batches_documents_and_publishes_its_summary(prefect_harness, occitanie):
    from flows.deadline_sweep import deadline_sweep
    from flows.runtime import run_flow

    result = run_flow(
        deadline_sweep,
        as_of=date(2017, 12, 1),
        batch_size=10,  # 39 documents: four batch tasks
        settings_overrides=flow_overrides(occitanie),
    )
    assert result["counts"]["reminder"] == 25 and result["total"] == 36
    assert result["documents"] == 39
    # the 36 notices, and the day's audit checkpoint to the region's direction
    assert len(list_messages(occitanie)) == 37
    assert result["checkpoint"]["mail"] == {"queued": 1, "already": 0, "not_sent": []}
    summary = latest_artifact("deadline-sweep-summary")
    assert summary is not None and "Rappels avant échéance | 25" in summary.data
    table = latest_artifact("deadline-sweep-per-ght")
    assert table is not None and "OCC-02" in str(table.data)
    again = run_flow(
        deadline_sweep, as_of=date(2017, 12, 1), settings_overrides=flow_overrides(occitanie)
    )
    assert again["total"] == 0 and again["already_sent"] == 36
    assert again["checkpoint"]["mail"]["already"] == 1 and len(list_messages(occitanie)) == 37
    # each sweep verifies the history and appends its head to the checkpoint file
    lines = occitanie.settings.effective_audit_checkpoints.read_text().splitlines()
    assert len(lines) == 2 and '"seq":39' in lines[1]
    checkpoint = latest_artifact("audit-checkpoint")
    assert checkpoint is not None and "position 39" in checkpoint.data
    assert any(line in checkpoint.data for line in lines)
    assert "0 message(s) mis en file, 1 déjà mis en file aujourd'hui" in checkpoint.data


def test_delivery_flow_sends_what_is_due(prefect_harness, mail_ws, smtp_sink):
    from flows.deliver_outbox import deliver_outbox
    from flows.runtime import run_flow
    from services.deadlines.sweep import sweep_deadlines

    sweep_deadlines(mail_ws, date(2018, 1, 2))
    result = run_flow(
        deliver_outbox,
        settings_overrides=flow_overrides(
            mail_ws, smtp_host=smtp_sink.host, smtp_port=smtp_sink.port
        ),
    )
    assert result["sent"] == 36 and result["failed"] == 0
    assert len(smtp_sink.messages) == 36
    assert "36 envoyés" in latest_artifact("deliver-outbox-summary").data


def test_flows_refuse_secrets_as_parameters(prefect_harness, occitanie):
    from flows._workspace import flow_workspace

    with pytest.raises(ValueError, match="smtp_password"):
        flow_workspace({"smtp_password": "s3cret"})
