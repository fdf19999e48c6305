"""`ghtflow load PATH`: load a scenario (region, GHTs, people, campaign, documents)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.context import workspace
from cli.output import console, table


def load(path: Path = typer.Argument(..., help="scenario YAML file")) -> None:
    """Load a scenario in one transaction; loading it again changes nothing."""
    from services.scenario import load_scenario

    report = load_scenario(workspace(), path)
    kinds = sorted(set(report.created) | set(report.updated) | set(report.unchanged))
    rows = [(k, report.created[k], report.updated[k], report.unchanged[k]) for k in kinds]
    console.print(
        table(f"Scenario {report.scenario}", ["", "created", "updated", "unchanged"], rows)
    )
    if not report.changed:
        console.print("Nothing changed: this scenario was already loaded.")
