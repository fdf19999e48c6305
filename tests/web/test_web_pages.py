"""The pages: regional overview (with its SVG bars and tables), GHT page, document page,
outbox page, downloads, and who may see what (another GHT's page → 404, agency pages → 403)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from docx import Document as WordDocument
from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlalchemy import Engine, event
from sqlmodel import select

from models import Person
from services.generation.fill import generate_documents
from services.views.reports import bilan
from services.workspace import Workspace
from tests.integration.helpers import OFFICER, director, document_id
from tests.web.pagecheck import alert_of, check_page, flash_of

SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


def _cells(text: str, caption: str) -> dict[str, str]:
    """{row header: value} of the table with this caption."""
    table = re.search(rf"<caption>{re.escape(caption)}</caption>(.*?)</table>", text, re.S)
    assert table, caption
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]*)</td>', table.group(1)))


@SQLITE
def test_the_overview_draws_the_bilan_and_says_it_in_tables(officer, occitanie):
    page = officer.get("/?au=2017-10-13")
    assert page.status_code == 200
    check_page(page.text)
    assert "Vue régionale au 13 octobre 2017" in page.text
    pmsp = _cells(
        page.text, "Projet médical et de soins partagé (PMSP) : nombre de documents par état"
    )
    assert pmsp == {
        "En préparation": "6",
        "Avenant intermédiaire arrêté": "1",
        "Transmis à l&#39;ARS": "0",
        "Mise en conformité demandée": "4",
        "Approuvé": "3",
        "Total": "14",
    }
    counts = bilan(occitanie, __import__("datetime").date(2017, 10, 13)).counts
    assert counts["pmsp"]["approved"] == 3
    svgs = re.findall(r'<svg[^>]*role="img"[^>]*>.*?</svg>', page.text, re.S)
    assert len(svgs) == len(occitanie.workflows.types)
    pmsp_svg = next(s for s in svgs if "bilan-pmsp-title" in s)
    assert '<title id="bilan-pmsp-title">' in pmsp_svg
    assert "14 documents au total. En préparation : 6" in pmsp_svg
    assert pmsp_svg.count("<rect") >= 4 + 5  # 4 non-empty segments and 5 legend squares
    assert 'href="/bilan.csv?au=2017-10-13"' in page.text
    assert 'href="/bilan.xlsx?au=2017-10-13"' in page.text


@SQLITE
def test_the_overview_lists_what_is_late_due_soon_and_awaiting_the_agency(officer, occitanie):
    page = officer.get("/?au=2017-10-13").text
    late = page[page.index('id="titre-retard"') : page.index('id="titre-bientot"')]
    lot_pmsp = document_id(occitanie, "OCC-02", "pmsp")
    assert f'href="/documents/{lot_pmsp}"' in late  # PMSP due 1 July 2017, still in draft
    assert "En retard (7)" in late  # the 6 PMSP drafts and the interim amendment
    soon = officer.get("/?au=2017-12-15").text
    due = soon[soon.index('id="titre-bientot"') : soon.index('id="titre-decision"')]
    assert "31 décembre 2017" in due  # CHU conventions and EPRD due at the end of December
    assert "Réponse à la demande de mise en conformité" not in due
    nov = officer.get("/?au=2017-11-01").text
    due = nov[nov.index('id="titre-bientot"') : nov.index('id="titre-decision"')]
    assert "Réponse à la demande de mise en conformité" in due  # OCC-05 answers by 6 Nov
    assert "Aucun document n'attend de décision." in page


@SQLITE
def test_a_bad_date_is_said_and_today_shown(officer):
    page = officer.get("/?au=13/10/2017")
    assert page.status_code == 200
    assert "Date « 13/10/2017 » invalide" in alert_of(page.text)


@SQLITE
def test_bilan_downloads_as_csv_and_xlsx(officer):
    csv = officer.get("/bilan.csv?au=2017-10-13")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert 'filename="bilan-2017-10-13.csv"' in csv.headers["content-disposition"]
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeffDate du bilan;") and "OCC-02" in text
    xlsx = officer.get("/bilan.xlsx?au=2017-10-13")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    assert "Synthèse" in book.sheetnames


@SQLITE
def test_agency_pages_are_refused_to_a_ght_person_with_403(lot):
    for url in ["/envois", "/bilan.csv", "/bilan.xlsx"]:
        answer = lot.get(url)
        assert answer.status_code == 403, url
        assert alert_of(answer.text) == "this page is for the agency's staff only"
        check_page(answer.text)
    assert lot.post("/envois/1/relancer").status_code == 403


@SQLITE
def test_the_ght_page_shows_members_documents_dues_deadlines_and_calendar_link(lot, occitanie):
    page = lot.get("/ght/OCC-02?au=2017-10-13")
    assert page.status_code == 200
    check_page(page.text)
    text = page.text
    assert "OCC-02 — GHT Lot" in text
    for heading in ("Parties (3)", "Associés (0)", "Partenaires (1)"):
        assert heading in text
    assert "Clinique du Quercy" in text and "établissement support" in text
    pmsp = document_id(occitanie, "OCC-02", "pmsp")
    assert f'href="/documents/{pmsp}"' in text and "En préparation" in text
    assert (
        "Convention d&#39;association CHU / GHT" in text and "CHU de Toulouse (310781406)" in text
    )
    assert "Manquant" in text or "En cours" in text
    assert "Échéance : Convention d&#39;association CHU / GHT — OCC-02" in text
    assert "31 décembre 2017" in text
    assert "Créer mon lien d'abonnement" in text and 'id="lien-calendrier"' not in text
    assert lot.post("/ght/OCC-02/calendrier").headers["location"] == "/ght/OCC-02"
    (link,) = re.findall(r'id="lien-calendrier" value="([^"]+)"', lot.get("/ght/OCC-02").text)
    assert re.fullmatch(r"http://testserver/calendar/OCC-02\.ics\?key=[\w-]{20,}", link)
    later = lot.get("/ght/OCC-02?au=2018-06-01").text
    assert "Aucune échéance à partir du 1er juin 2018" in later


@SQLITE
def test_another_ghts_page_and_documents_answer_404_like_nothing(lot, officer, occitanie):
    other = document_id(occitanie, "OCC-03", "pmsp")
    for url in ["/ght/OCC-03", f"/documents/{other}", f"/documents/{other}/versions/1"]:
        answer = lot.get(url)
        assert answer.status_code == 404, url
        check_page(answer.text)
    assert alert_of(lot.get(f"/documents/{other}").text) == f"document {other} does not exist"
    assert alert_of(lot.get("/documents/99999").text) == "document 99999 does not exist"
    assert lot.get("/ght/OCC-99").status_code == 404
    assert officer.get("/ght/OCC-03").status_code == 200
    assert officer.get(f"/documents/{other}").status_code == 200
    assert officer.get("/nulle-part").status_code == 404


@SQLITE
def test_the_document_page_shows_state_history_and_conformity_requests(officer, occitanie):
    d = document_id(occitanie, "OCC-05", "pmsp")
    page = officer.get(f"/documents/{d}")
    check_page(page.text)
    text = page.text
    assert "Mise en conformité demandée" in text
    assert "Demandes de mise en conformité" in text and "6 novembre 2017" in text
    assert "Volets biologie" in text or "biologie" in text.lower()
    assert 'class="chronologie"' in text and "Reprise de l&#39;existant" in text


@SQLITE
def test_generated_word_files_are_listed_and_downloaded_by_those_who_may(officer, lot, occitanie):
    d = document_id(occitanie, "OCC-02", "chu_convention")
    (filled,) = generate_documents(occitanie, [d])
    page = officer.get(f"/documents/{d}").text
    assert f'href="/fichiers/{filled.id}"' in page and filled.file_name in page
    answer = lot.get(f"/fichiers/{filled.id}")
    assert answer.status_code == 200
    assert filled.file_name in answer.headers["content-disposition"]
    word = WordDocument(io.BytesIO(answer.content))
    assert any("GHT Lot" in p.text for p in word.paragraphs)
    other = document_id(occitanie, "OCC-03", "chu_convention")
    (theirs,) = generate_documents(occitanie, [other])
    assert lot.get(f"/fichiers/{theirs.id}").status_code == 404
    assert lot.get("/fichiers/99999").status_code == 404


@SQLITE
def test_the_calendar_link_of_the_ght_page_and_the_api_answer_in_the_same_app(lot, occitanie):
    from services.accounts.credentials import issue_token
    from tests.integration.helpers import director

    lot.post("/ght/OCC-02/calendrier")
    page = lot.get("/ght/OCC-02").text
    (link,) = re.findall(r'id="lien-calendrier" value="([^"]+)"', page)
    feed = lot.client.get(link.replace("http://testserver", ""))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in feed.content
    other = lot.client.get(link.replace("OCC-02", "OCC-03").replace("http://testserver", ""))
    assert other.status_code == 404
    token = issue_token(occitanie, director("OCC-02"))
    api = lot.client.get("/api/documents", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200 and {d["ght"] for d in api.json()} == {"OCC-02"}
    assert lot.client.get("/api/documents").status_code == 401
    assert "/api/documents" in lot.client.get("/openapi.json").json()["paths"]
    for cdn_page in ("/docs", "/redoc"):  # they would load scripts from a CDN
        assert lot.client.get(cdn_page).status_code == 404


@contextmanager
def _writes(engine: Engine) -> Iterator[list[str]]:
    """The statements that write (or open a write transaction) sent while the block runs."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "BEGIN IMMEDIATE")):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _secret(ws: Workspace, email: str) -> str | None:
    with ws.db.reading() as session:
        return session.exec(select(Person).where(Person.email == email)).one().calendar_secret


