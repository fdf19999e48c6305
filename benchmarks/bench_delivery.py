"""`delivery_per_s`: `deliver_due` sending queued messages to a local aiosmtpd, against raw
aiosmtplib sending the same messages over one connection (no database), in the same run.

Ours pays for what makes delivery exact: claims of 20 messages, the claim renewed before each
message (in the transaction that records the previous one), MAIL/RCPT/DATA command by command
to get each recipient's answer, and the per-recipient record of every message."""

from __future__ import annotations

import asyncio
import time
from datetime import date
from pathlib import Path
from typing import Any

import aiosmtplib
from aiosmtpd.controller import Controller
from sqlalchemy import select

from benchmarks.data import migrate, sqlite_url
from benchmarks.report import Figure
from models import Document, utcnow
from models.db import table_of
from notifications.message import build_message
from notifications.sink import free_port
from services.mail.addresses import sender_of
from services.mail.delivery import _envelope, deliver_due
from services.mail.outbox import OUTBOX, Notice, ght_contacts, insert_messages, message_row
from services.scenario.load import load_scenario
from services.workspace import Workspace, open_workspace
from settings import Settings

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "occitanie-2017.yaml"
TARGET = "ratio ≥ 0.7"


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.count += 1
        return "250 OK"


def _queue(ws: Workspace, count: int) -> None:
    sender = sender_of(ws.settings)
    with ws.db.writing() as conn:
        contacts = ght_contacts(conn, ws.settings)
        ght_id, ght = next(iter(contacts.items()))
        doc = table_of(Document)
        document_id = conn.execute(
            select(doc.c.id).where(doc.c.ght_id == ght_id).limit(1)
        ).scalar_one()
        now = utcnow()
        rows = [
            message_row(
                Notice(
                    document_id=document_id,
                    ght_id=ght_id,
                    kind="reminder",
                    stage=f"bench-{i}",
                    due_date=date(2017, 12, 31),
                    as_of=date(2017, 12, 1),
                    context={
                        "type_label": "Convention d'association CHU / GHT",
                        "state_label": "En préparation",
                        "due": date(2017, 12, 31),
                        "days": 30,
                    },
                ),
                ght,
                sender,
                now,
            )
            for i in range(count)
        ]
        assert insert_messages(conn, rows) == count


async def _raw(port: int, messages: list[Any]) -> None:
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as smtp:
        for message, sender, recipients in messages:
            await smtp.send_message(message, sender=sender, recipients=recipients)


def figure(tmp: Path, count: int) -> Figure:
    home = tmp / "delivery"
    home.mkdir()
    url = sqlite_url(home)
    migrate(url)
    handler = _Counter()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    ws = open_workspace(Settings(home=home, database_url=url, smtp_port=port))
    try:
        load_scenario(ws, SCENARIO)
        _queue(ws, count)
        with ws.db.reading() as session:
            rows = session.connection().execute(select(OUTBOX).order_by(OUTBOX.c.id)).mappings()
            envelopes = [_envelope(ws, dict(r)) for r in rows]
        start = time.perf_counter()
        prepared = [
            (build_message(e), "ne-pas-repondre@ars-occitanie.example.org", e.recipients)
            for e in envelopes
        ]
        asyncio.run(_raw(port, prepared))
        baseline = count / (time.perf_counter() - start)
        start = time.perf_counter()
        report = deliver_due(ws)
        ours = count / (time.perf_counter() - start)
        assert report.sent == count and handler.count == 2 * count, (report, handler.count)
    finally:
        ws.close()
        controller.stop()
    return Figure(
        "delivery_per_s",
        ours,
        baseline,
        "messages/s",
        higher_is_better=True,
        target=TARGET,
        note=f"N={count} deliver_due (claim, renew, build, send, record per recipient) vs raw "
        "aiosmtplib, one connection",
    )
