"""Running the real `ghtflow` console script in a subprocess, against one work directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "occitanie-2017.yaml"
GHTFLOW = Path(sys.executable).parent / "ghtflow"
OFFICER = "instructeur@ars-occitanie.example.org"
GHT_TYPES = [
    "pmsp",
    "chu_convention",
    "had_convention",
    "partnership_convention",
    "eprd_budget_g",
    "sdsi",
]
# then the types of the other built-in procedure folders (the 2018 call for projects), read
# from their folders: no Python module names them
OTHER_TYPES = sorted(
    path.stem
    for path in (ROOT / "procedures").glob("*/workflows/*.yaml")
    if path.parent.parent.name != "ght-2017"
)
DOC_TYPES = [*GHT_TYPES, *OTHER_TYPES]
# Variables that would point the command somewhere else than the test's work directory (a
# Prefect server of the developer's would get the runs of `sweep` and `generate --all`).
_FOREIGN = (
    "GHTFLOW_DATABASE_URL",
    "GHTFLOW_FILES_DIR",
    "GHTFLOW_WORKFLOWS_DIR",
    "GHTFLOW_PROCEDURES",
    "PREFECT_API_URL",
    "PREFECT_PROFILE",
)


def director(code: str) -> str:
    return f"direction@{code.lower()}.example.org"


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN}
    env |= {"GHTFLOW_HOME": str(home), "COLUMNS": "200"}
    return env


def ghtflow(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run `ghtflow ARGS` with GHTFLOW_HOME=home (also the working directory: no stray .env)."""
    return subprocess.run(
        [str(GHTFLOW), *map(str, args)],
        env=env_for(home),
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def ok(home: Path, *args: str | Path) -> str:
    """Run a command that must succeed; its stdout."""
    result = ghtflow(home, *args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result.stdout


def ok_json(home: Path, *args: str | Path) -> Any:
    return json.loads(ok(home, *args, "--format", "json"))


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """A user error: exit 1, nothing on stdout, exactly one `error: …` line on stderr."""
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: "), lines
    return lines[0]


def usage_error(result: subprocess.CompletedProcess[str]) -> str:
    """A usage error from the command line parser: exit 2, no traceback; stderr."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    return result.stderr


def copy_home(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target
