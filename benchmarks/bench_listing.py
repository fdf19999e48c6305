"""`documents_list_json_100k_s`: the real `ghtflow documents list --format json` over 100,000
documents against a stdlib-only Python process printing the same JSON (same bytes)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from benchmarks.data import fill_for_listing, migrate, sqlite_url
from benchmarks.report import Figure, best_of
from services.workflows import load_workflows

BENCH = "documents_list_json_100k_s"
DOCUMENTS = 100_000
RUNS = 3
TARGET = "ours < 1.5 s"

# The floor: open the file with sqlite3, select the same columns, print the same JSON (compact,
# as `ghtflow` prints it when its output is not a terminal).
BASELINE = """
import json, sqlite3, sys
labels = json.loads(sys.argv[2])
con = sqlite3.connect(sys.argv[1])
rows = con.execute(
    "SELECT d.id, g.code, d.doc_type, d.reference, d.state, d.due_date, d.current_version,"
    " d.submitted_on, d.version_id FROM document d JOIN ght g ON g.id = d.ght_id ORDER BY d.id"
).fetchall()
out = [
    {"id": i, "ght": g, "type": t, "reference": r, "state": s,
     "state_label": labels.get(t, {}).get(s, s), "due_date": d, "version": v,
     "submitted_on": o, "lock_version": k}
    for i, g, t, r, s, d, v, o, k in rows
]
sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\\n")
"""


def figure(tmp: Path, documents: int = DOCUMENTS, runs: int = RUNS) -> Figure:
    home = tmp / "listing"
    home.mkdir()
    url = sqlite_url(home)
    migrate(url)
    fill_for_listing(url, documents)
    registry = load_workflows()
    labels = {t: {s.name: s.label for s in registry.definition(t).states} for t in registry.types}
    env = {k: v for k, v in os.environ.items() if not k.startswith("GHTFLOW_")}
    env["GHTFLOW_HOME"] = str(home)
    ghtflow = str(Path(sys.executable).parent / "ghtflow")
    ours, ours_sha = best_of([ghtflow, "documents", "list", "--format", "json"], env, home, runs)
    baseline, base_sha = best_of(
        [sys.executable, "-c", BASELINE, str(home / "ghtflow.db"), json.dumps(labels)],
        env,
        home,
        runs,
    )
    same = ours_sha == base_sha
    return Figure(
        BENCH,
        ours,
        baseline,
        "s",
        higher_is_better=False,
        target=TARGET,
        note=f"best of {runs}; " + ("same output" if same else "OUTPUT DIFFERS from baseline"),
    )
