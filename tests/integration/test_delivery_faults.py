"""Delivery under faults, against a real aiosmtpd server driven by a script, on SQLite and
PostgreSQL. Every test ends with a reconciliation at the sink: each address the outbox says is
delivered arrived exactly once (counted by Message-ID and recipient), and no other did.
"""

from __future__ import annotations

import re
import socket
import subprocess
import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import update

from models import OutboxMessage, utcnow
from notifications.sink import free_port
from services.deadlines.sweep import sweep_deadlines
from services.mail.delivery import deliver_due
from services.mail.outbox import list_messages, retry_messages
from tests.integration.helpers import (
    GHTFLOW_CLI,
    OFFICER,
    a_file,
    cli_env,
    director,
    document_id,
    reconcile,
)
from tests.integration.test_delivery import DIRECTION
from tests.smtp_sink import RecordingHandler
from tests.tls_certs import make_certificates


def _request(ws: Any, tmp_path: Path) -> None:
    """One conformity request: to the GHT's director, copy to the agency's direction."""
    from services.lifecycle.fire import fire

    pmsp = document_id(ws, "OCC-02", "pmsp")
    fire(ws, pmsp, "submit", director("OCC-02"), file=a_file(tmp_path), as_of=date(2017, 10, 16))
    fire(
        ws,
        pmsp,
        "request_conformity",
        OFFICER,
        motives=("shared_care_project",),
        respond_by=date(2017, 12, 1),
        as_of=date(2017, 10, 30),
    )


def _drain(ws: Any, hours: int = 48) -> None:
    """Run deliveries at later and later times until nothing is due any more."""
    for hour in range(1, hours):
        report = deliver_due(ws, now=utcnow() + timedelta(hours=hour))
        if report.attempted == 0 and not report.undelivered:
            return
    raise AssertionError("messages still due after many runs")


def test_a_copy_answered_4xx_is_retried_alone_with_the_same_bytes(mail_ws, smtp_sink, tmp_path):
    _request(mail_ws, tmp_path)
    smtp_sink.handler.rcpt_script[DIRECTION] = ["452 4.2.2 Mailbox full"]
    first = deliver_due(mail_ws)
    assert (first.sent, first.retry_later, first.delivered_recipients) == (0, 1, 1)
    (pending,) = list_messages(mail_ws)
    assert pending["state"] == "pending" and pending["refused"] is None
    assert pending["delivery"] == "1/2 delivered, 1 pending (452)"
    assert pending["recipients"][director("OCC-02")]["state"] == "delivered"
    _drain(mail_ws)
    (sent,) = list_messages(mail_ws)
    assert sent["state"] == "sent" and sent["delivery"] == "2/2 delivered"
    assert sent["refused"] is None and sent["last_error"] is None
    one, two = smtp_sink.handler.received
    assert (one.rcpt_tos, two.rcpt_tos) == ([director("OCC-02")], [DIRECTION])
    assert one.data == two.data  # same bytes, same Message-ID
    assert reconcile(mail_ws, smtp_sink.handler) == {"sent": 1}


def test_refused_keeps_only_the_final_answer_of_each_recipient(mail_ws, smtp_sink, tmp_path):
    _request(mail_ws, tmp_path)
    smtp_sink.handler.rcpt_script[DIRECTION] = ["451 4.3.0 Try later", "550 5.1.1 No such user"]
    smtp_sink.handler.rcpt_script[director("OCC-02")] = ["450 4.2.1 Busy"]
    _drain(mail_ws)
    (sent,) = list_messages(mail_ws)
    assert sent["state"] == "sent" and sent["attempts"] == 2
    assert sent["refused"] == {DIRECTION: "550 5.1.1 No such user"}
    assert sent["delivery"] == "1/2 delivered, 1 refused (550)"
    assert reconcile(mail_ws, smtp_sink.handler) == {"sent": 1}


def test_data_faults_drops_and_a_slow_server_lose_nothing_and_repeat_nothing(mail_ws, smtp_sink):
    # a timeout well above the slow reply: on a loaded CI machine 0.2 s of server delay plus
    # the event loop's own lag once passed a 0.5 s timeout, and the kept message was resent
    mail_ws.settings = mail_ws.settings.model_copy(update={"smtp_timeout_seconds": 2.0})
    sweep_deadlines(mail_ws, date(2017, 12, 1))
    smtp_sink.handler.data_script = [
        "451 4.3.0 Busy",
        "drop-before",
        "drop-after",
        "slow:0.2",  # slow, within the timeout
        "slow:3.0",  # past the timeout: the client gives up, the server keeps nothing
        "554 5.7.1 Refused by policy",
        "drop-after",
    ]
    _drain(mail_ws)
    states = reconcile(mail_ws, smtp_sink.handler)
    assert states == {"sent": 35, "failed": 1}
    (failed,) = list_messages(mail_ws, "failed")
    assert failed["last_error"] == "554 5.7.1 Refused by policy"
    assert all(m["claimed_until"] is None for m in list_messages(mail_ws))


