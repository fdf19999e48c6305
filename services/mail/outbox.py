"""Queuing e-mails in the outbox, inside the caller's transaction, and reading the outbox.

A notice becomes one `OutboxMessage` row written on the same connection (so in the same
transaction) as the decision that caused it: a rolled-back event leaves no e-mail behind and a
committed one cannot lose its e-mail. The row is rendered in full when queued (subject, text,
HTML, Message-ID), so delivery only reads and sends. The unique key (document, kind, stage, due
date) is enforced by the database: inserting a notice that exists already does nothing.

Recipients: the GHT's people (`Person` side "ght", the support establishment's contacts); in
copy, for the notices that involve the agency's direction (overdue, conformity requests and
their escalation, tacit approval, a procedure's notice that says `copy_direction: true`), the
region's `direction_email`, or `GHTFLOW_MAIL_CC` instead when it is set.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite

from models import Ght, OutboxMessage, OutboxState, Person, Region, utcnow
from models.db import table_of
from models.outbox import NoticeKind
from notifications.addresses import InvalidAddress, parse_address
from notifications.message import Attachment, new_message_id
from notifications.render import MailTemplate, Rendered, render_notice
from services.errors import InvalidInput, NotFound
from services.mail.addresses import copy_override, sender_of
from services.workspace import Workspace
from settings import Settings

OUTBOX = table_of(OutboxMessage)
GHT_TABLE = table_of(Ght)

# the kinds whose message is copied to the agency's direction (or GHTFLOW_MAIL_CC)
COPY_DIRECTION = frozenset(
    {
        NoticeKind.OVERDUE,
        NoticeKind.CONFORMITY_REQUEST,
        NoticeKind.CONFORMITY_OVERDUE,
        NoticeKind.TACIT_APPROVAL,
    }
)
# what every notice about a document may use, besides what its kind adds (`Notice.context`)
COMMON_CONTEXT = frozenset(
    {
        "ght_code",
        "ght_name",
        "holder_code",
        "holder_name",
        "agency_name",
        "document_id",
        "attachments",
        "subject",
    }
)


class AddressRefused(InvalidInput):
    """A message that cannot be queued because an address of its recipients breaks the rule
    (a row stored before the rule was enforced). It concerns that one message: a sweep records
    it against the document and goes on with the others."""


@dataclass(frozen=True)
class GhtContacts:
    """Who hears about a GHT's documents. `refused` and `refused_copy` say why an address
    stored for the GHT (a person's; the direction's) cannot be written to, one reason each."""

    ght_id: int
    code: str
    name: str
    agency_name: str
    to: tuple[str, ...]
    direction: tuple[str, ...]
    refused: tuple[str, ...] = ()
    refused_copy: tuple[str, ...] = ()


@dataclass(frozen=True)
class Notice:
    """One decision to tell a GHT something; its key is (document, kind, stage, due date).

    `template` names the templates of an event's notice (its procedure's `mails/` first; by
    default the kind's under `notifications/templates/`); `copy_direction` says whether the
    agency's direction gets a copy (by default: the kinds of `COPY_DIRECTION`)."""

    document_id: int
    ght_id: int
    kind: str
    stage: str
    due_date: date
    as_of: date
    context: Mapping[str, Any]
    attachments: Sequence[Attachment] = field(default_factory=tuple)
    template: MailTemplate | None = None
    copy_direction: bool | None = None

    @property
    def copied(self) -> bool:
        """Whether the agency's direction gets a copy."""
        if self.copy_direction is not None:
            return self.copy_direction
        return self.kind in COPY_DIRECTION

    @property
    def key(self) -> tuple[int, str, str, date]:
        return (self.document_id, self.kind, self.stage, self.due_date)


