"""`python -m benchmarks [--quick] [--only NAME ...] [--markdown]`.

stdout: one JSON line per figure, `{"bench", "ours", "baseline", "unit", "ratio"}` (+ extra
keys such as `delta_s`, `skipped`, `error`); stderr: progress, then a summary table (Markdown
with `--markdown`, e.g. `python -m benchmarks --markdown 2> results.md` for the README).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import Figure, markdown_table, text_table


@dataclass(frozen=True)
class Sizes:
    transitions: int
    startup_runs: int
    registry_rows: int  # rows of the national list (135 GHTs)
    messages: int  # queued e-mails delivered
    sweep_docs: int  # documents a deadline sweep goes over
    conventions: int  # Word conventions filled
    web_seconds: float  # web dashboard: length of each of its eight measurements
    audit_events: int  # events `audit verify` goes over
    interactive_runs: int  # runs of each whole-process command on the demo (best of)


QUICK = Sizes(
    transitions=300,
    startup_runs=5,
    registry_rows=1000,
    messages=300,
    sweep_docs=20_000,
    conventions=100,
    web_seconds=1.0,
    audit_events=20_000,
    interactive_runs=3,
)
FULL = Sizes(
    transitions=2000,
    startup_runs=10,
    registry_rows=4000,
    messages=2000,
    sweep_docs=100_000,
    conventions=500,
    web_seconds=10.0,
    audit_events=100_000,
    interactive_runs=7,
)


def _delivery(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_delivery

    return bench_delivery.figure(tmp, sizes.messages)


def _sweep(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_sweep

    return bench_sweep.figure(tmp, sizes.sweep_docs)


def _sweep_flow(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_sweep

    return bench_sweep.flow_overhead(tmp, sizes.sweep_docs)


def _transitions_sqlite(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_transitions

    return bench_transitions.sqlite_figure(tmp, sizes.transitions)


def _transitions_postgres(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_transitions

    return bench_transitions.postgres_figure(tmp, sizes.transitions)


def _listing(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_listing

    return bench_listing.figure(tmp)


def _startup(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_startup

    return bench_startup.figure(tmp, sizes.startup_runs)


# Some runs give several figures (one import, one server): each such run is done once per size.
_SHARED: dict[tuple[str, object], list[Figure]] = {}


def _shared(name: str, size: object, run: Callable[[], list[Figure]], index: int) -> Figure:
    if (name, size) not in _SHARED:
        _SHARED[name, size] = run()
    return _SHARED[name, size][index]


# --- registry: one import run gives both figures ---
def _registry(tmp: Path, sizes: Sizes, index: int) -> Figure:
    from benchmarks import bench_registry

    rows = sizes.registry_rows
    return _shared("registry", rows, lambda: bench_registry.figures(tmp, 135, rows), index)


def _registry_import(tmp: Path, sizes: Sizes) -> Figure:
    return _registry(tmp, sizes, 0)


def _registry_compliance(tmp: Path, sizes: Sizes) -> Figure:
    return _registry(tmp, sizes, 1)


# --- Word generation ---
def _generation(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_generation

    return bench_generation.figure(tmp, sizes.conventions)


# --- web dashboard: one national-size server run gives the four figures ---
def _web(tmp: Path, sizes: Sizes, index: int) -> Figure:
    from benchmarks import bench_web

    seconds = sizes.web_seconds
    return _shared("web", seconds, lambda: bench_web.figures(tmp, seconds=seconds), index)


def _web_overview_ms(tmp: Path, sizes: Sizes) -> Figure:
    return _web(tmp, sizes, 0)


def _web_ght_page_ms(tmp: Path, sizes: Sizes) -> Figure:
    return _web(tmp, sizes, 1)


def _web_overview_rps(tmp: Path, sizes: Sizes) -> Figure:
    return _web(tmp, sizes, 2)


def _web_ght_page_rps(tmp: Path, sizes: Sizes) -> Figure:
    return _web(tmp, sizes, 3)


# --- audit trail ---
def _audit_sqlite(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_audit

    return bench_audit.sqlite_figure(tmp, sizes.audit_events)


def _audit_postgres(tmp: Path, sizes: Sizes) -> Figure:
    from benchmarks import bench_audit

    return bench_audit.postgres_figure(tmp, sizes.audit_events)


# --- interactive commands on the demo: one set of runs gives the four figures ---
def _interactive(tmp: Path, sizes: Sizes, index: int) -> Figure:
    from benchmarks import bench_interactive

    runs = sizes.interactive_runs
    return _shared("interactive", runs, lambda: bench_interactive.figures(tmp, runs), index)


def _sweep_demo_vs_help(tmp: Path, sizes: Sizes) -> Figure:
    return _interactive(tmp, sizes, 0)


def _sweep_demo_vs_service(tmp: Path, sizes: Sizes) -> Figure:
    return _interactive(tmp, sizes, 1)


def _generate_demo_vs_help(tmp: Path, sizes: Sizes) -> Figure:
    return _interactive(tmp, sizes, 2)


def _generate_demo_vs_service(tmp: Path, sizes: Sizes) -> Figure:
    return _interactive(tmp, sizes, 3)


# name -> (unit, higher is better, runner), in the order they run
BENCHES: dict[str, tuple[str, bool, Callable[[Path, Sizes], Figure]]] = {
    "transitions_per_s_sqlite": ("transitions/s", True, _transitions_sqlite),
    "transitions_per_s_postgres": ("transitions/s", True, _transitions_postgres),
    "documents_list_json_100k_s": ("s", False, _listing),
    "cli_help_startup_s": ("s", False, _startup),
    "registry_import_national_s": ("s", False, _registry_import),  # registry
    "registry_compliance_national_s": ("s", False, _registry_compliance),  # registry
    "delivery_per_s": ("messages/s", True, _delivery),
    "sweep_100k_s": ("s", False, _sweep),
    "sweep_flow_overhead_s": ("s", False, _sweep_flow),
    "sweep_demo_cli_vs_help_s": ("s", False, _sweep_demo_vs_help),  # interactive
    "sweep_demo_cli_vs_service_s": ("s", False, _sweep_demo_vs_service),  # interactive
    "generate_all_demo_cli_vs_help_s": ("s", False, _generate_demo_vs_help),  # interactive
    "generate_all_demo_cli_vs_service_s": ("s", False, _generate_demo_vs_service),  # interactive
    "conventions_per_s": ("documents/s", True, _generation),  # Word generation
    "web_overview_ms": ("ms", False, _web_overview_ms),  # web dashboard
    "web_ght_page_ms": ("ms", False, _web_ght_page_ms),  # web dashboard
    "web_overview_rps_c20": ("requests/s", True, _web_overview_rps),  # web dashboard
    "web_ght_page_rps_c20": ("requests/s", True, _web_ght_page_rps),  # web dashboard
    "audit_verify_100k_s_sqlite": ("s", False, _audit_sqlite),  # audit trail
    "audit_verify_100k_s_postgres": ("s", False, _audit_postgres),  # audit trail
}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, well under a minute")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHES),
        metavar="NAME",
        help=f"run only this figure (repeatable): {', '.join(BENCHES)}",
    )
    parser.add_argument(
        "--markdown", action="store_true", help="summary on stderr as a Markdown table"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    sizes = QUICK if args.quick else FULL
    selected = [name for name in BENCHES if not args.only or name in args.only]
    figures: list[Figure] = []
    failed = False
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ghtflow-bench-") as tmp:
        for name in selected:
            unit, higher_is_better, run = BENCHES[name]
            workdir = Path(tmp) / name
            workdir.mkdir()
            print(f"[bench] {name} …", file=sys.stderr, flush=True)
            begin = time.perf_counter()
            try:
                result = run(workdir, sizes)
            except Exception as exc:
                traceback.print_exc(file=sys.stderr)
                failed = True
                message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                result = Figure(name, None, None, unit, higher_is_better, note="error")
                result.extra["error"] = f"{type(exc).__name__}: {message}"
            print(result.json_line(), flush=True)
            figures.append(result)
            took = time.perf_counter() - begin
            print(f"[bench] {name} done in {took:.1f} s", file=sys.stderr, flush=True)
    total = time.perf_counter() - started
    mode = "quick" if args.quick else "full"
    table = markdown_table(figures) if args.markdown else text_table(figures)
    print(f"\n{table}\n\n({mode} run, {total:.1f} s)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
