"""The campaign pages: agency only (a GHT's person gets 403), region isolation (another
region's campaign is 404), CSRF on every post, and each change behind a confirmation step:
create, launch, move a due date, close; a GHT's page shows its campaigns."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from models import Document, Ght, OutboxMessage, Person, Region
from services.campaigns.store import CampaignSpec, create_campaign, show_campaign
from services.workspace import Workspace
from tests.integration.helpers import document_id
from tests.web.conftest import PASSWORD, Visitor
from tests.web.pagecheck import alert_of, check_page, flash_of

CONFIRM = {"confirme": "oui"}


def _count(ws: Workspace, model: type) -> int:
    with ws.db.reading() as session:
        return len(session.exec(select(model)).all())


def test_the_campaigns_page_lists_and_links(officer, occitanie):
    page = officer.get("/campagnes")
    assert page.status_code == 200
    check_page(page.text)
    assert '<a href="/campagnes">Campagnes</a>' in page.text  # in the navigation
    assert '<a href="/campagnes/OCC-2017">OCC-2017</a> — Campagne GHT 2017' in page.text
    assert "Projet médical et de soins partagé (PMSP) : <time" in page.text
    assert "pas encore lancée" in page.text
    assert 'type="hidden" name="region" value="OCC"' in page.text  # the officer's region
    one = officer.get("/campagnes/OCC-2017")
    assert one.status_code == 200
    check_page(one.text)
    assert "<h1>Campagne OCC-2017 — Campagne GHT 2017</h1>" in one.text
    assert "<li>En préparation : 6</li>" in one.text  # the PMSP drafts, in French
    assert one.text.count('<th scope="row"><a href="/ght/') == 14
    for action in ("lancement", "echeance", "cloture"):
        assert f'action="/campagnes/OCC-2017/{action}"' in one.text


def test_a_ghts_person_gets_403_and_sees_no_link(lot, occitanie):
    assert 'href="/campagnes"' not in lot.get("/ght/OCC-02").text
    for url in ("/campagnes", "/campagnes/OCC-2017"):
        assert lot.get(url).status_code == 403
    for url in ("/campagnes", "/campagnes/OCC-2017/lancement", "/campagnes/OCC-2017/cloture"):
        answer = lot.post(url, {"code": "X", "name": "X", "region": "OCC", **CONFIRM})
        assert answer.status_code == 403, url
    assert show_campaign(occitanie, "OCC-2017").launched_on is None


def test_every_post_needs_the_csrf_token(officer, occitanie):
    for url in ("/campagnes", "/campagnes/OCC-2017/lancement", "/campagnes/OCC-2017/echeance"):
        answer = officer.client.post(url, data=CONFIRM, follow_redirects=False)
        assert answer.status_code == 403, url
        assert "CSRF" in alert_of(answer.text)
    assert show_campaign(occitanie, "OCC-2017").launched_on is None


def test_creating_asks_for_confirmation_then_creates(officer, occitanie):
    fields = {
        "code": "occ-2018",
        "name": "Campagne GHT 2018",
        "region": "OCC",
        "due_pmsp": "2018-12-31",
        "due_sdsi": "2019-01-01",
        "reminders": "15,30",
    }
    asked = officer.post("/campagnes", fields)
    assert asked.status_code == 200
    check_page(asked.text)
    assert "<h1>Créer la campagne OCC-2018 ?</h1>" in asked.text
    assert "Projet médical et de soins partagé (PMSP) : échéance le 31 décembre 2018" in asked.text
    assert "Rappels : 30, 15 jours avant chaque échéance" in asked.text
    assert 'name="confirme" value="oui"' in asked.text
    with pytest.raises(Exception, match="unknown campaign"):
        show_campaign(occitanie, "OCC-2018")  # nothing yet
    done = officer.post("/campagnes", {**fields, **CONFIRM})
    assert done.status_code == 303 and done.headers["location"] == "/campagnes/OCC-2018"
    created = show_campaign(occitanie, "OCC-2018")
    assert created.due == {"pmsp": date(2018, 12, 31), "sdsi": date(2019, 1, 1)}
    assert created.reminders == (30, 15)
    page = officer.get("/campagnes/OCC-2018").text
    assert "Campagne OCC-2018 créée" in flash_of(page)
    # a refusal is shown on the list with the values kept, nothing created
    again = officer.post("/campagnes", {**fields, "code": "OCC-2019", "due_pmsp": "2999-01-01"})
    assert again.status_code == 422
    assert "due date 2999-01-01 of pmsp is not between" in alert_of(again.text)
    assert 'value="OCC-2019"' in again.text
    exists = officer.post("/campagnes", fields)
    assert exists.status_code == 422 and "exists already" in alert_of(exists.text)
    none = officer.post("/campagnes", {"code": "OCC-2020", "name": "x", "region": "OCC"})
    assert "at least one due date" in alert_of(none.text)


def test_launching_asks_for_confirmation_then_launches_once(officer, occitanie):
    before = _count(occitanie, Document)
    asked = officer.post("/campagnes/OCC-2017/lancement", {"as_of": "2017-10-16"})
    assert asked.status_code == 200
    check_page(asked.text)
    assert "Lancer la campagne OCC-2017 ?" in asked.text
    assert "14 GHT dans la région OCC" in asked.text
    assert 'name="as_of" value="2017-10-16"' in asked.text
    assert _count(occitanie, Document) == before and _count(occitanie, OutboxMessage) == 0
    done = officer.post("/campagnes/OCC-2017/lancement", {"as_of": "2017-10-16", **CONFIRM})
    assert done.status_code == 303
    page = officer.get("/campagnes/OCC-2017").text
    assert flash_of(page) == (
        "Campagne OCC-2017 lancée : 19 documents créés, 14 e-mails mis en file d'envoi."
    )
    assert page.count("en attente d&#39;envoi") == 14
    assert '<dd><time datetime="2017-10-16">16 octobre 2017</time></dd>' in page
    officer.post("/campagnes/OCC-2017/lancement", CONFIRM)
    again = flash_of(officer.get("/campagnes/OCC-2017").text)
    assert again.startswith("Campagne OCC-2017 lancée : 0 document créé, 0 e-mail")


def test_moving_a_due_date_asks_then_moves_and_the_history_says_it(officer, occitanie):
    asked = officer.post(
        "/campagnes/OCC-2017/echeance",
        {"doc_type": "eprd_budget_g", "due": "2018-02-28", "as_of": "2017-11-02"},
    )
    assert asked.status_code == 200
    assert "EPRD – budget annexe G : échéance du 31 décembre 2017 déplacée au 28 février 2018" in (
        asked.text.replace("&#39;", "'")
    )
    assert "14 documents de ce type non encore transmis prendront la nouvelle date" in asked.text
    done = officer.post(
        "/campagnes/OCC-2017/echeance",
        {"doc_type": "eprd_budget_g", "due": "2018-02-28", "as_of": "2017-11-02", **CONFIRM},
    )
    assert done.status_code == 303
    assert "14 documents déplacés" in flash_of(officer.get("/campagnes/OCC-2017").text)
    doc = document_id(occitanie, "OCC-02", "eprd_budget_g")
    page = officer.get(f"/documents/{doc}").text
    assert "Échéance déplacée" in page
    assert "Échéance : 31 décembre 2017 → 28 février 2018 (campagne OCC-2017)" in page
    assert "instructeur@ars-occitanie.example.org" in page
    bad = officer.post("/campagnes/OCC-2017/echeance", {"doc_type": "nope", "due": "2018-01-01"})
    assert bad.status_code == 422 and "unknown document type" in alert_of(bad.text)


def test_closing_asks_then_closes_and_a_closed_campaign_refuses_changes(officer, occitanie):
    asked = officer.post("/campagnes/OCC-2017/cloture", {})
    assert asked.status_code == 200 and "Clôturer la campagne OCC-2017 ?" in asked.text
    assert show_campaign(occitanie, "OCC-2017").closed_on is None
    assert officer.post("/campagnes/OCC-2017/cloture", CONFIRM).status_code == 303
    page = officer.get("/campagnes/OCC-2017").text
    assert "Campagne clôturée : elle ne peut plus être lancée ni modifiée." in page
    assert 'action="/campagnes/OCC-2017/lancement"' not in page
    refused = officer.post("/campagnes/OCC-2017/lancement", {})
    assert refused.status_code == 422
    assert "was closed on" in alert_of(refused.text) and "cannot be launched" in alert_of(
        refused.text
    )
    moved = officer.post("/campagnes/OCC-2017/echeance", {"doc_type": "pmsp", "due": "2018-01-01"})
    assert moved.status_code == 422 and "cannot change" in alert_of(moved.text)


def _add_bretagne(ws: Workspace) -> None:
    """An agency person of Bretagne, a GHT with nobody to write to, a campaign of its own."""
    from services.accounts.credentials import hash_password

    with ws.db.transaction() as session:
        region = Region(code="BRE", name="Bretagne", agency_name="ARS Bretagne", direction_email="")
        session.add(region)
        session.flush()
        session.add(Ght(code="BRE-01", name="GHT Rance", region_id=region.id or 0))
        session.add(
            Person(
                email="agence@ars-bretagne.example.org",
                side="agency",
                region_id=region.id,
                password_hash=hash_password(PASSWORD),
            )
        )
    spec = CampaignSpec("BRE-2018", "Campagne Bretagne", "BRE", {"pmsp": date(2018, 12, 31)})
    create_campaign(ws, spec)


def test_another_regions_campaign_is_not_found(web: TestClient, officer, occitanie):
    _add_bretagne(occitanie)
    breton = Visitor(TestClient(web.app))
    assert breton.sign_in("agence@ars-bretagne.example.org").status_code == 303
    listed = breton.get("/campagnes").text
    assert "BRE-2018" in listed and "OCC-2017" not in listed
    assert breton.get("/campagnes/OCC-2017").status_code == 404
    assert breton.post("/campagnes/OCC-2017/lancement", CONFIRM).status_code == 404
    assert show_campaign(occitanie, "OCC-2017").launched_on is None
    # nor may they create one in another region
    answer = breton.post(
        "/campagnes",
        {"code": "X-1", "name": "X", "region": "OCC", "due_pmsp": "2018-12-31", **CONFIRM},
    )
    assert answer.status_code == 404 and "unknown region 'OCC'" in alert_of(answer.text)
    assert "BRE-2018" not in officer.get("/campagnes").text
    assert officer.get("/campagnes/BRE-2018").status_code == 404
    launched = breton.post("/campagnes/BRE-2018/lancement", CONFIRM)
    assert launched.status_code == 303
    text = flash_of(breton.get("/campagnes/BRE-2018").text)
    assert "1 document créé, 0 e-mail" in text and "BRE-01 (personne à qui écrire)" in text


def test_a_ghts_page_shows_its_campaigns_and_what_it_owes(lot, officer, occitanie):
    officer.post("/campagnes/OCC-2017/lancement", {"as_of": "2017-10-16", **CONFIRM})
    page = lot.get("/ght/OCC-02").text
    check_page(page)
    section = page[page.index('id="titre-campagnes"') : page.index('id="titre-du"')]
    assert "<h3>Campagne GHT 2017 (OCC-2017)</h3>" in section
    assert "<caption>Ce que la campagne OCC-2017 demande à OCC-02</caption>" in section
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", section, re.S)
    assert len(rows) == 4  # PMSP, CHU convention, EPRD, and the SDSI the launch created
    assert "Schéma directeur des systèmes d&#39;information (SDSI)" in section
    assert section.count("<td>oui</td>") == 4
    assert '<time datetime="2017-12-31">31 décembre 2017</time>' in section
    with occitanie.db.reading() as session:
        ids = session.exec(
            select(Document.id)
            .join(Ght, col(Ght.id) == col(Document.ght_id))
            .where(Ght.code == "OCC-02")
        ).all()
    assert all(f'href="/documents/{i}"' in section for i in ids)