def ght_contacts(
    conn: Connection, settings: Settings, ght_ids: Iterable[int] | None = None
) -> dict[int, GhtContacts]:
    """Recipients of each GHT (all GHTs when `ght_ids` is None), addresses checked."""
    ght, region, person = table_of(Ght), table_of(Region), table_of(Person)
    query = select(
        ght.c.id, ght.c.code, ght.c.name, region.c.agency_name, region.c.direction_email
    ).join(region, region.c.id == ght.c.region_id)
    people = select(person.c.ght_id, person.c.email).where(
        person.c.side == "ght",
        person.c.removed_at.is_(None),  # a removed person hears nothing
    )
    if ght_ids is not None:
        wanted = sorted(set(ght_ids))
        query = query.where(ght.c.id.in_(wanted))
        people = people.where(person.c.ght_id.in_(wanted))
    emails: dict[int, list[str]] = {}
    for ght_id, email in conn.execute(people.order_by(person.c.email)):
        emails.setdefault(ght_id, []).append(email)
    override = copy_override(settings)
    found: dict[int, GhtContacts] = {}
    for ght_id, code, name, agency, direction in conn.execute(query):
        to, refused = _checked(emails.get(ght_id, []), f"e-mail of a person of {code}")
        copy, bad_copy = tuple(override), tuple[str, ...]()
        if not override:  # a region created by a national-list import may have no address yet
            copy, bad_copy = _checked([direction] if direction else [], "direction_email")
        found[ght_id] = GhtContacts(ght_id, code, name, agency, to, copy, refused, bad_copy)
    return found


