"""`transitions_per_s_<backend>`: `services.lifecycle.fire.fire` against raw Core doing the same
writes (one transaction per transition: guarded state UPDATE, event INSERT with its HMAC
computed beforehand, chain head UPDATE).

The two run in alternating rounds (ours then the baseline, then the baseline then ours, ...):
whichever ran second on a growing database was up to 30 % slower, so one block each measured
the order as much as the code."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, func, insert, select, update

from benchmarks.data import (
    PostgresUnavailable,
    fill_for_transitions,
    migrate,
    postgres_database,
    sqlite_url,
    table,
)
from benchmarks.report import Figure, skipped
from models import utcnow
from services.audit.chain import GENESIS, AuditKey, canonical_json, seal
from services.clock import today
from services.lifecycle.fire import fire
from services.workspace import Workspace, open_workspace
from settings import Settings

UNIT = "transitions/s"
TARGET = "ratio ≥ 0.6"
WARMUP = 20
ROUNDS = 10
BASELINE_CHAIN = 1_000_000_000  # the baseline's chain positions, apart from fire()'s
ROUND_SPAN = 1_000_000  # each baseline round's positions, so that fire()'s follow without clash
EVENT, FROM, TO = "validate", "draft", "validated"


def _seconds(run: Callable[[], None]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def _alternating(
    ws: Workspace,
    ours_ids: Sequence[int],
    core_rounds: Sequence[Sequence[dict[str, Any]]],
    actor: str,
) -> tuple[float, float]:
    """Seconds taken by fire() and by the baseline over the same number of transitions, in
    rounds whose order alternates (ABBA) so that neither always runs on the bigger database."""
    ours = baseline = 0.0
    size = len(core_rounds[0])
    for index, rows in enumerate(core_rounds):
        ids = ours_ids[index * size : (index + 1) * size]
        fire_round = lambda ids=ids: _fire_all(ws, ids, actor)  # noqa: E731
        core_round = lambda rows=rows: _core_all(ws.db.engine, rows, utcnow())  # noqa: E731
        if index % 2 == 0:
            ours += _seconds(fire_round)
            baseline += _seconds(core_round)
        else:
            baseline += _seconds(core_round)
            ours += _seconds(fire_round)
    return ours, baseline


def _fire_all(ws: Workspace, ids: Sequence[int], actor: str) -> None:
    for document_id in ids:
        result = fire(ws, document_id, EVENT, actor)
        assert result.to_state == TO and result.event_seq == 1


def _precomputed_events(
    ids: Sequence[int], ght_id: int, actor: str, as_of: date, first: int
) -> list[dict[str, Any]]:
    """Event rows with their HMAC computed beforehand (the baseline only writes)."""
    key = AuditKey.of("benchmark baseline")
    rows, previous = [], GENESIS
    for position, document_id in enumerate(ids, first):
        row = seal(
            key,
            {
                "chain_seq": position,
                "document_id": document_id,
                "ght_id": ght_id,
                "seq": 1,
                "name": EVENT,
                "actor": actor,
                "at": utcnow(),
                "as_of": as_of,
                "from_state": FROM,
                "to_state": TO,
                "payload": canonical_json({}),
                "prev_hash": previous,
            },
        )
        previous = row["hash"]
        rows.append(row)
    return rows


def _core_all(engine: Engine, rows: Sequence[dict[str, Any]], updated_at: datetime) -> None:
    document, event = table("document"), table("event")
    guarded = (
        update(document)
        .where(document.c.id == bindparam("doc_id"), document.c.version_id == bindparam("lock"))
        .values(state=TO, version_id=document.c.version_id + 1, updated_at=updated_at)
    )
    append = insert(event)
    head = table("audithead")
    move_head = update(head).values(chain_seq=bindparam("seq"), hash=bindparam("head"))
    for row in rows:
        with engine.begin() as conn:
            result = conn.execute(guarded, {"doc_id": row["document_id"], "lock": 1})
            assert result.rowcount == 1
            conn.execute(append, row)
            conn.execute(move_head, {"seq": row["chain_seq"], "head": row["hash"]})


def _check(ws: Workspace, expected_events: int, unmoved: int) -> None:
    """Every document measured moved once, and the event table holds exactly one row per
    transition (`unmoved`: those of each set left over by the rounds)."""
    document, event = table("document"), table("event")
    with ws.db.engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(event)).scalar_one()
        left = conn.execute(
            select(func.count()).select_from(document).where(document.c.state != TO)
        ).scalar_one()
    assert events == expected_events, (events, expected_events)
    assert left == 2 * unmoved, f"{left - 2 * unmoved} documents did not move"


def measure(url: str, home: Path, count: int, bench: str) -> Figure:
    migrate(url)
    data = fill_for_transitions(url, [WARMUP, WARMUP, count, count])
    warm_ours, warm_core, ours_ids, core_ids = data.sets
    ws = open_workspace(Settings(home=home, database_url=url))
    try:
        as_of = today()
        with ws.db.engine.connect() as conn:
            ght_id = conn.execute(select(table("ght").c.id)).scalar_one()
        size = count // ROUNDS
        core_rounds = [
            _precomputed_events(
                core_ids[r * size : (r + 1) * size],
                ght_id,
                data.actor,
                as_of,
                2 * BASELINE_CHAIN + r * ROUND_SPAN,
            )
            for r in range(ROUNDS)
        ]
        warm_rows = _precomputed_events(warm_core, ght_id, data.actor, as_of, BASELINE_CHAIN)
        _fire_all(ws, warm_ours, data.actor)
        _core_all(ws.db.engine, warm_rows, utcnow())
        ours_s, baseline_s = _alternating(ws, ours_ids, core_rounds, data.actor)
        moved = size * ROUNDS
        ours, baseline = moved / ours_s, moved / baseline_s
        _check(ws, 2 * WARMUP + 2 * moved, count - moved)
    finally:
        ws.close()
    return Figure(
        bench,
        ours,
        baseline,
        UNIT,
        higher_is_better=True,
        target=TARGET,
        note=f"N={moved} fire() vs raw Core UPDATE+INSERT, {ROUNDS} alternating rounds",
    )


def sqlite_figure(tmp: Path, count: int) -> Figure:
    home = tmp / "transitions-sqlite"
    home.mkdir()
    return measure(sqlite_url(home), home, count, "transitions_per_s_sqlite")


def postgres_figure(tmp: Path, count: int) -> Figure:
    bench = "transitions_per_s_postgres"
    home = tmp / "transitions-postgres"
    home.mkdir()
    try:
        with postgres_database() as url:
            return measure(url, home, count, bench)
    except PostgresUnavailable as exc:
        return skipped(bench, UNIT, str(exc), higher_is_better=True)
