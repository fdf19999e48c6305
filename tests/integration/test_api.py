"""The JSON API and the calendar feed over both databases, through FastAPI's test client on a
small application that includes only the router (as the dashboard does)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.accounts.credentials import calendar_secret, issue_token
from services.clock import today
from services.lifecycle.fire import fire
from services.views.documents import list_documents, show_document
from services.views.reports import bilan
from states.errors import WrongSide
from tests.file_samples import docx
from tests.integration.helpers import OFFICER, director, document_id
from web.api import router

PDF = b"%PDF-1.4\n% demo\n"


@pytest.fixture
def client(occitanie):
    app = FastAPI()
    app.state.ws = occitanie
    app.include_router(router)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def officer(occitanie) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(occitanie, OFFICER)}"}


@pytest.fixture
def lot(occitanie) -> dict[str, str]:
    """The director of GHT OCC-02 (Lot)."""
    return {"Authorization": f"Bearer {issue_token(occitanie, director('OCC-02'))}"}


def _docx() -> bytes:
    return docx()


def test_every_endpoint_refuses_a_missing_or_bad_token(client):
    calls = [
        ("GET", "/api/documents"),
        ("GET", "/api/documents/1"),
        ("POST", "/api/documents/1/events"),
        ("GET", "/api/bilan"),
    ]
    for method, url in calls:
        for headers in ({}, {"Authorization": "Bearer ght_not-a-token"}, {"Authorization": "x"}):
            answer = client.request(method, url, headers=headers, json={"event": "approve"})
            assert answer.status_code == 401, (method, url, headers, answer.text)
            assert answer.headers["www-authenticate"] == "Bearer"
            assert isinstance(answer.json()["detail"], str)


def test_documents_list_is_the_cli_json_and_a_ght_sees_its_own(client, occitanie, officer, lot):
    everything = client.get("/api/documents", headers=officer)
    assert everything.status_code == 200
    assert everything.json() == list_documents(occitanie)
    filtered = client.get("/api/documents?type=pmsp&state=draft", headers=officer).json()
    assert filtered == list_documents(occitanie, doc_type="pmsp", state="draft")
    assert {d["ght"] for d in filtered} >= {"OCC-02", "OCC-03"}

    own = client.get("/api/documents", headers=lot).json()
    assert own == list_documents(occitanie, ght="OCC-02") and own
    assert client.get("/api/documents?ght=OCC-03", headers=lot).json() == []
    assert client.get("/api/documents?ght=occ-02", headers=lot).json() == own

    unknown = client.get("/api/documents?state=lost", headers=officer)
    assert unknown.status_code == 422
    assert unknown.json()["detail"].startswith("unknown state 'lost'; states: ")


def test_a_document_is_the_cli_json_and_another_ghts_answers_404(client, occitanie, officer, lot):
    own = document_id(occitanie, "OCC-02", "pmsp")
    other = document_id(occitanie, "OCC-03", "pmsp")
    shown = client.get(f"/api/documents/{own}", headers=lot)
    assert shown.status_code == 200
    assert shown.json() == show_document(occitanie, own)
    assert shown.json()["history"][0]["from"] is None
    assert client.get(f"/api/documents/{other}", headers=officer).json()["ght"] == "OCC-03"

    hidden = client.get(f"/api/documents/{other}", headers=lot)
    missing = client.get("/api/documents/99999", headers=lot)
    assert (hidden.status_code, missing.status_code) == (404, 404)
    assert hidden.json() == {"detail": f"document {other} does not exist"}
    assert missing.json() == {"detail": "document 99999 does not exist"}
    before = show_document(occitanie, other)["lock_version"]
    acted = client.post(
        f"/api/documents/{other}/events",
        headers=lot,
        json={"event": "adopt_interim", "as_of": "2017-10-20"},
    )
    assert acted.status_code == 404 and acted.json()["detail"] == f"document {other} does not exist"
    assert show_document(occitanie, other)["lock_version"] == before


def test_the_lifecycle_through_the_api_with_multipart_files(client, occitanie, officer, lot):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    submitted = client.post(
        f"/api/documents/{doc}/events",
        headers=lot,
        data={"event": "submit", "note": "PMSP adopté"},
        files={"file": ("pmsp-lot.pdf", PDF, "application/pdf")},
    )
    assert submitted.status_code == 200, submitted.text
    assert submitted.json() | {"event_seq": 0} == {
        "document_id": doc,
        "event": "submit",
        "from_state": "draft",
        "to_state": "submitted",
        "state_label": "Transmis à l'ARS",
        "version": 1,
        "event_seq": 0,
    }
    lock = client.get(f"/api/documents/{doc}", headers=officer).json()["lock_version"]
    requested = client.post(
        f"/api/documents/{doc}/events",
        headers=officer,
        json={
            "event": "request_conformity",
            "motives": ["biology_pharmacy_imaging", "shared_care_project"],
            "note": "Préciser le projet de biologie.",
            "respond_by": (today() + timedelta(days=45)).isoformat(),
            "expected_version": lock,
        },
    )
    assert requested.status_code == 200, requested.text
    assert requested.json()["to_state"] == "conformity_requested"
    resubmitted = client.post(
        f"/api/documents/{doc}/events",
        headers=lot,
        data={"event": "resubmit"},
        files={"file": ("pmsp-v2.docx", _docx(), "application/octet-stream")},
    )
    assert resubmitted.status_code == 200, resubmitted.text
    assert resubmitted.json()["version"] == 2

    shown = show_document(occitanie, doc)
    assert [v["file_name"] for v in shown["versions"]] == ["pmsp-lot.pdf", "pmsp-v2.docx"]
    assert occitanie.files.path_of(shown["versions"][0]["sha256"]).read_bytes() == PDF
    (request,) = shown["conformity_requests"]
    assert request["motives"] == ["biology_pharmacy_imaging", "shared_care_project"]
    assert request["requested_by"] == OFFICER and request["answered_on"] == today().isoformat()
    assert shown["history"][1]["actor"] == director("OCC-02")
    assert shown["history"][1]["payload"]["note"] == "PMSP adopté"


def test_refusals_carry_the_cli_message_and_status(client, occitanie, officer, lot, tmp_path):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    url = f"/api/documents/{doc}/events"

    wrong_side = client.post(url, headers=officer, json={"event": "adopt_interim"})
    assert wrong_side.status_code == 403
    with pytest.raises(WrongSide) as cli_refusal:  # what `ghtflow documents fire` prints
        fire(occitanie, doc, "adopt_interim", OFFICER)
    assert wrong_side.json() == {"detail": str(cli_refusal.value)}
    assert "'adopt_interim' is for the GHT, not for the agency" in str(cli_refusal.value)

    illegal = client.post(url, headers=officer, json={"event": "approve", "as_of": "2017-10-20"})
    assert illegal.status_code == 422
    detail = illegal.json()["detail"]
    assert "event 'approve' is not allowed in state 'draft'" in detail
    assert detail.endswith("allowed events: adopt_interim, submit")

    lock = show_document(occitanie, doc)["lock_version"]
    stale = client.post(
        url,
        headers=lot,
        json={"event": "adopt_interim", "expected_version": lock + 1},
    )
    assert stale.status_code == 409
    assert "was changed by someone else" in stale.json()["detail"]
    assert show_document(occitanie, doc)["state"] == "draft"

    no_file = client.post(url, headers=lot, json={"event": "submit"})
    assert no_file.status_code == 422 and "submit refused" in no_file.json()["detail"]

    disguised = client.post(
        url,
        headers=lot,
        data={"event": "submit"},
        files={"file": ("pmsp.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
    )
    assert disguised.status_code == 422
    assert disguised.json()["detail"] == (
        "file pmsp.pdf is not a PDF or Word (.docx, .doc) document (judged from its content)"
    )
    limit = occitanie.files.max_bytes
    oversized = client.post(
        url,
        headers=lot,
        data={"event": "submit"},
        files={"file": ("big.pdf", PDF + b"0" * limit, "application/pdf")},
    )
    assert oversized.json() == {
        "detail": f"file big.pdf is larger than the limit of {limit} bytes (GHTFLOW_MAX_FILE_BYTES)"
    }
    empty = client.post(
        url,
        headers=lot,
        data={"event": "submit"},
        files={"file": ("vide.pdf", b"", "application/pdf")},
    )
    assert empty.json() == {"detail": "file vide.pdf is empty"}

    bad_date = client.post(url, headers=officer, json={"event": "approve", "respond_by": "soon"})
    assert bad_date.status_code == 422 and bad_date.json()["detail"].startswith("respond_by: ")
    not_json = client.post(url, headers=officer, content=b"event=approve")
    assert not_json.status_code == 422
    assert show_document(occitanie, doc)["version"] == 0  # nothing was stored or moved
    assert len(show_document(occitanie, doc)["history"]) == 1


def test_bilan_is_the_cli_services_json_for_the_agency_only(client, occitanie, officer, lot):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    fire(occitanie, doc, "adopt_interim", director("OCC-02"), as_of=date(2017, 10, 20))
    for day in ("2017-10-13", "2017-10-20"):
        answer = client.get(f"/api/bilan?as_of={day}", headers=officer)
        assert answer.status_code == 200
        assert answer.json() == bilan(occitanie, date.fromisoformat(day)).as_json()
    assert (
        client.get("/api/bilan?as_of=2017-10-20", headers=officer).json()["counts"]["pmsp"][
            "interim_amendment"
        ]
        == 2
    )
    assert client.get("/api/bilan?as_of=13/10/2017", headers=officer).json() == {
        "detail": "as_of: '13/10/2017' is not a date YYYY-MM-DD"
    }
    assert client.get("/api/bilan", headers=lot).status_code == 403


def test_calendar_feed_needs_a_key_that_may_see_the_ght(client, occitanie):
    own_key = calendar_secret(occitanie, director("OCC-02"))
    feed = client.get(f"/calendar/OCC-02.ics?key={own_key}")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert feed.text.startswith("BEGIN:VCALENDAR") and "UID:doc-" in feed.text
    officer_key = calendar_secret(occitanie, OFFICER)
    assert client.get(f"/calendar/occ-03.ics?key={officer_key}").status_code == 200
    for url in (
        f"/calendar/OCC-03.ics?key={own_key}",  # another GHT's
        "/calendar/OCC-02.ics?key=wrong",
        "/calendar/OCC-02.ics",
        f"/calendar/OCC-99.ics?key={officer_key}",
    ):
        assert client.get(url).status_code == 404, url
    renewed = calendar_secret(occitanie, director("OCC-02"), renew=True)
    assert client.get(f"/calendar/OCC-02.ics?key={own_key}").status_code == 404
    assert client.get(f"/calendar/OCC-02.ics?key={renewed}").status_code == 200


def test_openapi_describes_the_api(client):
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    assert set(paths) == {
        "/api/documents",
        "/api/documents/{document_id}",
        "/api/documents/{document_id}/events",
        "/api/bilan",
        "/calendar/{ght_code}.ics",
    }
    body = paths["/api/documents/{document_id}/events"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "multipart/form-data"}
    assert "file" in body["multipart/form-data"]["schema"]["properties"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    schemas = spec["components"]["schemas"]
    assert {"DocumentSummary", "DocumentDetail", "BilanOut", "FireOut"} <= set(schemas)
    assert "from" in schemas["HistoryEntry"]["properties"]
