"""What each page of the web dashboard shows, read-only, and who may see it.

Who may see and do what is `states.access` (through `services.accounts.access`), the rule `fire`,
the JSON API and the calendars follow too: agency people see their region's GHTs and the agency's
pages (overview, outbox, bilan downloads); a GHT's people their own GHT only. Another GHT's
page, document, version or generated file is answered exactly like one that does not exist
(`NotFound`), so that a guessed URL reveals nothing; an agency page answers `PermissionDenied`
(its existence is no secret, its content is). The actions offered on a document are those
`fire` would accept from the person in its current state; its guards (file, motives, dates)
are still checked by `fire` itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as core_select
from sqlmodel import col

from i18n import french_date
from models import (
    ConformityRequest,
    Document,
    DocumentVersion,
    Establishment,
    GeneratedFile,
    Ght,
    HolderKind,
    Membership,
    OutboxMessage,
)
from services.accounts.access import (
    allowed_transitions,
    require_agency,
    visible_document,
    visible_ght,
)
from services.accounts.credentials import Account
from services.adapters.stored import UNREADABLE_KEY, motive_keys
from services.deadlines.calendar import DeadlineEntry, ght_deadlines
from services.errors import NotFound
from services.generation.fill import FilledFile, list_generated
from services.lifecycle.motives import list_motives
from services.mail.outbox import in_region, list_messages
from services.registry.compliance import compliance_report
from services.views.documents import list_documents, show_document
from services.views.reports import bilan
from services.workspace import Workspace
from states.deadlines import DeadlineKind, DeadlineRules, OpenRequest
from states.definition import CRITERION_ASSESSED, Side, WorkflowDefinition
from states.guards import CONFORMITY_RESPONSE_MAX_MONTHS, add_days, add_months

SOON_DAYS = 30  # "due soon" on the overview: within this many days of the chosen date
OUTBOX_SHOWN = 200  # messages listed per state on the outbox page (the counts are exact)

ROLE_LABELS = {"partie": "Parties", "associe": "Associés", "partenaire": "Partenaires"}
COMPLIANCE_LABELS = {
    "partie": "Adhésion comme partie au GHT",
    "association": "Association au GHT",
}
STATUS_LABELS = {"missing": "Manquant", "in_progress": "En cours", "done": "Fait"}
# events no workflow defines (written by ghtflow itself: campaigns, scenario loading)
EVENT_LABELS = {
    "create": "Création",
    "load": "Reprise de l'existant",
    "move_due_date": "Échéance déplacée",
}


# --- the regional overview ------------------------------------------------------------------


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int


@dataclass(frozen=True)
class TypeSummary:
    doc_type: str
    label: str
    states: list[StateCount]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.states)


@dataclass(frozen=True)
class DocumentLine:
    """A document in a list of the overview, with the deadline it is listed for."""

    id: int
    ght_code: str
    ght_name: str
    type_label: str
    state_label: str
    what: str  # what the deadline is, in French
    day: date | None


@dataclass(frozen=True)
class Overview:
    as_of: date
    types: list[TypeSummary]
    overdue: list[DocumentLine]
    due_soon: list[DocumentLine]
    awaiting_agency: list[DocumentLine]
    outbox_failed: int
    outbox_pending: int


def agency_states(definition: WorkflowDefinition) -> frozenset[str]:
    """States in which the agency has a decision to take (an agency event leaves them)."""
    return frozenset(s for t in definition.transitions if t.side == Side.AGENCY for s in t.sources)


def _line(
    doc: dict[str, Any],
    ght_code: str,
    ght_name: str,
    type_label: str,
    what: str,
    day: date | None,
) -> DocumentLine:
    return DocumentLine(doc["id"], ght_code, ght_name, type_label, doc["state_label"], what, day)


@dataclass(frozen=True)
class _Dates:
    """What `states.deadlines` reads of a listed document. The overview leaves out the end
    of review periods: documents waiting for the agency are listed apart (`awaiting_agency`)."""

    state: str
    due_date: date | None
    submitted_on: date | None


def overview(ws: Workspace, account: Account, as_of: date) -> Overview:
    """The bilan as of `as_of` and what needs attention on that day. States are those the
    documents had at the end of `as_of` (from their history), so a past date tells the past."""
    require_agency(account)
    result = bilan(ws, as_of, account.region_id)  # the agency's own region only
    types = []
    for doc_type, counts in result.counts.items():
        definition = ws.workflows.definition(doc_type)
        states = [StateCount(s, definition.label_of(s), n) for s, n in counts.items()]
        types.append(TypeSummary(doc_type, definition.label, states))
    soon_end = add_days(as_of, SOON_DAYS)
    with ws.db.reading() as session:
        due_dates: dict[int, date | None] = {
            int(i): d
            for i, d in session.execute(core_select(col(Document.id), col(Document.due_date)))
        }
        open_requests: dict[int, list[OpenRequest]] = defaultdict(list)
        for request_id, document_id, requested_on, respond_by in session.execute(
            core_select(
                col(ConformityRequest.id),
                col(ConformityRequest.document_id),
                col(ConformityRequest.requested_on),
                col(ConformityRequest.respond_by),
            )
            .where(col(ConformityRequest.requested_on) <= as_of)
            .where(
                or_(
                    col(ConformityRequest.answered_on).is_(None),
                    col(ConformityRequest.answered_on) > as_of,
                )
            )
        ):
            open_requests[int(document_id)].append(
                OpenRequest(int(request_id), requested_on, respond_by)
            )
        outbox: dict[str, int] = {
            str(state): int(n)
            for state, n in session.execute(
                core_select(col(OutboxMessage.state), func.count())
                .where(in_region(account.region_id))
                .group_by(col(OutboxMessage.state))
            )
        }
    overdue: list[DocumentLine] = []
    due_soon: list[DocumentLine] = []
    awaiting: list[DocumentLine] = []
    rules = {
        t: (DeadlineRules.of(ws.workflows.definition(t)), agency_states(ws.workflows.definition(t)))
        for t in ws.workflows.types
    }
    what = {
        DeadlineKind.DUE: "À transmettre",
        DeadlineKind.RESPOND_BY: "Réponse à la demande de mise en conformité",
    }
    for ght in result.ghts:
        for doc in ght.documents:
            type_rules, agency = rules[doc["type"]]
            about = (doc, ght.code, ght.name, type_rules.definition.label)
            dated = _Dates(doc["state"], due_dates.get(doc["id"]), None)
            for deadline in type_rules.deadlines_of(dated, open_requests.get(doc["id"], ())):
                if deadline.day < as_of:
                    overdue.append(_line(*about, what[deadline.kind], deadline.day))
                elif deadline.day <= soon_end:
                    due_soon.append(_line(*about, what[deadline.kind], deadline.day))
            if doc["state"] in agency:
                awaiting.append(_line(*about, "Décision de l'ARS", None))
    by_day = lambda d: (d.day or as_of, d.ght_code, d.id)  # noqa: E731
    return Overview(
        as_of=as_of,
        types=types,
        overdue=sorted(overdue, key=by_day),
        due_soon=sorted(due_soon, key=by_day),
        awaiting_agency=awaiting,
        outbox_failed=int(outbox.get("failed", 0)),
        outbox_pending=int(outbox.get("pending", 0)),
    )


# --- a GHT's page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberLine:
    finess: str
    name: str
    support: bool


@dataclass(frozen=True)
class ComplianceLine:
    label: str
    with_: list[str]  # "Name (FINESS)"
    status: str
    status_label: str
    document_id: int | None
    state_label: str | None


@dataclass
class GhtPage:
    code: str
    name: str
    as_of: date
    members: list[tuple[str, list[MemberLine]]]  # (role label, members), parties first
    documents: list[dict[str, Any]]
    required: list[ComplianceLine]
    suggested: list[ComplianceLine]
    deadlines: list[DeadlineEntry]
    past_deadlines: int = 0
    support: str | None = None
    reference_chu: str | None = None
    is_ght: bool = True  # False for a structure: no members, no GHT obligations


def ght_page(ws: Workspace, account: Account, code: str, as_of: date) -> GhtPage:
    """A GHT's members by role, documents, what it still owes and its coming deadlines; a
    structure's documents and deadlines (the GHT obligations are not its)."""
    ght = visible_ght(ws, account, code)
    is_ght = ght.kind == HolderKind.GHT
    members, support, reference = _members(ws, ght) if is_ght else ([], None, None)
    documents = list_documents(ws, ght=ght.code)
    for d in documents:
        d["type_label"] = ws.workflows.type_label(d["type"])
    required, suggested = _compliance_lines(ws, ght, documents) if is_ght else ([], [])
    _, deadlines = ght_deadlines(ws, ght.code)
    coming = [d for d in deadlines if d.day >= as_of]
    return GhtPage(
        code=ght.code,
        name=ght.name,
        as_of=as_of,
        members=members,
        documents=documents,
        required=required,
        suggested=suggested,
        deadlines=coming,
        past_deadlines=len(deadlines) - len(coming),
        support=support.name if support else None,
        reference_chu=reference.name if reference else None,
        is_ght=is_ght,
    )


