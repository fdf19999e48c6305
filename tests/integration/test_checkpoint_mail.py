"""The daily audit checkpoint e-mailed to each region's direction, on both databases: queued in
the outbox once per region and day, delivered to a real SMTP sink, and usable as it arrives with
`audit verify --against`."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from i18n.typography import french_typography
from models import Region
from models.db import table_of
from services.audit.chain import verify_chain, write_checkpoint
from services.audit.mail import mail_checkpoint
from services.mail.delivery import deliver_due
from services.mail.outbox import OUTBOX, list_messages
from tests.integration.helpers import flow_overrides, latest_artifact

DIRECTION = "direction-generale@ars-occitanie.example.org"
DAY = date(2017, 12, 1)
SUBJECT = french_typography("Point de contrôle du journal d'audit – 1er décembre 2017")


def _checkpoint_rows(ws: Any) -> list[dict[str, Any]]:
    return [m for m in list_messages(ws) if m["kind"] == "audit_checkpoint"]


def _add_region(ws: Any, code: str, direction: str) -> None:
    with ws.db.writing() as conn:
        conn.execute(
            insert(table_of(Region)).values(
                code=code, name=code, agency_name=f"ARS {code}", direction_email=direction
            )
        )


def test_the_direction_receives_the_checkpoint_once_a_day_and_can_verify_with_it(
    mail_ws, smtp_sink, tmp_path: Path
):
    checkpoint = write_checkpoint(mail_ws)
    first = mail_checkpoint(mail_ws, checkpoint, DAY)
    assert (first.queued, first.already, first.not_sent) == (["OCC"], [], {})
    again = mail_checkpoint(mail_ws, write_checkpoint(mail_ws), DAY)  # a second sweep that day
    assert (again.queued, again.already) == ([], ["OCC"])
    (stored,) = _checkpoint_rows(mail_ws)
    assert stored["document_id"] is None and stored["to"] == [DIRECTION] and stored["cc"] == []

    report = deliver_due(mail_ws)
    assert (report.sent, report.failed) == (1, 0)
    (received,) = smtp_sink.handler.received
    assert received.rcpt_tos == [DIRECTION]
    message = received.message
    assert message["Subject"] == SUBJECT
    assert message["Message-ID"].strip() == stored["message_id"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert french_typography(f"Position dans la chaîne : {checkpoint.seq}") in text
    assert checkpoint.hash in text and f">{checkpoint.hash}</code>" in html
    assert (
        french_typography("Conservez ce message : il permet de vérifier que l'historique n'a pas")
        in text
    )
    assert "ghtflow audit verify --against FICHIER" in text and "heure de Paris" in text
    assert french_typography("1er décembre 2017") in text and "ARS Occitanie" in text
    key = mail_ws.settings.home / "audit_key"
    assert key.read_text().strip() not in message.as_string()  # no secret in the mail

    # the line as the direction keeps it is what `audit verify --against` checks
    kept = tmp_path / "kept.jsonl"
    kept.write_text(next(line for line in text.splitlines() if line.startswith('{"at"')) + "\n")
    checked = verify_chain(mail_ws, [kept])
    assert checked.problem is None and checked.head_seq == checkpoint.seq

    later = mail_checkpoint(mail_ws, checkpoint, date(2017, 12, 2))  # the next day: a new mail
    assert later.queued == ["OCC"] and len(_checkpoint_rows(mail_ws)) == 2


def test_a_region_without_direction_is_reported_and_the_others_get_their_mail(occitanie):
    _add_region(occitanie, "BRE", "")
    _add_region(occitanie, "NOR", "direction@nor")  # stored before the address rule
    result = mail_checkpoint(occitanie, write_checkpoint(occitanie), DAY)
    assert result.queued == ["OCC"]
    assert set(result.not_sent) == {"BRE", "NOR"}
    assert "region BRE has no direction e-mail" in result.not_sent["BRE"]
    assert "ghtflow regions set-direction" in result.not_sent["BRE"]
    assert "direction_email of region NOR" in result.not_sent["NOR"]
    assert result.as_dict()["not_sent"][0]["region"] == "BRE"
    assert [m["to"] for m in _checkpoint_rows(occitanie)] == [[DIRECTION]]


def test_the_mail_copy_setting_replaces_the_direction_as_for_every_copy(occitanie):
    occitanie.settings = occitanie.settings.model_copy(
        update={"mail_cc": "archives@ars-occitanie.example.org"}
    )
    _add_region(occitanie, "BRE", "")
    result = mail_checkpoint(occitanie, write_checkpoint(occitanie), DAY)
    assert result.queued == ["BRE", "OCC"] and result.not_sent == {}
    assert {tuple(m["to"]) for m in _checkpoint_rows(occitanie)} == {
        ("archives@ars-occitanie.example.org",)
    }


def test_the_database_itself_refuses_a_second_checkpoint_mail_for_a_region_and_day(occitanie):
    mail_checkpoint(occitanie, write_checkpoint(occitanie), DAY)
    with occitanie.db.reading() as session:
        row = dict(session.connection().execute(select(OUTBOX)).mappings().one())
    del row["id"]
    row["message_id"] = "<another@ars-occitanie.example.org>"
    with pytest.raises(IntegrityError), occitanie.db.writing() as conn:
        conn.execute(insert(OUTBOX).values(**row))
    row.update(region_id=None)  # about neither a document nor a region
    with pytest.raises(IntegrityError), occitanie.db.writing() as conn:
        conn.execute(insert(OUTBOX).values(**row))


# --- the sweep flow (a real Prefect run) ------------------------------------------------------


@pytest.mark.flow
def test_the_sweep_mails_its_checkpoint_once_a_day_and_a_dry_run_queues_nothing(
    prefect_harness, mail_ws, smtp_sink
):
    from flows.deadline_sweep import deadline_sweep
    from flows.runtime import run_flow

    _add_region(mail_ws, "BRE", "")
    overrides = flow_overrides(mail_ws)
    dry = run_flow(deadline_sweep, as_of=DAY, dry_run=True, settings_overrides=overrides)
    assert dry["checkpoint"] is None and list_messages(mail_ws) == []

    result = run_flow(deadline_sweep, as_of=DAY, settings_overrides=overrides)
    checkpoint = result["checkpoint"]
    assert checkpoint["seq"] == 39 and len(checkpoint["hash"]) == 64
    assert checkpoint["line"] in mail_ws.settings.effective_audit_checkpoints.read_text()
    assert checkpoint["mail"]["queued"] == 1 and checkpoint["mail"]["already"] == 0
    assert [n["region"] for n in checkpoint["mail"]["not_sent"]] == ["BRE"]
    assert result["errors"] == []  # a region without direction is not an error
    assert result["total"] == 36 and len(list_messages(mail_ws)) == 37
    artifact = latest_artifact("audit-checkpoint")
    assert artifact is not None and "1 message(s) mis en file" in artifact.data
    assert "| BRE |" in artifact.data

    again = run_flow(deadline_sweep, as_of=DAY, settings_overrides=overrides)
    assert again["checkpoint"]["mail"]["queued"] == 0
    assert again["checkpoint"]["mail"]["already"] == 1
    assert len(list_messages(mail_ws)) == 37

    assert deliver_due(mail_ws).sent == 37
    (mail,) = [m for m in smtp_sink.messages if m["Subject"] == SUBJECT]
    assert mail["To"] == DIRECTION
    assert checkpoint["line"] in mail.get_body(("plain",)).get_content()
