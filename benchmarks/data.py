"""Databases for the benchmarks: a migrated SQLite file or a throw-away PostgreSQL database,
filled with synthetic rows through plain Core inserts (fast, no ORM, no event rows)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, create_engine, insert, select, text
from sqlmodel import SQLModel

from models import Database
from services.schema import upgrade_database
from services.workflows import load_workflows

PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
CREATED = datetime(2017, 1, 2, 8, 0, tzinfo=UTC)


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def sqlite_url(folder: Path, name: str = "ghtflow.db") -> str:
    return f"sqlite:///{folder / name}"


def migrate(url: str) -> None:
    """Create the schema with the project's own migrations."""
    db = Database(url)
    try:
        upgrade_database(db)
    finally:
        db.dispose()


class PostgresUnavailable(Exception):
    pass


@contextmanager
def postgres_database(server: str = PG_SERVER) -> Iterator[str]:
    """A fresh `ghtflow_bench_<random>` database, dropped WITH (FORCE) at the end."""
    admin = create_engine(
        f"{server}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )
    name = f"ghtflow_bench_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PostgresUnavailable(f"no PostgreSQL server usable at {server}: {first}") from exc
    try:
        yield f"{server}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert(conn: Connection, name: str, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert(table(name)), list(rows))


def _ids(conn: Connection, name: str, column: str = "id") -> list[int]:
    t = table(name)
    return [int(v) for v in conn.execute(select(t.c[column]).order_by(t.c[column])).scalars()]


def _region_and_campaign(conn: Connection) -> tuple[int, int]:
    _insert(
        conn,
        "region",
        [
            {
                "code": "OCC",
                "name": "Occitanie",
                "agency_name": "ARS Occitanie",
                "direction_email": "direction@ars-occitanie.example.org",
            }
        ],
    )
    region_id = _ids(conn, "region")[0]
    _insert(conn, "campaign", [{"code": "C2017", "name": "Campagne 2017", "region_id": region_id}])
    return region_id, _ids(conn, "campaign")[0]


def _ghts(conn: Connection, region_id: int, count: int) -> list[int]:
    _insert(
        conn,
        "ght",
        [
            {"code": f"G-{i:03d}", "name": f"GHT numéro {i}", "region_id": region_id}
            for i in range(1, count + 1)
        ],
    )
    return _ids(conn, "ght")


def _document(
    ght_id: int, doc_type: str, campaign_id: int, reference: str, state: str, **more: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ght_id": ght_id,
        "doc_type": doc_type,
        "campaign_id": campaign_id,
        "reference": reference,
        "title": f"{doc_type} {reference}",
        "state": state,
        "due_date": None,
        "current_version": 0,
        "submitted_on": None,
        "created_at": CREATED,
        "updated_at": CREATED,
        "version_id": 1,
    }
    return row | more


@dataclass(frozen=True)
class TransitionData:
    actor: str
    sets: list[list[int]]  # document ids, one list per requested set


def fill_for_transitions(url: str, sizes: Sequence[int]) -> TransitionData:
    """One region, GHT, GHT person and campaign; disjoint sets of `sdsi` documents in `draft`."""
    actor = "direction@g-001.example.org"
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            region_id, campaign_id = _region_and_campaign(conn)
            (ght_id,) = _ghts(conn, region_id, 1)
            _insert(
                conn,
                "person",
                [{"email": actor, "name": "Direction G-001", "side": "ght", "ght_id": ght_id}],
            )
            total = sum(sizes)
            _insert(
                conn,
                "document",
                [_document(ght_id, "sdsi", campaign_id, f"R{i}", "draft") for i in range(total)],
            )
            ids = _ids(conn, "document")
    finally:
        engine.dispose()
    sets, start = [], 0
    for size in sizes:
        sets.append(ids[start : start + size])
        start += size
    return TransitionData(actor, sets)


def fill_for_listing(url: str, documents: int, ghts: int = 135) -> None:
    """`documents` rows spread over `ghts` GHTs and every built-in type, in varied states."""
    registry = load_workflows()
    types = registry.types
    states = {t: [s.name for s in registry.definition(t).states] for t in types}
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            region_id, campaign_id = _region_and_campaign(conn)
            ght_ids = _ghts(conn, region_id, ghts)
            due = date(2017, 12, 31)
            rows = []
            for i in range(documents):
                doc_type = types[i % len(types)]
                ght_id = ght_ids[(i // len(types)) % len(ght_ids)]
                names = states[doc_type]
                state = names[(i // (len(types) * len(ght_ids))) % len(names)]
                submitted = state != names[0]
                rows.append(
                    _document(
                        ght_id,
                        doc_type,
                        campaign_id,
                        f"R{i}",
                        state,
                        due_date=due + timedelta(days=i % 90),
                        current_version=1 if submitted else 0,
                        submitted_on=due - timedelta(days=i % 60) if submitted else None,
                    )
                )
            _insert(conn, "document", rows)
    finally:
        engine.dispose()
