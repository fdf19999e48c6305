"""The deliver-outbox flow run fails, with the reason logged as an error, when due messages
could not be sent because of the SMTP session (here: nobody listens on the relay's port)."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from services.mail.outbox import list_messages

pytestmark = [pytest.mark.flow, pytest.mark.parametrize("backend", ["sqlite"])]


def test_the_flow_run_fails_when_the_relay_is_down(
    prefect_harness, mail_ws, smtp_sink, capfd, caplog
):
    from flows.deliver_outbox import DeliveryFailed, deliver_outbox
    from flows.runtime import run_flow
    from services.deadlines.sweep import sweep_deadlines

    sweep_deadlines(mail_ws, date(2018, 1, 2))
    smtp_sink.stop()
    overrides = {
        "home": str(mail_ws.settings.home),
        "database_url": mail_ws.settings.effective_database_url,
        "smtp_port": smtp_sink.port,
    }
    with pytest.raises(DeliveryFailed, match="unavailable"):
        run_flow(deliver_outbox, settings_overrides=overrides)
    # Prefect's console handler writes to the terminal unless an earlier flow test in the same
    # session configured its logging first; the records reach the logging capture either way
    console = [
        line
        for line in capfd.readouterr().err.splitlines()
        if "| ERROR" in line and "SMTP: SMTP server" in line
    ]
    records = [
        r
        for r in caplog.records
        if r.levelno == logging.ERROR and "SMTP: SMTP server" in r.getMessage()
    ]
    assert console or records, caplog.text
    assert {(m["state"], m["attempts"]) for m in list_messages(mail_ws)} == {("pending", 0)}
