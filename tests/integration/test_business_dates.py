"""Who sets the business date, on SQLite and PostgreSQL: no event and no sweep after today; a
GHT's events dated by the server (the API refuses a date from a GHT account); backdating by
the agency and the operator, recorded in the history; respond-by dates bounded above."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.accounts.credentials import issue_token
from services.clock import today
from services.deadlines.sweep import sweep_deadlines
from services.errors import InvalidInput
from services.lifecycle.fire import fire
from services.views.documents import show_document
from states.errors import GuardRefused
from states.guards import add_months
from tests.integration.helpers import OFFICER, a_file, director, document_id
from web.api import router

PDF = b"%PDF-1.4\n% demo\n"


@pytest.fixture
def client(occitanie):
    app = FastAPI()
    app.state.ws = occitanie
    app.include_router(router)
    with TestClient(app) as test_client:
        yield test_client


def _bearer(ws, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(ws, email)}"}


def test_the_api_refuses_a_date_from_a_ght_account_and_dates_its_events_itself(client, occitanie):
    lot = _bearer(occitanie, director("OCC-02"))
    doc = document_id(occitanie, "OCC-02", "pmsp")
    url = f"/api/documents/{doc}/events"
    pdf = {"file": ("pmsp.pdf", PDF, "application/pdf")}
    for day in ("9999-12-31", "2017-10-16", today().isoformat()):
        answer = client.post(url, headers=lot, data={"event": "submit", "as_of": day}, files=pdf)
        assert answer.status_code == 422, answer.text
        assert answer.json() == {
            "detail": f"document {doc} (pmsp, OCC-02): {director('OCC-02')} may not choose the "
            f"date of an event (as_of {day}): the server dates a GHT's events; leave as_of out"
        }
    json_body = client.post(
        url, headers=lot, json={"event": "adopt_interim", "as_of": "2017-10-20"}
    )
    assert json_body.status_code == 422 and "may not choose the date" in json_body.text
    assert len(show_document(occitanie, doc)["history"]) == 1  # nothing happened

    assert client.post(url, headers=lot, data={"event": "submit"}, files=pdf).status_code == 200
    shown = show_document(occitanie, doc)
    assert shown["versions"][0]["received_on"] == today().isoformat()
    assert shown["history"][-1]["as_of"] == today().isoformat()
    assert "dated_by" not in shown["history"][-1]["payload"]
    assert sweep_deadlines(occitanie).errors == []  # and the region's sweep runs


def test_the_agency_backdates_through_the_api_never_into_the_future(client, occitanie, tmp_path):
    officer = _bearer(occitanie, OFFICER)
    doc = document_id(occitanie, "OCC-02", "pmsp")
    fire(
        occitanie,
        doc,
        "submit",
        director("OCC-02"),
        file=a_file(tmp_path),
        as_of=date(2017, 10, 16),
    )
    url = f"/api/documents/{doc}/events"
    tomorrow = (today() + timedelta(days=1)).isoformat()
    future = client.post(url, headers=officer, json={"event": "approve", "as_of": tomorrow})
    assert future.status_code == 422
    assert future.json()["detail"] == (
        f"document {doc} (pmsp, OCC-02): date {tomorrow} is after today "
        f"({today().isoformat()}); nothing can be dated in the future"
    )
    before = client.post(url, headers=officer, json={"event": "approve", "as_of": "2017-10-01"})
    assert before.status_code == 422 and "history only moves forward" in before.text
    done = client.post(url, headers=officer, json={"event": "approve", "as_of": "2017-12-08"})
    assert done.status_code == 200, done.text
    history = show_document(occitanie, doc)["history"]
    assert history[-1]["as_of"] == "2017-12-08"
    assert history[-1]["payload"] == {"dated_by": OFFICER, "dated_as": "agency"}
    # the operator's own tools (CLI) backdate as "operator"
    assert history[-2]["payload"]["dated_as"] == "operator"
    assert history[-2]["payload"]["dated_by"] == "operator"


def test_no_event_is_dated_after_today_whoever_fires_it(occitanie, tmp_path):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    for day in (today() + timedelta(days=1), date(9999, 12, 31)):
        with pytest.raises(InvalidInput, match="is after today"):
            fire(occitanie, doc, "submit", director("OCC-02"), file=a_file(tmp_path), as_of=day)
    with pytest.raises(InvalidInput, match="out of range"):
        fire(occitanie, doc, "adopt_interim", director("OCC-02"), as_of=date(1, 1, 1))
    shown = show_document(occitanie, doc)
    assert shown["version"] == 0 and len(shown["history"]) == 1


def test_a_respond_by_date_is_at_most_a_year_after_the_request(client, occitanie, tmp_path):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    fire(
        occitanie,
        doc,
        "submit",
        director("OCC-02"),
        file=a_file(tmp_path),
        as_of=date(2017, 10, 16),
    )
    motives = ("shared_care_project",)
    with pytest.raises(GuardRefused, match="latest allowed: 2018-10-30"):
        fire(
            occitanie, doc, "request_conformity", OFFICER, as_of=date(2017, 10, 30),
            motives=motives, respond_by=date(2018, 10, 31),
        )  # fmt: skip
    far = client.post(
        f"/api/documents/{doc}/events",
        headers=_bearer(occitanie, OFFICER),
        json={"event": "request_conformity", "motives": list(motives), "respond_by": "9999-12-31"},
    )
    assert far.status_code == 422
    assert f"latest allowed: {add_months(today(), 12).isoformat()}" in far.json()["detail"]
    fire(
        occitanie, doc, "request_conformity", OFFICER, as_of=date(2017, 10, 30),
        motives=motives, respond_by=date(2018, 10, 30),
    )  # fmt: skip
    assert show_document(occitanie, doc)["state"] == "conformity_requested"


def test_a_sweep_for_a_day_to_come_is_refused_and_2017_replays(occitanie):
    with pytest.raises(InvalidInput, match=r"sweep date .* is after today"):
        sweep_deadlines(occitanie, today() + timedelta(days=1))
    assert sweep_deadlines(occitanie, date(2017, 12, 1)).total == 36


def test_bilan_dates_out_of_range_are_refused(client, occitanie):
    officer = _bearer(occitanie, OFFICER)
    answer = client.get("/api/bilan?as_of=9999-12-31", headers=officer)
    assert answer.status_code == 422
    assert answer.json() == {
        "detail": "as_of 9999-12-31 is out of range (1900-01-01 to 2999-12-31)"
    }
    assert client.get("/api/bilan?as_of=2017-12-31", headers=officer).status_code == 200


def test_the_scenario_and_compliance_creation_are_bounded_too(ws, tmp_path):
    from services.campaigns.owed import create_missing
    from services.errors import ScenarioError
    from services.scenario.load import load_scenario
    from tests.conftest import SCENARIO

    text = SCENARIO.read_text(encoding="utf-8")
    for old, new, message in (
        (
            "as_of: 2017-10-13",
            "as_of: 2999-10-13",
            "'as_of' 2999-10-13 is not between 1900-01-01 and ",
        ),
        (
            "pmsp: 2017-07-01 ",
            "pmsp: 9999-12-31 ",
            "'pmsp' 9999-12-31 is not between 1900-01-01 and 2999-12-31",
        ),
    ):
        path = tmp_path / "scenario.yaml"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        with pytest.raises(ScenarioError, match=re.escape(message)):
            load_scenario(ws, path)
    load_scenario(ws, SCENARIO)  # 2017 replays
    with pytest.raises(InvalidInput, match=r"creation date .* is after today"):
        create_missing(ws, as_of=today() + timedelta(days=1))
