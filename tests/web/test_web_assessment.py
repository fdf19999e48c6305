"""The assessment grid and a structure's page in the dashboard: the agency judges each
criterion from the document page (a criterion chosen in a list, met or not), the grid shows the
latest verdicts, selection is refused with its reason until every criterion is met; the
applicant structure sees its own page and document, not the GHTs', and the reverse."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.scenario.load import load_scenario
from services.views.documents import show_document
from services.workflows import load_workflows
from settings import Settings
from tests.integration.helpers import a_file
from tests.web.conftest import Visitor
from tests.web.pagecheck import alert_of, buttons_of, check_page, flash_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
FOLDER = FIXTURES / "applications"
APPLICANT = "coordination@pta-31.example.org"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        home=tmp_path, database_url=database_url, max_file_bytes=64 * 1024, workflows_dir=FOLDER
    )


@pytest.fixture
def application(occitanie, tmp_path) -> int:
    """The applicant's file, submitted and under review."""
    from sqlmodel import select

    from models import Document
    from services.lifecycle.fire import fire

    occitanie.workflows = load_workflows(str(FOLDER))
    load_scenario(occitanie, FIXTURES / "applications-scenario.yaml", demo=True)
    with occitanie.db.reading() as session:
        doc = session.exec(select(Document).where(Document.doc_type == "application")).one().id
    assert doc is not None
    fire(occitanie, doc, "submit", APPLICANT, file=a_file(tmp_path, "dossier.pdf"))
    fire(occitanie, doc, "review", "instructeur@ars-occitanie.example.org")
    return int(doc)


@pytest.fixture
def applicant(web: TestClient, application: int) -> Visitor:
    v = Visitor(TestClient(web.app))
    assert v.sign_in(APPLICANT).status_code == 303
    return v


def _assess(officer: Visitor, doc: int, criterion: str, met: str, note: str = "") -> None:
    answer = officer.post(
        f"/documents/{doc}/actions",
        {"event": "assess", "criterion": criterion, "met": met, "note": note},
    )
    assert answer.status_code == 303, answer.text


def test_the_officer_fills_in_the_grid_then_selects(officer, application, occitanie):
    doc = application
    page = officer.get(f"/documents/{doc}").text
    check_page(page)
    assert "Grille d'évaluation" in page and page.count("non évalué") == 3
    assert 'name="criterion"' in page and "Polyvalence du dispositif" in page
    refused = officer.post(f"/documents/{doc}/actions", {"event": "select"})
    assert refused.status_code == 422
    assert "not assessed: versatility, actors, targets" in alert_of(refused.text)
    _assess(officer, doc, "actors", "false", "Aucun professionnel libéral")
    page = officer.get(f"/documents/{doc}").text
    assert "Critère « Acteurs représentatifs du territoire » : non rempli" in page
    for criterion in ("versatility", "actors", "targets"):
        _assess(officer, doc, criterion, "true")
    assert officer.post(f"/documents/{doc}/actions", {"event": "select"}).status_code == 303
    page = officer.get(f"/documents/{doc}").text
    assert "Retenue" in flash_of(page)
    assert [line["met"] for line in show_document(occitanie, doc)["assessment"]] == [True] * 3


def test_a_malformed_verdict_is_refused_and_changes_nothing(officer, application, occitanie):
    doc = application
    answer = officer.post(
        f"/documents/{doc}/actions", {"event": "assess", "criterion": "actors", "met": "peut-être"}
    )
    assert answer.status_code in (303, 422)
    assert all(line["met"] is None for line in show_document(occitanie, doc)["assessment"])


def test_the_applicant_sees_its_page_and_document_not_the_ghts(applicant, application, lot):
    page = applicant.get("/ght/PTA-31").text
    check_page(page)
    assert "Structure porteuse" in page and "Membres" not in page
    assert applicant.get(f"/documents/{application}").status_code == 200
    assert buttons_of(applicant.get(f"/documents/{application}").text) == []
    assert applicant.get("/ght/OCC-02").status_code == 404
    assert lot.get("/ght/PTA-31").status_code == 404
    assert lot.get(f"/documents/{application}").status_code == 404
