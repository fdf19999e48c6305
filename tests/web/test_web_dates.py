"""Who dates an action on the web: the server for a GHT's people (no date field, a crafted one
refused), an agency person may record an action taken earlier (the history says who dated it);
pages survive a date far out of range, in a query or in a bad row."""

from __future__ import annotations

from datetime import date

from sqlalchemy import update
from sqlmodel import col

from models import Document
from services.clock import today
from services.lifecycle.fire import fire
from services.views.documents import show_document
from tests.integration.helpers import OFFICER, a_file, director, document_id
from tests.web.pagecheck import alert_of, check_page

PDF = b"%PDF-1.4\n% projet medical partage\n"


def _act(visitor, d: int, event: str, *, file=None, **fields):
    files = {"file": file} if file is not None else None
    return visitor.post(f"/documents/{d}/actions", {"event": event, **fields}, files=files)


def test_a_ght_form_has_no_date_and_a_crafted_date_is_refused(lot, occitanie):
    d = document_id(occitanie, "OCC-02", "pmsp")
    page = lot.get(f"/documents/{d}").text
    assert 'name="as_of"' not in page
    for day in ("2017-10-16", "9999-12-31"):
        answer = _act(lot, d, "submit", file=("p.pdf", PDF, "application/pdf"), as_of=day)
        assert answer.status_code == 422
        assert alert_of(answer.text) == (
            f"document {d} (pmsp, OCC-02): {director('OCC-02')} may not choose the date of an "
            f"event (as_of {day}): the server dates a GHT's events; leave as_of out"
        )
    assert show_document(occitanie, d)["version"] == 0
    assert _act(lot, d, "submit", file=("p.pdf", PDF, "application/pdf")).status_code == 303
    assert show_document(occitanie, d)["versions"][0]["received_on"] == today().isoformat()


def test_an_agency_person_may_backdate_and_the_history_says_so(officer, occitanie, tmp_path):
    d = document_id(occitanie, "OCC-02", "pmsp")
    fire(
        occitanie, d, "submit", director("OCC-02"), file=a_file(tmp_path), as_of=date(2017, 10, 16)
    )
    page = officer.get(f"/documents/{d}").text
    assert f'name="as_of" max="{today().isoformat()}"' in page
    future = _act(officer, d, "approve", as_of="2999-01-01")
    assert future.status_code == 422 and "is after today" in alert_of(future.text)
    early = _act(officer, d, "approve", as_of="2017-10-01")
    assert early.status_code == 422 and "history only moves forward" in alert_of(early.text)
    assert _act(officer, d, "approve", as_of="2017-12-08").status_code == 303
    last = show_document(occitanie, d)["history"][-1]
    assert last["as_of"] == "2017-12-08"
    assert last["payload"] == {"dated_by": OFFICER, "dated_as": "agency"}
    page = officer.get(f"/documents/{d}").text
    check_page(page)
    assert f"Date saisie par {OFFICER}" in page


def test_pages_survive_a_far_date_in_the_address_or_in_a_row(officer, lot, occitanie):
    page = officer.get("/?au=9999-12-31")
    assert page.status_code == 200
    assert "hors des limites" in alert_of(page.text)
    assert lot.get("/ght/OCC-02?au=9999-12-31").status_code == 200
    d = document_id(occitanie, "OCC-02", "pmsp")
    with occitanie.db.transaction() as session:
        session.execute(
            update(Document).where(col(Document.id) == d).values(due_date=date(9999, 12, 31))
        )
    for visitor, url in ((lot, "/ght/OCC-02"), (officer, "/"), (lot, f"/documents/{d}")):
        answer = visitor.get(url)
        assert answer.status_code == 200, url
        check_page(answer.text)
    assert "(date à vérifier)" in lot.get("/ght/OCC-02").text
