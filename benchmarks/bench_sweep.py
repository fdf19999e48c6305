"""`sweep_100k_s`: the deadline sweep over 100,000 documents (SQLite), against reading the
same rows with the stdlib `sqlite3` (the floor: any sweep reads them); peak memory reported.
`sweep_flow_overhead_s`: the Prefect flow against calling the service directly (dry runs)."""

from __future__ import annotations

import resource
import sqlite3
import time
import tracemalloc
from datetime import date
from pathlib import Path

from sqlalchemy import create_engine, insert, select

from benchmarks.data import fill_for_listing, migrate, sqlite_url, table
from benchmarks.report import Figure
from services.deadlines.sweep import sweep_deadlines
from services.workspace import open_workspace
from settings import Settings

AS_OF = date(2018, 1, 15)


def _fill(url: str, documents: int) -> None:
    fill_for_listing(url, documents)
    engine = create_engine(url)
    with engine.begin() as conn:
        ghts = conn.execute(select(table("ght").c.id, table("ght").c.code)).all()
        conn.execute(
            insert(table("person")),
            [
                {
                    "email": f"direction@{code.lower()}.example.org",
                    "name": code,
                    "side": "ght",
                    "ght_id": ght_id,
                }
                for ght_id, code in ghts
            ],
        )
    engine.dispose()


def _floor(path: Path) -> float:
    start = time.perf_counter()
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "select d.id, d.ght_id, d.doc_type, d.state, d.due_date, c.reminder_offsets_days "
            "from document d left join campaignduedate c "
            "on c.campaign_id = d.campaign_id and c.doc_type = d.doc_type"
        ).fetchall()
    assert rows
    return time.perf_counter() - start


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def figure(tmp: Path, documents: int) -> Figure:
    home = tmp / "sweep"
    home.mkdir()
    url = sqlite_url(home)
    migrate(url)
    _fill(url, documents)
    ws = open_workspace(Settings(home=home, database_url=url))
    try:
        baseline = _floor(home / "ghtflow.db")
        rss_before = _rss_mb()
        start = time.perf_counter()
        report = sweep_deadlines(ws, AS_OF)
        ours = time.perf_counter() - start
        rss_after = _rss_mb()
        tracemalloc.start()
        weekly = sweep_deadlines(ws, date(2018, 1, 22))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        ws.close()
    return Figure(
        "sweep_100k_s" if documents == 100_000 else f"sweep_{documents // 1000}k_s",
        ours,
        baseline,
        "s",
        higher_is_better=False,
        target="under 10 s, memory flat",
        note=f"{documents} documents, {report.total} notices queued, "
        f"{len(report.tacit_approvals)} tacit approvals; vs sqlite3 reading the rows",
        extra={
            "notices": report.total,
            "tacit_approvals": len(report.tacit_approvals),
            "peak_rss_growth_mb": round(rss_after - rss_before, 1),
            "tracemalloc_peak_mb_next_week": round(peak / 2**20, 1),
            "notices_next_week": weekly.total,
        },
    )


def flow_overhead(tmp: Path, documents: int) -> Figure:
    home = tmp / "flow"
    home.mkdir()
    url = sqlite_url(home)
    migrate(url)
    _fill(url, documents)
    settings = Settings(home=home, database_url=url)
    from flows.runtime import prepare_prefect

    prepare_prefect(settings)
    from flows.deadline_sweep import deadline_sweep
    from flows.runtime import run_flow

    overrides = {"home": str(home), "database_url": url}
    run_flow(deadline_sweep, as_of=AS_OF, dry_run=True, settings_overrides=overrides)  # warm-up
    ws = open_workspace(settings)
    try:
        start = time.perf_counter()
        direct = sweep_deadlines(ws, AS_OF, dry_run=True)
        baseline = time.perf_counter() - start
    finally:
        ws.close()
    start = time.perf_counter()
    result = run_flow(deadline_sweep, as_of=AS_OF, dry_run=True, settings_overrides=overrides)
    ours = time.perf_counter() - start
    assert result["total"] == direct.total
    return Figure(
        "sweep_flow_overhead_s",
        ours,
        baseline,
        "s",
        higher_is_better=False,
        target="overhead small next to the work",
        note=f"dry-run sweep of {documents} documents: flow (batches of 2000) vs service",
        extra={"delta_s": ours - baseline},
    )
