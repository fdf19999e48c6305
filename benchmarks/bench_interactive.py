"""Interactive commands on the demo data, whole process, as a user waits for them:

- `sweep_demo_cli_vs_help_s` / `sweep_demo_cli_vs_service_s`: `ghtflow sweep --as-of
  2017-12-01` (without a Prefect server: in its own process);
- `generate_all_demo_cli_vs_help_s` / `generate_all_demo_cli_vs_service_s`: `ghtflow generate
  --type chu_convention --all --out DIR`;

each against `ghtflow --help` (the floor of any command: Python, imports, parsing) and against
the service call alone in this process (`sweep_day`; `fill_type` and `export_files`), all
measured in the same run. The demo data are loaded once as `scenarios/demo.sh` loads them
(`db upgrade`, `load --demo scenarios/occitanie-2017.yaml`); every run, timed or not, starts
from a fresh copy of them (a second sweep of a day queues nothing).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from benchmarks.report import Figure

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "occitanie-2017.yaml"
GHTFLOW = str(Path(sys.executable).parent / "ghtflow")
DAY = date(2017, 12, 1)
SWEEP = ["sweep", "--as-of", DAY.isoformat()]
GENERATE = ["generate", "--type", "chu_convention", "--all"]
TARGET = "about 1 s of CPU (the flow: 10-27 s)"


def _env(home: Path) -> dict[str, str]:
    """The command's environment: this work directory, no Prefect server (the in-process path)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GHTFLOW_") and k not in {"PREFECT_API_URL", "PREFECT_PROFILE"}
    }
    return env | {"GHTFLOW_HOME": str(home), "COLUMNS": "120"}


# the CPU time (user + system) of the last command run: on a shared machine the wall time
# follows the load, the CPU time much less
_CPU: dict[str, float] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(home: Path, args: list[str]) -> float:
    cpu = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        [GHTFLOW, *args], env=_env(home), cwd=home, capture_output=True, check=False
    )
    elapsed = time.perf_counter() - start
    _CPU[args[0]] = _children_cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"ghtflow {' '.join(args)} exited {done.returncode}: {done.stderr!r}")
    return elapsed


def demo_home(tmp: Path) -> Path:
    home = tmp / "demo"
    home.mkdir()
    _run(home, ["db", "upgrade"])
    _run(home, ["load", "--demo", str(SCENARIO)])
    return home


def _fresh(demo: Path, tmp: Path) -> Path:
    run = tmp / "run"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(demo, run)
    return run


def _best(runs: int, once: Callable[[], float], command: str | None = None) -> float:
    """The best wall time of `runs`; with `command`, its least CPU time in `_CPU[command]`."""
    best, cpu = float("inf"), float("inf")
    for _ in range(runs):
        best = min(best, once())
        if command is not None:
            cpu = min(cpu, _CPU[command])
    if command is not None:
        _CPU[command] = cpu
    return best


def _sweep_service(home: Path) -> float:
    from services.deadlines.day import sweep_day
    from services.workspace import open_workspace
    from settings import Settings

    ws = open_workspace(Settings(home=home, database_url=f"sqlite:///{home / 'ghtflow.db'}"))
    try:
        start = time.perf_counter()
        result = sweep_day(ws, DAY).result()
        elapsed = time.perf_counter() - start
    finally:
        ws.close()
    assert result["total"] and not result["errors"], result["errors"]
    return elapsed


def _generate_service(home: Path) -> float:
    from services.generation.batches import fill_type
    from services.generation.fill import export_files
    from services.workspace import open_workspace
    from settings import Settings

    ws = open_workspace(Settings(home=home, database_url=f"sqlite:///{home / 'ghtflow.db'}"))
    try:
        start = time.perf_counter()
        files, failures = fill_type(ws, "chu_convention")
        export_files(ws, files, home / "out")
        elapsed = time.perf_counter() - start
    finally:
        ws.close()
    assert files and not failures, failures
    return elapsed


def figures(tmp: Path, runs: int) -> list[Figure]:
    """The four figures, from one set of runs."""
    demo = demo_home(tmp)
    help_s = _best(runs, lambda: _run(demo, ["--help"]), "--help")

    def command(args: list[str]) -> Callable[[], float]:
        def once() -> float:
            home = _fresh(demo, tmp)
            return _run(home, [*args, "--out", str(home / "out")] if "--all" in args else args)

        return once

    def service(measure: Callable[[Path], float]) -> Callable[[], float]:
        return lambda: measure(_fresh(demo, tmp))

    command(SWEEP)()  # warm the file cache
    sweep_s = _best(runs, command(SWEEP), "sweep")
    sweep_service_s = _best(runs, service(_sweep_service))
    generate_s = _best(runs, command(GENERATE), "generate")
    generate_service_s = _best(runs, service(_generate_service))
    cpu = {k: round(v, 3) for k, v in _CPU.items()}
    note = f"best of {runs}, demo data"
    sweep = "`ghtflow sweep --as-of 2017-12-01`"
    generate = "`ghtflow generate --type chu_convention --all`"
    return [
        Figure(
            "sweep_demo_cli_vs_help_s",
            sweep_s,
            help_s,
            "s",
            higher_is_better=False,
            target=TARGET,
            note=f"{note}: {sweep} vs `ghtflow --help`; CPU {cpu['sweep']} s vs {cpu['--help']} s",
            extra={
                "delta_s": sweep_s - help_s,
                "cpu_s": cpu["sweep"],
                "baseline_cpu_s": cpu["--help"],
            },
        ),
        Figure(
            "sweep_demo_cli_vs_service_s",
            sweep_s,
            sweep_service_s,
            "s",
            higher_is_better=False,
            note=f"{note}: {sweep} vs `sweep_day` in this process",
            extra={"delta_s": sweep_s - sweep_service_s},
        ),
        Figure(
            "generate_all_demo_cli_vs_help_s",
            generate_s,
            help_s,
            "s",
            higher_is_better=False,
            target=TARGET,
            note=f"{note}: {generate} (11 conventions) vs `ghtflow --help`; "
            f"CPU {cpu['generate']} s vs {cpu['--help']} s",
            extra={
                "delta_s": generate_s - help_s,
                "cpu_s": cpu["generate"],
                "baseline_cpu_s": cpu["--help"],
            },
        ),
        Figure(
            "generate_all_demo_cli_vs_service_s",
            generate_s,
            generate_service_s,
            "s",
            higher_is_better=False,
            note=f"{note}: {generate} vs `fill_type` + `export_files` in this process",
            extra={"delta_s": generate_s - generate_service_s},
        ),
    ]
