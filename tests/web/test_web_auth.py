"""Signing in and out: CSRF, one message for every wrong credential, rate limiting, the
session cookie's flags, redirects to the sign-in page, and the secret that signs sessions."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from services.accounts.credentials import MAX_FAILURES
from settings import Settings
from tests.integration.helpers import OFFICER, director
from tests.web.conftest import PASSWORD, Visitor, csrf_of
from tests.web.pagecheck import alert_of, check_page, flash_of
from web.app import create_app

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_the_sign_in_page_has_labelled_fields_and_a_csrf_token(visitor):
    page = visitor.get("/connexion")
    assert page.status_code == 200
    check_page(page.text)
    for text in ("Adresse e-mail", "Mot de passe", "Se connecter"):
        assert text in page.text
    assert 'name="email"' in page.text and 'name="password"' in page.text
    assert csrf_of(page.text)


def test_signing_in_sets_a_signed_httponly_lax_cookie_and_goes_home(visitor):
    answer = visitor.sign_in(OFFICER)
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"].lower()
    assert cookie.startswith("ghtflow_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie
    home = visitor.get("/")
    assert home.status_code == 200 and "Vue régionale" in home.text


def test_behind_tls_the_session_cookie_is_secure(occitanie, settings):
    secure = settings.model_copy(update={"secure_cookies": True})
    with TestClient(create_app(secure), base_url="https://testserver") as client:
        answer = Visitor(client).sign_in(OFFICER)
    cookie = answer.headers["set-cookie"].lower()
    assert answer.status_code == 303 and "; secure" in cookie and "httponly" in cookie


def test_wrong_password_and_unknown_address_get_one_message(visitor):
    for email, password in [(OFFICER, "pas-le-bon"), ("personne@example.org", PASSWORD)]:
        answer = visitor.sign_in(email, password)
        assert answer.status_code == 401
        assert alert_of(answer.text) == "Adresse e-mail ou mot de passe incorrect."
        check_page(answer.text)
    assert visitor.get("/").status_code == 303  # still nobody signed in


def test_repeated_failures_are_rate_limited_with_a_clear_message(visitor):
    for _ in range(MAX_FAILURES):
        assert visitor.sign_in(OFFICER, "pas-le-bon").status_code == 401
    answer = visitor.sign_in(OFFICER)  # even the right password, for now
    assert answer.status_code == 429
    assert "Trop de tentatives" in alert_of(answer.text)
    assert visitor.get("/").status_code == 303


@pytest.mark.parametrize("token", [None, "faux-jeton"])
def test_sign_in_without_the_csrf_token_is_refused(visitor, token):
    visitor.get("/connexion")
    data = {"email": OFFICER, "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    answer = visitor.client.post("/connexion", data=data, follow_redirects=False)
    assert answer.status_code == 403
    assert "CSRF" in alert_of(answer.text)
    check_page(answer.text)
    assert visitor.get("/").status_code == 303


def test_pages_send_unauthenticated_visitors_to_sign_in_then_back(visitor, occitanie):
    assert visitor.get("/").headers["location"] == "/connexion"
    for url in ["/ght/OCC-02", "/documents/1", "/envois", "/bilan.csv", "/fichiers/1"]:
        answer = visitor.get(url)
        assert answer.status_code == 303, url
        assert answer.headers["location"].startswith("/connexion?suite=%2F"), url
    action = visitor.post("/documents/1/actions", {"event": "submit"})
    assert action.status_code == 303 and action.headers["location"].startswith("/connexion")
    page = visitor.get("/connexion?suite=/ght/OCC-02")
    assert 'name="suite" value="/ght/OCC-02"' in page.text
    visitor.csrf = csrf_of(page.text)
    answer = visitor.post(
        "/connexion", {"email": OFFICER, "password": PASSWORD, "suite": "/ght/OCC-02"}
    )
    assert answer.headers["location"] == "/ght/OCC-02"


def test_sign_in_never_redirects_to_another_site(visitor):
    visitor.csrf = csrf_of(visitor.get("/connexion").text)
    answer = visitor.post(
        "/connexion", {"email": OFFICER, "password": PASSWORD, "suite": "//evil.example.org/x"}
    )
    assert answer.headers["location"] == "/"


def test_a_ght_person_is_sent_to_their_ght_page(lot):
    answer = lot.get("/")
    assert answer.status_code == 303 and answer.headers["location"] == "/ght/OCC-02"


def test_sign_out_needs_the_csrf_token_and_ends_the_session(officer):
    refused = officer.client.post("/deconnexion", follow_redirects=False)
    assert refused.status_code == 403
    assert officer.get("/").status_code == 200
    answer = officer.post("/deconnexion")
    assert answer.status_code == 303 and answer.headers["location"] == "/connexion"
    page = officer.get("/connexion")
    assert flash_of(page.text) == "Vous êtes déconnecté(e)."
    assert officer.get("/").status_code == 303


def test_a_cookie_signed_with_another_key_is_worth_nothing(web, settings, occitanie):
    someone = Visitor(TestClient(web.app))
    assert someone.sign_in(director("OCC-02")).status_code == 303
    other = Settings(
        home=settings.home / "other",
        database_url=settings.database_url,
        secret_key="une-autre-cle-secrete",
    )
    with TestClient(create_app(other)) as client:
        client.cookies.update(someone.client.cookies)
        assert client.get("/ght/OCC-02", follow_redirects=False).status_code == 303
