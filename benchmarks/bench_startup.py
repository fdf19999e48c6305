"""`cli_help_startup_s`: `ghtflow --help` against a bare `python -c "import sqlalchemy"`."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.report import Figure, best_of

BENCH = "cli_help_startup_s"
TARGET = "delta ≤ +0.3 s"


def figure(tmp: Path, runs: int) -> Figure:
    ghtflow = str(Path(sys.executable).parent / "ghtflow")
    best_of([ghtflow, "--help"], None, tmp, 1)  # warm the file cache for both
    best_of([sys.executable, "-c", "import sqlalchemy"], None, tmp, 1)
    ours = best_of([ghtflow, "--help"], None, tmp, runs)[0]
    baseline = best_of([sys.executable, "-c", "import sqlalchemy"], None, tmp, runs)[0]
    return Figure(
        BENCH,
        ours,
        baseline,
        "s",
        higher_is_better=False,
        target=TARGET,
        note=f"best of {runs}; delta {ours - baseline:+.3f} s",
        extra={"delta_s": ours - baseline},
    )
