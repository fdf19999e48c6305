"""Delivering the outbox: the messages whose turn has come, over one SMTP connection per batch.

1. Claim a batch in one short transaction: due pending messages get `next_attempt_at` pushed
   forward by a lease, so a second deliverer running at the same time skips them (on SQLite the
   write lock serialises claims; on PostgreSQL the conditional UPDATE re-checks each row).
2. Send them one by one on one connection.
3. Record each outcome in its own transaction right after the server answered: sent (with any
   recipients refused), pending again with back-off (connection refused or lost, 4xx, TLS),
   failed (5xx, the reply kept; or too many attempts; or a header refused).

A crash between 2 and 3 (after the server accepted a message, before the row says so) leaves
that one message pending; when its lease runs out it is sent again, with the same Message-ID.
At most one message per running deliverer can be repeated that way, never lost.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select, update

from models import OutboxState, utcnow
from notifications.addresses import HeaderRefused, check_mailbox
from notifications.message import Attachment, Envelope, build_message
from notifications.transport import ConnectionFailed, Outcome, SmtpConfig, SmtpSession
from services.outbox import OUTBOX
from services.workspace import Workspace

T = TypeVar("T")
LEASE = timedelta(minutes=10)


@dataclass
class DeliveryReport:
    attempted: int = 0
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    refused_recipients: int = 0
    connections: int = 0
    connection_error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def backoff(settings_base: int, settings_max: int, attempts: int) -> timedelta:
    """Delay before the next attempt: base × 2^(attempts-1), capped."""
    return timedelta(seconds=min(settings_max, settings_base * 2 ** max(0, attempts - 1)))


def deliver_due(
    ws: Workspace,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    config: SmtpConfig | None = None,
) -> DeliveryReport:
    """Send what is due at `now` (default: now), at most `limit` messages; never raises for
    SMTP trouble: it is recorded on the messages and in the report."""
    return _run_sync(adeliver_due(ws, now=now or utcnow(), limit=limit, config=config))


def _run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, also from a thread that already runs an event loop (a Prefect task)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def adeliver_due(
    ws: Workspace,
    *,
    now: datetime,
    limit: int | None = None,
    config: SmtpConfig | None = None,
) -> DeliveryReport:
    config = config or SmtpConfig.from_settings(ws.settings)
    report = DeliveryReport()
    batch_size = ws.settings.mail_batch_size
    while limit is None or report.attempted < limit:
        size = batch_size if limit is None else min(batch_size, limit - report.attempted)
        batch = _claim(ws, now, size)
        if not batch:
            break
        report.attempted += len(batch)
        if not await _send_batch(ws, config, batch, now, report):
            break
    return report


def _claim(ws: Workspace, now: datetime, size: int) -> list[dict[str, Any]]:
    """Take up to `size` due messages for this deliverer (lease), with what sending needs."""
    c = OUTBOX.c
    with ws.db.writing() as conn:
        ids = (
            conn.execute(
                select(c.id)
                .where(c.state == OutboxState.PENDING.value, c.next_attempt_at <= now)
                .order_by(c.id)
                .limit(size)
            )
            .scalars()
            .all()
        )
        if not ids:
            return []
        taken = set(
            conn.execute(
                update(OUTBOX)
                .where(
                    c.id.in_(ids),
                    c.state == OutboxState.PENDING.value,
                    c.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + LEASE)
                .returning(c.id)
            )
            .scalars()
            .all()
        )
        rows = conn.execute(
            select(
                c.id,
                c.message_id,
                c.sender,
                c.to_addrs,
                c.cc_addrs,
                c.subject,
                c.body_text,
                c.body_html,
                c.attachments,
                c.created_at,
                c.attempts,
            )
            .where(c.id.in_(sorted(taken)))
            .order_by(c.id)
        ).mappings()
        return [dict(row) for row in rows]


def _envelope(ws: Workspace, row: dict[str, Any]) -> Envelope:
    attachments = []
    for item in row["attachments"] or []:
        attachment = Attachment(item["hash"], item["name"], item.get("content_type", ""))
        path = ws.files.path_of(attachment.hash)
        if not path.is_file():
            raise FileNotFoundError(f"attachment {attachment.name} ({attachment.hash[:12]}…)")
        attachments.append((attachment, path.read_bytes()))
    return Envelope(
        message_id=row["message_id"],
        sender=row["sender"],
        to=row["to_addrs"],
        cc=row["cc_addrs"],
        subject=row["subject"],
        text=row["body_text"],
        html=row["body_html"],
        date=row["created_at"],
        attachments=attachments,
    )


async def _send_batch(
    ws: Workspace,
    config: SmtpConfig,
    batch: Sequence[dict[str, Any]],
    now: datetime,
    report: DeliveryReport,
) -> bool:
    """Send a claimed batch on one connection; False when the server is out of reach."""
    try:
        async with SmtpSession(config) as smtp:
            report.connections += 1
            for index, row in enumerate(batch):
                try:
                    envelope = _envelope(ws, row)
                    message = build_message(envelope)
                except (HeaderRefused, FileNotFoundError, ValueError) as exc:
                    _record(ws, row, Outcome("permanent", f"not sent: {exc}"), now, report)
                    continue
                outcome = await smtp.send(message, _bare(envelope.sender), envelope.recipients)
                _record(ws, row, outcome, now, report)
                if outcome.connection_lost:
                    for rest in batch[index + 1 :]:
                        _record(ws, rest, outcome, now, report, count_attempt=False)
                    report.connection_error = outcome.error
                    return False
    except ConnectionFailed as exc:
        report.connection_error = str(exc)
        for row in batch:
            _record(ws, row, Outcome("transient", str(exc)), now, report)
        return False
    return True


def _bare(sender: str) -> str:
    return check_mailbox(sender, "From")[1]


def _record(
    ws: Workspace,
    row: dict[str, Any],
    outcome: Outcome,
    now: datetime,
    report: DeliveryReport,
    *,
    count_attempt: bool = True,
) -> None:
    """Write one message's outcome in its own transaction (see the module's note on crashes)."""
    settings = ws.settings
    attempts = row["attempts"] + (1 if count_attempt else 0)
    values: dict[str, Any] = {"attempts": attempts, "last_error": outcome.error}
    if outcome.refused:
        values["refused"] = outcome.refused
        report.refused_recipients += len(outcome.refused)
    if outcome.kind == "sent":
        values |= {"state": OutboxState.SENT.value, "sent_at": utcnow()}
        report.sent += 1
    elif outcome.kind == "transient" and attempts < settings.mail_max_attempts:
        delay = backoff(settings.mail_retry_base_seconds, settings.mail_retry_max_seconds, attempts)
        values |= {"state": OutboxState.PENDING.value, "next_attempt_at": now + delay}
        report.retry_later += 1
    else:
        if outcome.kind == "transient":
            values["last_error"] = f"gave up after {attempts} attempts: {outcome.error}"
        values["state"] = OutboxState.FAILED.value
        report.failed += 1
    with ws.db.writing() as conn:
        conn.execute(update(OUTBOX).where(OUTBOX.c.id == row["id"]).values(**values))
