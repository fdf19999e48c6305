"""The hash-chained history: every transition appends an `Event` whose hash covers its row and
the previous event of the same document, so that an edited or reordered row is detected.

One chain per document keeps writers of different documents independent (no global head to
fight over) while `(document_id, seq)` being unique makes two writers of one document collide.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, type_coerce
from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from models import Database, Event, utcnow

GENESIS = "0" * 64


def canonical_json(data: Any) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


CHAINED = (
    "document_id",
    "seq",
    "name",
    "actor",
    "at",
    "as_of",
    "from_state",
    "to_state",
    "payload",
    "prev_hash",
)


def event_hash(event: Mapping[str, Any] | Event) -> str:
    """SHA-256 of the chained fields, in a form that survives a database round trip."""
    if isinstance(event, Mapping):
        fields = {k: event[k] for k in CHAINED}
    else:
        fields = {k: getattr(event, k) for k in CHAINED}
    fields["at"] = fields["at"].isoformat(timespec="microseconds")
    fields["as_of"] = fields["as_of"].isoformat()
    return hashlib.sha256(canonical_json(fields).encode("utf-8")).hexdigest()


def chain_event(
    *,
    document_id: int,
    name: str,
    actor: str,
    as_of: date,
    from_state: str | None,
    to_state: str,
    payload: dict[str, Any],
    previous: tuple[int, str] | None,
) -> dict[str, Any]:
    """The next event row of a document's chain, hash included; `previous` is (seq, hash) of
    its last event, None for the first. A plain mapping: the hot path inserts it with Core."""
    seq, prev_hash = (previous[0] + 1, previous[1]) if previous else (1, GENESIS)
    row: dict[str, Any] = {
        "document_id": document_id,
        "seq": seq,
        "name": name,
        "actor": actor,
        "at": utcnow(),
        "as_of": as_of,
        "from_state": from_state,
        "to_state": to_state,
        "payload": canonical_json(payload),
        "prev_hash": prev_hash,
    }
    row["hash"] = event_hash(row)
    return row


def append_event(session: Session, **fields: Any) -> Event:
    """`chain_event` added to an ORM session (the fields are `chain_event`'s)."""
    event = Event(**chain_event(**fields))
    session.add(event)
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    documents: int
    broken_event_id: int | None = None
    broken_document_id: int | None = None
    reason: str | None = None

    @property
    def intact(self) -> bool:
        return self.broken_event_id is None


def verify_chain(db: Database) -> ChainReport:
    """Recompute every hash in (document, seq) order; report the first event that does not fit.

    A row edited outside ghtflow may not even load (`at` set to 'garbage' on SQLite, a payload
    that is not JSON): that is a broken chain too, reported against its event and field like
    any other alteration. Healthy histories are read in one query; only when a row fails to
    load are the rows read one by one, to name the first that cannot be read."""
    try:
        with db.reading() as session:
            events = session.exec(select(Event).order_by(col(Event.document_id), col(Event.seq)))
            return _verify(events)
    except (ValueError, TypeError, OverflowError, StatementError):
        with db.reading() as session:
            return _verify(_rows_one_by_one(session))


@dataclass(frozen=True)
class _Unreadable:
    """An event row whose field cannot be read back as its type."""

    id: int | None
    document_id: int
    seq: int
    reason: str


def _verify(rows: Iterable[Event | _Unreadable]) -> ChainReport:
    count = 0
    documents = 0
    current_doc: int | None = None
    prev_hash = GENESIS
    expected_seq = 1
    for event in rows:
        if event.document_id != current_doc:
            current_doc, prev_hash, expected_seq = event.document_id, GENESIS, 1
            documents += 1
        count += 1
        if isinstance(event, _Unreadable):
            return ChainReport(count, documents, event.id, event.document_id, event.reason)
        reason = None
        if event.seq != expected_seq:
            reason = f"sequence {event.seq} where {expected_seq} was expected (row missing)"
        elif event.prev_hash != prev_hash:
            reason = "its link to the previous event does not match (row removed or reordered)"
        elif (unreadable := _unreadable_field(event)) is not None:
            reason = unreadable
        elif event_hash(event) != event.hash:
            reason = "its content does not match its hash (row altered)"
        if reason:
            return ChainReport(count, documents, event.id, event.document_id, reason)
        prev_hash, expected_seq = event.hash, expected_seq + 1
    return ChainReport(count, documents)


def _unreadable_field(event: Event) -> str | None:
    """Why a loaded row cannot be hashed or shown (a field emptied or of the wrong kind, a
    payload that is not a JSON object), or None."""
    for name, kind in (("at", datetime), ("as_of", date)):
        if not isinstance(getattr(event, name), kind):
            return f"its {name} {getattr(event, name)!r} is not a {kind.__name__} (row altered)"
    try:
        payload = json.loads(event.payload)
    except (TypeError, ValueError):
        payload = None
    if not isinstance(payload, dict):
        return f"its payload {_short(event.payload)} is not a JSON object (row altered)"
    return None


def _rows_one_by_one(session: Session) -> Iterator[Event | _Unreadable]:
    """Every event in chain order, each loaded alone; a row that fails to load is named with
    the first field that cannot be read, and its raw stored text."""
    keys = session.exec(
        select(Event.id, Event.document_id, Event.seq).order_by(
            col(Event.document_id), col(Event.seq)
        )
    ).all()
    for event_id, document_id, seq in keys:
        try:
            event = session.exec(select(Event).where(Event.id == event_id)).one()
        except (ValueError, TypeError, OverflowError, StatementError):
            yield _Unreadable(event_id, document_id, seq, _why_unreadable(session, event_id))
            continue
        yield event


def _why_unreadable(session: Session, event_id: int | None) -> str:
    for name in ("hash", *CHAINED):
        column = getattr(Event, name)
        try:
            session.exec(select(column).where(Event.id == event_id)).one()
        except (ValueError, TypeError, OverflowError, StatementError) as exc:
            raw = session.exec(select(type_coerce(column, String)).where(Event.id == event_id))
            return f"its {name} {_short(raw.one())} cannot be read ({exc}) (row altered)"
    return "its row cannot be read (row altered)"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