def _checked(addresses: Iterable[str], what: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the addresses that pass the rule, normalised; the reasons of those that do not)."""
    good: list[str] = []
    bad: list[str] = []
    for address in addresses:
        try:
            good.append(parse_address(address, what))
        except InvalidAddress as exc:
            bad.append(str(exc))
    return tuple(good), tuple(bad)


def message_row(
    notice: Notice, contacts: GhtContacts, sender: str, now: datetime
) -> dict[str, Any]:
    """The outbox row of a notice: rendered, addressed, with its Message-ID drawn now.

    `AddressRefused` when an address of the GHT breaks the rule: the message is not queued
    rather than sent without someone (it is queued once the address is corrected)."""
    copied = notice.copied
    refused = contacts.refused + (contacts.refused_copy if copied else ())
    if refused:
        raise AddressRefused(
            f"{contacts.code}: message not queued, {'; '.join(refused)} (correct it with "
            "'ghtflow users add' or 'ghtflow regions set-direction')"
        )
    context = {
        "ght_code": contacts.code,
        "ght_name": contacts.name,
        "holder_code": contacts.code,
        "holder_name": contacts.name,
        "agency_name": contacts.agency_name,
        "document_id": notice.document_id,
        "attachments": [a.name for a in notice.attachments],
        **notice.context,
    }
    rendered = render_notice(notice.kind, context, notice.template)
    copy = list(contacts.direction) if copied else []
    return pending_row(
        kind=str(notice.kind),
        stage=notice.stage,
        due_date=notice.due_date,
        as_of=notice.as_of,
        sender=sender,
        to=list(contacts.to),
        cc=copy,
        rendered=rendered,
        now=now,
        document_id=notice.document_id,
        ght_id=notice.ght_id,
        attachments=[a.as_json() for a in notice.attachments],
    )


def pending_row(
    *,
    kind: str,
    stage: str,
    due_date: date | None,
    as_of: date,
    sender: str,
    to: list[str],
    cc: list[str],
    rendered: Rendered,
    now: datetime,
    document_id: int | None = None,
    ght_id: int | None = None,
    region_id: int | None = None,
    attachments: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The one shape of a queued message: an outbox row, pending and due now, with its own
    Message-ID fixed (a copy is never sent to an address the message already goes to)."""
    return {
        "document_id": document_id,
        "ght_id": ght_id,
        "region_id": region_id,
        "kind": kind,
        "stage": stage,
        "due_date": due_date,
        "as_of": as_of,
        "message_id": new_message_id(sender),
        "sender": sender,
        "to_addrs": to,
        "cc_addrs": [a for a in cc if a not in to],
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "attachments": attachments or [],
        "state": OutboxState.PENDING.value,
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def existing_keys(
    conn: Connection, document_ids: Iterable[int], kinds: Iterable[str]
) -> set[tuple[int, str, str, date]]:
    """The notice keys already in the outbox for these documents (to skip rendering them)."""
    ids = sorted(set(document_ids))
    if not ids:
        return set()
    rows = conn.execute(
        select(OUTBOX.c.document_id, OUTBOX.c.kind, OUTBOX.c.stage, OUTBOX.c.due_date).where(
            OUTBOX.c.document_id.in_(ids), OUTBOX.c.kind.in_(sorted(set(kinds)))
        )
    )
    return {(d, k, s, due) for d, k, s, due in rows}


def insert_messages(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
    """Insert rows, skipping any whose notice key exists already; how many were inserted."""
    if not rows:
        return 0
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(OUTBOX).on_conflict_do_nothing().returning(OUTBOX.c.id)
    return len(conn.execute(statement, list(rows)).all())


def enqueue(conn: Connection, settings: Settings, notice: Notice, *, required: bool = True) -> bool:
    """Queue one notice in the caller's transaction; False if that notice was queued before
    or (when not `required`) if the GHT has nobody to write to. `AddressRefused` when an
    address of the GHT breaks the rule, even when not `required`: the caller's change is then
    refused too, and can be made again once the address is corrected."""
    contacts = ght_contacts(conn, settings, [notice.ght_id]).get(notice.ght_id)
    if contacts is None:
        raise NotFound(f"GHT {notice.ght_id} does not exist")
    if not contacts.to and not contacts.refused:
        if not required:
            return False
        raise InvalidInput(
            f"{contacts.code} has nobody to write to: add a person of the GHT to the registry"
        )
    row = message_row(notice, contacts, sender_of(settings), utcnow())
    return insert_messages(conn, [row]) == 1


# --- reading and retrying (the `outbox list` and `outbox retry` commands) ---

LIST_FIELDS = (
    "id",
    "state",
    "kind",
    "stage",
    "document_id",
    "due_date",
    "to",
    "cc",
    "subject",
    "attempts",
    "next_attempt_at",
    "last_error",
    "refused",
    "sent_at",
    "message_id",
    "recipients",
    "claimed_until",
    "last_attempt_at",
    "as_of",
)


def delivery_summary(to: Sequence[str], cc: Sequence[str], recipients: Any) -> str:
    """`2/3 delivered, 1 pending (421)`: where each address stands, with the servers' codes."""
    entries: dict[str, dict[str, Any]] = dict(recipients or {})
    states = {a: entries.get(a, {"state": "pending", "reply": None}) for a in [*to, *cc]}
    delivered = sum(1 for e in states.values() if e["state"] == "delivered")
    parts = [f"{delivered}/{len(states)} delivered"]
    for state in ("refused", "pending"):
        these = [e for e in states.values() if e["state"] == state]
        if these:
            codes = sorted({str(e["reply"]).split()[0] for e in these if e.get("reply")})
            parts.append(f"{len(these)} {state}" + (f" ({', '.join(codes)})" if codes else ""))
    return ", ".join(parts)


def in_region(region_id: int | None) -> ColumnElement[bool]:
    """Messages about `region_id`: a notice to the region itself, or to one of its holders
    (every message when None: the operator's tools)."""
    if region_id is None:
        return true()
    holders = select(GHT_TABLE.c.id).where(GHT_TABLE.c.region_id == region_id)
    return or_(OUTBOX.c.region_id == region_id, OUTBOX.c.ght_id.in_(holders))


def list_messages(
    ws: Workspace,
    state: str | None = None,
    now: datetime | None = None,
    region_id: int | None = None,
    since: date | None = None,
) -> list[dict[str, Any]]:
    """The stable JSON shape of `outbox list` (documented in the README), plus `delivery`
    (the per-recipient summary) and `claimed_until` (null unless a sender holds it now);
    with `region_id`, that region's messages only (an agency's page); with `since`, those
    queued for a business day (`as_of`) on or after it. Oldest first."""
    if state is not None and state not in {s.value for s in OutboxState}:
        raise InvalidInput(f"unknown state {state!r}; states: pending, sent, failed")
    now = now or utcnow()
    c = OUTBOX.c
    query = select(
        c.id,
        c.state,
        c.kind,
        c.stage,
        c.document_id,
        c.due_date,
        c.to_addrs,
        c.cc_addrs,
        c.subject,
        c.attempts,
        c.next_attempt_at,
        c.last_error,
        c.refused,
        c.sent_at,
        c.message_id,
        c.recipients,
        c.claimed_until,
        c.last_attempt_at,
        c.as_of,
    ).order_by(c.id)
    if state is not None:
        query = query.where(c.state == state)
    if since is not None:
        query = query.where(c.as_of >= since)
    query = query.where(in_region(region_id))
    with ws.db.reading() as session:
        rows = session.connection().execute(query).all()
    found = []
    for row in rows:
        item = dict(zip(LIST_FIELDS, row, strict=True))
        if item["claimed_until"] is not None and item["claimed_until"] <= now:
            item["claimed_until"] = None  # a claim that ran out holds nothing
        item["delivery"] = delivery_summary(item["to"], item["cc"], item["recipients"])
        found.append(
            {
                name: value.isoformat() if isinstance(value, date | datetime) else value
                for name, value in item.items()
            }
        )
    return found


def _requeue_values(state: str, recipients: Any, now: datetime) -> dict[str, Any]:
    """Due now; a failed message starts a new series of attempts, and the addresses that
    refused it are tried again (never those that received it)."""
    values: dict[str, Any] = {"state": OutboxState.PENDING.value, "next_attempt_at": now}
    if state == OutboxState.FAILED.value:
        values["attempts"] = 0
        if recipients:
            values["recipients"] = {
                a: (e if e.get("state") == "delivered" else {**e, "state": "pending"})
                for a, e in recipients.items()
            }
            values["refused"] = None
    return values


def retry_message(
    ws: Workspace, message_id: int, now: datetime | None = None, region_id: int | None = None
) -> dict[str, Any]:
    """Make one pending or failed message due now (a sent one is refused: it arrived); with
    `region_id`, a message of another region is answered as one that does not exist."""
    now = now or utcnow()
    with ws.db.writing() as conn:
        found = conn.execute(
            select(OUTBOX.c.state, OUTBOX.c.recipients).where(
                OUTBOX.c.id == message_id, in_region(region_id)
            )
        ).first()
        if found is None:
            raise NotFound(f"outbox message {message_id} does not exist")
        state, recipients = found
        if state == OutboxState.SENT.value:
            raise InvalidInput(f"outbox message {message_id} was sent already; nothing to retry")
        conn.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == message_id)
            .values(**_requeue_values(state, recipients, now))
        )
    return {"id": message_id, "state": OutboxState.PENDING.value, "was": state}


