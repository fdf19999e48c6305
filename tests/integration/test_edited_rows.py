"""Rows edited directly in the database never crash a read path (on SQLite and PostgreSQL).

A document whose type no workflow defines, a state its workflow does not know, a JSON column
that is not JSON (SQLite keeps JSON as text) or JSON of another shape (what PostgreSQL lets
through), a name with control characters: every listing, page, feed and export still answers,
showing the raw value and no allowed event; `fire` refuses such a document in one line, and the
sweep reports it in its `errors` and sweeps the others. The rows are edited with raw SQL, as
someone with a database console would."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import text
from typer.testing import CliRunner

from services.accounts.credentials import Account, account_for_token, issue_token
from services.deadlines.calendar import ght_calendar
from services.deadlines.sweep import sweep_deadlines
from services.errors import InvalidInput
from services.lifecycle.fire import fire
from services.registry.compliance import compliance_report
from services.views.dashboard import document_page, ght_page, overview
from services.views.documents import list_documents, show_document
from services.views.exports import bilan_csv, bilan_xlsx
from services.views.reports import bilan
from tests.e2e.runner import DOC_TYPES
from tests.integration.helpers import OFFICER, director, document_id
from tests.web.conftest import Visitor
from web.app import create_app

DECEMBER = date(2017, 12, 1)
KNOWN = ", ".join(DOC_TYPES)  # every known type, as the refusals list them
CONTROLS_NAME = "GHT\x01Lot\x1b[31m"


@pytest.fixture
def edited(occitanie: Any, backend: str) -> dict[str, int]:
    """The scenario with rows edited by hand; the edited documents by what was done to them."""
    ws = occitanie
    docs = {
        "type": document_id(ws, "OCC-02", "pmsp"),
        "state": document_id(ws, "OCC-03", "pmsp"),
        "payload": document_id(ws, "OCC-04", "pmsp"),  # in conformity_requested
        "motives": document_id(ws, "OCC-05", "pmsp"),  # in conformity_requested
    }
    # PostgreSQL's json column refuses text that is not JSON: there, JSON of another shape
    motives = "not json" if backend == "sqlite" else '{"not": "a list"}'
    with ws.db.transaction() as session:
        run = session.execute
        run(text(f"UPDATE document SET doc_type = 'retired_type' WHERE id = {docs['type']}"))
        run(text(f"UPDATE document SET state = 'limbo' WHERE id = {docs['state']}"))
        run(text(f"UPDATE event SET payload = '{{broken' WHERE document_id = {docs['payload']}"))
        run(
            text(
                f"UPDATE conformityrequest SET motives = '{motives}' "
                f"WHERE document_id = {docs['motives']}"
            )
        )
        run(
            text("UPDATE ght SET name = :name WHERE code = 'OCC-06'"),
            {"name": CONTROLS_NAME},
        )
    return docs


def _account(ws: Any, email: str) -> Account:
    account = account_for_token(ws, issue_token(ws, email))
    assert account is not None
    return account


def test_show_and_list_give_the_raw_values_and_no_allowed_event(occitanie, edited, backend):
    ws = occitanie
    listed = {d["id"]: d for d in list_documents(ws)}
    assert listed[edited["type"]]["type"] == "retired_type"
    assert listed[edited["state"]]["state_label"] == "limbo"

    unknown_type = show_document(ws, edited["type"])
    assert unknown_type["type_label"] == "retired_type"
    assert unknown_type["state_label"] == "draft"  # the raw state: no workflow to label it
    assert unknown_type["allowed_events"] == []
    assert "'retired_type' is not a known document type" in unknown_type["workflow_problem"]

    unknown_state = show_document(ws, edited["state"])
    assert unknown_state["state_label"] == "limbo" and unknown_state["allowed_events"] == []
    assert unknown_state["workflow_problem"] == (
        "its state 'limbo' is not a state of the 'pmsp' workflow"
    )

    payload = show_document(ws, edited["payload"])
    assert payload["history"][0]["payload"] == {"unreadable": "{broken"}
    assert payload["allowed_events"] == ["resubmit"]  # the document itself is sound

    (request,) = show_document(ws, edited["motives"])["conformity_requests"]
    raw = "not json" if backend == "sqlite" else '{"not": "a list"}'
    assert request["motives"] == [raw]


def test_pages_calendar_compliance_and_reports_answer(occitanie, edited):
    ws = occitanie
    officer = _account(ws, OFFICER)
    for code, doc in (("OCC-02", "type"), ("OCC-03", "state"), ("OCC-05", "motives")):
        page = ght_page(ws, officer, code, DECEMBER)
        shown = {d["id"]: d for d in page.documents}[edited[doc]]
        assert shown["type_label"] in ("retired_type", "Projet médical et de soins partagé (PMSP)")
        feed = Calendar.from_ical(ght_calendar(ws, code))
        assert feed.walk("VEVENT")
    lot = document_page(ws, officer, edited["type"], DECEMBER)
    assert lot.type_label == "retired_type" and lot.unknown and lot.actions == []
    limbo = document_page(ws, officer, edited["state"], DECEMBER)
    assert limbo.state_label == "limbo" and limbo.unknown and limbo.actions == []
    broken = document_page(ws, officer, edited["payload"], DECEMBER)
    assert "Données illisibles : {broken" in broken.history[0].details
    assert not broken.unknown and broken.actions == []  # resubmit is the GHT's, not the agency's
    motives = document_page(ws, officer, edited["motives"], DECEMBER)
    assert len(motives.requests[0].motives) == 1

    aude = next(
        e for e in Calendar.from_ical(ght_calendar(ws, "OCC-05")).walk("VEVENT")
        if "respond-by" in str(e["uid"])
    )  # fmt: skip
    assert "motifs : " in str(aude["description"])

    assert overview(ws, officer, DECEMBER).as_of == DECEMBER
    assert compliance_report(ws)["ghts"]
    assert bilan(ws, DECEMBER).counts["pmsp"]


def test_exports_replace_control_characters(occitanie, edited):
    ws = occitanie
    rows = list(csv.reader(io.StringIO(bilan_csv(ws, DECEMBER)[1:]), delimiter=";"))
    names = {r[1]: r[2] for r in rows[1:]}
    assert names["OCC-06"] == "GHT\ufffdLot\ufffd[31m"
    book = load_workbook(io.BytesIO(bilan_xlsx(ws, DECEMBER)))  # openpyxl wrote it
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    assert "GHT\ufffdLot\ufffd[31m" in cells
    assert not any(isinstance(v, str) and "\x01" in v for v in cells)


def test_fire_on_an_unknown_type_or_state_is_refused_in_one_line(occitanie, edited):
    ws = occitanie
    with pytest.raises(InvalidInput) as refused:
        fire(ws, edited["type"], "validate", director("OCC-02"))
    assert str(refused.value) == (
        f"document {edited['type']} (retired_type, OCC-02): no event can be fired: its type "
        f"'retired_type' is not a known document type (known: {KNOWN})"
    )
    with pytest.raises(InvalidInput, match="its state 'limbo' is not a state of the 'pmsp'"):
        fire(ws, edited["state"], "validate", director("OCC-03"))
    assert show_document(ws, edited["state"])["state"] == "limbo"  # nothing written


def test_the_sweep_reports_edited_documents_and_sweeps_the_others(occitanie, edited):
    ws = occitanie
    report = sweep_deadlines(ws, DECEMBER, dry_run=True)
    errors = {e["document_id"]: e for e in report.as_dict()["errors"]}
    assert errors == {
        edited["type"]: {
            "document_id": edited["type"],
            "ght": "OCC-02",
            "reason": f"its type 'retired_type' is not a known document type (known: {KNOWN})",
        },
        edited["state"]: {
            "document_id": edited["state"],
            "ght": "OCC-03",
            "reason": "its state 'limbo' is not a state of the 'pmsp' workflow",
        },
    }
    swept = {n["document_id"] for n in report.notices}
    with ws.db.transaction() as session:  # put the two rows back: the sweep of a clean base
        session.execute(text(f"UPDATE document SET doc_type = 'pmsp' WHERE id = {edited['type']}"))
        session.execute(text(f"UPDATE document SET state = 'draft' WHERE id = {edited['state']}"))
    clean = sweep_deadlines(ws, DECEMBER, dry_run=True)
    assert clean.errors == []
    assert swept == {n["document_id"] for n in clean.notices} - {edited["type"], edited["state"]}
    assert {edited["payload"], edited["motives"]} <= swept  # conformity reminders still go out


def test_unreadable_reminder_offsets_fail_their_documents_only(occitanie, backend):
    ws = occitanie
    offsets = "[oops" if backend == "sqlite" else '"soon"'
    with ws.db.transaction() as session:
        session.execute(
            text(
                f"UPDATE campaignduedate SET reminder_offsets_days = '{offsets}' "
                "WHERE doc_type = 'sdsi'"
            )
        )
        session.execute(
            text("UPDATE document SET due_date = '2017-12-15' WHERE doc_type = 'eprd_budget_g'")
        )
    clean = sweep_deadlines(ws, DECEMBER, dry_run=True)
    assert clean.errors == []  # no document of the scenario is an SDSI: nothing to fail
    with ws.db.transaction() as session:
        session.execute(
            text(
                f"UPDATE campaignduedate SET reminder_offsets_days = '{offsets}' "
                "WHERE doc_type = 'eprd_budget_g'"
            )
        )
    report = sweep_deadlines(ws, DECEMBER, dry_run=True)
    assert len(report.errors) == 14  # every GHT's EPRD, named; the PMSPs and CHU still swept
    assert {e["reason"] for e in report.errors} == {
        "its campaign's reminder offsets cannot be read: "
        + ("'[oops'" if backend == "sqlite" else "'soon'")  # PostgreSQL's is a JSON string
    }
    assert report.counts["overdue"] == clean.counts["overdue"]


# --- the CLI and the web, over the same database ----------------------------------------------


@pytest.fixture
def cli(occitanie: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`ghtflow ARGS` in this process, through the real entry point, on the test's database."""
    from cli.app import main
    from settings import get_settings

    for name in ("GHTFLOW_FILES_DIR", "GHTFLOW_WORKFLOWS_DIR", "GHTFLOW_PROCEDURES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GHTFLOW_HOME", str(occitanie.settings.home))
    monkeypatch.setenv("GHTFLOW_DATABASE_URL", occitanie.settings.effective_database_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()

    def run(*argv: str) -> tuple[int, str, str]:
        with CliRunner().isolation() as (out, err, _both):
            try:
                main(list(argv))
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            return code, out.getvalue().decode(), err.getvalue().decode()

    yield run
    get_settings.cache_clear()


def _answers(run: Any, argv: Sequence[str]) -> str:
    code, out, err = run(*argv)
    assert code == 0, (argv, out, err)
    assert "Traceback" not in out + err and "internal error" not in err
    return str(out)


def test_cli_reads_answer_and_fire_is_one_line(cli, edited):
    for doc in edited.values():
        _answers(cli, ["documents", "show", str(doc)])
        _answers(cli, ["documents", "show", str(doc), "--format", "json"])
    shown = _answers(cli, ["documents", "show", str(edited["state"])])
    assert "Allowed events: none (its state 'limbo' is not a state of the 'pmsp'" in shown
    assert "unreadable payload: {broken" in _answers(
        cli, ["documents", "show", str(edited["payload"])]
    )
    for argv in (
        ["documents", "list"],
        ["documents", "list", "--format", "csv"],
        ["ghts", "show", "OCC-02"],
        ["ghts", "show", "OCC-06"],
        ["compliance"],
        ["report", "bilan", "--as-of", "2017-12-01"],
        ["report", "bilan", "--as-of", "2017-12-01", "--format", "csv"],
    ):
        _answers(cli, argv)
    code, out, err = cli(
        "documents", "fire", str(edited["type"]), "validate", "--actor", director("OCC-02")
    )
    assert code == 1 and out == "" and len(err.splitlines()) == 1
    assert "no event can be fired: its type 'retired_type'" in err


def test_web_pages_api_feed_and_downloads_answer(occitanie, edited, settings):
    ws = occitanie
    token = issue_token(ws, OFFICER)
    with TestClient(create_app(settings)) as web:
        officer = Visitor(web)
        assert officer.sign_in(OFFICER).status_code == 303
        for url in (
            "/",
            "/?au=2017-12-01",
            *(f"/ght/{c}" for c in ("OCC-02", "OCC-03", "OCC-04", "OCC-05", "OCC-06")),
            *(f"/documents/{d}" for d in edited.values()),
            "/bilan.csv",
            "/bilan.xlsx",
        ):
            assert officer.get(url).status_code == 200, url
        limbo = officer.get(f"/documents/{edited['state']}").text
        assert "Aucune action possible" in limbo and "limbo" in limbo
        bearer = {"Authorization": f"Bearer {token}"}
        assert web.get("/api/documents", headers=bearer).status_code == 200
        for doc in edited.values():
            answer = web.get(f"/api/documents/{doc}", headers=bearer)
            assert answer.status_code == 200, answer.text
        shown = web.get(f"/api/documents/{edited['type']}", headers=bearer).json()
        assert shown["allowed_events"] == []
        assert "'retired_type' is not a known document type" in shown["workflow_problem"]
        lot = Visitor(TestClient(web.app))
        assert lot.sign_in(director("OCC-02")).status_code == 303
        assert lot.get("/ght/OCC-02").status_code == 200
        refused = lot.post(
            f"/documents/{edited['type']}/actions", {"event": "validate"}
        )  # answered with the page and a French alert, never a 500
        assert refused.status_code in (303, 422), refused.text
