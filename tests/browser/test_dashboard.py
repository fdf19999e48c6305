"""The dashboard in a real headless Chromium, as its users meet it.

The PMSP of GHT Lot (OCC-02) goes round the whole loop through the pages only: its director
submits it with a PDF, the agency's case officer asks for conformity with two motives and a
respond-by date (after a first try without motives, refused with the CLI's reason), the
director reads the request and resubmits a new version, the officer approves. Then: a wrong
password is refused, and a director who types another GHT's addresses gets the 404 page.
Locators are accessible ones (label, role and name), so the tests also check that every field
has its label and every form, table and button its name.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlmodel import col, select

from i18n import french_date
from models import ConformityMotive, Database, Document, Ght
from services.clock import today
from services.workflows import load_workflows
from tests.browser.conftest import Dashboard
from tests.browser.server import DEMO_PASSWORD, OFFICER, director, pdf_file

PMSP = load_workflows().definition("pmsp")
EVENT = {t.event: t.label for t in PMSP.transitions}  # French labels: the buttons' names
MOTIVES = ("biology_pharmacy_imaging", "shared_care_project")


def document_id(dashboard: Dashboard, ght: str, doc_type: str) -> int:
    db = Database(dashboard.database_url)
    try:
        with db.reading() as session:
            found = session.exec(
                select(Document.id)
                .join(Ght, col(Ght.id) == col(Document.ght_id))
                .where(Ght.code == ght, Document.doc_type == doc_type)
            ).one()
    finally:
        db.dispose()
    assert found is not None
    return int(found)


def motive_labels(dashboard: Dashboard) -> list[str]:
    db = Database(dashboard.database_url)
    try:
        with db.reading() as session:
            labels = {m.key: m.label for m in session.exec(select(ConformityMotive)).all()}
    finally:
        db.dispose()
    return [labels[key] for key in MOTIVES]


def sign_in(page: Page, dashboard: Dashboard, email: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(dashboard.at("/connexion"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def status(page: Page) -> str:
    return page.get_by_role("status").inner_text()


@pytest.fixture
def officer(browser: Browser) -> BrowserContext:
    return browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")


def test_pmsp_round_trip_in_the_browser(
    dashboard: Dashboard, context: BrowserContext, officer: BrowserContext, tmp_path: Path
) -> None:
    doc_id = document_id(dashboard, "OCC-02", "pmsp")
    doc_heading = f"{PMSP.label} — OCC-02"
    first, second = motive_labels(dashboard)
    respond_by = today() + timedelta(days=45)

    # The director signs in and lands on their GHT's page, then opens their PMSP from its table.
    lot = context.new_page()
    sign_in(lot, dashboard, director("OCC-02"))
    expect(lot).to_have_url(dashboard.at("/ght/OCC-02"))
    expect(lot.get_by_role("heading", level=1)).to_have_text("OCC-02 — GHT Lot")
    documents = lot.get_by_role("table", name="Documents de OCC-02")
    documents.get_by_role("row").filter(has_text=PMSP.label).get_by_role("link").click()
    expect(lot).to_have_url(dashboard.at(f"/documents/{doc_id}"))
    expect(lot.get_by_role("heading", level=1)).to_have_text(doc_heading)
    expect(lot.locator("dl.fiche")).to_contain_text("En préparation")
    # the agency's actions are not offered to a GHT
    expect(lot.get_by_role("button", name=EVENT["approve"])).to_have_count(0)

    # ... and submits it with a PDF.
    v1 = pdf_file(tmp_path / "pmsp-lot-v1.pdf", "PMSP GHT du Lot, version 1")
    submit = lot.get_by_role("form", name=EVENT["submit"], exact=True)
    submit.get_by_label(re.compile(r"^Fichier \(PDF ou Word")).set_input_files(v1)
    submit.get_by_role("button", name=EVENT["submit"], exact=True).click()
    expect(lot.get_by_role("status")).to_contain_text("« Transmis à l'ARS » (version 1)")
    expect(lot.locator("dl.fiche")).to_contain_text("Transmis à l'ARS")
    with lot.expect_download() as download:
        lot.get_by_role("link", name="pmsp-lot-v1.pdf").click()
    assert Path(download.value.path()).read_bytes() == v1.read_bytes()

    # The case officer finds it among what awaits the agency's decision on the overview.
    ars = officer.new_page()
    sign_in(ars, dashboard, OFFICER)
    expect(ars.get_by_role("heading", level=1)).to_contain_text("Vue régionale au")
    awaiting = ars.get_by_role("table", name="Documents qui attendent la décision de l'agence")
    awaiting.get_by_role("link", name=f"n° {doc_id}", exact=True).click()
    expect(ars.get_by_role("heading", level=1)).to_have_text(doc_heading)

    # A request without any motive is refused, with the CLI's reason, and changes nothing.
    request = ars.get_by_role("form", name=EVENT["request_conformity"])
    request.get_by_label("Réponse attendue au plus tard le").fill(respond_by.isoformat())
    request.get_by_role("button", name=EVENT["request_conformity"]).click()
    alert = ars.get_by_role("alert")
    expect(alert).to_contain_text(f"document {doc_id} (pmsp, OCC-02)")
    expect(alert).to_contain_text("motive")
    expect(ars.locator("dl.fiche")).to_contain_text("Transmis à l'ARS")

    # Two motives, a note and a respond-by date.
    request = ars.get_by_role("form", name=EVENT["request_conformity"])
    request.get_by_label(first).check()
    request.get_by_label(second).check()
    request.get_by_label("Réponse attendue au plus tard le").fill(respond_by.isoformat())
    request.get_by_label("Note (facultative").fill("Préciser le projet de biologie.")
    request.get_by_role("button", name=EVENT["request_conformity"]).click()
    expect(ars.get_by_role("status")).to_contain_text("« Mise en conformité demandée »")

    # The director sees the request: its motives and the date to answer by, in French.
    lot.reload()
    expect(lot.locator("dl.fiche")).to_contain_text("Mise en conformité demandée")
    requests = lot.get_by_role(
        "table", name=f"Demandes de mise en conformité du document n° {doc_id}"
    )
    row = requests.get_by_role("row").nth(1)
    expect(row).to_contain_text(first)
    expect(row).to_contain_text(second)
    expect(row).to_contain_text(french_date(respond_by))
    expect(row).to_contain_text("en attente")
    expect(row).to_contain_text("Préciser le projet de biologie.")

    # ... and answers with a second version.
    v2 = pdf_file(tmp_path / "pmsp-lot-v2.pdf", "PMSP GHT du Lot, version 2")
    resubmit = lot.get_by_role("form", name=EVENT["resubmit"])
    resubmit.get_by_label(re.compile(r"^Fichier")).set_input_files(v2)
    resubmit.get_by_role("button", name=EVENT["resubmit"]).click()
    expect(lot.get_by_role("status")).to_contain_text("« Transmis à l'ARS » (version 2)")
    expect(lot.get_by_role("link", name="pmsp-lot-v2.pdf")).to_be_visible()
    expect(row).not_to_contain_text("en attente")  # answered today

    # The officer approves; the page says « Approuvé » and offers nothing more.
    ars.reload()
    ars.get_by_role("button", name=EVENT["approve"], exact=True).click()
    expect(ars.get_by_role("status")).to_contain_text("« Approuvé »")
    expect(ars.locator("dl.fiche")).to_contain_text("Approuvé")
    expect(ars.get_by_text("aucune action possible")).to_be_visible()
    history = ars.get_by_role("region", name="Historique").get_by_role("list").first
    for event in ("submit", "request_conformity", "resubmit", "approve"):
        expect(history).to_contain_text(EVENT[event])
    officer.close()


def test_wrong_password_is_refused(dashboard: Dashboard, page: Page) -> None:
    sign_in(page, dashboard, director("OCC-05"), "not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Adresse e-mail ou mot de passe incorrect.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Connexion")
    expect(page.get_by_label("Adresse e-mail")).to_have_value(director("OCC-05"))
    page.goto(dashboard.at("/ght/OCC-05"))
    expect(page).to_have_url(re.compile(r"/connexion"))  # still signed out


def test_another_ghts_document_is_not_found(dashboard: Dashboard, page: Page) -> None:
    sign_in(page, dashboard, director("OCC-02"))
    expect(page).to_have_url(dashboard.at("/ght/OCC-02"))
    elsewhere = document_id(dashboard, "OCC-03", "pmsp")
    for path in (f"/documents/{elsewhere}", "/documents/999999", "/ght/OCC-03"):
        response = page.goto(dashboard.at(path))
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.get_by_text("GHT Ouest-Audois")).to_have_count(0)