@pytest.mark.parametrize(
    "reply",
    [
        "530 5.7.0 Authentication required",
        "554 5.7.1 <x@example.org>: Relay access denied",
    ],
)
def test_session_replies_stop_the_run_and_charge_nothing(mail_ws, smtp_sink, reply):
    sweep_deadlines(mail_ws, date(2017, 12, 1))
    for address in {a for m in list_messages(mail_ws) for a in [*m["to"], *m["cc"]]}:
        smtp_sink.handler.rcpt_script[address] = [reply]
    report = deliver_due(mail_ws)
    assert report.undelivered and reply.split()[0] in (report.connection_error or "")
    assert (report.attempted, report.failed, report.retry_later) == (0, 0, 0)
    messages = list_messages(mail_ws)
    assert {(m["state"], m["attempts"], m["claimed_until"]) for m in messages} == {
        ("pending", 0, None)
    }
    smtp_sink.handler.rcpt_script.clear()
    assert deliver_due(mail_ws).sent == 36
    assert reconcile(mail_ws, smtp_sink.handler) == {"sent": 36}


def test_a_sender_never_sends_a_message_whose_claim_it_lost(mail_ws, smtp_sink):
    """While the first message is on the wire, the others' claims run out and another sender
    takes them: this sender sends nothing more."""
    sweep_deadlines(mail_ws, date(2017, 12, 1))
    handler = smtp_sink.handler
    original = handler.handle_DATA
    on_the_wire = list_messages(mail_ws)[0]["id"]

    async def steal_then_accept(server: Any, session: Any, envelope: Any) -> str:
        with mail_ws.db.writing() as conn:
            conn.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.state == "pending",  # type: ignore[arg-type]
                    OutboxMessage.id != on_the_wire,
                )
                .values(claim_token="another-sender", claimed_until=utcnow() + timedelta(hours=1))
            )
        handler.handle_DATA = original
        return str(await original(server, session, envelope))

    handler.handle_DATA = steal_then_accept
    report = deliver_due(mail_ws)
    assert (report.sent, report.claims_lost) == (1, 19)  # the rest of its batch of 20
    assert len(handler.received) == 1
    assert report.claimed_elsewhere == 35
    assert "35 messages are claimed by another sender until" in report.notes()[0]
    listed = list_messages(mail_ws, "pending")
    assert len(listed) == 35 and all(m["claimed_until"] for m in listed)


def test_three_senders_racing_deliver_each_message_once_and_none_gives_up(mail_ws, smtp_sink):
    sweep_deadlines(mail_ws, date(2017, 12, 1))
    smtp_sink.handler.data_script = ["slow:0.02"] * 36
    reports: list[Any] = []

    def sender() -> None:
        reports.append(deliver_due(mail_ws))

    threads = [threading.Thread(target=sender) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(r.sent for r in reports) == 36
    assert reconcile(mail_ws, smtp_sink.handler) == {"sent": 36}


# --- TLS and authentication -----------------------------------------------------------------


def _authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"ghtflow",
        b"s3cret",
    )
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


@pytest.fixture
def tls_relay(tmp_path):
    """A STARTTLS + AUTH relay and an implicit-TLS one, behind a private CA made here."""
    certs = make_certificates(tmp_path / "certs")
    handler = RecordingHandler()
    starttls = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=certs.server_context(),
        require_starttls=True,
        auth_required=True,
        auth_require_tls=True,
        authenticator=_authenticator,
        ready_timeout=10,
    )
    implicit = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        ssl_context=certs.server_context(),
        ready_timeout=10,
    )
    starttls.start()
    implicit.start()
    yield certs, handler, starttls.port, implicit.port
    starttls.stop()
    implicit.stop()


def _smtp(ws: Any, **update: Any) -> None:
    ws.settings = ws.settings.model_copy(update=update)


def test_starttls_and_auth_with_a_private_ca(mail_ws, tls_relay, tmp_path):
    certs, handler, starttls, _ = tls_relay
    _request(mail_ws, tmp_path)
    _smtp(mail_ws, smtp_port=starttls, smtp_tls="starttls", smtp_helo="ghtflow.ars.example")
    untrusted = deliver_due(mail_ws)  # the private CA is not trusted yet
    assert untrusted.undelivered and "TLS" in (untrusted.connection_error or "")
    _smtp(mail_ws, smtp_ca_file=certs.ca_file)
    no_login = deliver_due(mail_ws)
    assert no_login.undelivered and "530" in (no_login.connection_error or "")
    from pydantic import SecretStr

    _smtp(mail_ws, smtp_username="ghtflow", smtp_password=SecretStr("wrong"))
    wrong = deliver_due(mail_ws)
    assert wrong.undelivered and "authentication refused" in (wrong.connection_error or "")
    (message,) = list_messages(mail_ws)
    assert (message["state"], message["attempts"]) == ("pending", 0)
    _smtp(mail_ws, smtp_password=SecretStr("s3cret"))
    assert deliver_due(mail_ws).sent == 1
    assert reconcile(mail_ws, handler) == {"sent": 1}
    # every session greeted the relay with the configured name, before STARTTLS and after
    assert handler.greetings and set(handler.greetings) == {"ghtflow.ars.example"}


