"""The deadline sweep: for one business day, what each GHT must be told, and tacit approvals.

Decisions, for a day `as_of` (Europe/Paris):
- a document not yet delivered (see `states.deadlines`) with a due date gets the one notice of
  its current stage: a reminder J-n (offsets of its campaign's due date, else of its type's
  `timers.reminder_offsets_days`, default 30, 15, 7, 1), the due-day notice J0, the overdue
  escalation J+1 (copied to the agency's direction), then one every week (J+8, J+15…);
- an open conformity request gets a reminder at the same offsets before its respond-by date
  (those after the request day), and one escalation once the date has passed;
- a document left in a state its type lets `tacit_approve` leave, for the type's
  `review_period_months` since it was received (`submitted_on`), is approved tacitly through
  `fire_timer_event` (audited like any event; its e-mail queued in the same transaction).

Only the current stage is considered: a sweep after missed days sends the one notice due now,
never the stale ones, and the database's unique key (document, kind, stage, due date) makes a
second sweep of the same day create nothing. Documents are read by id ranges (`plan_batches`),
so memory stays flat and a flow can hand one range to each task.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, func, select
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from models import CampaignDueDate, ConformityRequest, Document, Event, Ght, utcnow
from models import NoticeKind as NoticeKind  # the flow labels its counts by kind
from models.db import table_of
from models.outbox import SWEEP_KINDS as SWEEP_KINDS
from notifications.render import MailTemplate
from services.adapters.stored import reminder_offsets
from services.clock import check_not_after_today, check_plausible, today
from services.errors import Conflict, InvalidInput
from services.lifecycle.fire import fire_timer_event
from services.mail.addresses import sender_of
from services.mail.outbox import (
    COPY_DIRECTION,
    OUTBOX,
    GhtContacts,
    Notice,
    existing_keys,
    ght_contacts,
    insert_messages,
    message_row,
)
from services.workspace import Workspace
from settings import Settings
from states.deadlines import (
    TACIT_EVENT,
    Deadline,
    DeadlineKind,
    DeadlineRules,
    OpenRequest,
)
from states.definition import WorkflowDefinition
from states.errors import Refusal, StateError
from states.guards import add_days
from states.machine import WorkflowRegistry

log = logging.getLogger(__name__)

BATCH_SIZE = 2000

# --- pure decisions -------------------------------------------------------------------------


def document_stage(
    due: date, as_of: date, offsets: Iterable[int]
) -> tuple[NoticeKind, str, int] | None:
    """(kind, stage, days before or after) of the notice due on `as_of`, or None."""
    if as_of < due:
        left = (due - as_of).days
        passed = [o for o in offsets if o >= left and o > 0]
        if not passed:
            return None
        return NoticeKind.REMINDER, f"J-{min(passed)}", left
    if as_of == due:
        return NoticeKind.DUE_TODAY, "J0", 0
    late = (as_of - due).days
    return NoticeKind.OVERDUE, f"J+{1 + 7 * ((late - 1) // 7)}", late


def conformity_stage(
    request_id: int, requested_on: date, respond_by: date, as_of: date, offsets: Iterable[int]
) -> tuple[NoticeKind, str, int] | None:
    """The notice due on `as_of` for an open conformity request, or None."""
    if as_of > respond_by:
        return NoticeKind.CONFORMITY_OVERDUE, f"J+1/r{request_id}", (as_of - respond_by).days
    left = (respond_by - as_of).days
    passed = [o for o in offsets if o >= left and o > 0 and add_days(respond_by, -o) > requested_on]
    if as_of == respond_by or not passed:
        return None
    return NoticeKind.CONFORMITY_REMINDER, f"J-{min(passed)}/r{request_id}", left


# --- the report -------------------------------------------------------------------------------


@dataclass
class SweepReport:
    as_of: date
    dry_run: bool
    documents: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    per_ght: dict[str, Counter[str]] = field(default_factory=dict)
    already_sent: int = 0
    no_contact: int = 0
    conflicts: int = 0
    tacit_approvals: list[int] = field(default_factory=list)
    notices: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def fail(self, document_id: int | None, ght: str | None, reason: str) -> None:
        """Record that one document could not be swept (the sweep goes on with the others)."""
        self.errors.append({"document_id": document_id, "ght": ght, "reason": reason})
        log.warning("sweep: document %s (%s) failed: %s", document_id, ght, reason)

    def count(self, ght: str, kind: str) -> None:
        self.counts[kind] += 1
        self.per_ght.setdefault(ght, Counter())[kind] += 1

    def merge(self, other: SweepReport) -> None:
        self.documents += other.documents
        self.counts.update(other.counts)
        for ght, counts in other.per_ght.items():
            self.per_ght.setdefault(ght, Counter()).update(counts)
        self.already_sent += other.already_sent
        self.no_contact += other.no_contact
        self.conflicts += other.conflicts
        self.tacit_approvals.extend(other.tacit_approvals)
        self.notices.extend(other.notices)
        self.errors.extend(other.errors)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON shape of `ghtflow sweep --format json` (see the README)."""
        data: dict[str, Any] = {
            "as_of": self.as_of.isoformat(),
            "dry_run": self.dry_run,
            "documents": self.documents,
            "counts": {str(k): self.counts.get(k, 0) for k in SWEEP_KINDS},
            "total": self.total,
            "already_sent": self.already_sent,
            "no_contact": self.no_contact,
            "conflicts": self.conflicts,
            "tacit_approvals": sorted(self.tacit_approvals),
            "errors": sorted(self.errors, key=lambda e: (e["document_id"] or 0, e["reason"])),
            "per_ght": {
                code: {str(k): c.get(k, 0) for k in SWEEP_KINDS}
                for code, c in sorted(self.per_ght.items())
            },
        }
        if self.dry_run:
            data["notices"] = self.notices
        return data


