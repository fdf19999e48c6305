"""`cli_help_startup_s`: `ghtflow --help` against a bare `python -c "import sqlalchemy"`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from benchmarks.report import Figure

BENCH = "cli_help_startup_s"
TARGET = "delta ≤ +0.3 s"


def _best(command: list[str], cwd: Path, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
    return best


def figure(tmp: Path, runs: int) -> Figure:
    ghtflow = str(Path(sys.executable).parent / "ghtflow")
    _best([ghtflow, "--help"], tmp, 1)  # warm the file cache for both
    _best([sys.executable, "-c", "import sqlalchemy"], tmp, 1)
    ours = _best([ghtflow, "--help"], tmp, runs)
    baseline = _best([sys.executable, "-c", "import sqlalchemy"], tmp, runs)
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