def test_implicit_tls(mail_ws, tls_relay, tmp_path):
    certs, handler, _, implicit = tls_relay
    _request(mail_ws, tmp_path)
    _smtp(mail_ws, smtp_port=implicit, smtp_tls="implicit", smtp_ca_file=certs.ca_file)
    assert deliver_due(mail_ws).sent == 1
    assert reconcile(mail_ws, handler) == {"sent": 1}


def test_an_expired_certificate_is_a_session_failure(mail_ws, tmp_path):
    certs = make_certificates(tmp_path / "old", expired=True)
    relay = Controller(
        RecordingHandler(),
        hostname="127.0.0.1",
        port=free_port(),
        ssl_context=certs.server_context(),
        ready_timeout=10,
    )
    relay.start()
    try:
        _request(mail_ws, tmp_path)
        _smtp(mail_ws, smtp_port=relay.port, smtp_tls="implicit", smtp_ca_file=certs.ca_file)
        report = deliver_due(mail_ws)
    finally:
        relay.stop()
    assert report.undelivered and "expired" in (report.connection_error or "")
    (message,) = list_messages(mail_ws)
    assert message["attempts"] == 0


# --- the EHLO name -----------------------------------------------------------------------------

HELO = "ghtflow.ars.example"
# RFC 5321 4.1.3: what a client with no domain name gives instead, e.g. [192.0.2.10]
ADDRESS_LITERAL = re.compile(r"\[\d{1,3}(\.\d{1,3}){3}\]|\[IPv6:[0-9A-Fa-f:.]+\]")


def test_the_relay_is_greeted_with_the_configured_ehlo_name(mail_ws, smtp_sink, tmp_path):
    _request(mail_ws, tmp_path)
    _smtp(mail_ws, smtp_helo=HELO)
    assert deliver_due(mail_ws).sent == 1
    assert smtp_sink.handler.greetings == [HELO]
    (received,) = smtp_sink.handler.received
    assert received.helo == HELO
    assert reconcile(mail_ws, smtp_sink.handler) == {"sent": 1}


def test_without_a_configured_name_the_relay_is_greeted_with_a_qualified_one(
    mail_ws, smtp_sink, tmp_path
):
    """The default is this host's fully qualified name; a host without one (a bare name such
    as `localhost` or a container's id, which many relays refuse in EHLO) gives its address
    as a literal instead."""
    assert mail_ws.settings.smtp_helo is None
    _request(mail_ws, tmp_path)
    assert deliver_due(mail_ws).sent == 1
    (name,) = smtp_sink.handler.greetings
    fqdn = socket.getfqdn()
    if "." in fqdn:
        assert name == fqdn
    else:
        assert ADDRESS_LITERAL.fullmatch(name), name
    assert smtp_sink.handler.received[0].helo == name


def test_ghtflow_smtp_helo_names_the_client_of_outbox_send(mail_ws, smtp_sink, tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("the command is the same on both; run once")
    _request(mail_ws, tmp_path)
    done = subprocess.run(
        [*GHTFLOW_CLI, "outbox", "send"],
        env=cli_env(mail_ws, tmp_path, smtp_port=str(smtp_sink.port), smtp_helo=HELO),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert done.stdout.startswith("1 sent")
    assert smtp_sink.handler.greetings == [HELO]
    assert reconcile(mail_ws, smtp_sink.handler) == {"sent": 1}


# --- the command and bulk retry ---------------------------------------------------------------


def test_outbox_send_exits_1_when_the_relay_is_down(mail_ws, smtp_sink, tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("the command is the same on both; run once")
    _request(mail_ws, tmp_path)
    smtp_sink.stop()
    done = subprocess.run(
        [*GHTFLOW_CLI, "outbox", "send"],
        env=cli_env(mail_ws, tmp_path, smtp_port=str(smtp_sink.port)),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stdout.startswith("0 sent")
    assert "unavailable" in done.stderr and "stay pending" in done.stderr


def test_retry_failed_in_bulk_by_day_and_kind(mail_ws, smtp_sink):
    sweep_deadlines(mail_ws, date(2017, 12, 1))
    smtp_sink.handler.data_reply = "554 5.7.1 Refused by policy"
    assert deliver_due(mail_ws).failed == 36
    smtp_sink.handler.data_reply = None
    tomorrow = date.today() + timedelta(days=2)
    assert retry_messages(mail_ws, since=tomorrow) == []
    overdue = retry_messages(mail_ws, kind="overdue")
    assert len(overdue) == 7
    assert deliver_due(mail_ws).sent == 7
    assert len(retry_messages(mail_ws)) == 29
    assert deliver_due(mail_ws).sent == 29
    assert reconcile(mail_ws, smtp_sink.handler) == {"sent": 36}
