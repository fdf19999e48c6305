"""`ghtflow deploy`: register the scheduled deployments on the Prefect server."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import console, table


def deploy(
    pool: str = typer.Option(
        "ghtflow", "--pool", help="work pool (type process; created if missing)"
    ),
    source: Path | None = typer.Option(
        None,
        "--source",
        help="folder with ghtflow's code as the workers see it (default: this one)",
    ),
) -> None:
    """Register the daily sweep (06:00 Europe/Paris) and 5-minute delivery on PREFECT_API_URL."""
    import os

    from services.errors import InvalidInput

    if not os.environ.get("PREFECT_API_URL"):
        raise InvalidInput("PREFECT_API_URL is not set: name the Prefect server to register on")
    from flows.runtime import prepare_prefect
    from settings import get_settings

    prepare_prefect(get_settings())
    from flows.deploy import ROOT, register_deployments

    registered = register_deployments(pool, source or ROOT)
    rows = ((r.flow, r.deployment, r.schedule, str(r.id)) for r in registered)
    console.print(
        table(f"Deployments on work pool {pool}", ["flow", "deployment", "schedule", "id"], rows)
    )
    console.print(f"start a worker on each host: prefect worker start --pool {pool}", markup=False)
