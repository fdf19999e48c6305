"""`conventions_per_s`: filling CHU conventions through the real service (database reads,
render, file store, `GeneratedFile` rows; batches of 25 as the flow runs them) against the
floor, python-docx merely loading and saving the same template to disk, in the same run.
Memory: resident size after the first batch and at the end (flat means no growth per
document), and the process's peak."""

from __future__ import annotations

import io
import resource
import time
from datetime import date
from pathlib import Path

from docx import Document as Docx
from sqlalchemy import insert, select

from benchmarks.data import migrate, sqlite_url, table
from benchmarks.report import Figure
from doc_templates.build import MODELS_DIR
from doc_templates.render import compiled_template
from services.generation.context import sample_context
from services.generation.fill import generate_documents
from services.scenario.load import load_scenario
from services.workspace import open_workspace
from settings import Settings

BENCH = "conventions_per_s"
SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "occitanie-2017.yaml"
TEMPLATE = MODELS_DIR / "convention_chu.docx"
BATCH = 25
TARGET = "ratio ≥ 0.5, flat memory"


def _rss_mb() -> float:
    with Path("/proc/self/statm").open() as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 1e6


def _fill_database(ws_url: str, count: int) -> list[int]:
    """`count` CHU conventions spread over the GHTs that owe one, as plain rows."""
    from sqlalchemy import create_engine

    engine = create_engine(ws_url)
    document = table("document")
    with engine.begin() as conn:
        template = conn.execute(
            select(document.c.ght_id, document.c.campaign_id).where(
                document.c.doc_type == "chu_convention"
            )
        ).all()
        rows = [
            {
                "ght_id": template[i % len(template)].ght_id,
                "doc_type": "chu_convention",
                "campaign_id": template[i % len(template)].campaign_id,
                "reference": f"bench-{i}",
                "title": "",
                "state": "draft",
                "due_date": date(2017, 12, 31),
                "current_version": 0,
                "version_id": 1,
            }
            for i in range(count)
        ]
        conn.execute(insert(document), rows)
        ids = conn.execute(
            select(document.c.id)
            .where(document.c.reference.like("bench-%"))
            .order_by(document.c.id)
        ).scalars()
        result = list(ids)
    engine.dispose()
    return result


def _floor(count: int, target: Path) -> float:
    start = time.perf_counter()
    for _ in range(count):
        Docx(str(TEMPLATE)).save(str(target))
    return count / (time.perf_counter() - start)


def figure(tmp: Path, count: int) -> Figure:
    home = tmp / "home"
    url = sqlite_url(home)
    migrate(url)
    ws = open_workspace(Settings(home=home, database_url=url))
    try:
        load_scenario(ws, SCENARIO)
        ids = _fill_database(url, count)
        compiled_template(TEMPLATE)  # compiled once per process, as in a flow
        generate_documents(ws, ids[:1], as_of=date(2017, 10, 13))  # warm caches
        floor = _floor(count, tmp / "floor.docx")
        start = time.perf_counter()
        rss_first = 0.0
        for i in range(0, count, BATCH):
            generate_documents(ws, ids[i : i + BATCH], as_of=date(2017, 10, 13))
            if i == 0:
                rss_first = _rss_mb()
        ours = count / (time.perf_counter() - start)
        rss_end = _rss_mb()
        render = compiled_template(TEMPLATE)
        context = sample_context("chu_convention")
        start = time.perf_counter()
        for _ in range(count):
            render.render(context)
        render_only = count / (time.perf_counter() - start)
        sample = io.BytesIO(render.render(context))
        assert "CHU de Toulouse" in "".join(p.text for p in Docx(sample).paragraphs)
    finally:
        ws.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux
    result = Figure(
        BENCH,
        ours,
        floor,
        "documents/s",
        higher_is_better=True,
        target=TARGET,
        note=(
            f"{count} conventions, SQLite, batches of {BATCH}; floor: python-docx load+save; "
            f"RSS {rss_first:.0f}→{rss_end:.0f} MB, peak {peak_mb:.0f} MB"
        ),
    )
    result.extra |= {
        "render_only_per_s": render_only,
        "rss_after_first_batch_mb": rss_first,
        "rss_end_mb": rss_end,
        "peak_rss_mb": peak_mb,
    }
    return result
