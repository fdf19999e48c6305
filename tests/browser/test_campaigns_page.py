"""The Campagnes page in a real headless Chromium: the case officer finds it in the
navigation, creates a campaign, moves one of its due dates and closes it, each through its
confirmation page, by labels and accessible names; a GHT's director is refused.

The campaign asks for no document of any GHT before it is launched, and is not launched here:
the server is shared with the other browser tests, whose GHT pages must stay as they are.
"""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Dashboard
from tests.browser.server import OFFICER, director
from tests.browser.test_dashboard import heading, sign_in, status

SDSI = "Schéma directeur des systèmes d'information (SDSI)"


def test_create_move_a_due_date_and_close_a_campaign(dashboard: Dashboard, page: Page) -> None:
    code = f"OCC-B{dashboard.backend.upper()[:2]}"
    sign_in(page, dashboard, OFFICER)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Campagnes"
    ).click()
    assert heading(page) == "Campagnes"
    expect(page.get_by_role("table", name="Campagnes et leurs échéances")).to_contain_text(
        "OCC-2017"
    )
    form = page.get_by_role("form", name="Créer une campagne")
    form.get_by_label("Code de la campagne").fill(code)
    form.get_by_label("Nom de la campagne").fill("Campagne SI 2019")
    form.get_by_label(SDSI).fill("2019-06-30")
    form.get_by_label("Rappels, en jours avant chaque échéance").fill("30,7")
    form.get_by_role("button", name="Créer la campagne").click()

    assert heading(page) == f"Créer la campagne {code} ?"
    expect(page.get_by_text(f"{SDSI} : échéance le 30 juin 2019")).to_be_visible()
    page.get_by_role("button", name="Confirmer la création").click()
    assert heading(page) == f"Campagne {code} — Campagne SI 2019"
    assert status(page).startswith(f"Campagne {code} créée")

    move = page.get_by_role("form", name="Déplacer une échéance")
    move.get_by_label("Type de document").select_option(
        label=f"{SDSI} (échéance actuelle : 30 juin 2019)"
    )
    move.get_by_label("Nouvelle échéance").fill("2019-09-30")
    move.get_by_role("button", name="Déplacer…").click()
    assert heading(page) == f"Déplacer une échéance de {code} ?"
    page.get_by_role("button", name="Confirmer la nouvelle échéance").click()
    assert (
        status(page) == f"Échéance de « {SDSI} » fixée au 30 septembre 2019 : 0 document déplacé."
    )
    table = page.get_by_role("table", name=f"Documents de la campagne {code} par type et par état")
    expect(table).to_contain_text("30 septembre 2019")

    page.get_by_role("form", name="Clôturer la campagne").get_by_role(
        "button", name="Clôturer…"
    ).click()
    page.get_by_role("link", name="Annuler").click()  # changing one's mind changes nothing
    assert heading(page) == f"Campagne {code} — Campagne SI 2019"
    page.get_by_role("form", name="Clôturer la campagne").get_by_role(
        "button", name="Clôturer…"
    ).click()
    page.get_by_role("button", name="Confirmer la clôture").click()
    assert status(page).startswith(f"Campagne {code} clôturée le ")
    expect(page.get_by_text("Campagne clôturée : elle ne peut plus être lancée")).to_be_visible()
    expect(page.get_by_role("form", name="Lancer la campagne")).to_have_count(0)


def test_a_ghts_director_may_not_open_the_campaigns(dashboard: Dashboard, page: Page) -> None:
    sign_in(page, dashboard, director("OCC-02"))
    expect(page.get_by_role("link", name="Campagnes")).to_have_count(0)
    response = page.goto(dashboard.at("/campagnes"))
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
