"""Every page of the dashboard passes axe-core's WCAG 2.1 A and AA rules in Chromium.

The pages are found rather than listed. Signed out, as a GHT's director and as the agency's
case officer, the test follows every link of this site from the landing page (a few addresses
per route: a page's structure does not change with its row), and adds what links do not
reach: each state a document can be in, pages after an action (the flash message), forms sent
back with an error, the error pages (404, 403, 405, CSRF refused). Every HTML answer is checked
by axe. Then every GET route of the application must have been reached, so a new page is
checked without editing this file as soon as a page links to it, and one that nothing links
to makes the test fail with its name (visit it in this test then, or name it in `NOT_PAGES`
if it answers no HTML page).

The GHT used is OCC-13 (its PMSP is submitted here), which no other browser test touches.
Set GHTFLOW_AXE_SCREENSHOTS=DIR to keep a full-page screenshot of every page checked.
"""

from __future__ import annotations

import os
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlmodel import col, func, select

from models import Database, Document, Ght
from tests.browser.accessibility import (
    WCAG_TAGS,
    Checked,
    GetRoute,
    application_get_routes,
    axe_violations,
    report,
    route_of,
)
from tests.browser.conftest import Dashboard
from tests.browser.server import OFFICER, director, pdf_file
from tests.browser.test_dashboard import EVENT, document_id, sign_in
from web.app import MACHINE_PATHS

GHT = "OCC-13"
MAX_PER_ROUTE = 3  # addresses checked per route by following links
# GET routes that answer no HTML page and that no link of the scenario reaches.
NOT_PAGES: dict[str, str] = {}  # {route path: what it answers instead}
SCREENSHOTS = os.environ.get("GHTFLOW_AXE_SCREENSHOTS")


@dataclass
class Audit:
    """The pages checked so far and the routes reached, for one dashboard."""

    dashboard: Dashboard
    routes: tuple[GetRoute, ...]
    checked: list[Checked] = field(default_factory=list)
    reached: set[str] = field(default_factory=set)

    def check(self, page: Page, situation: str) -> None:
        """axe on the page as it is now (after a click, a form sent back, a redirect)."""
        page.wait_for_load_state()
        path = urlsplit(page.url).path
        template = route_of(self.routes, path)
        if template is not None:
            self.reached.add(template)
        self.checked.append(Checked(situation, page.url, axe_violations(page)))
        if SCREENSHOTS:
            name = re.sub(r"[^A-Za-z0-9]+", "-", f"{len(self.checked):02d} {situation} {path}")
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)

    def visit(self, page: Page, path: str, situation: str, status: int = 200) -> None:
        response = page.goto(self.dashboard.at(path))
        assert response is not None and response.status == status, (path, situation)
        self.check(page, situation)

    def crawl(self, page: Page, start: str, who: str) -> None:
        """Follow this site's links from `start`, checking each HTML page reached, at most
        `MAX_PER_ROUTE` addresses per route; downloads are only noted as reached."""
        base = self.dashboard.url
        queue = deque([self.dashboard.at(start)])
        seen = set(queue)
        per_route: Counter[str] = Counter()
        while queue:
            url = queue.popleft()
            path = urlsplit(url).path
            if path.startswith(MACHINE_PATHS):
                continue  # the calendar feed: for programs, not a page
            template = route_of(self.routes, path) or f"(no route) {path}"
            if per_route[template] >= MAX_PER_ROUTE:
                continue
            per_route[template] += 1
            answer = page.request.get(url)  # the page's cookies: signed in as `who`
            if "text/html" not in answer.headers.get("content-type", ""):
                self.reached.add(template)  # a download (CSV, XLSX, a received version)
                continue
            assert answer.ok, f"{who}: the link to {url} answers {answer.status}"
            page.goto(url)
            if page.url != url and page.url in seen:
                continue  # redirected to a page of this walk (`/` to the GHT's page)
            seen.add(page.url)
            self.check(page, f"{who}, by a link")
            links = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            for link in links:
                link = str(link).split("#", 1)[0]
                if link.startswith(base + "/") and link not in seen:
                    seen.add(link)
                    queue.append(link)

    def uncovered(self) -> list[str]:
        """GET routes that no visit reached and that are not declared as answering no page."""
        return [
            r.path for r in self.routes if r.path not in self.reached and r.path not in NOT_PAGES
        ]


