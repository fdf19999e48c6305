"""`ghtflow load PATH [--demo]`: load a scenario (region, GHTs, people, campaign, documents).

`ghtflow load --demo` alone loads the Occitanie 2017 scenario shipped with ghtflow (the one
`make demo` loads), so that an installed copy has its demonstration without a checkout."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.context import workspace
from cli.output import console, table


def load(
    path: Path | None = typer.Argument(
        None, help="scenario YAML file (with --demo, default: the shipped Occitanie 2017 one)"
    ),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="give the scenario's people its demo_password (a published password: demo only)",
    ),
) -> None:
    """Load a scenario in one transaction; loading it again changes nothing."""
    from services.scenario.load import load_scenario

    if path is None:
        if not demo:
            raise typer.BadParameter(
                "give a scenario file, or --demo alone for the shipped demo scenario",
                param_hint="'PATH'",
            )
        from scenarios import DEMO_SCENARIO

        path = DEMO_SCENARIO

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