# --- running it -------------------------------------------------------------------------------

_DOC, _DUE, _REQ = table_of(Document), table_of(CampaignDueDate), table_of(ConformityRequest)
_EVENT, _GHT = table_of(Event), table_of(Ght)
_CODES = select(_GHT.c.id, _GHT.c.code)


def plan_batches(ws: Workspace, batch_size: int = BATCH_SIZE) -> list[tuple[int, int]]:
    """Consecutive (first id, last id) ranges of at most `batch_size` documents."""
    ranges: list[tuple[int, int]] = []
    with ws.db.reading() as session:
        ids = (
            session.connection()
            .execution_options(yield_per=10_000)
            .execute(select(_DOC.c.id).order_by(_DOC.c.id))
        )
        first = last = None
        count = 0
        for (document_id,) in ids:
            if first is None:
                first = document_id
            last, count = document_id, count + 1
            if count == batch_size:
                ranges.append((first, last))
                first, count = None, 0
        if first is not None and last is not None:
            ranges.append((first, last))
    return ranges


def check_sweep_day(as_of: date) -> date:
    """A sweep runs for today or a past day (a replay), never for a day to come: it would
    approve documents tacitly and escalate before their time."""
    return check_not_after_today(as_of, "sweep date")


def sweep_deadlines(
    ws: Workspace,
    as_of: date | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> SweepReport:
    """The whole sweep for `as_of` (default today), batch after batch."""
    as_of = check_sweep_day(as_of or today())
    report = SweepReport(as_of=as_of, dry_run=dry_run)
    for first, last in plan_batches(ws, batch_size):
        report.merge(sweep_range(ws, as_of, first, last, dry_run))
    return report


@dataclass(frozen=True)
class _Rules:
    """Per type, the deadline rules (`states.deadlines`), computed once per batch."""

    by_type: dict[str, DeadlineRules]
    workflows: WorkflowRegistry
    # where each type's procedure keeps its own e-mails (`mails/`): a reminder or an overdue
    # notice is looked up there first, as event notices are, then in notifications/templates
    mail_folders: dict[str, tuple[Path, ...]]

    @classmethod
    def of(cls, ws: Workspace) -> _Rules:
        types = ws.workflows.types
        return cls(
            {t: DeadlineRules.of(ws.workflows.definition(t)) for t in types},
            ws.workflows,
            {t: ws.procedures.mail_folders(t) for t in types},
        )


# The database itself failing (unreachable, locked) is no bad row: that stops the sweep.
_INFRASTRUCTURE = (OperationalError, InterfaceError)


def sweep_range(
    ws: Workspace, as_of: date, first_id: int, last_id: int, dry_run: bool = False
) -> SweepReport:
    """Decide and queue the notices of the documents with ids in [first_id, last_id].

    A document that cannot be swept (a date out of range stored before dates were bounded, an
    address the outbox refuses, a template that fails to render, a row the database refuses)
    is reported in `errors` with the reason, and the others are swept: one bad row never
    stops the region's sweep. Each tacit approval has its own transaction; notices are
    queued together and, if the database refuses one, one by one."""
    check_sweep_day(as_of)
    rules = _Rules.of(ws)
    report = SweepReport(as_of=as_of, dry_run=dry_run)
    sender = sender_of(ws.settings)
    with ws.db.reading() as session:
        conn = session.connection()
        codes: dict[int, str] = {int(i): str(c) for i, c in conn.execute(_CODES)}
        contacts, refused = _contacts(conn, ws.settings, codes)
    found = _read(ws, rules, as_of, first_id, last_id, codes)
    report.merge(found.report)
    fresh = [n for n in found.notices if n.key not in found.known]
    report.already_sent += len(found.notices) - len(fresh)
    rows = []
    now = utcnow()
    for notice in fresh:
        if notice.ght_id in refused:
            report.fail(notice.document_id, codes.get(notice.ght_id), refused[notice.ght_id])
            continue
        ght = contacts[notice.ght_id]
        if ght.refused:  # a stored address breaks the rule: this GHT's notice waits for it
            report.fail(notice.document_id, ght.code, "; ".join(ght.refused))
            continue
        if not ght.to:
            report.no_contact += 1
            continue
        if dry_run:
            report.count(ght.code, notice.kind)
            report.notices.append(_preview(notice, ght))
            continue
        try:
            rows.append(message_row(notice, ght, sender, now))
        except Exception as exc:  # e.g. an e-mail template that fails for this document
            report.fail(notice.document_id, ght.code, _reason(exc))
    if rows:
        _queue(ws, report, rows, contacts)
    for document_id, ght_id, effective in found.tacit:
        if ght_id in refused:  # its e-mail could not be queued: the approval would roll back
            report.fail(document_id, codes.get(ght_id), refused[ght_id])
            continue
        _tacit_approve(ws, report, contacts[ght_id], document_id, effective)
    return report


def _reason(exc: BaseException) -> str:
    """One line saying why a document could not be swept."""
    text = (str(exc).strip().splitlines() or [""])[0]
    if isinstance(exc, Refusal):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _contacts(
    conn: Connection, settings: Settings, codes: dict[int, str]
) -> tuple[dict[int, GhtContacts], dict[int, str]]:
    """Every GHT's recipients, and the GHTs whose addresses the outbox refuses with the reason
    (their documents are reported as errors; the other GHTs are swept)."""
    try:
        return ght_contacts(conn, settings), {}
    except InvalidInput:
        pass
    contacts: dict[int, GhtContacts] = {}
    refused: dict[int, str] = {}
    for ght_id in codes:
        try:
            contacts |= ght_contacts(conn, settings, [ght_id])
        except InvalidInput as exc:
            refused[ght_id] = str(exc)
    return contacts, refused


@dataclass
class _Found:
    """What the documents of a range need: notices, tacit approvals, keys already queued; its
    report holds the documents examined and those whose data could not be decided upon."""

    report: SweepReport
    notices: list[Notice] = field(default_factory=list)
    tacit: list[tuple[int, int, date]] = field(default_factory=list)
    known: set[tuple[int, str, str, date]] = field(default_factory=set)

    def add(self, other: _Found) -> None:
        self.report.merge(other.report)
        self.notices.extend(other.notices)
        self.tacit.extend(other.tacit)
        self.known |= other.known


def _read(
    ws: Workspace, rules: _Rules, as_of: date, first_id: int, last_id: int, codes: dict[int, str]
) -> _Found:
    """The range's decisions; if a row cannot even be read (a stored value the driver
    refuses), the documents are read one by one so that only that one is reported."""
    try:
        return _read_range(ws, rules, as_of, first_id, last_id, codes)
    except _INFRASTRUCTURE:
        raise
    except Exception:
        log.warning("sweep of %s: documents %s-%s read one by one", as_of, first_id, last_id)
    found = _Found(SweepReport(as_of=as_of, dry_run=False))
    with ws.db.reading() as session:
        documents = session.connection().execute(
            select(_DOC.c.id, _DOC.c.ght_id)
            .where(_DOC.c.id.between(first_id, last_id))
            .order_by(_DOC.c.id)
        )
        ids = [(int(i), int(g)) for i, g in documents]
    for document_id, ght_id in ids:
        try:
            found.add(_read_range(ws, rules, as_of, document_id, document_id, codes))
        except _INFRASTRUCTURE:
            raise
        except Exception as exc:
            found.report.fail(document_id, codes.get(ght_id), _reason(exc))
    return found


def _read_range(
    ws: Workspace, rules: _Rules, as_of: date, first_id: int, last_id: int, codes: dict[int, str]
) -> _Found:
    """The decisions for the documents of [first_id, last_id]: each document's deadlines
    (`states.deadlines`) and, for each, the notice or the tacit approval due on `as_of`."""
    found = _Found(SweepReport(as_of=as_of, dry_run=False))
    d, r = _DOC.c, _REQ.c
    with ws.db.reading() as session:
        conn = session.connection()
        requests: dict[int, list[OpenRequest]] = defaultdict(list)
        for request_id, document_id, requested_on, respond_by in conn.execute(
            select(r.id, r.document_id, r.requested_on, r.respond_by).where(
                r.document_id.between(first_id, last_id), r.answered_on.is_(None)
            )
        ):
            requests[document_id].append(OpenRequest(request_id, requested_on, respond_by))
        rows = conn.execute(
            select(
                d.id,
                d.ght_id,
                d.doc_type,
                d.state,
                d.due_date,
                d.submitted_on,
                _DUE.c.reminder_offsets_days,
            )
            .outerjoin(
                _DUE,
                and_(_DUE.c.campaign_id == d.campaign_id, _DUE.c.doc_type == d.doc_type),
            )
            .where(d.id.between(first_id, last_id))
            .order_by(d.id)
        )
        tacit: list[tuple[int, int, date]] = []
        for row in rows:
            document = _Dated(*row)
            if document.due_date is not None:
                found.report.documents += 1
            type_rules = rules.by_type.get(document.doc_type)
            if type_rules is None or not rules.workflows.knows(document.doc_type, document.state):
                # a type or state edited in the database: nothing can be decided, say why
                reason = rules.workflows.unknown_reason(document.doc_type, document.state)
                found.report.fail(document.id, codes.get(document.ght_id), reason or "no workflow")
                continue
            try:
                deadlines = type_rules.deadlines_of(document, requests.get(document.id, ()))
                for deadline in deadlines:
                    if deadline.kind is DeadlineKind.REVIEW_END:
                        assert document.submitted_on is not None  # a review needs a receipt
                        check_plausible(document.submitted_on, "received date")
                        if deadline.day <= as_of:
                            tacit.append((document.id, document.ght_id, deadline.day))
                        continue
                    notice = _notice_for(
                        type_rules.definition,
                        document,
                        deadline,
                        as_of,
                        rules.mail_folders.get(document.doc_type, ()),
                    )
                    if notice is not None:
                        found.notices.append(notice)
            except Exception as exc:  # e.g. a stored date that date arithmetic cannot use
                found.report.fail(document.id, codes.get(document.ght_id), _reason(exc))
        found.tacit = _tacit_days(conn, tacit, as_of, found.report, codes)
        found.known = existing_keys(conn, (n.document_id for n in found.notices), SWEEP_KINDS)
    return found


@dataclass(frozen=True)
class _Dated:
    """A document as the sweep reads it (one row, no ORM object)."""

    id: int
    ght_id: int
    doc_type: str
    state: str
    due_date: date | None
    submitted_on: date | None
    offsets: Any  # the campaign's reminder offsets for its type, if any


def _notice_for(
    definition: WorkflowDefinition,
    document: _Dated,
    deadline: Deadline,
    as_of: date,
    mail_folders: tuple[Path, ...] = (),
) -> Notice | None:
    """The notice a due date or a respond-by date calls for on `as_of`, or None."""
    offsets = reminder_offsets(document.offsets) or definition.timers.reminder_offsets_days
    if deadline.kind is DeadlineKind.DUE:
        due = check_plausible(deadline.day, "due date")
        stage = document_stage(due, as_of, offsets)
        context: dict[str, Any] = {"due": due}
    else:
        request = deadline.request
        assert request is not None  # a respond-by deadline always names its request
        check_plausible(request.requested_on, "conformity request date")
        check_plausible(request.respond_by, "respond-by date")
        stage = conformity_stage(
            request.id, request.requested_on, request.respond_by, as_of, offsets
        )
        context = {"requested_on": request.requested_on, "respond_by": request.respond_by}
    if stage is None:
        return None
    return _notice(
        definition,
        document.state,
        document.id,
        document.ght_id,
        stage,
        deadline.day,
        as_of,
        context,
        mail_folders,
    )


def _queue(
    ws: Workspace,
    report: SweepReport,
    rows: Sequence[dict[str, Any]],
    contacts: dict[int, GhtContacts],
) -> None:
    """Insert the rendered messages together; if the database refuses one, one by one."""
    try:
        with ws.db.writing() as conn:
            inserted = insert_messages(conn, rows)
    except _INFRASTRUCTURE:
        raise
    except SQLAlchemyError:
        for row in rows:
            code = contacts[row["ght_id"]].code
            try:
                with ws.db.writing() as conn:
                    one = insert_messages(conn, [row])
            except _INFRASTRUCTURE:
                raise
            except SQLAlchemyError as exc:
                report.fail(row["document_id"], code, _reason(exc))
                continue
            if one:
                report.count(code, row["kind"])
            else:
                report.already_sent += 1
        return
    report.already_sent += len(rows) - inserted  # another sweep queued them meanwhile
    if inserted == len(rows):
        for row in rows:
            report.count(contacts[row["ght_id"]].code, row["kind"])
    else:
        _recount(ws, report, rows, contacts)


def _recount(
    ws: Workspace,
    report: SweepReport,
    rows: Sequence[dict[str, Any]],
    contacts: dict[int, GhtContacts],
) -> None:
    """After a race with another sweep: count this sweep's own rows (by their Message-ID)."""
    ids = [row["message_id"] for row in rows]
    with ws.db.reading() as session:
        mine = set(
            session.connection()
            .execute(select(OUTBOX.c.message_id).where(OUTBOX.c.message_id.in_(ids)))
            .scalars()
        )
    for row in rows:
        if row["message_id"] in mine:
            report.count(contacts[row["ght_id"]].code, row["kind"])


def _preview(notice: Notice, ght: GhtContacts) -> dict[str, Any]:
    return {
        "document_id": notice.document_id,
        "ght": ght.code,
        "kind": str(notice.kind),
        "stage": notice.stage,
        "due_date": notice.due_date.isoformat(),
        "to": list(ght.to),
        "cc": list(ght.direction) if notice.kind in COPY_DIRECTION else [],
    }


def _notice(
    definition: WorkflowDefinition,
    state: str,
    document_id: int,
    ght_id: int,
    stage: tuple[NoticeKind, str, int],
    due_date: date,
    as_of: date,
    context: dict[str, Any],
    mail_folders: tuple[Path, ...] = (),
) -> Notice:
    """The notice of `stage` (kind, stage name, days before/after) for one document, written
    with its procedure's own template of that kind when it has one."""
    kind, name, days = stage
    return Notice(
        document_id=document_id,
        ght_id=ght_id,
        kind=kind,
        stage=name,
        due_date=due_date,
        as_of=as_of,
        context={
            "type_label": definition.label,
            "state_label": definition.label_of(state),
            "days": days,
            **context,
        },
        template=MailTemplate(str(kind), mail_folders) if mail_folders else None,
    )


def _tacit_days(
    conn: Connection,
    candidates: list[tuple[int, int, date]],
    as_of: date,
    report: SweepReport,
    codes: dict[int, str],
) -> list[tuple[int, int, date]]:
    """(document, GHT, approval date) of the documents whose review period ran out, dated the
    day the silence ran out, or the sweep's day if the history already holds a later day (none
    when it holds a day after the sweep's: the history moved on)."""
    if not candidates:
        return []
    e = _EVENT.c
    last_days: dict[int, date] = {
        int(document_id): day
        for document_id, day in conn.execute(
            select(e.document_id, func.max(e.as_of))
            .where(e.document_id.in_([c[0] for c in candidates]))
            .group_by(e.document_id)
        )
    }
    now = today()
    found = []
    for document_id, ght_id, effective in candidates:
        last_day = last_days.get(document_id)
        if last_day is not None and last_day > now:
            report.fail(
                document_id,
                codes.get(ght_id),
                f"its history holds an event dated {last_day.isoformat()}, after today",
            )
            continue
        day = effective if last_day is None or effective >= last_day else as_of
        if last_day is not None and day < last_day:
            report.conflicts += 1  # decided or moved on after the sweep's day: that stands
            continue
        found.append((document_id, ght_id, day))
    return found


def _tacit_approve(
    ws: Workspace,
    report: SweepReport,
    ght: GhtContacts,
    document_id: int,
    day: date,
) -> None:
    """Fire `tacit_approve` dated `day` (its e-mail in its own transaction); a document that
    someone moved meanwhile is counted in `conflicts`, one that fails in `errors`."""
    if report.dry_run:
        report.count(ght.code, NoticeKind.TACIT_APPROVAL)
        report.tacit_approvals.append(document_id)
        report.notices.append(
            {
                "document_id": document_id,
                "ght": ght.code,
                "kind": str(NoticeKind.TACIT_APPROVAL),
                "stage": "J0",
                "due_date": day.isoformat(),
                "to": list(ght.to),
                "cc": list(ght.direction),
            }
        )
        return
    try:
        fire_timer_event(ws, document_id, TACIT_EVENT, day)
    except (Conflict, StateError) as exc:
        report.conflicts += 1  # someone decided meanwhile: their decision stands
        log.warning("tacit approval of document %s skipped: %s", document_id, exc)
        return
    except _INFRASTRUCTURE:
        raise
    except Exception as exc:  # e.g. its e-mail cannot be rendered: the approval rolled back
        report.fail(document_id, ght.code, _reason(exc))
        return
    report.count(ght.code, NoticeKind.TACIT_APPROVAL)
    report.tacit_approvals.append(document_id)
    if not ght.to:
        report.no_contact += 1
