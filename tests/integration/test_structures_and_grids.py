"""Holders that are not GHTs, and assessment grids, on a real database: a structure applies
to a call for projects defined as data (tests/fixtures/applications), the agency assesses each
criterion before deciding, and the structure's people see nothing else (nor GHTs its file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.accounts.access import check_document_visible
from services.accounts.credentials import Account, authenticate
from services.audit.chain import verify_chain
from services.errors import InvalidInput, NotFound, PermissionDenied, ScenarioError
from services.lifecycle.fire import fire
from services.registry.compliance import compliance_report
from services.registry.ghts import list_ghts
from services.scenario.load import load_scenario
from services.views.documents import show_document
from services.workflows import load_workflows
from services.workspace import Workspace
from states.errors import GuardRefused
from tests.integration.helpers import OFFICER, a_file, director

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "applications"
SCENARIO_FILE = FIXTURES.parent / "applications-scenario.yaml"
APPLICANT = "coordination@pta-31.example.org"


@pytest.fixture
def region(occitanie: Workspace) -> Workspace:
    """Occitanie, with the call for projects as a procedure and one applicant structure."""
    occitanie.workflows = load_workflows(str(FIXTURES))
    load_scenario(occitanie, SCENARIO_FILE, demo=True)
    return occitanie


def _application(ws: Workspace) -> int:
    from sqlmodel import select

    from models import Document

    with ws.db.reading() as session:
        document = session.exec(select(Document).where(Document.doc_type == "application")).one()
    assert document.id is not None
    return document.id


def _account(ws: Workspace, email: str) -> Account:
    return authenticate(ws, email, "ghtflow-demo")


def _to_review(ws: Workspace, doc: int, tmp_path: Path) -> None:
    fire(ws, doc, "submit", APPLICANT, file=a_file(tmp_path, "dossier.pdf"))
    fire(ws, doc, "review", OFFICER)


def test_selection_needs_every_criterion_met_and_each_verdict_is_history(region, tmp_path):
    ws = region
    doc = _application(ws)
    _to_review(ws, doc, tmp_path)
    with pytest.raises(GuardRefused, match="not assessed: versatility, actors, targets"):
        fire(ws, doc, "select", OFFICER)
    fire(ws, doc, "assess", OFFICER, criterion="versatility", met=True)
    fire(ws, doc, "assess", OFFICER, criterion="actors", met=False, note="Pas de libéraux.")
    with pytest.raises(GuardRefused, match=r"not met: actors; not assessed: targets"):
        fire(ws, doc, "select", OFFICER)
    fire(ws, doc, "assess", OFFICER, criterion="actors", met=True, note="URPS signataire.")
    fire(ws, doc, "assess", OFFICER, criterion="targets", met=True)
    assert fire(ws, doc, "select", OFFICER).to_state == "selected"

    shown = show_document(ws, doc)
    grid = {line["criterion"]: line for line in shown["assessment"]}
    assert [line["criterion"] for line in shown["assessment"]] == [
        "versatility",
        "actors",
        "targets",
    ]
    assert grid["actors"]["met"] is True and grid["actors"]["note"] == "URPS signataire."
    verdicts = [
        (h["payload"]["criterion"], h["payload"]["met"])
        for h in shown["history"]
        if h["event"] == "assess"
    ]
    assert verdicts == [
        ("versatility", True),
        ("actors", False),
        ("actors", True),
        ("targets", True),
    ]
    assert verify_chain(ws).intact


def test_assessing_refuses_what_the_grid_does_not_know(region, tmp_path):
    ws = region
    doc = _application(ws)
    _to_review(ws, doc, tmp_path)
    with pytest.raises(GuardRefused, match="unknown criterion 'budget'; criteria: versatility"):
        fire(ws, doc, "assess", OFFICER, criterion="budget", met=True)
    with pytest.raises(GuardRefused, match="say whether criterion 'actors' is met"):
        fire(ws, doc, "assess", OFFICER, criterion="actors")
    with pytest.raises(GuardRefused, match="a criterion is required"):
        fire(ws, doc, "assess", OFFICER, met=True)
    with pytest.raises(InvalidInput, match="event 'decline' assesses no criterion"):
        fire(ws, doc, "decline", OFFICER, criterion="actors", met=False, note="Non.")
    with pytest.raises(InvalidInput, match="criterion"):
        fire(ws, doc, "assess", OFFICER, criterion="x" * 200, met=True)
    assert all(line["met"] is None for line in show_document(ws, doc)["assessment"])


def test_a_completed_file_is_assessed_afresh(region, tmp_path):
    ws = region
    doc = _application(ws)
    _to_review(ws, doc, tmp_path)
    for criterion in ("versatility", "actors", "targets"):
        fire(ws, doc, "assess", OFFICER, criterion=criterion, met=True)
    fire(ws, doc, "request_completion", OFFICER, note="Joindre les lettres d'engagement.")
    fire(ws, doc, "complete", APPLICANT, file=a_file(tmp_path, "v2.pdf", b"%PDF-1.4 v2"))
    fire(ws, doc, "review", OFFICER)
    with pytest.raises(GuardRefused, match="not assessed: versatility, actors, targets"):
        fire(ws, doc, "select", OFFICER)
    assert show_document(ws, doc)["version"] == 2


def test_a_structure_is_a_holder_with_its_own_isolation(region, tmp_path):
    ws = region
    doc = _application(ws)
    applicant = _account(ws, APPLICANT)
    ght_director = _account(ws, director("OCC-02"))
    check_document_visible(ws, applicant, doc)
    with pytest.raises(NotFound):
        check_document_visible(ws, ght_director, doc)
    pmsp = show_document(ws, 1)["id"]
    with pytest.raises(NotFound):
        check_document_visible(ws, applicant, pmsp)
    with pytest.raises(PermissionDenied, match=r"acts for OCC-02 and may not act on document"):
        fire(ws, doc, "submit", director("OCC-02"), file=a_file(tmp_path))
    # the GHT registry and its obligations leave structures out
    assert "PTA-31" not in {g["code"] for g in list_ghts(ws)}
    assert "PTA-31" not in {g["code"] for g in compliance_report(ws)["ghts"]}


def test_a_code_names_one_holder(region, tmp_path):
    ws = region
    text = (SCENARIO_FILE).read_text(encoding="utf-8")
    clash = tmp_path / "clash.yaml"
    clash.write_text(text.replace("code: PTA-31", "code: OCC-02"), encoding="utf-8")
    with pytest.raises(ScenarioError, match="code OCC-02 is already the code of GHT"):
        load_scenario(ws, clash)
