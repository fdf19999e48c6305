"""A measured figure, its one JSON line on stdout and the human-readable summary."""

from __future__ import annotations

import hashlib
import json
import math
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def _round(value: float | None, digits: int = 4) -> float | None:
    """`digits` significant digits: enough for a benchmark, short to read."""
    if value is None or value == 0 or not math.isfinite(value):
        return value
    return round(value, max(0, digits - 1 - math.floor(math.log10(abs(value)))))


@dataclass
class Figure:
    """One comparison of ours with a baseline; `higher_is_better` says how to build the ratio."""

    bench: str
    ours: float | None
    baseline: float | None
    unit: str
    higher_is_better: bool
    target: str = ""
    note: str = ""
    skipped: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """1.0 means as good as the baseline, higher is better."""
        if self.ours is None or self.baseline is None or self.ours <= 0 or self.baseline <= 0:
            return None
        return self.ours / self.baseline if self.higher_is_better else self.baseline / self.ours

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "bench": self.bench,
            "ours": _round(self.ours),
            "baseline": _round(self.baseline),
            "unit": self.unit,
            "ratio": _round(self.ratio, 3),
        }
        data |= {k: _round(v) if isinstance(v, float) else v for k, v in self.extra.items()}
        if self.skipped is not None:
            data["skipped"] = self.skipped
        return data

    def json_line(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False)


def skipped(bench: str, unit: str, reason: str, *, higher_is_better: bool) -> Figure:
    return Figure(bench, None, None, unit, higher_is_better, skipped=reason)


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{_round(value):g}"
    return str(value)


COLUMNS = ("bench", "ours", "baseline", "unit", "ratio", "target", "note")


def _rows(figures: Sequence[Figure]) -> list[list[str]]:
    rows = []
    for f in figures:
        note = f"skipped: {f.skipped}" if f.skipped else f.note
        values = [f.bench, f.ours, f.baseline, f.unit, _round(f.ratio, 3), f.target, note]
        rows.append([_cell(v) for v in values])
    return rows


def text_table(figures: Sequence[Figure]) -> str:
    rows = [list(COLUMNS), *_rows(figures)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(figures: Sequence[Figure]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for row in _rows(figures):
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |")
    return "\n".join(lines)


def best_of(
    command: list[str], env: dict[str, str] | None, cwd: Path, runs: int
) -> tuple[float, str]:
    """Best wall time of `runs` runs, and the sha256 of what the command printed."""
    best, digest = float("inf"), ""
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            raise RuntimeError(
                f"{command[0]} exited {done.returncode}: {done.stderr.decode()[-2000:]}"
            )
        best, digest = min(best, elapsed), hashlib.sha256(done.stdout).hexdigest()
    return best, digest