def _members(
    ws: Workspace, ght: Ght
) -> tuple[list[tuple[str, list[MemberLine]]], Establishment | None, Establishment | None]:
    """Members by role (French label, parties first), the support establishment, the CHU."""
    by_role: dict[str, list[MemberLine]] = {role: [] for role in ROLE_LABELS}
    with ws.db.reading() as session:
        members = session.execute(
            core_select(col(Membership.role), col(Establishment.finess), col(Establishment.name))
            .join(Establishment, col(Establishment.id) == col(Membership.establishment_id))
            .where(col(Membership.ght_id) == ght.id)
            .order_by(col(Establishment.finess))
        ).all()
        support, reference = (
            session.get(Establishment, i) if i is not None else None
            for i in (ght.support_establishment_id, ght.reference_chu_id)
        )
    for role, finess, name in members:
        support_here = support is not None and finess == support.finess
        by_role.setdefault(role, []).append(MemberLine(finess, name, support_here))
    return [(ROLE_LABELS.get(r, r), ms) for r, ms in by_role.items()], support, reference


def _compliance_lines(
    ws: Workspace, ght: Ght, documents: list[dict[str, Any]]
) -> tuple[list[ComplianceLine], list[ComplianceLine]]:
    """What the GHT must have and what is suggested, in French, with the documents' states."""
    report = compliance_report(ws, ght=ght.code)["ghts"][0]
    names = _names(ws, {f for i in report["required"] + report["suggested"] for f in i["with"]})
    labels = {t: ws.workflows.definition(t).label for t in ws.workflows.types}
    state_labels = {d["id"]: d["state_label"] for d in documents}

    def lines(items: list[dict[str, Any]]) -> list[ComplianceLine]:
        return [
            ComplianceLine(
                label=labels.get(i["type"]) or COMPLIANCE_LABELS.get(i["type"], i["type"]),
                with_=[f"{names.get(f, f)} ({f})" for f in i["with"]],
                status=i["status"],
                status_label=STATUS_LABELS.get(i["status"], i["status"]),
                document_id=i["document_id"],
                state_label=state_labels.get(i["document_id"]),
            )
            for i in items
        ]

    return lines(report["required"]), lines(report["suggested"])


