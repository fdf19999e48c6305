"""The development mail sink (`ghtflow mail-sink`) on a free loopback port, fed by a real
aiosmtplib client and by the outbox: it files into a folder that already exists, refuses a
folder where nothing can be filed, and answers 451 (the sender keeps the message) when filing
fails."""

from __future__ import annotations

import asyncio
import mailbox
import shutil
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from models import utcnow
from notifications.sink import MaildirError, count_messages, free_port, start_sink
from services.mail.delivery import deliver_due
from services.mail.outbox import list_messages
from tests.integration.test_delivery_faults import _request


def _message(subject: str = "Rappel") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "ne-pas-repondre@ars-occitanie.example.org"
    message["To"] = "direction@occ-02.example.org"
    message["Subject"] = subject
    message.set_content("Bonjour.")
    return message


def _send(port: int, message: EmailMessage) -> tuple[int, str]:
    """Send with aiosmtplib; the server's answer to DATA (code, text), refusals included."""

    async def send() -> tuple[int, str]:
        try:
            _, reply = await aiosmtplib.send(message, hostname="127.0.0.1", port=port)
        except aiosmtplib.SMTPResponseException as exc:
            return exc.code, exc.message
        return 250, reply

    return asyncio.run(send())


@pytest.fixture
def sink_in(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A sink filing in an existing, empty folder; (folder, port)."""
    folder = tmp_path / "maildir"
    folder.mkdir()
    port = free_port()
    controller = start_sink(folder, "127.0.0.1", port)
    yield folder, port
    controller.stop()


def test_an_existing_empty_folder_gets_the_mail(sink_in):
    folder, port = sink_in
    assert _send(port, _message())[0] == 250
    assert count_messages(folder) == 1
    (filed,) = mailbox.Maildir(folder, create=False)
    assert filed["Subject"] == "Rappel"


def test_an_existing_maildir_keeps_its_messages(tmp_path):
    folder = tmp_path / "maildir"
    mailbox.Maildir(folder, create=True).add(_message("Ancien").as_bytes())
    port = free_port()
    controller = start_sink(folder, "127.0.0.1", port)
    try:
        assert _send(port, _message())[0] == 250
    finally:
        controller.stop()
    assert sorted(m["Subject"] for m in mailbox.Maildir(folder, create=False)) == [
        "Ancien",
        "Rappel",
    ]


def test_a_folder_where_nothing_can_be_filed_is_refused(tmp_path):
    regular = tmp_path / "maildir"
    regular.write_text("not a folder")
    with pytest.raises(MaildirError, match="is a file, not a folder"):
        start_sink(regular, "127.0.0.1", free_port())
    with pytest.raises(MaildirError, match=f"cannot file messages in {regular}/inner"):
        start_sink(regular / "inner", "127.0.0.1", free_port())
    assert regular.read_text() == "not a folder"


def test_a_filing_failure_is_451_and_the_message_stays_pending(occitanie, sink_in, tmp_path):
    folder, port = sink_in
    shutil.rmtree(folder / "tmp")  # removed while the sink runs: nothing can be filed
    code, text = _send(port, _message())
    assert code == 451 and "Cannot file the message" in text

    ws = occitanie
    ws.settings = ws.settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    _request(ws, tmp_path)
    report = deliver_due(ws)
    assert (report.sent, report.failed, report.retry_later) == (0, 0, 1)
    (message,) = list_messages(ws)
    assert message["state"] == "pending" and message["last_error"].startswith("451")
    assert count_messages(folder) == 0

    (folder / "tmp").mkdir()
    assert deliver_due(ws, now=utcnow() + timedelta(hours=1)).sent == 1
    assert count_messages(folder) == 1
    assert list_messages(ws)[0]["state"] == "sent"
