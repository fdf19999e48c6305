"""Reading documents: listings for people and programs, and one document with its history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import StatementError
from sqlmodel import Session, col, select

from models import Assessment, ConformityRequest, Document, DocumentVersion, Event, Ght
from models.queries import document_rows
from services.adapters.stored import event_payload, motive_keys
from services.errors import InvalidInput, NotFound
from services.workspace import Workspace
from states.definition import WorkflowDefinition


def list_documents(
    ws: Workspace,
    *,
    ght: str | None = None,
    doc_type: str | None = None,
    state: str | None = None,
    ght_id: int | None = None,
    region_id: int | None = None,
) -> list[dict[str, Any]]:
    """The stable JSON shape of `documents list` (documented in the README); `ght_id` and
    `region_id` narrow it to what a person sees (`services.accounts.access.visible_documents`).

    Rows are unpacked by position: on 100,000 documents, attribute access on each row costs
    more than the query itself."""
    types = [doc_type] if doc_type is not None else ws.workflows.types
    labels = {t: {s.name: s.label for s in ws.workflows.definition(t).states} for t in types}
    if state is not None and not any(state in states for states in labels.values()):
        known = sorted({s for states in labels.values() for s in states})
        raise InvalidInput(f"unknown state {state!r}; states: {', '.join(known)}")
    with ws.db.reading() as session:
        rows = document_rows(
            session.connection(),
            ght=ght,
            doc_type=doc_type,
            state=state,
            ght_id=ght_id,
            region_id=region_id,
        )
    return [
        {
            "id": id_,
            "ght": code,
            "type": type_,
            "reference": reference,
            "state": state_,
            "state_label": labels.get(type_, {}).get(state_, state_),
            "due_date": due,
            "version": version,
            "submitted_on": submitted,
            "lock_version": lock,
        }
        for id_, code, type_, reference, state_, due, version, submitted, lock in rows
    ]


def show_document(ws: Workspace, document_id: int) -> dict[str, Any]:
    """One document with its versions, conformity requests and full history.

    A type or state no workflow knows is shown raw, with no allowed event; a payload or motives
    that are not JSON are shown as their raw text (`services/adapters/stored.py`). A row edited so
    that it no longer loads at all (a date that is not one) is a refusal naming the document and
    `audit verify`, not a crash."""
    try:
        return _show_document(ws, document_id)
    except (ValueError, TypeError, StatementError) as exc:
        raise InvalidInput(
            f"document {document_id}: a row of its record cannot be read ({exc}); "
            "'ghtflow audit verify' names the altered event"
        ) from None


def _show_document(ws: Workspace, document_id: int) -> dict[str, Any]:
    with ws.db.reading() as session:
        document = session.get(Document, document_id)
        if document is None:
            raise NotFound(f"document {document_id} does not exist")
        ght = session.get(Ght, document.ght_id)
        assert ght is not None
        versions = session.exec(
            select(DocumentVersion)
            .where(DocumentVersion.document_id == document_id)
            .order_by(col(DocumentVersion.number))
        ).all()
        requests = session.exec(
            select(ConformityRequest)
            .where(ConformityRequest.document_id == document_id)
            .order_by(col(ConformityRequest.id))
        ).all()
        events = session.exec(
            select(Event).where(Event.document_id == document_id).order_by(col(Event.seq))
        ).all()
        definition = ws.workflows.find(document.doc_type)
        grid = assessment_grid(session, definition, document_id) if definition is not None else []
    workflows = ws.workflows
    doc_type, state = document.doc_type, document.state
    return {
        "id": document.id,
        "ght": ght.code,
        "ght_name": ght.name,
        "type": document.doc_type,
        "type_label": workflows.type_label(doc_type),
        "reference": document.reference,
        "title": document.title,
        "state": document.state,
        "state_label": workflows.state_label(doc_type, state),
        "due_date": document.due_date.isoformat() if document.due_date else None,
        "version": document.current_version,
        "submitted_on": document.submitted_on.isoformat() if document.submitted_on else None,
        "lock_version": document.version_id,
        "allowed_events": list(workflows.allowed_events(doc_type, state)),
        "workflow_problem": workflows.unknown_reason(doc_type, state),
        "versions": [
            {
                "number": v.number,
                "received_on": v.received_on.isoformat(),
                "file_name": v.file_name,
                "sha256": v.file_hash,
                "size": v.size,
            }
            for v in versions
        ],
        "conformity_requests": [
            {
                "motives": motive_keys(c.motives),
                "note": c.note,
                "requested_on": c.requested_on.isoformat(),
                "respond_by": c.respond_by.isoformat(),
                "requested_by": c.requested_by,
                "answered_on": c.answered_on.isoformat() if c.answered_on else None,
            }
            for c in requests
        ],
        "assessment": grid,
        "history": [
            {
                "seq": e.seq,
                "event": e.name,
                "actor": e.actor,
                "as_of": e.as_of.isoformat(),
                "at": e.at.isoformat(timespec="seconds"),
                "from": e.from_state,
                "to": e.to_state,
                "payload": event_payload(e.payload),
            }
            for e in events
        ],
    }


def assessment_grid(
    session: Session, definition: WorkflowDefinition, document_id: int
) -> list[dict[str, Any]]:
    """The type's criteria in their order, each with its latest verdict (None: not assessed);
    empty for a type without a grid. Verdicts on criteria the grid no longer names are left
    out here (they stay in the history). The one reading of a grid, for `documents show`, the
    pages, the API and the letters."""
    if not definition.criteria:
        return []
    verdicts = {
        a.criterion: a
        for a in session.exec(select(Assessment).where(Assessment.document_id == document_id))
    }
    grid = []
    for criterion in definition.criteria:
        verdict = verdicts.get(criterion.key)
        grid.append(
            {
                "criterion": criterion.key,
                "label": criterion.label,
                "met": verdict.met if verdict is not None else None,
                "note": verdict.note if verdict is not None else None,
                "assessed_on": verdict.assessed_on.isoformat() if verdict is not None else None,
                "assessed_by": verdict.assessed_by if verdict is not None else None,
            }
        )
    return grid