def _names(ws: Workspace, finess: set[str]) -> dict[str, str]:
    """FINESS → name of these establishments only (a national registry has thousands)."""
    if not finess:
        return {}
    with ws.db.reading() as session:
        rows = session.execute(
            core_select(col(Establishment.finess), col(Establishment.name)).where(
                col(Establishment.finess).in_(sorted(finess))
            )
        ).all()
    return {str(f): str(n) for f, n in rows}


# --- a document's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """An event the signed-in person may fire now, with what its form must ask for."""

    event: str
    label: str
    needs_file: bool
    needs_motives: bool
    needs_respond_by: bool
    earliest_respond_by: date | None
    latest_respond_by: date | None = None
    may_backdate: bool = False  # agency people may record an action taken on an earlier day
    needs_verdict: bool = False  # a criterion of the assessment grid and its verdict
    needs_note: bool = False  # a decision that must say why (guard `note_given`)


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    day: date
    label: str
    actor: str
    from_label: str | None
    to_label: str
    details: list[str]


@dataclass(frozen=True)
class RequestLine:
    motives: list[str]  # labels
    note: str | None
    requested_on: date
    respond_by: date
    requested_by: str
    answered_on: date | None


@dataclass
class DocumentPage:
    id: int
    ght_code: str
    ght_name: str
    type_label: str
    reference: str
    title: str
    state: str
    state_label: str
    final: bool
    unknown: bool  # its type or state is no workflow's (edited in the database): no action
    due_date: date | None
    version: int
    lock_version: int
    history: list[TimelineEntry]
    versions: list[dict[str, Any]]
    requests: list[RequestLine]
    generated: list[FilledFile]
    actions: list[Action]
    motives: list[tuple[str, str]]  # the catalogue: (key, label)
    grid: list[dict[str, Any]] = field(default_factory=list)  # criteria and latest verdicts
    holder_is_ght: bool = True  # False: the document's holder is a structure, not a GHT


