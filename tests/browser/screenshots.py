"""`python -m tests.browser.screenshots [DIR]` (`make screenshots`): the README's pictures.

A fresh work directory with the Occitanie scenario, where GHT Lot's PMSP has been submitted
and sent back for conformity (as in `make demo`), served by `ghtflow serve`, photographed in
headless Chromium: `DIR/overview.png` (the case officer's regional overview as of 31 October
2017) and `DIR/document.png` (that PMSP as its director sees it, with the
resubmission form). Default DIR: docs/.
"""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from playwright.sync_api import FloatRect, Page, ViewportSize, sync_playwright
from sqlmodel import select

from models import Document, Ght
from services.lifecycle.fire import fire
from services.workspace import open_workspace
from tests.browser.server import (
    CHROMIUM,
    DEMO_PASSWORD,
    OFFICER,
    ROOT,
    director,
    pdf_file,
    prepare_home,
    serving,
)

VIEWPORT: ViewportSize = {"width": 1280, "height": 860}
MAX_HEIGHT = 1500  # the top of a long page: enough to show what it is


def _played_pmsp(home: Path) -> int:
    """GHT Lot's PMSP submitted on 16 October and sent back on 30 October 2017 (services)."""
    settings = prepare_home(home)
    ws = open_workspace(settings)
    try:
        with ws.db.reading() as session:
            found = session.exec(
                select(Document.id)
                .join(Ght, Ght.id == Document.ght_id)  # type: ignore[arg-type]
                .where(Ght.code == "OCC-02", Document.doc_type == "pmsp")
            ).one()
        assert found is not None
        lot = director("OCC-02")
        v1 = pdf_file(home / "pmsp-lot-v1.pdf", "PMSP GHT du Lot, version 1")
        fire(ws, found, "submit", lot, file=v1, as_of=date(2017, 10, 16))
        fire(
            ws,
            found,
            "request_conformity",
            OFFICER,
            motives=("biology_pharmacy_imaging", "shared_care_project"),
            note="Préciser le projet de biologie et le projet de soins partagé.",
            respond_by=date(2017, 12, 1),
            as_of=date(2017, 10, 30),
        )
        return int(found)
    finally:
        ws.close()


def _sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/connexion")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state("networkidle")


def take(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ghtflow-shots-") as tmp:
        home = Path(tmp)
        document_id = _played_pmsp(home)
        with serving(home) as base, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--lang=fr"],  # file and date fields in French (needs chromium-l10n)
                env={**os.environ, "LANGUAGE": "fr", "LANG": "fr_FR.UTF-8"},
            )
            shots = []
            for who, path, name in (
                (OFFICER, "/?au=2017-10-31", "overview.png"),
                (director("OCC-02"), f"/documents/{document_id}", "document.png"),
            ):
                context = browser.new_context(
                    viewport=VIEWPORT, locale="fr-FR", timezone_id="Europe/Paris"
                )
                page = context.new_page()
                _sign_in(page, base, who)
                page.goto(base + path)
                page.wait_for_load_state("networkidle")
                height = min(MAX_HEIGHT, int(page.evaluate("document.body.scrollHeight")))
                clip: FloatRect = {"x": 0, "y": 0, "width": VIEWPORT["width"], "height": height}
                page.screenshot(path=out / name, full_page=True, clip=clip)
                shots.append(out / name)
                context.close()
            browser.close()
    return shots


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else ROOT / "docs"
    for shot in take(out):
        print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
