"""Two regions in one database (Occitanie 2017 and Guyane 2018), two procedures (the GHTs'
and a call for projects whose applicants are coordination structures): neither region sees
the other's documents, campaigns, bilan or e-mails, in the services, the pages and the API;
the call runs on the same sweep, bilan and launch as the GHTs' documents."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.accounts.access import check_document_visible
from services.accounts.credentials import authenticate, issue_token
from services.audit.chain import verify_chain
from services.campaigns.launch import launch_campaign
from services.deadlines.sweep import sweep_deadlines
from services.errors import NotFound, PermissionDenied
from services.lifecycle.fire import fire
from services.mail.outbox import list_messages, retry_message
from services.procedures.catalog import load_procedures
from services.scenario.load import load_scenario
from services.views.documents import list_documents
from services.views.reports import bilan
from services.workspace import Workspace
from states.procedure import Holder
from tests.integration.helpers import OFFICER, a_file
from tests.web.conftest import Visitor
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
GUYANE = ROOT / "scenarios" / "guyane-2018.yaml"
GUY_OFFICER = "esante@ars-guyane.example.org"
APPLICANT = "coordination@pta-973.example.org"
CALL_TYPE = next(t for p in load_procedures().all if p.holder is Holder.STRUCTURE for t in p.types)


@pytest.fixture
def regions(occitanie: Workspace) -> Workspace:
    load_scenario(occitanie, GUYANE, demo=True)
    return occitanie


def _ids(ws: Workspace, **filters: object) -> set[int]:
    return {int(d["id"]) for d in list_documents(ws, **filters)}  # type: ignore[arg-type]


def test_neither_region_sees_the_others_documents(regions):
    ws = regions
    occ, guy = (
        authenticate(ws, OFFICER, "ghtflow-demo"),
        authenticate(ws, GUY_OFFICER, "ghtflow-demo"),
    )
    applicant = authenticate(ws, APPLICANT, "ghtflow-demo")
    call = _ids(ws, doc_type=CALL_TYPE)
    assert len(call) == 2 and call == _ids(ws, region_id=guy.region_id)
    assert not call & _ids(ws, region_id=occ.region_id)
    for document in call:
        check_document_visible(ws, guy, document)
        with pytest.raises(NotFound):
            check_document_visible(ws, occ, document)
    pmsp = min(_ids(ws, doc_type="pmsp"))
    for outsider in (guy, applicant):
        with pytest.raises(NotFound):
            check_document_visible(ws, outsider, pmsp)
    counts = bilan(ws, date(2018, 5, 31), guy.region_id).counts
    assert sum(counts[CALL_TYPE].values()) == 2 and sum(counts["pmsp"].values()) == 0
    assert sum(bilan(ws, date(2018, 5, 31), occ.region_id).counts[CALL_TYPE].values()) == 0


def test_the_call_is_launched_to_structures_and_swept_like_any_procedure(regions, tmp_path):
    ws = regions
    guy = authenticate(ws, GUY_OFFICER, "ghtflow-demo")
    launched = launch_campaign(ws, "guy-aap-2018", as_of=date(2018, 5, 16))
    holders = {line.code: line for line in launched.ghts}
    assert set(holders) == {"PTA-973", "CPTS-OG"}  # the structures, not the region's GHT
    assert launched.mails_queued == 1  # the structure that still owes its application
    assert launch_campaign(ws, "GUY-AAP-2018", as_of=date(2018, 5, 16)).mails_queued == 0
    report = sweep_deadlines(ws, as_of=date(2018, 5, 30))  # J-30 before 29 June 2018
    assert not report.errors
    reminders = [
        m for m in list_messages(ws, "pending", region_id=guy.region_id) if m["kind"] == "reminder"
    ]
    assert [m["to"] for m in reminders] == [["coordination@cpts-og.example.org"]]
    assert not [
        m for m in list_messages(ws, region_id=guy.region_id) if "occ-" in " ".join(m["to"])
    ]
    assert verify_chain(ws).intact


def test_pages_and_api_keep_to_their_region(regions, settings):
    ws = regions
    with TestClient(create_app(settings)) as web:
        occ, guy = Visitor(TestClient(web.app)), Visitor(TestClient(web.app))
        assert occ.sign_in(OFFICER).status_code == 303
        assert guy.sign_in(GUY_OFFICER).status_code == 303
        call = sorted(_ids(ws, doc_type=CALL_TYPE))
        assert guy.get(f"/documents/{call[0]}").status_code == 200
        assert occ.get(f"/documents/{call[0]}").status_code == 404
        assert occ.get("/ght/PTA-973").status_code == 404
        assert guy.get("/ght/OCC-02").status_code == 404
        overview = guy.get("/?au=2018-05-31").text
        assert "PTA-973" in overview and "OCC-02" not in overview
        assert "OCC-" not in guy.get("/bilan.csv?au=2018-05-31").text
        token = issue_token(ws, OFFICER)
        api = TestClient(web.app)
        answer = api.get(f"/api/documents/{call[0]}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 404


def test_an_outbox_message_of_another_region_cannot_be_retried(regions, tmp_path):
    ws = regions
    occ = authenticate(ws, OFFICER, "ghtflow-demo")
    launch_campaign(ws, "GUY-AAP-2018", as_of=date(2018, 5, 16))
    guy_message = list_messages(ws, "pending")[-1]
    assert "GUY" not in str(list_messages(ws, region_id=occ.region_id))
    with pytest.raises(NotFound):
        retry_message(ws, guy_message["id"], region_id=occ.region_id)
    doc = sorted(_ids(ws, doc_type=CALL_TYPE))[0]
    fire(ws, doc, "start_review", GUY_OFFICER)
    assert fire(ws, doc, "assess", GUY_OFFICER, criterion="versatility", met=True).event_seq > 0
    with pytest.raises(PermissionDenied, match="belongs to another region's agency"):
        fire(ws, doc, "assess", OFFICER, criterion="versatility", met=True)
    with pytest.raises(PermissionDenied):
        fire(ws, doc, "complete", "direction@occ-02.example.org", file=a_file(tmp_path))
