"""Dates typed on the command line, as an operator types them: no event and no sweep after
today, dates out of range refused as usage errors, and a sweep that meets a bad row reports it
and exits 1 while the others are swept (a real Prefect flow run)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from tests.e2e.runner import OFFICER, director, ghtflow, one_line_error, usage_error


def _tomorrow() -> str:
    from services.clock import today

    return (today() + timedelta(days=1)).isoformat()


def test_fire_and_sweep_refuse_a_day_to_come(loaded_home, doc_ids):
    pmsp = doc_ids[("OCC-02", "pmsp")]
    tomorrow = _tomorrow()
    refused = ghtflow(
        loaded_home, "documents", "fire", pmsp, "adopt_interim",
        "--actor", director("OCC-02"), "--as-of", tomorrow,
    )  # fmt: skip
    assert one_line_error(refused).endswith(f"date {tomorrow} is after today " + (
        f"({(date.fromisoformat(tomorrow) - timedelta(days=1)).isoformat()}); "
        "nothing can be dated in the future"
    ))  # fmt: skip
    sweep = one_line_error(ghtflow(loaded_home, "sweep", "--as-of", tomorrow))
    assert sweep.startswith(f"error: sweep date {tomorrow} is after today")


def test_dates_out_of_range_are_usage_errors(loaded_home, doc_ids):
    pmsp = str(doc_ids[("OCC-02", "pmsp")])
    for args in (
        ("sweep", "--as-of", "9999-12-31"),
        ("report", "bilan", "--as-of", "9999-12-31"),
        ("documents", "fire", pmsp, "approve", "--actor", OFFICER, "--as-of", "0001-01-01"),
        ("documents", "fire", pmsp, "approve", "--actor", OFFICER, "--respond-by", "9999-12-31"),
    ):
        assert "is out of range (1900-01-01 to 2999-12-31)" in usage_error(
            ghtflow(loaded_home, *args)
        ), args


def test_a_sweep_reports_a_bad_row_exits_1_and_sweeps_the_others(fresh_home, doc_ids):
    pmsp = doc_ids[("OCC-03", "pmsp")]
    with sqlite3.connect(Path(fresh_home) / "ghtflow.db") as db:  # a row from before the fix
        db.execute("UPDATE document SET due_date = '9999-12-31' WHERE id = ?", (pmsp,))
    done = ghtflow(fresh_home, "sweep", "--as-of", "2017-12-01", "--format", "json")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    assert report["errors"] == [
        {
            "document_id": pmsp,
            "ght": "OCC-03",
            "reason": "due date 9999-12-31 is out of range (1900-01-01 to 2999-12-31)",
        }
    ]
    assert report["total"] == 35  # 36 on a clean database
    assert done.stderr.splitlines()[-1] == (
        "error: 1 document could not be swept; the others were swept"
    )