def _event_label(definition: WorkflowDefinition | None, event: str) -> str:
    transitions = definition.transitions if definition is not None else ()
    found = next((t.label for t in transitions if t.event == event and t.label), None)
    return found or EVENT_LABELS.get(event, event)


def allowed_actions(
    definition: WorkflowDefinition, state: str, account: Account, ght: Ght, today_: date
) -> list[Action]:
    """The events of `state` this person may fire (as `fire` authorizes them:
    `services.accounts.access`), with what their forms must ask for."""
    actions = []
    for t in allowed_transitions(definition, state, account, ght):
        respond_by = "respond_by_min_delay" in t.guards
        earliest = (
            add_months(today_, definition.timers.conformity_response_min_months)
            if respond_by
            else None
        )
        latest = add_months(today_, CONFORMITY_RESPONSE_MAX_MONTHS) if respond_by else None
        actions.append(
            Action(
                event=t.event,
                label=t.label or t.event,
                needs_file="file_attached" in t.guards,
                needs_motives="conformity_motives" in t.guards,
                needs_respond_by=respond_by,
                earliest_respond_by=earliest,
                latest_respond_by=latest,
                may_backdate=account.is_agency,
                needs_verdict=CRITERION_ASSESSED in t.guards,
                needs_note="note_given" in t.guards,
            )
        )
    return actions


def _details(
    payload: dict[str, Any], motive_labels: dict[str, str], criterion_labels: dict[str, str]
) -> list[str]:
    details = []
    if "version" in payload:
        name = f" ({payload['file_name']})" if payload.get("file_name") else ""
        details.append(f"Version {payload['version']}{name}")
    if payload.get("motives"):
        keys = motive_keys(payload["motives"])
        details.append("Motifs : " + " ; ".join(motive_labels.get(m, m) for m in keys))
    if payload.get("respond_by"):
        details.append(f"Réponse attendue au plus tard le {_day_text(payload['respond_by'])}")
    if payload.get("criterion"):
        verdict = "rempli" if payload.get("met") is True else "non rempli"
        label = criterion_labels.get(str(payload["criterion"]), str(payload["criterion"]))
        details.append(f"Critère « {label} » : {verdict}")
    if payload.get("note"):
        details.append(f"« {payload['note']} »")
    if "to" in payload and "campaign" in payload:  # a moved due date (`campaigns set-due`)
        before = _day_text(payload["from"]) if payload.get("from") else "aucune"
        details.append(
            f"Échéance : {before} → {_day_text(payload['to'])} (campagne {payload['campaign']})"
        )
    elif payload.get("campaign"):
        details.append(f"Campagne {payload['campaign']}")
    if payload.get("dated_by"):
        who = "l'exploitant" if payload.get("dated_as") == "operator" else payload["dated_by"]
        details.append(f"Date saisie par {who}")
    if UNREADABLE_KEY in payload:
        details.append(f"Données illisibles : {payload[UNREADABLE_KEY]}")
    return details


