"""The dashboard and the API as an attacker tries them: copied session cookies, expired and
revoked tokens, oversize fields, and the security headers of every kind of answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from models import SignInCounter, utcnow
from services.accounts.credentials import (
    MAX_FAILURES,
    issue_token,
    remove_user,
    revoke_tokens,
    set_password,
)
from services.limits import NOTE_MAX
from tests.conftest import BACKENDS
from tests.integration.helpers import OFFICER, director, document_id
from tests.web.conftest import PASSWORD, Visitor, csrf_of
from tests.web.pagecheck import alert_of
from web.app import CONTENT_SECURITY_POLICY, create_app
from web.rendering import STATIC_DIR, TEMPLATES_DIR

LOT = director("OCC-02")


def _copy(visitor: Visitor) -> TestClient:
    """Another browser holding a copy of the visitor's session cookie."""
    thief = TestClient(visitor.client.app)
    thief.cookies.update(visitor.client.cookies)
    return thief


def test_a_cookie_copied_before_sign_out_is_worth_nothing_afterwards(web, lot):
    thief = _copy(lot)
    other_device = Visitor(TestClient(web.app))
    assert other_device.sign_in(LOT).status_code == 303
    assert thief.get("/ght/OCC-02", follow_redirects=False).status_code == 200
    assert lot.post("/deconnexion").status_code == 303
    for browser in (thief, other_device.client):  # every session of that person ends
        answer = browser.get("/ght/OCC-02", follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/connexion")


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("change", ["passwd", "remove"])
def test_a_cookie_copied_before_a_password_change_or_removal_is_worth_nothing(
    web, lot, occitanie, change
):
    thief = _copy(lot)
    assert thief.get("/ght/OCC-02", follow_redirects=False).status_code == 200
    if change == "passwd":
        set_password(occitanie, LOT, "nouveau-mot-de-passe")
    else:
        remove_user(occitanie, LOT)
    for browser in (thief, lot.client):
        assert browser.get("/ght/OCC-02", follow_redirects=False).status_code == 303
    form = browser.post(
        f"/documents/{document_id(occitanie, 'OCC-02', 'pmsp')}/actions",
        data={"csrf_token": lot.csrf, "event": "submit"},
        follow_redirects=False,
    )
    assert form.status_code == 303 and form.headers["location"].startswith("/connexion")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_api_tokens_expired_or_revoked_answer_401_saying_why(web, occitanie):
    expired = issue_token(occitanie, LOT, days=1, now=utcnow() - timedelta(days=2))
    answer = web.get("/api/documents", headers={"Authorization": f"Bearer {expired}"})
    assert answer.status_code == 401 and answer.headers["www-authenticate"] == "Bearer"
    assert answer.json()["detail"].startswith("API token expired on ")
    token = issue_token(occitanie, LOT)
    assert web.get("/api/documents", headers={"Authorization": f"Bearer {token}"}).is_success
    revoke_tokens(occitanie, LOT)
    answer = web.get("/api/documents", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.json()["detail"].startswith("API token revoked")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_oversize_sign_in_is_refused_422_and_stores_nothing(visitor, occitanie):
    visitor.csrf = csrf_of(visitor.get("/connexion").text)
    for email, password in [("a" * 5_000 + "@x.org", PASSWORD), (OFFICER, "p" * 2000)]:
        answer = visitor.post("/connexion", {"email": email, "password": password})
        assert answer.status_code == 422
        assert "trop long" in alert_of(answer.text)
        assert "aaaa" not in answer.text
    with occitanie.db.reading() as session:
        assert session.exec(select(SignInCounter)).all() == []


@pytest.mark.parametrize("backend", ["sqlite"])
def test_oversize_notes_and_motives_are_refused_422_by_the_api_and_the_pages(web, lot, occitanie):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    headers = {"Authorization": f"Bearer {issue_token(occitanie, LOT)}"}
    for body, where in [
        ({"event": "submit", "note": "n" * (NOTE_MAX + 1)}, "note"),
        ({"event": "submit", "motives": ["m" * 61]}, "motives.0"),
        ({"event": "submit", "motives": ["m"] * 21}, "motives"),
        ({"event": "e" * 61}, "event"),
    ]:
        answer = web.post(f"/api/documents/{doc}/events", json=body, headers=headers)
        assert answer.status_code == 422, body
        assert answer.json()["detail"].startswith(f"{where}: "), answer.json()
    page = lot.post(f"/documents/{doc}/actions", {"event": "submit", "note": "n" * 5000})
    assert page.status_code == 422
    assert alert_of(page.text) == (
        f"Champ « Note » trop long : 5000 caractères pour {NOTE_MAX} au plus ; "
        "rien n'est enregistré."
    )


@pytest.mark.parametrize("backend", ["sqlite"])
def test_every_answer_has_the_security_headers(web, officer, lot, occitanie):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    token = issue_token(occitanie, OFFICER)
    answers = {
        "sign-in page": web.get("/connexion"),
        "overview": officer.get("/"),
        "document": officer.get(f"/documents/{doc}"),
        "csv download": officer.get("/bilan.csv"),
        "xlsx download": officer.get("/bilan.xlsx"),
        "not found": officer.get("/nulle-part"),
        "api": web.get("/api/documents", headers={"Authorization": f"Bearer {token}"}),
        "api refusal": web.get("/api/documents"),
        "redirect": web.get("/envois", follow_redirects=False),
    }
    for what, answer in answers.items():
        headers = answer.headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, what
        assert "default-src 'self'" in CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff", what
        assert headers["referrer-policy"] == "same-origin", what
        assert headers["x-frame-options"] == "DENY", what
        assert headers["cache-control"] == "no-store", what
    style = web.get("/static/style.css")
    assert style.status_code == 200 and "no-store" not in style.headers.get("cache-control", "")
    assert style.headers["x-content-type-options"] == "nosniff"


def test_no_page_needs_inline_script_or_style():
    """The policy forbids inline script and style: the templates must not use any."""
    for path in [*TEMPLATES_DIR.glob("*.html"), *STATIC_DIR.iterdir()]:
        text = path.read_text(encoding="utf-8").lower()
        for forbidden in ("<script", "<style", "style=", "javascript:", " on"):
            if forbidden == " on":
                assert not any(
                    f" on{event}=" in text for event in ("click", "load", "submit", "change")
                ), path
            else:
                assert forbidden not in text, (path, forbidden)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_behind_a_trusted_proxy_attempts_count_per_forwarded_client(occitanie, settings):
    proxied = settings.model_copy(update={"trusted_proxies": "testclient"})
    with TestClient(create_app(proxied)) as client:
        visitor = Visitor(client)
        visitor.csrf = csrf_of(visitor.get("/connexion").text)
        attacker = {"X-Forwarded-For": "203.0.113.7"}
        for _ in range(MAX_FAILURES):
            wrong = {"email": OFFICER, "password": "pas-le-bon"}
            assert visitor.post("/connexion", wrong, headers=attacker).status_code == 401
        right = {"email": OFFICER, "password": PASSWORD}
        assert visitor.post("/connexion", right, headers=attacker).status_code == 429
        officer = {"X-Forwarded-For": "198.51.100.4"}
        assert visitor.post("/connexion", right, headers=officer).status_code == 303


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_id_no_row_can_have_answers_404_like_an_absent_one(web, officer, occitanie):
    """Sent to the database, a 20-digit id fails (OverflowError, "integer out of range"): the
    pages and the API answer 404 as for an absent row, never 500."""
    headers = {"Authorization": f"Bearer {issue_token(occitanie, OFFICER)}"}
    huge = "9" * 20
    for path in (
        f"/documents/{huge}",
        f"/documents/{huge}/versions/1",
        f"/documents/1/versions/{huge}",
        f"/fichiers/{huge}",
        "/documents/2147483648",
    ):
        answer = officer.get(path)
        assert answer.status_code == 404, path
        assert "Page introuvable" in answer.text
    assert web.get(f"/api/documents/{huge}", headers=headers).status_code == 404
    answer = web.post(f"/api/documents/{huge}/events", headers=headers, json={"event": "submit"})
    assert answer.status_code == 404
    assert web.get("/api/documents/12", headers=headers).status_code in (200, 404)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_removed_person_may_not_act_and_hears_nothing(occitanie):
    from services.errors import PermissionDenied
    from services.lifecycle.fire import fire
    from services.mail.outbox import ght_contacts

    remove_user(occitanie, LOT)
    with pytest.raises(PermissionDenied, match="was removed on"):
        fire(occitanie, document_id(occitanie, "OCC-02", "pmsp"), "submit", LOT)
    with occitanie.db.reading() as session:
        contacts = ght_contacts(session.connection(), occitanie.settings)
    assert all(LOT not in c.to for c in contacts.values())
