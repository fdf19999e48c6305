"""`ghtflow load PATH [--demo]`: load a scenario (region, GHTs, people, campaign, documents)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.context import workspace
from cli.output import console, table


def load(
    path: Path = typer.Argument(..., help="scenario YAML file"),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="give the scenario's people its demo_password (a published password: demo only)",
    ),
) -> None:
    """Load a scenario in one transaction; loading it again changes nothing."""
    from services.scenario import load_scenario

    report = load_scenario(workspace(), path, demo=demo)
    kinds = sorted(set(report.created) | set(report.updated) | set(report.unchanged))
    rows = [(k, report.created[k], report.updated[k], report.unchanged[k]) for k in kinds]
    console.print(
        table(f"Scenario {report.scenario}", ["", "created", "updated", "unchanged"], rows)
    )
    if report.demo_password_skipped:
        console.print(
            "demo_password ignored: give each person a password with 'ghtflow users passwd "
            "EMAIL' (or load with --demo, on a demonstration database only).",
            markup=False,
            soft_wrap=True,
        )
    if not report.changed:
        console.print("Nothing changed: this scenario was already loaded.")