def retry_messages(
    ws: Workspace,
    *,
    state: str = OutboxState.FAILED.value,
    since: date | None = None,
    kind: str | None = None,
    now: datetime | None = None,
) -> list[int]:
    """Make every `state` message (failed by default) due now, those whose last attempt was
    on or after `since` (a Paris day) and of `kind` only when given; the ids re-queued."""
    if state not in (OutboxState.FAILED.value, OutboxState.PENDING.value):
        raise InvalidInput(f"cannot retry {state!r} messages; states: failed, pending")
    if kind is not None and kind not in {k.value for k in NoticeKind}:
        known = ", ".join(k.value for k in NoticeKind)
        raise InvalidInput(f"unknown kind {kind!r}; kinds: {known}")
    now = now or utcnow()
    c = OUTBOX.c
    query = select(c.id, c.recipients).where(c.state == state).order_by(c.id)
    if since is not None:
        start = datetime.combine(since, time(0), tzinfo=ZoneInfo("Europe/Paris"))
        query = query.where(func.coalesce(c.last_attempt_at, c.created_at) >= start)
    if kind is not None:
        query = query.where(c.kind == kind)
    with ws.db.writing() as conn:
        rows = conn.execute(query).all()
        for message_id, recipients in rows:
            conn.execute(
                update(OUTBOX)
                .where(c.id == message_id, c.state == state)
                .values(**_requeue_values(state, recipients, now))
            )
    return [message_id for message_id, _ in rows]
