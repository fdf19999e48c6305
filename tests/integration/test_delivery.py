"""Delivering the outbox to a real aiosmtpd server on a free loopback port, on both databases."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import update
from sqlmodel import col, select

from i18n.typography import french_typography
from models import Establishment, GeneratedFile, OutboxMessage, utcnow
from services.deadlines.sweep import sweep_deadlines
from services.errors import InvalidInput, NotFound
from services.lifecycle.fire import fire
from services.mail.delivery import deliver_due
from services.mail.outbox import list_messages, retry_message
from tests.integration.helpers import OFFICER, a_file, director, document_id

DIRECTION = "direction-generale@ars-occitanie.example.org"


def _states(ws: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in list_messages(ws):
        counts[message["state"]] = counts.get(message["state"], 0) + 1
    return counts


def _request_conformity(ws: Any, tmp_path: Path) -> int:
    pmsp = document_id(ws, "OCC-02", "pmsp")
    fire(ws, pmsp, "submit", director("OCC-02"), file=a_file(tmp_path), as_of=date(2017, 10, 16))
    fire(
        ws,
        pmsp,
        "request_conformity",
        OFFICER,
        motives=("biology_pharmacy_imaging", "shared_care_project"),
        note="Préciser le projet de biologie & d'imagerie.",
        respond_by=date(2017, 12, 1),
        as_of=date(2017, 10, 30),
    )
    return pmsp


def test_conformity_request_arrives_with_its_headers_content_and_copy(mail_ws, smtp_sink, tmp_path):
    pmsp = _request_conformity(mail_ws, tmp_path)
    report = deliver_due(mail_ws)
    assert (report.sent, report.failed, report.retry_later, report.connections) == (1, 0, 0, 1)
    (received,) = smtp_sink.handler.received
    assert received.rcpt_tos == [director("OCC-02"), DIRECTION]
    assert received.mail_from == "ne-pas-repondre@ars-occitanie.example.org"
    message = received.message
    (stored,) = list_messages(mail_ws, "sent")
    assert message["Message-ID"].strip() == stored["message_id"]  # long headers may be folded
    assert message["To"] == director("OCC-02") and message["Cc"] == DIRECTION
    assert message["From"] == "ARS Occitanie <ne-pas-repondre@ars-occitanie.example.org>"
    assert message["Subject"] == french_typography(
        "[OCC-02] Demande de mise en conformité : Projet médical et de soins partagé (PMSP)"
        " (réponse avant le 1er décembre 2017)"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert french_typography("au plus tard le 1er décembre 2017") in text
    assert french_typography("Projet de biologie") in text or "biologie" in text.lower()
    assert french_typography("Préciser le projet de biologie & d'imagerie.") in text
    assert "biologie &amp; d’imagerie" in html
    assert french_typography(f"document n° {pmsp}") in text
    assert stored["attempts"] == 1 and stored["sent_at"] is not None


def test_two_sweeps_and_two_deliveries_send_each_notice_once(mail_ws, smtp_sink):
    first = sweep_deadlines(mail_ws, date(2017, 12, 1))
    sweep_deadlines(mail_ws, date(2017, 12, 1))
    assert deliver_due(mail_ws).sent == first.total == 36
    assert deliver_due(mail_ws).attempted == 0
    ids = [m["Message-ID"] for m in smtp_sink.messages]
    assert len(ids) == len(set(ids)) == 36


def test_server_down_then_up_delivers_exactly_once(mail_ws, smtp_sink, tmp_path):
    _request_conformity(mail_ws, tmp_path)
    smtp_sink.stop()
    down = deliver_due(mail_ws)
    assert (down.sent, down.retry_later, down.attempted) == (0, 0, 0)
    assert down.undelivered and "unavailable" in (down.connection_error or "")
    (pending,) = list_messages(mail_ws, "pending")
    # the sender's problem, not the message's: nothing charged, still due, no claim left
    assert pending["attempts"] == 0 and pending["claimed_until"] is None
    assert deliver_due(mail_ws).undelivered  # tried again at the next run
    smtp_sink.start()
    up = deliver_due(mail_ws)
    assert up.sent == 1 and not up.undelivered
    later = utcnow() + timedelta(hours=1)
    assert deliver_due(mail_ws, now=later).attempted == 0
    assert len(smtp_sink.messages) == 1
    (sent,) = list_messages(mail_ws, "sent")
    assert sent["message_id"] == pending["message_id"] and sent["attempts"] == 1


def test_permanent_refusal_fails_with_the_servers_reply_and_4xx_waits(mail_ws, smtp_sink):
    sweep_deadlines(mail_ws, date(2017, 12, 1))
    smtp_sink.handler.data_reply = "451 4.3.0 Mailbox busy, try later"
    temporary = deliver_due(mail_ws, limit=2)
    assert (temporary.retry_later, temporary.failed) == (2, 0)
    smtp_sink.handler.data_reply = "554 5.7.1 Message refused by policy"
    permanent = deliver_due(mail_ws, limit=3)
    assert permanent.failed == 3
    failed = list_messages(mail_ws, "failed")
    assert [m["last_error"] for m in failed] == ["554 5.7.1 Message refused by policy"] * 3
    waiting = [m for m in list_messages(mail_ws, "pending") if m["attempts"] == 1]
    assert [m["last_error"] for m in waiting] == ["451 4.3.0 Mailbox busy, try later"] * 2
    assert smtp_sink.messages == []


def test_a_refused_copy_is_recorded_and_the_message_still_goes(mail_ws, smtp_sink, tmp_path):
    _request_conformity(mail_ws, tmp_path)
    smtp_sink.handler.refuse_rcpt[DIRECTION] = "550 5.1.1 No such user here"
    report = deliver_due(mail_ws)
    assert (report.sent, report.refused_recipients) == (1, 1)
    (sent,) = list_messages(mail_ws, "sent")
    assert sent["refused"] == {DIRECTION: "550 5.1.1 No such user here"}
    (received,) = smtp_sink.handler.received
    assert received.rcpt_tos == [director("OCC-02")]


def test_every_recipient_refused_permanently_fails_the_message(mail_ws, smtp_sink, tmp_path):
    _request_conformity(mail_ws, tmp_path)
    smtp_sink.handler.refuse_rcpt |= {
        DIRECTION: "550 5.1.1 No such user",
        director("OCC-02"): "550 5.1.1 No such user",
    }
    assert deliver_due(mail_ws).failed == 1
    (failed,) = list_messages(mail_ws, "failed")
    assert set(failed["refused"]) == {DIRECTION, director("OCC-02")}


def test_a_header_injected_in_the_stored_row_is_refused_and_nothing_is_sent(mail_ws, smtp_sink):
    sweep_deadlines(mail_ws, date(2017, 12, 1))
    with mail_ws.db.transaction() as session:
        first = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).first()
        assert first is not None
        session.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == first.id)
            .values(subject="Rappel\r\nBcc: evil@example.org")
        )
    report = deliver_due(mail_ws)
    assert (report.failed, report.sent) == (1, 35)
    failed = list_messages(mail_ws, "failed")
    assert failed[0]["id"] == first.id and "line break" in failed[0]["last_error"]
    assert all("evil" not in str(r.rcpt_tos) for r in smtp_sink.handler.received)
    assert all(m["Bcc"] is None for m in smtp_sink.messages)


def test_the_word_letter_of_the_request_is_attached(mail_ws, smtp_sink, tmp_path):
    pmsp = _request_conformity(mail_ws, tmp_path)
    assert deliver_due(mail_ws).sent == 1
    (message,) = smtp_sink.messages
    (attachment,) = list(message.iter_attachments())
    name = attachment.get_filename()
    assert name.endswith(".docx") and name in message.get_body(("plain",)).get_content()
    (tmp_path / name).write_bytes(attachment.get_content())
    text = "\n".join(p.text for p in docx.Document(str(tmp_path / name)).paragraphs)
    assert french_typography("1er décembre 2017") in text  # the respond-by date
    assert french_typography("Préciser le projet de biologie & d'imagerie.") in text
    with mail_ws.db.reading() as session:
        (letter,) = session.exec(select(GeneratedFile)).all()
    assert (letter.document_id, letter.file_name) == (pmsp, name)


def test_a_letter_that_cannot_be_filled_leaves_the_request_mailed_without_it(
    mail_ws, smtp_sink, tmp_path
):
    # no commune recorded: the letter has no address to write (a missing representative no
    # longer stops it: the letter then greets « Madame, Monsieur, »)
    with mail_ws.db.transaction() as session:
        session.execute(update(Establishment).values(commune=""))
    _request_conformity(mail_ws, tmp_path)
    assert deliver_due(mail_ws).sent == 1
    (message,) = smtp_sink.messages
    assert list(message.iter_attachments()) == []
    with mail_ws.db.reading() as session:
        assert session.exec(select(GeneratedFile)).all() == []


def test_retry_makes_a_failed_message_due_again(mail_ws, smtp_sink, tmp_path):
    _request_conformity(mail_ws, tmp_path)
    smtp_sink.handler.data_reply = "554 5.7.1 refused"
    deliver_due(mail_ws)
    (failed,) = list_messages(mail_ws, "failed")
    smtp_sink.handler.data_reply = None
    assert retry_message(mail_ws, failed["id"])["was"] == "failed"
    assert deliver_due(mail_ws).sent == 1
    with pytest.raises(InvalidInput, match="sent already"):
        retry_message(mail_ws, failed["id"])
    with pytest.raises(NotFound):
        retry_message(mail_ws, 999_999)
    with pytest.raises(InvalidInput, match="unknown state"):
        list_messages(mail_ws, "lost")
