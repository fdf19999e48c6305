"""A GHT's deadlines as an iCalendar feed that calendar applications subscribe to.

Every event is an all-day event (business dates have no time of day): each document's due
date, each open conformity request's respond-by date, and, for a document waiting for the
agency's review, the day its review period ends (tacit approval if the agency stays silent).
UIDs are stable (`doc-12-due@ghtflow`, `request-3-respond-by@ghtflow`,
`doc-12-review-2@ghtflow`) so that a subscribed calendar updates its events instead of
duplicating them. Summaries are in French: the GHT's staff read them.
"""

from __future__ import annotations

from datetime import date

from icalendar import Calendar, Event
from sqlmodel import col, select

from i18n import french_date
from models import ConformityMotive, ConformityRequest, Document, Ght, utcnow
from services.clock import EARLIEST_DAY, LATEST_DAY
from services.errors import NotFound
from services.stored import motive_keys
from services.sweep import tacit_sources
from services.workspace import Workspace
from states.guards import add_days, add_months

PRODID = "-//ghtflow//Echeances des GHT//FR"
UID_DOMAIN = "ghtflow"
OUT_OF_RANGE = "[date à vérifier]"


def ght_calendar(ws: Workspace, ght_code: str) -> bytes:
    """The VCALENDAR of one GHT (`NotFound` for an unknown code)."""
    code = ght_code.strip().upper()
    with ws.db.reading() as session:
        ght = session.exec(select(Ght).where(Ght.code == code)).first()
        if ght is None:
            raise NotFound(f"unknown GHT {code!r}")
        documents = session.exec(
            select(Document).where(Document.ght_id == ght.id).order_by(col(Document.id))
        ).all()
        requests = session.exec(
            select(ConformityRequest)
            .join(Document, col(Document.id) == col(ConformityRequest.document_id))
            .where(Document.ght_id == ght.id, col(ConformityRequest.answered_on).is_(None))
            .order_by(col(ConformityRequest.id))
        ).all()
        motives = {m.key: m.label for m in session.exec(select(ConformityMotive)).all()}
    stamp = utcnow()
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"Échéances {ght.code} — {ght.name}")
    calendar.add("x-wr-timezone", "Europe/Paris")
    by_id = {d.id: d for d in documents}
    for document in documents:
        # a type or state edited in the database is shown raw, with no review period
        definition = ws.workflows.find(document.doc_type)
        what = f"{ws.workflows.type_label(document.doc_type)} — {ght.code}"
        state = ws.workflows.state_label(document.doc_type, document.state)
        if document.due_date is not None:
            calendar.add_component(
                _all_day(
                    f"doc-{document.id}-due",
                    document.due_date,
                    f"Échéance : {what}",
                    f"Document n° {document.id}, état : {state}. "
                    f"À transmettre à l'ARS au plus tard le {french_date(document.due_date)}.",
                    stamp,
                )
            )
        months = definition.timers.review_period_months if definition is not None else None
        if (
            definition is not None
            and months is not None
            and document.submitted_on is not None
            and document.state in tacit_sources(definition)
        ):
            end = add_months(document.submitted_on, months)
            calendar.add_component(
                _all_day(
                    f"doc-{document.id}-review-{document.current_version}",
                    end,
                    f"Fin du délai d'examen par l'ARS : {what}",
                    f"Document n° {document.id} reçu le {french_date(document.submitted_on)} "
                    f"(version {document.current_version}) ; sans décision de l'ARS, il est "
                    f"approuvé tacitement le {french_date(end)}.",
                    stamp,
                )
            )
    for request in requests:
        document = by_id[request.document_id]
        named = " ; ".join(motives.get(m, m) for m in motive_keys(request.motives))
        calendar.add_component(
            _all_day(
                f"request-{request.id}-respond-by",
                request.respond_by,
                f"Réponse attendue à la demande de mise en conformité : "
                f"{ws.workflows.type_label(document.doc_type)} — {ght.code}",
                f"Document n° {document.id} : mise en conformité demandée le "
                f"{french_date(request.requested_on)} (motifs : {named}) ; "
                f"réponse attendue au plus tard le {french_date(request.respond_by)}.",
                stamp,
            )
        )
    return bytes(calendar.to_ical())


def _all_day(uid: str, day: date, summary: str, description: str, stamp: object) -> Event:
    """An all-day event; a day out of the plausible range (a bad row stored before dates were
    bounded) is shown as it is, marked, rather than failing the whole feed."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        summary = f"{OUT_OF_RANGE} {summary}"
    event = Event()
    event.add("uid", f"{uid}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", add_days(day, 1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("transp", "TRANSPARENT")  # a deadline does not make anyone busy
    return event
