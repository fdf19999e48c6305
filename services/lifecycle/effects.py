"""What an event does besides moving the state, chosen by name in the workflow YAML.

An event declares its effects beside its guards (`effects: [store_version,
answer_open_requests]`); `services.lifecycle.fire.fire` runs them in that order, on the event's own
connection, after the state machine has accepted the event and before the document row moves,
so that an effect that refuses (`require_had_areas`) leaves nothing written. Each effect is a
function of the `Step` being applied; it may write rows, raise the document's version and add
to the event's audited payload. `EFFECTS` is the registry the definitions are checked against
when they are read (`services.workflows`): a definition naming an effect that is not here, or
leaving out the effect that keeps what one of its guards checks, is refused at start-up.

A new procedure that needs only these names needs no Python; a new kind of effect is one
function here and one line in `EFFECTS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, delete, insert, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col

from models import Assessment, ConformityRequest, DocumentVersion, utcnow
from models.db import table_of
from services.adapters.files import StoredFile
from services.errors import InvalidInput
from services.generation.letter_numbers import give_reference
from services.lifecycle.parties import require_had_areas
from states.definition import CRITERION_ASSESSED, OPEN_CONFORMITY_REQUEST, STORE_VERSION


@dataclass
class Step:
    """One event being applied: what was asked, and what the effects have done so far."""

    conn: Connection
    document_id: int
    label: str  # names the document in refusals, as every refusal of `fire` does
    event: str
    actor: str
    as_of: date
    version: int  # the document's current version; `store_version` raises it by one
    motives: tuple[str, ...] = ()
    note: str | None = None
    respond_by: date | None = None
    stored: StoredFile | None = None
    criterion: str | None = None  # the criterion an assessment judges, and its verdict
    met: bool | None = None
    received_on: date | None = None  # set when the event brings a new version
    payload: dict[str, Any] = field(default_factory=dict)  # goes into the audited event


Effect = Callable[[Step], None]


def store_version(step: Step) -> None:
    """Record the file the event brings as the document's next version, received today."""
    if step.stored is None:  # the guard `file_attached` refused this earlier; never silent
        raise InvalidInput(f"{step.label}: event {step.event!r} needs a file")
    step.version += 1
    step.received_on = step.as_of
    step.conn.execute(
        insert(DocumentVersion).values(
            document_id=step.document_id,
            number=step.version,
            file_hash=step.stored.sha256,
            file_name=step.stored.name,
            size=step.stored.size,
            received_on=step.as_of,
            created_at=utcnow(),
        )
    )
    step.payload |= {
        "version": step.version,
        "file_sha256": step.stored.sha256,
        "file_name": step.stored.name,
    }


def open_conformity_request(step: Step) -> None:
    """Open a conformity request with the event's motives, note and respond-by date, and give
    its letter the region's next reference (kept with it: the letter filled again is the same)."""
    if step.respond_by is None:  # the guard `respond_by_min_delay` requires it
        raise InvalidInput(f"{step.label}: event {step.event!r} needs a respond-by date")
    opened = step.conn.execute(
        insert(ConformityRequest).values(
            document_id=step.document_id,
            motives=list(step.motives),
            note=step.note,
            requested_on=step.as_of,
            respond_by=step.respond_by,
            requested_by=step.actor,
        )
    )
    assert opened.inserted_primary_key is not None
    request_id = int(opened.inserted_primary_key[0])
    reference = give_reference(
        step.conn, step.document_id, step.as_of, conformity_request_id=request_id
    )
    step.payload |= {
        "motives": list(step.motives),
        "respond_by": step.respond_by.isoformat(),
        "letter_reference": reference,
    }


def answer_open_requests(step: Step) -> None:
    """Mark the document's open conformity requests answered on the event's day."""
    step.conn.execute(
        update(ConformityRequest)
        .where(
            col(ConformityRequest.document_id) == step.document_id,
            col(ConformityRequest.answered_on).is_(None),
        )
        .values(answered_on=step.as_of)
    )


def check_had_areas(step: Step) -> None:
    """Refuse the event while the HAD convention names no HAD or an HAD without its area."""
    require_had_areas(step.conn, step.document_id, step.label)


def record_assessment(step: Step) -> None:
    """Keep the verdict on one criterion of the document's assessment grid (the latest
    verdict per criterion counts; every verdict stays in the history)."""
    if step.criterion is None or step.met is None:  # the guard `criterion_assessed` requires both
        raise InvalidInput(f"{step.label}: event {step.event!r} needs a criterion and a verdict")
    values = {
        "document_id": step.document_id,
        "criterion": step.criterion,
        "met": step.met,
        "note": step.note,
        "assessed_on": step.as_of,
        "assessed_by": step.actor,
    }
    dialect = postgresql if step.conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table_of(Assessment)).values(**values)
    step.conn.execute(
        statement.on_conflict_do_update(
            index_elements=["document_id", "criterion"],
            set_={k: statement.excluded[k] for k in ("met", "note", "assessed_on", "assessed_by")},
        )
    )
    step.payload |= {"criterion": step.criterion, "met": step.met}


def clear_assessments(step: Step) -> None:
    """Forget the grid's verdicts (e.g. when an applicant sends a completed file: the agency
    assesses it afresh); the earlier verdicts stay in the history."""
    step.conn.execute(delete(Assessment).where(col(Assessment.document_id) == step.document_id))


# name -> (function, the guards whose checked input it relies on and keeps)
EFFECTS: dict[str, tuple[Effect, frozenset[str]]] = {
    STORE_VERSION: (store_version, frozenset({"file_attached"})),
    OPEN_CONFORMITY_REQUEST: (
        open_conformity_request,
        frozenset({"conformity_motives", "respond_by_min_delay"}),
    ),
    "answer_open_requests": (answer_open_requests, frozenset()),
    "require_had_areas": (check_had_areas, frozenset()),
    "record_assessment": (record_assessment, frozenset({CRITERION_ASSESSED})),
    "clear_assessments": (clear_assessments, frozenset()),
}


def effect_needs() -> dict[str, frozenset[str]]:
    """Each effect's name and the guards it relies on, for checking definitions."""
    return {name: needs for name, (_, needs) in EFFECTS.items()}


def run_effects(names: tuple[str, ...], step: Step) -> None:
    """Run the declared effects of an event, in their declared order."""
    for name in names:
        EFFECTS[name][0](step)