def _day_text(value: Any) -> str:
    """A stored ISO date in French; shown as it is if it is not one (a payload edited by hand)."""
    try:
        return french_date(date.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def document_page(ws: Workspace, account: Account, document_id: int, today_: date) -> DocumentPage:
    """One document as its page shows it, with the actions this person may take today."""
    document, ght = visible_document(ws, account, document_id)
    shown = show_document(ws, document_id)
    workflows, doc_type = ws.workflows, document.doc_type
    definition = workflows.find(doc_type)  # None: a type edited in the database, shown raw
    motives = [(str(m["key"]), str(m["label"])) for m in list_motives(ws)]
    motive_labels = dict(motives)
    criterion_labels = {c.key: c.label for c in definition.criteria} if definition else {}

    def state_label(state: str | None) -> str | None:
        return None if state is None else workflows.state_label(doc_type, state)

    history = [
        TimelineEntry(
            seq=h["seq"],
            day=date.fromisoformat(h["as_of"]),
            label=_event_label(definition, h["event"]),
            actor=h["actor"],
            from_label=state_label(h["from"]),
            to_label=state_label(h["to"]) or h["to"],
            details=_details(h["payload"], motive_labels, criterion_labels),
        )
        for h in shown["history"]
    ]
    requests = [
        RequestLine(
            motives=[motive_labels.get(m, m) for m in c["motives"]],
            note=c["note"],
            requested_on=date.fromisoformat(c["requested_on"]),
            respond_by=date.fromisoformat(c["respond_by"]),
            requested_by=c["requested_by"],
            answered_on=date.fromisoformat(c["answered_on"]) if c["answered_on"] else None,
        )
        for c in shown["conformity_requests"]
    ]
    return DocumentPage(
        id=document_id,
        ght_code=ght.code,
        ght_name=ght.name,
        type_label=workflows.type_label(doc_type),
        reference=document.reference,
        title=document.title,
        state=document.state,
        state_label=shown["state_label"],
        final=definition is not None and document.state in definition.final_states,
        unknown=not workflows.knows(doc_type, document.state),
        due_date=document.due_date,
        version=document.current_version,
        lock_version=document.version_id,
        history=history,
        versions=shown["versions"],
        requests=requests,
        generated=list_generated(ws, document_id),
        actions=(
            allowed_actions(definition, document.state, account, ght, today_)
            if definition is not None
            else []
        ),
        motives=motives,
        grid=shown["assessment"],
        holder_is_ght=ght.kind == HolderKind.GHT,
    )


# --- downloads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileToSend:
    path: Path
    name: str


def version_file(ws: Workspace, account: Account, document_id: int, number: int) -> FileToSend:
    """The file of version `number` of a document this person may see."""
    visible_document(ws, account, document_id)
    with ws.db.reading() as session:
        version = (
            session.execute(
                core_select(DocumentVersion).where(
                    col(DocumentVersion.document_id) == document_id,
                    col(DocumentVersion.number) == number,
                )
            )
            .scalars()
            .first()
        )
    missing = NotFound(f"document {document_id} has no file for version {number}")
    if version is None or version.file_hash is None:
        raise missing
    path = ws.files.path_of(version.file_hash)
    if not path.is_file():
        raise missing
    return FileToSend(path, version.file_name or f"document-{document_id}-v{number}")


def generated_file(ws: Workspace, account: Account, file_id: int) -> FileToSend:
    """A filled Word (or PDF) file of a document this person may see."""
    with ws.db.reading() as session:
        row = session.get(GeneratedFile, file_id)
    missing = NotFound(f"generated file {file_id} does not exist")
    if row is None:
        raise missing
    try:
        visible_document(ws, account, row.document_id)
    except NotFound:
        raise missing from None
    path = ws.files.path_of(row.file_hash)
    if not path.is_file():
        raise missing
    return FileToSend(path, row.file_name)


# --- the outbox page ------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxPage:
    failed: list[dict[str, Any]]
    pending: list[dict[str, Any]]
    failed_count: int
    pending_count: int


def outbox_page(ws: Workspace, account: Account) -> OutboxPage:
    """Messages not delivered yet (pending) or given up on (failed), with their last error."""
    require_agency(account)
    failed = list_messages(ws, "failed", region_id=account.region_id)
    pending = list_messages(ws, "pending", region_id=account.region_id)
    return OutboxPage(
        failed=failed[-OUTBOX_SHOWN:][::-1],
        pending=pending[:OUTBOX_SHOWN],
        failed_count=len(failed),
        pending_count=len(pending),
    )
