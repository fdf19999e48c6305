"""Delivering the outbox: the messages whose turn has come, recipient by recipient.

1. Claim a small batch (`CLAIM_SIZE`) in one short transaction: due pending messages that no
   live claim holds get this sender's token and an expiry sized from the batch, on the wall
   clock (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two deliverers racing take different rows
   and the loser goes on with others; on SQLite the writer lock serialises claims, and the
   UPDATE re-checks that each row is still free).
2. Before each message, renew its claim with a conditional UPDATE (token unchanged, still
   pending): a sender never sends a message whose claim it lost (expired and taken by another).
3. Send it to the addresses that are still pending, on one connection reused for the run.
4. Record each address's answer right after the server's, in one UPDATE conditional on the
   claim: delivered, pending (4xx: tried again later for that address alone, same bytes, same
   Message-ID) or refused (5xx, final). The row is `sent` when every address is delivered or
   refused with at least one delivered, `failed` when all were refused or attempts ran out.

Session failures (server out of reach, TLS, AUTH, relay denied: see `notifications.transport`)
charge nothing to the messages: their claims are released, the run stops and the report says
why (`session_error`), so that `outbox send` exits 1 and the flow run fails.

A crash between 3 and 4 (after the server accepted a message, before the row says so) leaves
that one message pending for those addresses; when its claim runs out it is sent to them again,
with the same Message-ID. At most one message per killed deliverer can be repeated that way,
never lost.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import secrets
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update

from models import OutboxState, utcnow
from models.outbox import RecipientState
from notifications.addresses import HeaderRefused, check_mailbox
from notifications.message import Attachment, Envelope, build_message, message_bytes
from notifications.transport import (
    Attempt,
    SessionFailed,
    SmtpConfig,
    SmtpSession,
    StaleConnection,
)
from services.mail.outbox import OUTBOX
from services.workspace import Workspace

T = TypeVar("T")
Clock = Callable[[], datetime]
CLAIM_SIZE = 20  # messages claimed at a time: what a dead sender can hold up
PARIS = ZoneInfo("Europe/Paris")

_COLUMNS = (
    "id",
    "message_id",
    "sender",
    "to_addrs",
    "cc_addrs",
    "subject",
    "body_text",
    "body_html",
    "attachments",
    "created_at",
    "attempts",
    "recipients",
)


@dataclass
class DeliveryReport:
    attempted: int = 0
    sent: int = 0
    retry_later: int = 0
    failed: int = 0
    refused_recipients: int = 0
    delivered_recipients: int = 0
    connections: int = 0
    connection_error: str | None = None  # the session failure that stopped the run, if any
    claims_lost: int = 0  # messages skipped because another sender took them over
    claimed_elsewhere: int = 0  # due messages another sender holds (e.g. one that died)
    claimed_until: str | None = None  # ISO time at which the last of those claims runs out

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"{self.sent} sent, {self.retry_later} to retry later, {self.failed} failed"
            f" ({self.attempted} attempted, {self.refused_recipients} recipients refused)"
        )

    def notes(self) -> list[str]:
        """What an operator must know beyond the counts: why the run stopped, and messages
        that another sender holds (one that died keeps them until its claim runs out)."""
        lines = []
        if self.connection_error:
            lines.append(f"SMTP: {self.connection_error}; due messages stay pending, untouched")
        if self.claimed_elsewhere and self.claimed_until:
            until = local_time(datetime.fromisoformat(self.claimed_until))
            verb = "messages are" if self.claimed_elsewhere > 1 else "message is"
            lines.append(f"{self.claimed_elsewhere} {verb} claimed by another sender until {until}")
        if self.claims_lost:
            lines.append(f"{self.claims_lost} messages were taken over by another sender")
        return lines

    @property
    def undelivered(self) -> bool:
        """Messages were due and could not be sent because of the sender's session."""
        return self.connection_error is not None


def backoff(settings_base: int, settings_max: int, attempts: int) -> timedelta:
    """Delay before the next attempt: base × 2^(attempts-1), capped."""
    return timedelta(seconds=min(settings_max, settings_base * 2 ** max(0, attempts - 1)))


def message_lease(timeout: float, recipients: int) -> timedelta:
    """Longest one message can take: every command of its transaction at the timeout, plus
    the database write; a claim renewed for this long cannot expire while it is being sent."""
    return timedelta(seconds=timeout * (3 + recipients) + 15)


