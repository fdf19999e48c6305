"""A GHT's deadlines as an iCalendar feed that calendar applications subscribe to.

Every event is an all-day event (business dates have no time of day): the deadlines of
`states.deadlines`, the rule the sweep reminds by: a due date while the document is not yet
transmitted, each open conformity request's respond-by date while the GHT's answer is awaited,
and, for a document waiting for the agency's review, the day its review period ends (tacit
approval if the agency stays silent). The GHT's page shows the same entries (`ght_deadlines`).
UIDs are stable (`doc-12-due@ghtflow`, `request-3-respond-by@ghtflow`,
`doc-12-review-2@ghtflow`) so that a subscribed calendar updates its events instead of
duplicating them. Summaries are in French: the GHT's staff read them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from icalendar import Calendar, Event
from sqlmodel import col, select

from i18n import french_date
from models import ConformityMotive, ConformityRequest, Document, Ght, utcnow
from services.adapters.stored import motive_keys
from services.clock import EARLIEST_DAY, LATEST_DAY
from services.registry.ghts import holder_by_code
from services.workspace import Workspace
from states.deadlines import Deadline, DeadlineKind, DeadlineRules, OpenRequest
from states.guards import add_days

PRODID = "-//ghtflow//Echeances des GHT//FR"
UID_DOMAIN = "ghtflow"
OUT_OF_RANGE = "[date à vérifier]"


@dataclass(frozen=True)
class DeadlineEntry:
    """One deadline of a GHT as its staff read it, in the calendar feed and on its page."""

    uid: str
    day: date
    summary: str
    description: str


def ght_deadlines(ws: Workspace, ght_code: str) -> tuple[Ght, list[DeadlineEntry]]:
    """A GHT and its deadlines by day (`NotFound` for an unknown code), from the one rule of
    `states.deadlines`: what the sweep reminds of is what the calendar and the page show."""
    with ws.db.reading() as session:
        ght = holder_by_code(session, ght_code)
        documents = session.exec(
            select(Document).where(Document.ght_id == ght.id).order_by(col(Document.id))
        ).all()
        requests: dict[int, list[OpenRequest]] = defaultdict(list)
        request_motives: dict[int, list[str]] = {}
        for request in session.exec(
            select(ConformityRequest)
            .join(Document, col(Document.id) == col(ConformityRequest.document_id))
            .where(Document.ght_id == ght.id, col(ConformityRequest.answered_on).is_(None))
        ).all():
            request_id = int(request.id or 0)
            requests[request.document_id].append(
                OpenRequest(request_id, request.requested_on, request.respond_by)
            )
            request_motives[request_id] = motive_keys(request.motives)
        motives = {m.key: m.label for m in session.exec(select(ConformityMotive)).all()}
    rules = {t: DeadlineRules.of(ws.workflows.definition(t)) for t in ws.workflows.types}
    entries: list[DeadlineEntry] = []
    for document in documents:
        what = f"{ws.workflows.type_label(document.doc_type)} — {ght.code}"
        type_rules = rules.get(document.doc_type)
        if type_rules is None or not ws.workflows.knows(document.doc_type, document.state):
            # a type or state edited in the database: its due date is shown, raw, and nothing
            # else can be decided (the sweep reports it)
            if document.due_date is not None:
                due = Deadline(DeadlineKind.DUE, document.due_date)
                entries.append(_entry(ws, document, what, due, motives, request_motives))
            continue
        for deadline in type_rules.deadlines_of(document, requests.get(int(document.id or 0), ())):
            entries.append(_entry(ws, document, what, deadline, motives, request_motives))
    entries.sort(key=lambda e: (e.day, e.uid))
    return ght, entries


def _entry(
    ws: Workspace,
    document: Document,
    what: str,
    deadline: Deadline,
    motives: dict[str, str],
    request_motives: dict[int, list[str]],
) -> DeadlineEntry:
    """The French wording of one deadline; a day out of the plausible range (a bad row stored
    before dates were bounded) is shown as it is, marked, rather than failing the whole feed."""
    state = ws.workflows.state_label(document.doc_type, document.state)
    if deadline.kind is DeadlineKind.DUE:
        entry = DeadlineEntry(
            f"doc-{document.id}-due",
            deadline.day,
            f"Échéance : {what}",
            f"Document n° {document.id}, état : {state}. "
            f"À transmettre à l'ARS au plus tard le {french_date(deadline.day)}.",
        )
    elif deadline.kind is DeadlineKind.REVIEW_END:
        received = document.submitted_on or deadline.day
        entry = DeadlineEntry(
            f"doc-{document.id}-review-{document.current_version}",
            deadline.day,
            f"Fin du délai d'examen par l'ARS : {what}",
            f"Document n° {document.id} reçu le {french_date(received)} "
            f"(version {document.current_version}) ; sans décision de l'ARS, il est "
            f"approuvé tacitement le {french_date(deadline.day)}.",
        )
    else:
        request = deadline.request
        assert request is not None  # a respond-by deadline always names its request
        named = " ; ".join(motives.get(m, m) for m in request_motives.get(request.id, []))
        entry = DeadlineEntry(
            f"request-{request.id}-respond-by",
            deadline.day,
            f"Réponse attendue à la demande de mise en conformité : {what}",
            f"Document n° {document.id} : mise en conformité demandée le "
            f"{french_date(request.requested_on)} (motifs : {named}) ; "
            f"réponse attendue au plus tard le {french_date(request.respond_by)}.",
        )
    if not EARLIEST_DAY <= entry.day <= LATEST_DAY:
        entry = replace(entry, summary=f"{OUT_OF_RANGE} {entry.summary}")
    return entry


def ght_calendar(ws: Workspace, ght_code: str) -> bytes:
    """The VCALENDAR of one GHT (`NotFound` for an unknown code)."""
    ght, entries = ght_deadlines(ws, ght_code)
    stamp = utcnow()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Échéances {ght.code} — {ght.name}")
    calendar.add("x-wr-timezone", "Europe/Paris")
    for entry in entries:
        calendar.add_component(_all_day(entry, stamp))
    return bytes(calendar.to_ical())


def _all_day(entry: DeadlineEntry, stamp: object) -> Event:
    """An all-day event (business dates have no time of day)."""
    event = Event()
    event.add("uid", f"{entry.uid}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", entry.day)
    event.add("dtend", add_days(entry.day, 1))
    event.add("summary", entry.summary)
    event.add("description", entry.description)
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    return event
