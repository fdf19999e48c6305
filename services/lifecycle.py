"""`fire`: the one use case that moves a document, for people and for ghtflow's own timers.

One transaction writes the new state (guarded by the document's `version_id`), the version or
conformity request the event brings, and the hash-chained `Event`. Two concurrent `fire` on one
document: the conditional UPDATE lets exactly one through and the other gets `Conflict`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import (
    ConformityMotive,
    ConformityRequest,
    Document,
    DocumentVersion,
    Ght,
    Person,
    utcnow,
)
from services.audit import append_event, last_event
from services.clock import today
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from services.files import StoredFile
from services.workspace import Workspace
from states.definition import Side
from states.guards import FireContext

SYSTEM_ACTOR = "ghtflow"


@dataclass(frozen=True)
class FireResult:
    document_id: int
    event: str
    from_state: str
    to_state: str
    state_label: str
    version: int
    event_seq: int


class _StateHolder:
    """The record the shared machine moves; the row itself is written by a guarded UPDATE."""

    def __init__(self, state: str) -> None:
        self.state = state


def describe(document: Document, ght_code: str) -> str:
    """How messages name a document: `document 12 (pmsp, OCC-03)`."""
    return f"document {document.id} ({document.doc_type}, {ght_code})"


def fire(
    ws: Workspace,
    document_id: int,
    event: str,
    actor: str,
    *,
    as_of: date | None = None,
    motives: tuple[str, ...] = (),
    note: str | None = None,
    respond_by: date | None = None,
    file: Path | None = None,
    expected_version: int | None = None,
) -> FireResult:
    """Fire `event` on a document as the person whose e-mail is `actor`."""
    if actor.strip().lower() == SYSTEM_ACTOR:
        raise PermissionDenied(f"{SYSTEM_ACTOR!r} is reserved for ghtflow's own timers")
    stored = ws.files.store(file) if file is not None else None
    return _apply(
        ws,
        document_id,
        event,
        actor=actor.strip().lower(),
        as_of=as_of or today(),
        motives=motives,
        note=note,
        respond_by=respond_by,
        stored=stored,
        expected_version=expected_version,
    )


def fire_timer_event(ws: Workspace, document_id: int, event: str, as_of: date) -> FireResult:
    """Fire an automatic event (e.g. `tacit_approve`) as ghtflow itself, audited like any other."""
    return _apply(ws, document_id, event, actor=SYSTEM_ACTOR, as_of=as_of)


def _apply(
    ws: Workspace,
    document_id: int,
    event: str,
    *,
    actor: str,
    as_of: date,
    motives: tuple[str, ...] = (),
    note: str | None = None,
    respond_by: date | None = None,
    stored: StoredFile | None = None,
    expected_version: int | None = None,
) -> FireResult:
    with ws.db.transaction() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound(f"document {document_id} does not exist")
        ght = session.get(Ght, document.ght_id)
        assert ght is not None
        label = describe(document, ght.code)
        side = _authorize(session, actor, document, ght, label)
        if expected_version is not None and document.version_id != expected_version:
            raise Conflict(
                f"{label} was changed by someone else (version {document.version_id}, "
                f"expected {expected_version}); reload it and try again"
            )
        machine = ws.workflows.machine(document.doc_type)
        definition = machine.definition
        transition = definition.transition(document.state, event)
        guards = transition.guards if transition else ()
        if transition is not None:  # otherwise the machine names the allowed events below
            _refuse_unused_options(label, event, guards, motives, respond_by, stored)
        previous = last_event(session, document.id or 0)
        if previous is not None and as_of < previous.as_of:
            raise InvalidInput(
                f"{label}: date {as_of.isoformat()} is before its last event "
                f"({previous.as_of.isoformat()}); history only moves forward"
            )
        known = _known_motives(session) if "conformity_motives" in guards else frozenset()
        holder = _StateHolder(document.state)
        context = FireContext(
            actor_side=side,
            as_of=as_of,
            motives=motives,
            known_motives=known,
            note=note,
            respond_by=respond_by,
            has_file=stored is not None,
        )
        machine.fire(holder, event, context, label)

        payload: dict[str, Any] = {}
        values: dict[str, Any] = {"state": holder.state, "updated_at": utcnow()}
        if note:
            payload["note"] = note
        if stored is not None:
            number = document.current_version + 1
            session.add(
                DocumentVersion(
                    document_id=document.id or 0,
                    number=number,
                    file_hash=stored.sha256,
                    file_name=stored.name,
                    size=stored.size,
                    received_on=as_of,
                )
            )
            values |= {"current_version": number, "submitted_on": as_of}
            payload |= {"version": number, "file_sha256": stored.sha256, "file_name": stored.name}
        if "conformity_motives" in guards and respond_by is not None:
            session.add(
                ConformityRequest(
                    document_id=document.id or 0,
                    motives=list(motives),
                    note=note,
                    requested_on=as_of,
                    respond_by=respond_by,
                    requested_by=actor,
                )
            )
            payload |= {"motives": list(motives), "respond_by": respond_by.isoformat()}
        if event == "resubmit":
            _answer_open_requests(session, document.id or 0, as_of)

        _guarded_update(session, document, values, label)
        appended = append_event(
            session,
            document_id=document.id or 0,
            name=event,
            actor=actor,
            as_of=as_of,
            from_state=document.state,
            to_state=holder.state,
            payload=payload,
            previous=(previous.seq, previous.hash) if previous else None,
        )
        try:
            session.flush()
        except IntegrityError:
            raise Conflict(
                f"{label} was changed by someone else; reload it and try again"
            ) from None
        return FireResult(
            document_id=document.id or 0,
            event=event,
            from_state=document.state,
            to_state=holder.state,
            state_label=definition.label_of(holder.state),
            version=values.get("current_version", document.current_version),
            event_seq=appended.seq,
        )


def _authorize(session: Session, actor: str, document: Document, ght: Ght, label: str) -> Side:
    """The actor's side; a GHT's people act on their own GHT only, the agency on its region."""
    if actor == SYSTEM_ACTOR:
        return Side.SYSTEM
    person = session.exec(select(Person).where(Person.email == actor)).first()
    if person is None:
        raise PermissionDenied(f"unknown actor {actor!r}: no person with that e-mail address")
    if person.side == Side.GHT.value:
        if person.ght_id != document.ght_id:
            own = session.get(Ght, person.ght_id) if person.ght_id else None
            raise PermissionDenied(
                f"{actor} acts for {own.code if own else 'no GHT'} and may not act on {label}"
            )
        return Side.GHT
    if person.region_id is not None and person.region_id != ght.region_id:
        raise PermissionDenied(f"{actor} belongs to another region's agency than {label}")
    return Side.AGENCY


def _refuse_unused_options(
    label: str,
    event: str,
    guards: tuple[str, ...],
    motives: tuple[str, ...],
    respond_by: date | None,
    stored: StoredFile | None,
) -> None:
    """Options an event does not use are refused, so nothing the user typed is silently lost."""
    if motives and "conformity_motives" not in guards:
        raise InvalidInput(f"{label}: event {event!r} takes no motive")
    if respond_by is not None and "respond_by_min_delay" not in guards:
        raise InvalidInput(f"{label}: event {event!r} takes no respond-by date")
    if stored is not None and "file_attached" not in guards:
        raise InvalidInput(f"{label}: event {event!r} takes no file")


def _known_motives(session: Session) -> frozenset[str]:
    return frozenset(session.exec(select(ConformityMotive.key)).all())


def _answer_open_requests(session: Session, document_id: int, as_of: date) -> None:
    session.execute(
        update(ConformityRequest)
        .where(
            col(ConformityRequest.document_id) == document_id,
            col(ConformityRequest.answered_on).is_(None),
        )
        .values(answered_on=as_of)
    )


def _guarded_update(
    session: Session, document: Document, values: dict[str, Any], label: str
) -> None:
    """Write only if nobody changed the row since we read it (optimistic lock)."""
    result = session.execute(
        update(Document)
        .where(col(Document.id) == document.id, col(Document.version_id) == document.version_id)
        .values(version_id=document.version_id + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"{label} was changed by someone else; reload it and try again")