def batch_lease(timeout: float, size: int) -> timedelta:
    """A claimed batch is renewed message by message; the batch lease only has to keep the
    messages not reached yet, at a few seconds each on a healthy relay."""
    return message_lease(timeout, 2) + timedelta(seconds=3 * size)


def deliver_due(
    ws: Workspace,
    *,
    now: datetime | None = None,
    limit: int | None = None,
    config: SmtpConfig | None = None,
    clock: Clock = utcnow,
) -> DeliveryReport:
    """Send what is due at `now` (default: now), at most `limit` messages; never raises for
    SMTP trouble: it is recorded on the messages and in the report. Claims run on `clock`."""
    return _run_sync(adeliver_due(ws, now=now or clock(), limit=limit, config=config, clock=clock))


def _run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run`, also from a thread that already runs an event loop (a Prefect task)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class _Run:
    """One delivery run: its claim token, its connection, its report."""

    def __init__(
        self, ws: Workspace, config: SmtpConfig, now: datetime, clock: Clock, limit: int | None
    ) -> None:
        self.ws = ws
        self.config = config
        self.now = now
        self.clock = clock
        self.limit = limit
        self.token = secrets.token_hex(16)
        self.report = DeliveryReport()
        self.smtp: SmtpSession | None = None
        self.sent_on_connection = 0

    async def run(self) -> DeliveryReport:
        try:
            while self.limit is None or self.report.attempted < self.limit:
                size = CLAIM_SIZE if self.limit is None else self.limit - self.report.attempted
                batch = claim(self.ws, self.token, self.now, self.clock(), min(size, CLAIM_SIZE))
                if not batch:
                    break
                if not await self._send_batch(batch):
                    break
        finally:
            await self._disconnect()
        if self.report.connection_error is None:
            self.report.claimed_elsewhere, until = claimed_elsewhere(
                self.ws, self.token, self.now, self.clock()
            )
            self.report.claimed_until = until.isoformat() if until else None
        return self.report

    async def _send_batch(self, batch: list[dict[str, Any]]) -> bool:
        """False when the session failed (the rest of the batch is released).

        Each message's claim is renewed right before it is sent; after the first, in the same
        transaction that records the previous message's outcome (one write per message)."""
        held_next: bool | None = None
        for index, row in enumerate(batch):
            following = batch[index + 1] if index + 1 < len(batch) else None
            pending = pending_recipients(row)
            held = held_next
            if held is None:
                held = renew(self.ws, self.token, row["id"], self.clock(), self._lease(pending))
            held_next = None
            if not held:
                self.report.claims_lost += 1
                continue
            if not pending:  # nothing left to send (a row edited by hand): settle it
                held_next = self._record(row, Attempt(), following)
                continue
            self.report.attempted += 1
            try:
                data = message_bytes(build_message(_envelope(self.ws, row)))
            except (HeaderRefused, FileNotFoundError, ValueError) as exc:
                held_next = self._record(row, Attempt(error=f"not sent: {exc}"), following, True)
                continue
            try:
                attempt = await self._send(data, _bare(row["sender"]), pending)
            except SessionFailed as exc:
                self.report.connection_error = str(exc)
                release(self.ws, self.token, [r["id"] for r in batch[index:]])
                self.report.attempted -= 1
                return False
            held_next = self._record(row, attempt, following)
            if attempt.connection_lost:
                await self._disconnect()
        return True

    async def _send(self, data: bytes, sender: str, recipients: list[str]) -> Attempt:
        """Send on the run's connection; once more on a new one if the server had closed it
        between two messages (then this message was never seen)."""
        try:
            return await (await self._connection()).send(data, sender, recipients)
        except StaleConnection:
            await self._disconnect()
            try:
                return await (await self._connection()).send(data, sender, recipients)
            except StaleConnection:
                raise SessionFailed(
                    f"{self.config.host}:{self.config.port} closes every connection"
                ) from None

    def _lease(self, recipients: list[str]) -> timedelta:
        return message_lease(self.config.timeout, len(recipients))

    async def _connection(self) -> SmtpSession:
        batch_size = self.ws.settings.mail_batch_size
        if self.smtp is not None and (
            not self.smtp.connected or self.sent_on_connection >= batch_size
        ):
            await self._disconnect()
        if self.smtp is None:
            smtp = SmtpSession(self.config)
            await smtp.__aenter__()
            self.smtp, self.sent_on_connection = smtp, 0
            self.report.connections += 1
        self.sent_on_connection += 1
        return self.smtp

    async def _disconnect(self) -> None:
        smtp, self.smtp = self.smtp, None
        if smtp is not None:
            await smtp.__aexit__(None, None, None)

    def _record(
        self,
        row: dict[str, Any],
        attempt: Attempt,
        following: dict[str, Any] | None = None,
        give_up: bool = False,
    ) -> bool | None:
        """Record one outcome (and renew the claim on `following`, the next message): whether
        the next message is still held, None when it was not renewed here."""
        values = outcome_values(
            row, attempt, self.now, self.clock(), self.ws.settings, give_up=give_up
        )
        state = values["state"]
        renewal = None
        if following is not None:
            lease = self._lease(pending_recipients(following))
            renewal = (following["id"], self.clock() + lease)
        done, held_next = record(self.ws, self.token, row["id"], values, renewal)
        if not done:
            self.report.claims_lost += 1
            return held_next
        self.report.delivered_recipients += len(attempt.delivered())
        self.report.refused_recipients += len(attempt.refused())
        if state == OutboxState.SENT.value:
            self.report.sent += 1
        elif state == OutboxState.FAILED.value:
            self.report.failed += 1
        else:
            self.report.retry_later += 1
        return held_next


async def adeliver_due(
    ws: Workspace,
    *,
    now: datetime,
    limit: int | None = None,
    config: SmtpConfig | None = None,
    clock: Clock = utcnow,
) -> DeliveryReport:
    config = config or SmtpConfig.from_settings(ws.settings)
    return await _Run(ws, config, now, clock, limit).run()


# --- the claim: who may send a message, until when ------------------------------------------


def _free(at: datetime) -> Any:
    c = OUTBOX.c
    return or_(c.claim_token.is_(None), c.claimed_until <= at)


def claim(
    ws: Workspace, token: str, now: datetime, at: datetime, size: int
) -> list[dict[str, Any]]:
    """Take up to `size` messages due at `now` that no live claim holds (at wall time `at`)."""
    c = OUTBOX.c
    due = (c.state == OutboxState.PENDING.value, c.next_attempt_at <= now, _free(at))
    with ws.db.writing() as conn:
        query = select(c.id).where(*due).order_by(c.id).limit(size)
        if conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = conn.execute(query).scalars().all()
        if not ids:
            return []
        rows = conn.execute(
            update(OUTBOX)
            .where(c.id.in_(ids), *due)
            .values(claim_token=token, claimed_until=at + batch_lease(_timeout(ws), len(ids)))
            .returning(*(c[name] for name in _COLUMNS))
        ).mappings()
        return sorted((dict(row) for row in rows), key=lambda row: row["id"])


def _timeout(ws: Workspace) -> float:
    return ws.settings.smtp_timeout_seconds


def renew(ws: Workspace, token: str, message_id: int, at: datetime, lease: timedelta) -> bool:
    """Extend this sender's claim on one message; False if it no longer holds it."""
    c = OUTBOX.c
    with ws.db.writing() as conn:
        renewed = conn.execute(
            update(OUTBOX)
            .where(
                c.id == message_id,
                c.claim_token == token,
                c.state == OutboxState.PENDING.value,
            )
            .values(claimed_until=at + lease)
            .returning(c.id)
        ).first()
    return renewed is not None


def release(ws: Workspace, token: str, ids: list[int]) -> None:
    """Give claimed messages back untouched (no attempt charged)."""
    if not ids:
        return
    c = OUTBOX.c
    with ws.db.writing() as conn:
        conn.execute(
            update(OUTBOX)
            .where(c.id.in_(ids), c.claim_token == token)
            .values(claim_token=None, claimed_until=None)
        )


def record(
    ws: Workspace,
    token: str,
    message_id: int,
    values: dict[str, Any],
    renewal: tuple[int, datetime] | None = None,
) -> tuple[bool, bool | None]:
    """Write one message's outcome and release its claim, if this sender still holds it; in
    the same transaction, renew the claim on the next message (`renewal`: its id, new expiry).
    Returns (outcome written, next message still held or None when not asked)."""
    c = OUTBOX.c
    with ws.db.writing() as conn:
        done = conn.execute(
            update(OUTBOX)
            .where(c.id == message_id, c.claim_token == token)
            .values(**values, claim_token=None, claimed_until=None)
            .returning(c.id)
        ).first()
        held = None
        if renewal is not None:
            next_id, until = renewal
            held = (
                conn.execute(
                    update(OUTBOX)
                    .where(
                        c.id == next_id,
                        c.claim_token == token,
                        c.state == OutboxState.PENDING.value,
                    )
                    .values(claimed_until=until)
                    .returning(c.id)
                ).first()
                is not None
            )
    return done is not None, held


def claimed_elsewhere(
    ws: Workspace, token: str, now: datetime, at: datetime
) -> tuple[int, datetime | None]:
    """Due messages that another sender's live claim holds, and when the last claim ends."""
    c = OUTBOX.c
    with ws.db.reading() as session:
        count, until = (
            session.connection()
            .execute(
                select(func.count(), func.max(c.claimed_until)).where(
                    c.state == OutboxState.PENDING.value,
                    c.next_attempt_at <= now,
                    c.claim_token.is_not(None),
                    c.claim_token != token,
                    c.claimed_until > at,
                )
            )
            .one()
        )
    return int(count), until


def local_time(at: datetime) -> str:
    """`10:42` (Europe/Paris), or with the date when it is not today."""
    local = at.astimezone(PARIS)
    today = datetime.now(PARIS).date()
    return local.strftime("%H:%M") if local.date() == today else local.strftime("%Y-%m-%d %H:%M")


# --- per-recipient outcomes -----------------------------------------------------------------


def recipients_of(row: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The row's per-address record; a message never tried has every address pending."""
    known: dict[str, dict[str, Any]] = dict(row.get("recipients") or {})
    for address in [*row["to_addrs"], *row["cc_addrs"]]:
        known.setdefault(
            address, {"state": RecipientState.PENDING.value, "reply": None, "at": None}
        )
    return known


def pending_recipients(row: dict[str, Any]) -> list[str]:
    return [a for a, e in recipients_of(row).items() if e["state"] == RecipientState.PENDING.value]


def outcome_values(
    row: dict[str, Any],
    attempt: Attempt,
    now: datetime,
    at: datetime,
    settings: Any,
    *,
    give_up: bool = False,
) -> dict[str, Any]:
    """The columns to write after one attempt: each address's new state, then the row's."""
    entries = recipients_of(row)
    stamp = at.isoformat()
    for address, reply in attempt.replies.items():
        if reply.code < 400:
            state = RecipientState.DELIVERED
        elif reply.code >= 500:
            state = RecipientState.REFUSED
        else:
            state = RecipientState.PENDING
        entries[address] = {"state": state.value, "reply": str(reply), "at": stamp}
    attempts = row["attempts"] + 1
    pending = [a for a, e in entries.items() if e["state"] == RecipientState.PENDING.value]
    delivered = [a for a, e in entries.items() if e["state"] == RecipientState.DELIVERED.value]
    refused = {a: e["reply"] for a, e in entries.items() if e["state"] == RecipientState.REFUSED}
    errors = attempt.error or "; ".join(
        f"{a}: {r}" for a, r in attempt.replies.items() if r.code >= 400
    )
    values: dict[str, Any] = {
        "attempts": attempts,
        "recipients": entries,
        "refused": refused or None,
        "last_error": errors or None,
        "last_attempt_at": at,
    }
    if give_up:
        values["state"] = OutboxState.FAILED.value
    elif not pending:
        values["state"] = OutboxState.SENT.value if delivered else OutboxState.FAILED.value
        if delivered:
            values["sent_at"] = at
    elif attempts < settings.mail_max_attempts:
        delay = backoff(settings.mail_retry_base_seconds, settings.mail_retry_max_seconds, attempts)
        values |= {"state": OutboxState.PENDING.value, "next_attempt_at": now + delay}
    else:
        values["state"] = OutboxState.FAILED.value
        values["last_error"] = f"gave up after {attempts} attempts: {errors}"
    return values


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


def _bare(sender: str) -> str:
    return check_mailbox(sender, "From")[1]
