"""One headless Chromium for the browser tests, and the dashboard served on each database.

Debian's chromium (`/usr/bin/chromium`, `make browser-tools` installs it) is driven by
Playwright through its `executable_path`; Playwright's own browser downloads are never used.
Without it the tests are skipped with the reason, unless GHTFLOW_REQUIRE_BROWSER=1, which makes
them fail instead. The browser and the servers are package-scoped: started once for the
browser tests and stopped before the other tiers run (Playwright's sync API keeps an event
loop of its own, which other tests must not inherit).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from sqlalchemy import create_engine, text

from tests.browser.server import CHROMIUM, prepare_home, serving
from tests.conftest import PG_SERVER, _pg_unavailable_reason

REQUIRE_BROWSER = os.environ.get("GHTFLOW_REQUIRE_BROWSER") == "1"
SERVER_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser carries the `browser` marker (`-m "not browser"`)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        reason = f"{CHROMIUM} is not installed (run `make browser-tools`)"
        if REQUIRE_BROWSER:
            pytest.fail(f"GHTFLOW_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@dataclass(frozen=True)
class Dashboard:
    """A running `ghtflow serve` and its work directory."""

    url: str
    home: Path
    backend: str
    database_url: str

    def at(self, path: str) -> str:
        return self.url + path


@pytest.fixture(scope="package")
def postgres_database() -> Iterator[str]:
    """A database of its own on the PostgreSQL server (the server process keeps connections
    open for the whole package, so the shared test database is left alone)."""
    reason = _pg_unavailable_reason()
    if reason:
        if os.environ.get("GHTFLOW_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"GHTFLOW_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    name = f"ghtflow_browser_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG_SERVER}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="package", params=SERVER_BACKENDS)
def dashboard(
    request: pytest.FixtureRequest,
    browser: Browser,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Dashboard]:
    """The scenario loaded in a fresh work directory and `ghtflow serve` running on it."""
    backend = str(request.param)
    url = str(request.getfixturevalue("postgres_database")) if backend == "postgres" else None
    home = tmp_path_factory.mktemp(f"dashboard-{backend}")
    settings = prepare_home(home, url)
    with serving(home, url) as base:
        yield Dashboard(base, home, backend, settings.effective_database_url)


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) per test, French like its users."""
    ctx = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
