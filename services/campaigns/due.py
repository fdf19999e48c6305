"""Moving a campaign's due date: the campaign's, and that of its documents still owed.

A deadline moved by the agency moves for everyone who still owes the document: each document
of that type in the campaign that is not yet delivered (`states.deadlines.delivered_states`)
gets the new date, and the move is an audited event of its history (`move_due_date`, from and
to its current state, payload `{"from", "to", "campaign"}`). A document already transmitted
keeps its date: it met it. The sweep reads the documents' due dates and the campaign's
reminder offsets, so reminders follow the new date from its next run: the outbox key of a
reminder holds the due date, so the stages of the new date are new notices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import select as core_select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models import Campaign, CampaignDueDate, Document, Event, Ght, utcnow
from models.db import table_of
from services.audit.chain import append_event
from services.campaigns.store import campaign_by_code, refuse_if_closed
from services.clock import check_not_after_today, today
from services.errors import Conflict, InvalidInput
from services.workspace import Workspace
from states.campaigns import due_problem
from states.deadlines import delivered_states

MOVE_EVENT = "move_due_date"
OPERATOR = "ghtflow"  # the actor of a change made with the command line
_DOCUMENT = table_of(Document)


@dataclass
class MovedDocument:
    document_id: int
    ght: str
    state: str
    from_: date | None


@dataclass
class MovedDue:
    """What `set_due` did: the campaign's date, the documents moved and those left."""

    campaign: str
    doc_type: str
    from_: date | None  # the campaign's date before (None: the type was not due yet)
    to: date
    as_of: date
    moved: list[MovedDocument] = field(default_factory=list)
    delivered: list[MovedDocument] = field(default_factory=list)  # kept: already transmitted

    def as_json(self) -> dict[str, Any]:
        """The stable JSON of `campaigns set-due` (README)."""

        def doc(d: MovedDocument) -> dict[str, Any]:
            return {
                "document_id": d.document_id,
                "ght": d.ght,
                "state": d.state,
                "from": d.from_.isoformat() if d.from_ else None,
            }

        return {
            "campaign": self.campaign,
            "type": self.doc_type,
            "from": self.from_.isoformat() if self.from_ else None,
            "to": self.to.isoformat(),
            "as_of": self.as_of.isoformat(),
            "moved": [doc(d) for d in self.moved],
            "delivered": [doc(d) for d in self.delivered],
        }


def set_due(
    ws: Workspace,
    code: str,
    doc_type: str,
    day: date,
    *,
    as_of: date | None = None,
    actor: str = OPERATOR,
    region_id: int | None = None,
) -> MovedDue:
    """Move (or add) the due date of `doc_type` in the campaign to `day`, and that of its
    documents of that type not yet delivered, in one transaction; each moved document gets a
    `move_due_date` event dated `as_of` (default today; never before its last event)."""
    problem = due_problem(doc_type, day, today(), ws.workflows.types)
    if problem:
        raise InvalidInput(problem)
    when = check_not_after_today(as_of or today(), "date of the change")
    delivered = delivered_states(ws.workflows.definition(doc_type))
    with ws.db.transaction() as session:
        campaign = campaign_by_code(session, code, region_id=region_id, lock=True)
        refuse_if_closed(campaign, "change")
        before = _set_campaign_due(session, campaign, doc_type, day)
        result = MovedDue(campaign.code, doc_type, before, day, when)
        conn = session.connection()
        for row in _documents_of(conn, campaign.id or 0, doc_type):
            entry = MovedDocument(row.id, row.ght, row.state, row.due)
            if row.state in delivered:
                result.delivered.append(entry)
            elif row.due != day:
                _move_document(conn, ws, row, doc_type, campaign.code, day, when, actor)
                result.moved.append(entry)
    return result


def _set_campaign_due(
    session: Session, campaign: Campaign, doc_type: str, day: date
) -> date | None:
    """Set the campaign's due date for `doc_type` (adding it with the campaign's reminder
    offsets when it had none); the date it had."""
    row = session.exec(
        select(CampaignDueDate).where(
            CampaignDueDate.campaign_id == campaign.id, CampaignDueDate.doc_type == doc_type
        )
    ).first()
    before = row.due_date if row else None
    if row is None:
        offsets = campaign.reminder_offsets_days
        session.add(
            CampaignDueDate(
                campaign_id=campaign.id or 0,
                doc_type=doc_type,
                due_date=day,
                reminder_offsets_days=list(offsets) if offsets else None,
            )
        )
    else:
        row.due_date = day
    session.flush()
    return before


@dataclass(frozen=True)
class _CampaignDocument:
    id: int
    ght: str
    ght_id: int
    state: str
    due: date | None
    version: int
    last_seq: int | None
    last_day: date | None


def _documents_of(conn: Connection, campaign_id: int, doc_type: str) -> list[_CampaignDocument]:
    """The campaign's documents of `doc_type`, by GHT, each with its last event's number and
    day (one statement)."""
    last = (
        core_select(col(Event.seq), col(Event.as_of))
        .where(col(Event.document_id) == col(Document.id))
        .order_by(col(Event.seq).desc())
        .limit(1)
        .correlate(Document)
    )
    rows = conn.execute(
        core_select(
            col(Document.id),
            col(Ght.code),
            col(Document.ght_id),
            col(Document.state),
            col(Document.due_date),
            col(Document.version_id),
            last.with_only_columns(col(Event.seq)).scalar_subquery(),
            last.with_only_columns(col(Event.as_of)).scalar_subquery(),
        )
        .join(Ght, col(Ght.id) == col(Document.ght_id))
        .where(col(Document.campaign_id) == campaign_id, col(Document.doc_type) == doc_type)
        .order_by(col(Ght.code), col(Document.id))
    ).all()
    return [_CampaignDocument(*row) for row in rows]


def _move_document(
    conn: Connection,
    ws: Workspace,
    row: _CampaignDocument,
    doc_type: str,
    campaign: str,
    day: date,
    when: date,
    actor: str,
) -> None:
    """Move one document's due date to `day` (optimistic lock on its version) and record the
    move in its audited history, dated `when`, never before its last event."""
    label = f"document {row.id} ({doc_type}, {row.ght})"
    if row.last_day is not None and when < min(row.last_day, today()):
        raise InvalidInput(
            f"{label}: date {when.isoformat()} is before its last event "
            f"({row.last_day.isoformat()}); history only moves forward (give --as-of)"
        )
    moved = conn.execute(
        _DOCUMENT.update()
        .where(_DOCUMENT.c.id == row.id, _DOCUMENT.c.version_id == row.version)
        .values(due_date=day, updated_at=utcnow(), version_id=_DOCUMENT.c.version_id + 1)
    )
    if moved.rowcount != 1:
        raise Conflict(f"{label} was changed by someone else; try again")
    try:
        append_event(
            conn,
            ws.audit_key,
            document_id=row.id,
            ght_id=row.ght_id,
            seq=(row.last_seq or 0) + 1,
            name=MOVE_EVENT,
            actor=actor,
            as_of=when,
            from_state=row.state,
            to_state=row.state,
            payload={
                "from": row.due.isoformat() if row.due else None,
                "to": day.isoformat(),
                "campaign": campaign,
            },
        )
    except IntegrityError:
        raise Conflict(f"{label} was changed by someone else; try again") from None
