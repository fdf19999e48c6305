"""The dashboard under FastAPI's test client, on the Occitanie scenario, with signed-in people.

`client` is the application on the test's database (SQLite or PostgreSQL, as `ws` is);
`sign_in(email)` signs a person in through the real sign-in form (CSRF included) and returns
a `Visitor` whose `post` adds the session's CSRF token to every form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.workspace import Workspace
from settings import Settings
from tests.integration.helpers import OFFICER, director
from web.app import create_app

PASSWORD = "ghtflow-demo"  # the scenario's demo password (set by the loader with demo=True)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field on the page"
    return found.group(1)


class Visitor:
    """A browser: one cookie jar, the CSRF token of its session."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, follow_redirects=False, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        fields = {"csrf_token": self.csrf, **(data or {})}
        return self.client.post(url, data=fields, follow_redirects=False, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD) -> Any:
        self.csrf = csrf_of(self.get("/connexion").text)
        answer = self.post("/connexion", {"email": email, "password": password})
        if answer.status_code == 303:
            page = self.client.get(answer.headers["location"], follow_redirects=True)
            self.csrf = csrf_of(page.text)
        return answer


@pytest.fixture
def web(occitanie: Workspace, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture
def visitor(web: TestClient) -> Visitor:
    return Visitor(web)


@pytest.fixture
def officer(web: TestClient) -> Visitor:
    v = Visitor(TestClient(web.app))
    assert v.sign_in(OFFICER).status_code == 303
    return v


@pytest.fixture
def lot(web: TestClient) -> Visitor:
    """The director of GHT OCC-02 (Lot)."""
    v = Visitor(TestClient(web.app))
    assert v.sign_in(director("OCC-02")).status_code == 303
    return v