def test_showing_a_ght_page_writes_nothing_the_calendar_link_is_made_by_a_post(lot, occitanie):
    engine = lot.client.app.state.ws.db.engine
    with _writes(engine) as writes:
        first = lot.get("/ght/OCC-02")
    assert first.status_code == 200 and writes == []
    assert _secret(occitanie, director("OCC-02")) is None
    assert lot.client.post("/ght/OCC-02/calendrier").status_code == 403  # no CSRF token
    assert lot.post("/ght/OCC-03/calendrier").status_code == 404  # another GHT's page
    assert _secret(occitanie, director("OCC-02")) is None
    assert lot.post("/ght/OCC-02/calendrier").status_code == 303
    secret = _secret(occitanie, director("OCC-02"))
    assert secret is not None
    with _writes(engine) as writes:
        shown = lot.get("/ght/OCC-02")
        again = lot.get("/ght/OCC-02?au=2018-01-01")
    assert writes == [] and flash_of(shown.text) == "Lien d'abonnement créé."
    assert f"key={secret}" in shown.text and f"key={secret}" in again.text
    assert lot.post("/ght/OCC-02/calendrier", {"renouveler": "1"}).status_code == 303
    renewed = _secret(occitanie, director("OCC-02"))
    assert renewed not in (None, secret) and f"key={renewed}" in lot.get("/ght/OCC-02").text
    assert lot.client.get(f"/calendar/OCC-02.ics?key={secret}").status_code == 404


def test_no_page_feed_or_api_read_writes_to_the_database(officer, visitor, occitanie):
    from services.accounts.credentials import calendar_secret, issue_token

    d = document_id(occitanie, "OCC-05", "pmsp")
    key = calendar_secret(occitanie, OFFICER)
    bearer = {"Authorization": f"Bearer {issue_token(occitanie, OFFICER)}"}
    pages = ["/", "/?au=2017-10-13", "/envois", "/bilan.csv", "/bilan.xlsx", "/ght/OCC-05"]
    pages += [f"/documents/{d}", f"/documents/{d}/versions/1", "/ght/OCC-99", "/nulle-part"]
    with _writes(officer.client.app.state.ws.db.engine) as writes:
        for url in pages:
            assert officer.get(url).status_code in (200, 404), url
        assert visitor.get("/connexion").status_code == 200
        assert visitor.get(f"/calendar/OCC-05.ics?key={key}").status_code == 200
        for url in ["/api/documents", f"/api/documents/{d}", "/api/bilan"]:
            assert visitor.get(url, headers=bearer).status_code == 200, url
    assert writes == []
