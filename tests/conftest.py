"""Real databases for the tests: a SQLite file per test and one PostgreSQL database per session.

PostgreSQL (127.0.0.1:5432, user postgres, trust auth) is skipped with a reason when no server
answers, unless GHTFLOW_REQUIRE_POSTGRES=1, in which case its tests fail instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models import Database
from services.scenario.load import load_scenario
from services.schema import upgrade_database
from services.workflows import load_workflows
from services.workspace import Workspace
from settings import Settings
from tests.smtp_sink import mail_ws, smtp_sink  # noqa: F401  (fixtures: aiosmtpd on a free port)

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "occitanie-2017.yaml"
PG_SERVER = os.environ.get("GHTFLOW_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432")
REQUIRE_PG = os.environ.get("GHTFLOW_REQUIRE_POSTGRES") == "1"
KEEP_TABLES = {"alembic_version", "conformitymotive"}

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg_unavailable_reason() -> str | None:
    try:
        engine = create_engine(f"{PG_SERVER}/postgres", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:
        return f"no PostgreSQL server answers at {PG_SERVER}: {str(exc).splitlines()[0]}"
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated database for this test session, dropped at the end."""
    reason = _pg_unavailable_reason()
    if reason:
        if REQUIRE_PG:
            pytest.fail(f"GHTFLOW_REQUIRE_POSTGRES=1 but {reason}")
        pytest.skip(reason)
    name = f"ghtflow_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = f"{PG_SERVER}/{name}"
    db = Database(url)
    upgrade_database(db)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "ghtflow.db"
    db = Database(f"sqlite:///{path}")
    upgrade_database(db)
    db.dispose()
    return path


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text("select tablename from pg_tables where schemaname = 'public'")
        ).scalars()
        names = [f'"{t}"' for t in tables if t not in KEEP_TABLES]
        if names:
            conn.execute(text(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE"))
        conn.execute(text("DELETE FROM conformitymotive WHERE NOT builtin"))
    engine.dispose()


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One Prefect test server for the whole session (starting it costs ~15 s): flows run for
    real against it. Request it only from tests marked `flow`."""
    from flows.runtime import prepare_prefect

    home = tmp_path_factory.mktemp("prefect")
    os.environ["PREFECT_HOME"] = str(home)
    prepare_prefect(Settings(home=home))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def database_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "postgres":
        url = str(request.getfixturevalue("postgres_url"))
        _empty_postgres(url)
        return url
    template: Path = request.getfixturevalue("sqlite_template")
    shutil.copy(template, tmp_path / "ghtflow.db")
    return f"sqlite:///{tmp_path / 'ghtflow.db'}"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(home=tmp_path, database_url=database_url, max_file_bytes=64 * 1024)


@pytest.fixture
def ws(settings: Settings) -> Iterator[Workspace]:
    from services.adapters.files import FileStore

    workspace = Workspace(
        settings=settings,
        db=Database(settings.effective_database_url),
        files=FileStore(settings.effective_files_dir, settings.max_file_bytes),
        workflows=load_workflows(),
    )
    yield workspace
    workspace.close()


@pytest.fixture
def occitanie(ws: Workspace) -> Workspace:
    """The workspace with the Occitanie 2017 scenario loaded, demo passwords included."""
    load_scenario(ws, SCENARIO, demo=True)
    return ws