def one_document_per_state(dashboard: Dashboard) -> list[int]:
    """The first document of each state the first region's documents are in now (those the
    Occitanie officer may open)."""
    db = Database(dashboard.database_url)
    try:
        with db.reading() as session:
            rows = session.exec(
                select(func.min(Document.id))
                .join(Ght, col(Ght.id) == col(Document.ght_id))
                .where(col(Ght.code).startswith("OCC-"))
                .group_by(col(Document.state))
            ).all()
    finally:
        db.dispose()
    return sorted(int(r) for r in rows if r is not None)


def new_page(browser: Browser) -> Page:
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    context.set_default_timeout(10_000)
    return context.new_page()


def signed_out_pages(audit: Audit, browser: Browser) -> None:
    """The sign-in page, and the same after a wrong password."""
    visitor = new_page(browser)
    audit.visit(visitor, "/connexion", "signed out")
    sign_in(visitor, audit.dashboard, director(GHT), "not-the-password")
    expect(visitor.get_by_role("alert")).to_be_visible()
    audit.check(visitor, "wrong password")
    visitor.context.close()


def director_submits(audit: Audit, lot: Page, doc: int, pdf: Path) -> None:
    """The director's GHT page, with the calendar link created; the PMSP submitted."""
    dashboard = audit.dashboard
    sign_in(lot, dashboard, director(GHT))
    expect(lot).to_have_url(dashboard.at(f"/ght/{GHT}"))
    audit.check(lot, "GHT director, signed in")
    lot.get_by_role("button", name="Créer mon lien d'abonnement").click()
    expect(lot.get_by_role("status")).to_be_visible()
    expect(lot.get_by_label(re.compile("^Lien d'abonnement personnel"))).to_be_visible()
    audit.check(lot, "GHT director, calendar link created")
    lot.goto(dashboard.at(f"/documents/{doc}"))
    submit = lot.get_by_role("form", name=EVENT["submit"], exact=True)
    submit.get_by_label(re.compile(r"^Fichier")).set_input_files(pdf)
    submit.get_by_role("button", name=EVENT["submit"], exact=True).click()
    expect(lot.get_by_role("status")).to_contain_text("Transmis à l'ARS")
    audit.check(lot, "GHT director, document submitted")


def agency_pages(audit: Audit, browser: Browser, doc: int) -> None:
    """A request refused (no motive) then made (an e-mail queued, a Word letter generated),
    the outbox and a retry, a document in each state, then every link from the overview."""
    dashboard = audit.dashboard
    ars = new_page(browser)
    sign_in(ars, dashboard, OFFICER)
    expect(ars).to_have_url(dashboard.at("/"))
    audit.check(ars, "agency, signed in")
    ars.goto(dashboard.at(f"/documents/{doc}"))
    request = ars.get_by_role("form", name=EVENT["request_conformity"])
    request.get_by_role("button", name=EVENT["request_conformity"]).click()
    expect(ars.get_by_role("alert")).to_contain_text("motive")
    audit.check(ars, "agency, request without motive refused")
    request = ars.get_by_role("form", name=EVENT["request_conformity"])
    request.get_by_role("checkbox").first.check()
    request.get_by_role("button", name=EVENT["request_conformity"]).click()
    expect(ars.get_by_role("status")).to_contain_text("Mise en conformité demandée")
    audit.check(ars, "agency, conformity requested")
    audit.visit(ars, "/?au=pas-une-date", "agency, invalid date in the address")
    ars.goto(dashboard.at("/envois"))
    ars.get_by_role("button", name=re.compile("^Relancer")).first.click()
    expect(ars.get_by_role("status")).to_contain_text("remis en file")
    audit.check(ars, "agency, outbox message retried")
    for other in one_document_per_state(dashboard):
        audit.visit(ars, f"/documents/{other}", "agency, one document per state")
    audit.crawl(ars, "/", "agency")
    ars.context.close()


