"""A GHT's calendar on both databases: every deadline as an all-day event with a stable UID,
following the document through its lifecycle."""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar

from services.deadlines.calendar import ght_calendar
from services.errors import NotFound
from services.lifecycle.fire import fire
from tests.integration.helpers import OFFICER, a_file, director, document_id


def _events(ws, code: str) -> dict[str, dict[str, object]]:
    calendar = Calendar.from_ical(ght_calendar(ws, code))
    assert str(calendar["version"]) == "2.0" and "ghtflow" in str(calendar["prodid"])
    events: dict[str, dict[str, object]] = {}
    for component in calendar.walk("VEVENT"):
        uid = str(component["uid"])
        assert uid not in events, uid
        start, end = component.decoded("dtstart"), component.decoded("dtend")
        assert type(start) is date and (end - start).days == 1  # all-day
        events[uid] = {
            "day": start,
            "summary": str(component["summary"]),
            "description": str(component["description"]),
        }
    return events


def test_due_dates_and_open_conformity_requests_of_the_scenario(occitanie):
    lot = _events(occitanie, "occ-02")
    pmsp = document_id(occitanie, "OCC-02", "pmsp")
    assert lot[f"doc-{pmsp}-due@ghtflow"] == {
        "day": date(2017, 7, 1),
        "summary": "Échéance : Projet médical et de soins partagé (PMSP) — OCC-02",
        "description": f"Document n° {pmsp}, état : En préparation. À transmettre à l'ARS au "
        "plus tard le 1er juillet 2017.",
    }
    assert all(uid.startswith("doc-") and uid.endswith("-due@ghtflow") for uid in lot)

    aveyron = _events(occitanie, "OCC-04")  # its PMSP awaits an answer to a conformity request
    (request,) = [e for uid, e in aveyron.items() if uid.startswith("request-")]
    assert request["summary"] == (
        "Réponse attendue à la demande de mise en conformité : "
        "Projet médical et de soins partagé (PMSP) — OCC-04"
    )
    assert "mise en conformité demandée le" in str(request["description"])


def test_the_calendar_follows_the_lifecycle(occitanie, tmp_path):
    ws, doc, me = occitanie, document_id(occitanie, "OCC-02", "pmsp"), director("OCC-02")
    assert f"doc-{doc}-due@ghtflow" in _events(ws, "OCC-02")  # still to transmit
    fire(ws, doc, "submit", me, as_of=date(2017, 10, 16), file=a_file(tmp_path))
    events = _events(ws, "OCC-02")
    # transmitted: the sweep reminds no more of the due date, and the calendar agrees
    assert f"doc-{doc}-due@ghtflow" not in events
    review = events[f"doc-{doc}-review-1@ghtflow"]
    assert review["day"] == date(2017, 12, 16)  # two months of silence: tacit approval
    assert str(review["summary"]).startswith("Fin du délai d'examen par l'ARS : ")
    assert "approuvé tacitement le 16 décembre 2017" in str(review["description"])

    fire(
        ws,
        doc,
        "request_conformity",
        OFFICER,
        as_of=date(2017, 10, 30),
        motives=("shared_care_project",),
        respond_by=date(2017, 12, 1),
    )
    events = _events(ws, "OCC-02")
    assert not any("-review-" in uid for uid in events)  # the review clock stopped
    (uid,) = [u for u in events if u.startswith("request-")]
    assert events[uid]["day"] == date(2017, 12, 1)
    assert "30 octobre 2017" in str(events[uid]["description"])
    assert "shared_care_project" not in str(events[uid]["description"])  # its French label

    fire(ws, doc, "resubmit", me, as_of=date(2017, 11, 24), file=a_file(tmp_path, "v2.pdf"))
    events = _events(ws, "OCC-02")
    assert not any(u.startswith("request-") for u in events)  # answered
    assert events[f"doc-{doc}-review-2@ghtflow"]["day"] == date(2018, 1, 24)
    assert f"doc-{doc}-due@ghtflow" not in events

    fire(ws, doc, "approve", OFFICER, as_of=date(2017, 12, 8))
    assert not any("-review-" in u for u in _events(ws, "OCC-02"))


def test_unknown_ght_is_refused(occitanie):
    with pytest.raises(NotFound, match="unknown GHT 'OCC-99'"):
        ght_calendar(occitanie, "occ-99")
