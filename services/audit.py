"""The hash-chained history: every transition appends an `Event` whose hash covers its row and
the previous event of the same document, so that an edited or reordered row is detected.

One chain per document keeps writers of different documents independent (no global head to
fight over) while `(document_id, seq)` being unique makes two writers of one document collide.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

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
    """Recompute every hash in (document, seq) order; report the first event that does not fit."""
    count = 0
    documents = 0
    with db.reading() as session:
        rows = session.exec(select(Event).order_by(col(Event.document_id), col(Event.seq)))
        current_doc: int | None = None
        prev_hash = GENESIS
        expected_seq = 1
        for event in rows:
            if event.document_id != current_doc:
                current_doc, prev_hash, expected_seq = event.document_id, GENESIS, 1
                documents += 1
            count += 1
            reason = None
            if event.seq != expected_seq:
                reason = f"sequence {event.seq} where {expected_seq} was expected (row missing)"
            elif event.prev_hash != prev_hash:
                reason = "its link to the previous event does not match (row removed or reordered)"
            elif event_hash(event) != event.hash:
                reason = "its content does not match its hash (row altered)"
            if reason:
                return ChainReport(count, documents, event.id, event.document_id, reason)
            prev_hash, expected_seq = event.hash, expected_seq + 1
    return ChainReport(count, documents)