def second_region_pages(audit: Audit, browser: Browser) -> None:
    """The other region's agency reviewing a structure's application: the assessment grid and
    its form, a verdict recorded, a selection refused with its reason; the structure's page."""
    dashboard = audit.dashboard
    officer = new_page(browser)
    sign_in(officer, dashboard, "esante@ars-guyane.example.org")
    audit.check(officer, "second region's agency, signed in")
    officer.goto(dashboard.at("/ght/PTA-973"))
    audit.check(officer, "second region's agency, a structure's page")
    officer.get_by_role("link", name=re.compile("^n° ")).first.click()
    officer.get_by_role("button", name="Instruire").click()
    expect(officer.get_by_role("status")).to_contain_text("En instruction")
    audit.check(officer, "second region's agency, application under review with its grid")
    assess = officer.get_by_role("form", name="Évaluer un critère")
    assess.get_by_label("Critère rempli").check()
    assess.get_by_role("button", name="Évaluer un critère").click()
    expect(officer.get_by_role("status")).to_be_visible()
    audit.check(officer, "second region's agency, one criterion assessed")
    officer.get_by_role("button", name="Retenir le projet", exact=True).click()
    expect(officer.get_by_role("alert")).to_contain_text("every criterion must be met")
    audit.check(officer, "second region's agency, selection refused until the grid is met")
    officer.context.close()
    applicant = new_page(browser)
    sign_in(applicant, dashboard, "coordination@pta-973.example.org")
    audit.check(applicant, "a structure's coordinator, signed in")
    audit.crawl(applicant, "/ght/PTA-973", "a structure's coordinator")
    applicant.context.close()


def director_pages(audit: Audit, lot: Page) -> None:
    """Every link from the GHT page (the request answered by a new version is offered now),
    the error pages, a form with a stale CSRF token, signing out."""
    dashboard = audit.dashboard
    audit.crawl(lot, f"/ght/{GHT}", "GHT director")
    for path, status, situation in (
        ("/page-inexistante", 404, "no such page"),
        ("/ght/OCC-03", 404, "another GHT's page"),
        (f"/ght/{GHT}?au=pas-une-date", 200, "invalid date in the address"),
        ("/envois", 403, "an agency page"),
        ("/deconnexion", 405, "GET on a form's address"),
    ):
        audit.visit(lot, path, f"GHT director, {situation}", status)
    lot.goto(dashboard.at(f"/ght/{GHT}"))
    renew = lot.locator("form.lien-calendrier")
    renew.locator("input[name=csrf_token]").evaluate("field => { field.value = 'stale'; }")
    renew.get_by_role("button").click()
    expect(lot.get_by_role("alert")).to_contain_text("CSRF")
    audit.check(lot, "GHT director, CSRF token refused")
    lot.goto(dashboard.at(f"/ght/{GHT}"))
    lot.get_by_role("button", name="Se déconnecter").click()
    expect(lot.get_by_role("status")).to_be_visible()
    audit.check(lot, "signed out by the button")


def test_every_page_passes_axe(dashboard: Dashboard, browser: Browser, tmp_path: Path) -> None:
    audit = Audit(dashboard, application_get_routes(dashboard.url))
    assert {"/connexion", "/", "/documents/{document_id}"} <= {r.path for r in audit.routes}
    doc = document_id(dashboard, GHT, "pmsp")

    signed_out_pages(audit, browser)
    lot = new_page(browser)
    director_submits(audit, lot, doc, pdf_file(tmp_path / "pmsp.pdf", f"PMSP {GHT}"))
    agency_pages(audit, browser, doc)
    second_region_pages(audit, browser)
    director_pages(audit, lot)
    lot.context.close()

    stale = sorted(set(NOT_PAGES) - {r.path for r in audit.routes})
    assert not stale, f"NOT_PAGES names routes the application no longer has: {stale}"
    uncovered = audit.uncovered()
    if uncovered:
        pytest.fail(
            "GET routes that axe did not check (no page visited links to them): "
            + ", ".join(uncovered)
            + ". Link them from a page, visit them in this test, or add them to NOT_PAGES "
            "if they answer no HTML page.",
            pytrace=False,
        )
    broken = report(audit.checked)
    if broken:
        pytest.fail(f"axe-core violations ({', '.join(WCAG_TAGS)}):\n{broken}", pytrace=False)
    assert len(audit.checked) >= 30, [c.url for c in audit.checked]


def test_axe_reports_violations_under_the_pages_policy(dashboard: Dashboard, page: Page) -> None:
    """The check can fail: axe runs under the dashboard's Content-Security-Policy (no script),
    computes contrast from the style sheet, and names the rule, impact and element."""
    page.goto(dashboard.at("/connexion"))
    page.evaluate("document.documentElement.removeAttribute('lang')")
    page.locator("p.aide").evaluate("hint => { hint.style.color = '#aaaaaa'; }")
    found = axe_violations(page)
    assert sorted(v.rule for v in found) == ["color-contrast", "html-has-lang"]
    described = report([Checked("altered", page.url, found)])
    assert "1 of the 1 pages checked break rules:" in described
    assert "html-has-lang [serious]" in described
    assert "color-contrast [serious]" in described
    assert "    - .aide" in described
    assert "contrast of 2.32" in described  # #aaaaaa on white
