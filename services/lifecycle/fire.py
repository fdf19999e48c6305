"""`fire`: the one use case that moves a document, for people and for ghtflow's own timers.

One transaction writes the new state (guarded by the document's `version_id`), the version or
conformity request the event brings, and the hash-chained `Event`. Two concurrent `fire` on one
document: the conditional UPDATE lets exactly one through and the other gets `Conflict`.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from models import (
    Assessment,
    AuditHead,
    ConformityMotive,
    Document,
    Event,
    Ght,
    Person,
    utcnow,
)
from models.db import table_of
from models.precompiled import Precompiled
from services.adapters.file_kinds import check_document_file
from services.adapters.files import StoredFile
from services.audit.chain import HeadRow, append_event
from services.clock import check_not_after_today, today
from services.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from services.lifecycle.effects import Step, run_effects
from services.limits import KEY_MAX, MOTIVES_MAX, NOTE_MAX, check_all, check_length
from services.mail.events import FiredEvent, mail_for_event
from services.workspace import Workspace
from states.access import Actor, Place, refusal_to_act
from states.definition import ALL_CRITERIA_MET, CRITERION_ASSESSED, Side, TransitionDef
from states.guards import FireContext
from states.machine import DocumentMachine

SYSTEM_ACTOR = "ghtflow"
OPERATOR = "operator"  # who dates an event when the operator's own tools (CLI, scenario) do
_TIMERS = Actor(SYSTEM_ACTOR, Side.SYSTEM)
_SIDES = {side.value: side for side in Side}  # a dict lookup: `Side(value)` costs more


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


def fire(
    ws: Workspace,
    document_id: int,
    event: str,
    actor: str,
    *,
    as_of: date | None = None,
    dated_by: str | None = None,
    motives: tuple[str, ...] = (),
    note: str | None = None,
    respond_by: date | None = None,
    file: Path | None = None,
    file_name: str | None = None,
    expected_version: int | None = None,
    criterion: str | None = None,
    met: bool | None = None,
) -> FireResult:
    """Fire `event` on a document as the person whose e-mail is `actor`.

    A file (shown as `file_name`, default its own name) is copied aside and checked (a PDF or
    Word document, judged from its content) whoever sends it, and enters the file store only
    once the event is committed: a refused event stores nothing. A motive given twice counts
    once (the first occurrence keeps its place).

    `as_of` is the business day of the event, by default today (the server dates it). A day
    given by someone is never after today and never before the document's last event, and
    `dated_by` says who gave it: the e-mail of the signed-in account that typed it (the API and
    the web pass it; it must be an agency person: a GHT's events are dated by the server), or
    None for the operator's own tools (CLI, scenario). A backdated event records who dated it.
    """
    if SYSTEM_ACTOR in (actor.strip().lower(), (dated_by or "").strip().lower()):
        raise PermissionDenied(f"{SYSTEM_ACTOR!r} is reserved for ghtflow's own timers")
    check_length(note, "note", NOTE_MAX)  # bounded before anything is stored (services.limits)
    check_length(criterion, "criterion", KEY_MAX)
    motives = distinct_motives(motives)
    check_all(motives, "motives", KEY_MAX, MOTIVES_MAX)
    with ExitStack() as staging:
        staged = (
            staging.enter_context(ws.files.stage(file, file_name)) if file is not None else None
        )
        if staged is not None:
            check_document_file(staged.path, staged.file.name)
        result = _apply(
            ws,
            document_id,
            event,
            actor=actor.strip().lower(),
            as_of=as_of,
            dated_by=OPERATOR if dated_by is None else dated_by.strip().lower(),
            motives=motives,
            note=note,
            respond_by=respond_by,
            stored=staged.file if staged is not None else None,
            expected_version=expected_version,
            verdict=(criterion, met),
        )
        if staged is not None:
            staged.promote()  # after the commit; a crash here leaves a temp file for `files gc`
    return result


def distinct_motives(motives: Iterable[str]) -> tuple[str, ...]:
    """Each motive once, in the order first given: a conformity request lists what to fix,
    and a motive named twice (`--motive X --motive X`, a form sent twice) is one motive."""
    return tuple(dict.fromkeys(motives))


def fire_timer_event(ws: Workspace, document_id: int, event: str, as_of: date) -> FireResult:
    """Fire an automatic event (e.g. `tacit_approve`) as ghtflow itself, audited like any other;
    `as_of` is the day ghtflow computed (e.g. when the review period ran out), never after today."""
    return _apply(ws, document_id, event, actor=SYSTEM_ACTOR, as_of=as_of, dated_by=SYSTEM_ACTOR)


@dataclass(frozen=True)
class _Loaded:
    """The columns of a document, its GHT, its last event and the actor that firing reads:
    one statement, no ORM objects (each round trip costs about as much as the work)."""

    id: int
    ght_id: int
    doc_type: str
    state: str
    current_version: int
    version_id: int
    ght_code: str
    region_id: int
    last_seq: int | None  # the document's last event (None before its first)
    last_as_of: date | None
    person_id: int | None  # the actor, read with the document (None: no such person)
    person_side: str | None
    person_ght_id: int | None
    person_region_id: int | None
    person_removed_at: datetime | None
    head: HeadRow | None = None  # the audit head, read (and locked) with the document

    @property
    def label(self) -> str:
        return f"document {self.id} ({self.doc_type}, {self.ght_code})"


# Statements built once on the tables (plain Core, no ORM), with bound values; those run on
# every event are `Precompiled`: compiled once per database and run as their SQL text, as
# SQLAlchemy's per-call work cost more than the statements on SQLite (models.precompiled).
_DOCUMENT, _GHT, _PERSON_T, _EVENT, _HEAD_T = (
    table_of(Document),
    table_of(Ght),
    table_of(Person),
    table_of(Event),
    table_of(AuditHead),
)
# The document's last event, read with the document itself (one statement, not two: firing
# is the hot path and each round trip costs about as much as the work).
_LAST = (
    select(_EVENT.c.seq, _EVENT.c.as_of)
    .where(_EVENT.c.document_id == _DOCUMENT.c.id)
    .order_by(_EVENT.c.seq.desc())
    .limit(1)
    .correlate(_DOCUMENT)
)
_LOAD = (
    select(
        _DOCUMENT.c.id,
        _DOCUMENT.c.ght_id,
        _DOCUMENT.c.doc_type,
        _DOCUMENT.c.state,
        _DOCUMENT.c.current_version,
        _DOCUMENT.c.version_id,
        _GHT.c.code,
        _GHT.c.region_id,
        _LAST.with_only_columns(_EVENT.c.seq).scalar_subquery(),
        _LAST.with_only_columns(_EVENT.c.as_of).scalar_subquery(),
        _PERSON_T.c.id,
        _PERSON_T.c.side,
        _PERSON_T.c.ght_id,
        _PERSON_T.c.region_id,
        _PERSON_T.c.removed_at,
    )
    .select_from(_DOCUMENT)
    .join(_GHT, _GHT.c.id == _DOCUMENT.c.ght_id)
    .outerjoin(_PERSON_T, _PERSON_T.c.email == bindparam("email"))  # the actor, if a person
    .where(_DOCUMENT.c.id == bindparam("document_id"))
)
# The audit head is read with the document: on SQLite a writing transaction starts with BEGIN
# IMMEDIATE, so no other writer can move it before this one commits; on PostgreSQL the same
# statement locks the head row (FOR UPDATE OF audithead, never the document or the GHT), as
# `append_event` would have a statement later. The head row exists from the migration on; a
# database without it takes the slow path (the head read apart, or re-created, in
# `append_event`), as does a missing document, to say which of the two is missing.
_COLUMNS = len(_LOAD.selected_columns)  # those of `_Loaded`; the head's follow them
_WITH_HEAD = _LOAD.add_columns(_HEAD_T.c.chain_seq, _HEAD_T.c.hash, _HEAD_T.c.key_id).join(
    _HEAD_T, _HEAD_T.c.id == 1
)
_LOAD_WITH_HEAD = {
    "sqlite": Precompiled(_WITH_HEAD),
    "postgresql": Precompiled(_WITH_HEAD.with_for_update(of=_HEAD_T)),
}
_PERSON = select(
    _PERSON_T.c.side, _PERSON_T.c.ght_id, _PERSON_T.c.region_id, _PERSON_T.c.removed_at
).where(_PERSON_T.c.email == bindparam("email"))
_GUARDED = _DOCUMENT.update().where(
    _DOCUMENT.c.id == bindparam("document_id"),
    _DOCUMENT.c.version_id == bindparam("seen_version"),
)
_MOVE_STATEMENT = _GUARDED.values(
    state=bindparam("new_state"),
    updated_at=bindparam("now"),
    version_id=_DOCUMENT.c.version_id + 1,
)
_MOVE = Precompiled(_MOVE_STATEMENT)
_MOVE_WITH_VERSION = Precompiled(
    _MOVE_STATEMENT.values(
        current_version=bindparam("new_version"), submitted_on=bindparam("received_on")
    )
)


def _apply(
    ws: Workspace,
    document_id: int,
    event: str,
    *,
    actor: str,
    as_of: date | None,
    dated_by: str,
    motives: tuple[str, ...] = (),
    note: str | None = None,
    respond_by: date | None = None,
    stored: StoredFile | None = None,
    expected_version: int | None = None,
    verdict: tuple[str | None, bool | None] = (None, None),
) -> FireResult:
    """One event in one transaction, in phases: who and when, the machine, the declared
    effects, the guarded move, the audited event, the declared mail."""
    with ws.db.writing() as conn:
        document, side, dating = _load_and_authorize(
            conn, document_id, actor, as_of, dated_by, expected_version
        )
        day = as_of or today()
        _check_forward(document, day)
        machine, transition, holder = _fire_machine(
            conn, ws, document, event, side, day, motives, note, respond_by, stored, verdict
        )
        step = Step(
            conn, document.id, document.label, event, actor, day, document.current_version,
            motives, note, respond_by, stored, *verdict,
        )  # fmt: skip
        if note:
            step.payload["note"] = note
        step.payload |= dating
        run_effects(transition.effects, step)
        _move(conn, document, holder.state, step)
        appended = _append(conn, ws, document, holder.state, step)
        if transition.mail is not None:  # queued in this transaction (services.mail.events)
            mail_for_event(
                conn, ws, transition.mail,
                FiredEvent(
                    document.id, document.ght_id, document.doc_type, event, holder.state, day,
                    actor, motives, note, respond_by, appended["seq"], transition.label,
                    step.payload, transition.notice,
                ),
            )  # fmt: skip
        return FireResult(
            document_id=document.id,
            event=event,
            from_state=document.state,
            to_state=holder.state,
            state_label=machine.definition.label_of(holder.state),
            version=step.version,
            event_seq=appended["seq"],
        )


def _fire_machine(
    conn: Connection,
    ws: Workspace,
    document: _Loaded,
    event: str,
    side: Side,
    day: date,
    motives: tuple[str, ...],
    note: str | None,
    respond_by: date | None,
    stored: StoredFile | None,
    verdict: tuple[str | None, bool | None],
) -> tuple[DocumentMachine, TransitionDef, _StateHolder]:
    """The machine's phase: refuse a type or state no workflow knows, options the event does
    not take, then fire the event through the guards (reading only what they need: the
    verdicts, the known motives); the machine, the transition taken and the new state."""
    # a type or state edited in the database: no workflow can move it, say why
    problem = ws.workflows.unknown_reason(document.doc_type, document.state)
    if problem is not None:
        raise InvalidInput(f"{document.label}: no event can be fired: {problem}")
    machine = ws.workflows.machine(document.doc_type)
    transition = machine.definition.transition(document.state, event)
    if transition is not None:  # otherwise the machine names the allowed events below
        _refuse_unused_options(
            document.label, event, transition.guards, motives, respond_by, stored, verdict
        )
    guards = transition.guards if transition is not None else ()
    definition = machine.definition
    met, not_met = (
        _verdicts(conn, document.id) if ALL_CRITERIA_MET in guards else (frozenset(), frozenset())
    )
    holder = _StateHolder(document.state)
    transition = machine.fire(
        holder,
        event,
        FireContext(
            actor_side=side,
            as_of=day,
            motives=motives,
            known_motives=(_known_motives(conn) if "conformity_motives" in guards else frozenset()),
            note=note,
            respond_by=respond_by,
            has_file=stored is not None,
            criterion=verdict[0],
            met=verdict[1],
            known_criteria=definition.criterion_keys,
            criteria_met=met,
            criteria_not_met=not_met,
        ),
        document.label,
    )
    return machine, transition, holder


def _load_and_authorize(
    conn: Connection,
    document_id: int,
    actor: str,
    as_of: date | None,
    dated_by: str,
    expected_version: int | None,
) -> tuple[_Loaded, Side, dict[str, str]]:
    """The document as firing reads it, the actor's side, and what the history records about
    who dated the event; refusals for an unknown document, actor or dater, or a stale view."""
    parameters = {"document_id": document_id, "email": actor}
    statement = _LOAD_WITH_HEAD.get(conn.dialect.name)
    row = statement.first(conn, parameters) if statement is not None else None
    head: HeadRow | None = None
    if row is not None:
        head = tuple(row[_COLUMNS:])
    else:  # no document, or no head row yet (`append_event` then reads or creates it)
        row = conn.execute(_LOAD, parameters).first()
        if row is None:
            raise NotFound(f"document {document_id} does not exist")
    values: tuple[Any, ...] = (*row[:_COLUMNS], head)
    document = _Loaded(*values)
    side = _authorize(conn, actor, document)
    dating = _dating(conn, document.label, actor, side, as_of, dated_by)
    if expected_version is not None and document.version_id != expected_version:
        raise Conflict(
            f"{document.label} was changed by someone else (version {document.version_id}, "
            f"expected {expected_version}); reload it and try again"
        )
    return document, side, dating


def _check_forward(document: _Loaded, day: date) -> None:
    """Refuses a day before the document's last event: history only moves
    forward. A last event dated after today can only be a bad row from before dates were
    bounded: it must not lock the document, so today is then the floor."""
    last = document.last_as_of
    if last is not None and day < min(last, today()):
        raise InvalidInput(
            f"{document.label}: date {day.isoformat()} is before its last event "
            f"({last.isoformat()}); history only moves forward"
        )


def _move(conn: Connection, document: _Loaded, new_state: str, step: Step) -> None:
    """The guarded UPDATE: exactly one of two concurrent events on a document gets through."""
    params: dict[str, Any] = {
        "document_id": document.id,
        "seen_version": document.version_id,
        "new_state": new_state,
        "now": utcnow(),
    }
    move = _MOVE
    if step.received_on is not None:  # the event brought a version (`store_version`)
        move = _MOVE_WITH_VERSION
        params |= {"new_version": step.version, "received_on": step.received_on}
    if move.execute(conn, params) != 1:
        raise Conflict(f"{document.label} was changed by someone else; reload it and try again")


def _append(
    conn: Connection, ws: Workspace, document: _Loaded, new_state: str, step: Step
) -> dict[str, Any]:
    """The hash-chained event; a concurrent event that took the same sequence is a conflict."""
    try:
        return append_event(
            conn,
            ws.audit_key,
            document_id=document.id,
            ght_id=document.ght_id,
            seq=(document.last_seq or 0) + 1,
            name=step.event,
            actor=step.actor,
            as_of=step.as_of,
            from_state=document.state,
            to_state=new_state,
            payload=step.payload,
            head=document.head,
        )
    except IntegrityError:
        raise Conflict(
            f"{document.label} was changed by someone else; reload it and try again"
        ) from None


def _authorize(conn: Connection, actor: str, document: _Loaded) -> Side:
    """The actor's side, once `states.access` lets them act on this document (their GHT, or
    their region's for the agency; never once removed)."""
    who = _TIMERS if actor == SYSTEM_ACTOR else _actor_of(actor, document)
    place = Place(document.ght_id, document.region_id)
    refusal = refusal_to_act(who, place, document.label)
    if refusal is not None:
        if who.ght_id is not None:  # their own GHT's code, read only to say the refusal
            code = conn.execute(select(col(Ght.code)).where(col(Ght.id) == who.ght_id)).scalar()
            refusal = refusal_to_act(who._replace(ght_code=code), place, document.label)
        raise PermissionDenied(refusal)
    return who.side


def _actor_of(email: str, document: _Loaded) -> Actor:
    """The person who fires, as read with the document."""
    if document.person_id is None or document.person_side is None:
        raise PermissionDenied(f"unknown actor {email!r}: no person with that e-mail address")
    return Actor(
        email,
        _SIDES[document.person_side],
        document.person_ght_id,
        document.person_region_id,
        None,
        document.person_removed_at,
    )


def _dating(
    conn: Connection, label: str, actor: str, side: Side, as_of: date | None, dated_by: str
) -> dict[str, str]:
    """Check who may give the event's day; what the history records about it (nothing when the
    server dated it today).

    No event is dated after today. ghtflow's timers date their own events; otherwise a day
    comes from the operator's tools or from an agency person: a GHT's people do not choose the
    day of their events (a submit dated in the past would start the agency's review clock
    early; one dated 9999-12-31 would block the document forever)."""
    if as_of is None:
        return {}
    if dated_by in (SYSTEM_ACTOR, OPERATOR):
        dated_as = "system" if dated_by == SYSTEM_ACTOR else "operator"
    else:
        dater = side if dated_by == actor else _side_of(conn, dated_by)
        if dater is not Side.AGENCY:
            raise InvalidInput(
                f"{label}: {dated_by} may not choose the date of an event "
                f"(as_of {as_of.isoformat()}): the server dates a GHT's events; leave as_of out"
            )
        dated_as = "agency"
    check_not_after_today(as_of, f"{label}: date")
    if as_of == today() or dated_as == "system":
        return {}
    return {"dated_by": dated_by, "dated_as": dated_as}


def _side_of(conn: Connection, email: str) -> Side | None:
    person = conn.execute(_PERSON, {"email": email}).first()
    return None if person is None else Side(person.side)


def _refuse_unused_options(
    label: str,
    event: str,
    guards: tuple[str, ...],
    motives: tuple[str, ...],
    respond_by: date | None,
    stored: StoredFile | None,
    verdict: tuple[str | None, bool | None],
) -> None:
    """Options an event does not use are refused, so nothing the user typed is silently lost."""
    if verdict != (None, None) and CRITERION_ASSESSED not in guards:
        raise InvalidInput(f"{label}: event {event!r} assesses no criterion")
    if motives and "conformity_motives" not in guards:
        raise InvalidInput(f"{label}: event {event!r} takes no motive")
    if respond_by is not None and "respond_by_min_delay" not in guards:
        raise InvalidInput(f"{label}: event {event!r} takes no respond-by date")
    if stored is not None and "file_attached" not in guards:
        raise InvalidInput(f"{label}: event {event!r} takes no file")


def _known_motives(conn: Connection) -> frozenset[str]:
    return frozenset(conn.execute(select(col(ConformityMotive.key))).scalars())


def _verdicts(conn: Connection, document_id: int) -> tuple[frozenset[str], frozenset[str]]:
    """The criteria whose latest verdict is met, and those whose latest is not met."""
    rows = conn.execute(
        select(col(Assessment.criterion), col(Assessment.met)).where(
            col(Assessment.document_id) == document_id
        )
    ).all()
    return (
        frozenset(c for c, met in rows if met),
        frozenset(c for c, met in rows if not met),
    )
