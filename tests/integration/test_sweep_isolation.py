"""One bad row never stops the region: a date out of range stored before dates were bounded,
an address the outbox refuses or a template that fails for one document is reported against
that document, and the sweep, the GHT page, the overview and the calendar serve everyone
else (on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import select, update
from sqlmodel import col

from models import ConformityRequest, Document, DocumentVersion, Event, Person
from services.accounts.credentials import Account, account_for_token, issue_token
from services.clock import today
from services.deadlines.calendar import ght_calendar
from services.deadlines.sweep import sweep_deadlines
from services.lifecycle.fire import fire
from services.views.dashboard import document_page, ght_page, overview
from services.views.documents import show_document
from tests.integration.helpers import OFFICER, a_file, director, document_id

FAR = date(9999, 12, 31)
DECEMBER = date(2017, 12, 1)


def _submitted_in_year_9999(ws: Any, tmp_path: Any) -> int:
    """What a GHT's `submit` with as_of 9999-12-31 left before the fix: OCC-02's PMSP received
    on 9999-12-31, its last event dated so."""
    doc = document_id(ws, "OCC-02", "pmsp")
    fire(ws, doc, "submit", director("OCC-02"), file=a_file(tmp_path), as_of=date(2017, 10, 16))
    with ws.db.transaction() as session:
        session.execute(update(Document).where(col(Document.id) == doc).values(submitted_on=FAR))
        session.execute(
            update(DocumentVersion)
            .where(col(DocumentVersion.document_id) == doc)
            .values(received_on=FAR)
        )
        last = session.execute(
            select(col(Event.seq)).where(col(Event.document_id) == doc).order_by(col(Event.seq))
        ).scalars()
        session.execute(
            update(Event)
            .where(col(Event.document_id) == doc, col(Event.seq) == list(last)[-1])
            .values(as_of=FAR)
        )
    return doc


def _set(ws: Any, model: Any, where: Any, **values: Any) -> None:
    with ws.db.transaction() as session:
        session.execute(update(model).where(where).values(**values))


def _account(ws: Any, email: str) -> Account:
    account = account_for_token(ws, issue_token(ws, email))
    assert account is not None
    return account


def _errors(report: Any) -> dict[int | None, dict[str, Any]]:
    return {e["document_id"]: e for e in report.as_dict()["errors"]}


def test_dates_out_of_range_are_reported_and_the_rest_is_swept(occitanie, tmp_path):
    ws = occitanie
    lot = _submitted_in_year_9999(ws, tmp_path)
    due = document_id(ws, "OCC-03", "pmsp")  # a draft due 1 July: overdue on 1 December
    _set(ws, Document, col(Document.id) == due, due_date=FAR)
    aveyron = document_id(ws, "OCC-04", "pmsp")  # awaits the answer to a conformity request
    _set(ws, ConformityRequest, col(ConformityRequest.document_id) == aveyron, respond_by=FAR)

    report = sweep_deadlines(ws, DECEMBER)

    errors = _errors(report)
    assert set(errors) == {lot, due, aveyron}
    assert errors[lot] == {
        "document_id": lot,
        "ght": "OCC-02",
        "reason": "received date 9999-12-31 is out of range (1900-01-01 to 2999-12-31)",
    }
    assert errors[due]["ght"] == "OCC-03" and "due date 9999-12-31" in errors[due]["reason"]
    assert "respond-by date 9999-12-31" in errors[aveyron]["reason"]
    # everyone else was swept as on a clean database (OCC-02 and OCC-03's PMSP left out)
    assert report.counts["reminder"] == 25 and report.counts["overdue"] == 5
    assert report.counts["conformity_overdue"] == 2


def test_an_event_dated_after_today_is_reported_and_does_not_lock_the_document(occitanie, tmp_path):
    ws = occitanie
    doc, other = document_id(ws, "OCC-02", "pmsp"), document_id(ws, "OCC-03", "pmsp")
    for d, code in ((doc, "OCC-02"), (other, "OCC-03")):
        fire(ws, d, "submit", director(code), file=a_file(tmp_path), as_of=date(2017, 10, 16))
    _set(ws, Event, col(Event.document_id) == doc, as_of=FAR)  # its history "in" 9999

    report = sweep_deadlines(ws, date(2018, 1, 2))  # their review period ran out in December
    assert _errors(report)[doc]["reason"] == (
        "its history holds an event dated 9999-12-31, after today"
    )
    assert report.tacit_approvals == [other]
    # the agency can still decide on it: today is the floor, not the bad date
    assert fire(ws, doc, "approve", OFFICER).to_state == "approved"
    assert show_document(ws, doc)["history"][-1]["as_of"] == today().isoformat()


def test_an_address_the_outbox_refuses_stops_only_its_ght(occitanie):
    ws = occitanie
    clean = sweep_deadlines(ws, DECEMBER, dry_run=True).as_dict()["per_ght"]
    _set(ws, Person, col(Person.email) == director("OCC-02"), email='a"b@occ-02.example.org')

    report = sweep_deadlines(ws, DECEMBER)

    errors = _errors(report)
    assert document_id(ws, "OCC-02", "pmsp") in errors
    assert {e["ght"] for e in errors.values()} == {"OCC-02"}
    assert all("'a\"b@occ-02.example.org'" in e["reason"] for e in errors.values())
    swept = report.as_dict()["per_ght"]
    assert swept == {code: counts for code, counts in clean.items() if code != "OCC-02"}


def test_a_template_failing_for_one_document_fails_only_that_one(occitanie, monkeypatch):
    from notifications.render import render_notice as render

    ws = occitanie
    broken = document_id(ws, "OCC-03", "chu_convention")

    def failing_for_one(kind: str, context: Any, template: Any = None) -> Any:
        if context["document_id"] == broken:
            raise ValueError("template reminder.txt.j2: 'due' is undefined")
        return render(kind, context, template)

    monkeypatch.setattr("services.mail.outbox.render_notice", failing_for_one)
    report = sweep_deadlines(ws, DECEMBER)
    assert _errors(report)[broken] == {
        "document_id": broken,
        "ght": "OCC-03",
        "reason": "ValueError: template reminder.txt.j2: 'due' is undefined",
    }
    assert report.counts["reminder"] == 24 and report.total == 35
    again = sweep_deadlines(ws, DECEMBER)  # the others are queued, the broken one is retried
    assert again.total == 0 and set(_errors(again)) == {broken}


def test_pages_and_calendar_show_a_row_out_of_range_instead_of_failing(occitanie, tmp_path):
    ws = occitanie
    lot = _submitted_in_year_9999(ws, tmp_path)
    _set(ws, Document, col(Document.id) == document_id(ws, "OCC-02", "eprd_budget_g"), due_date=FAR)
    officer, director_lot = _account(ws, OFFICER), _account(ws, director("OCC-02"))

    feed = Calendar.from_ical(ght_calendar(ws, "OCC-02"))
    review = next(e for e in feed.walk("VEVENT") if f"doc-{lot}-review" in str(e["uid"]))
    assert review.decoded("dtstart") == FAR
    assert "date à vérifier" in str(review["summary"])

    page = ght_page(ws, director_lot, "OCC-02", DECEMBER)
    assert any(d.day == FAR and "date à vérifier" in d.summary for d in page.deadlines)
    assert overview(ws, officer, FAR).as_of == FAR  # a far `au` no longer overflows
    shown = document_page(ws, officer, lot, today())
    assert shown.history[-1].day == FAR and shown.actions  # the agency may still act


@pytest.mark.flow
@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_flow_reports_errors_in_its_result_and_summary(prefect_harness, occitanie):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    from flows.deadline_sweep import deadline_sweep
    from flows.runtime import run_flow

    due = document_id(occitanie, "OCC-03", "pmsp")
    _set(occitanie, Document, col(Document.id) == due, due_date=FAR)
    result = run_flow(
        deadline_sweep,
        as_of=DECEMBER,
        batch_size=10,
        settings_overrides={
            "home": str(occitanie.settings.home),
            "database_url": occitanie.settings.effective_database_url,
        },
    )
    assert [e["document_id"] for e in result["errors"]] == [due]
    assert result["total"] == 35
    with get_client(sync_client=True) as client:
        (summary,) = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["deadline-sweep-summary"])),
            sort=ArtifactSort.CREATED_DESC,  # the harness is shared: this test's run is the last
            limit=1,
        )
    assert "1 document(s) en erreur" in str(summary.data)
    assert f"| {due} | OCC-03 | due date 9999-12-31 is out of range" in str(summary.data)
