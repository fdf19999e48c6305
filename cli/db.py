"""`ghtflow db upgrade`: create or upgrade the database schema."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade() -> None:
    """Create or upgrade the database named by GHTFLOW_DATABASE_URL (default ./var/ghtflow.db),
    and record the conformity motives of the procedures in force that it lacks."""
    from services.audit.chain import rechain_migrated
    from services.lifecycle.motives import record_procedure_motives
    from services.schema import upgrade_database

    ws = workspace(create=True)
    before, after = upgrade_database(ws.db)
    if before == after:
        console.print(f"{ws.db.safe_url}: already at revision {after}")
    else:
        console.print(f"{ws.db.safe_url}: upgraded from {before or 'empty'} to revision {after}")
    added = record_procedure_motives(ws)
    if added:
        console.print(f"conformity motives added from the procedures: {', '.join(added)}")
    rechained = rechain_migrated(ws)  # a history from per-document chains, once
    if rechained:
        console.print(f"re-chained {rechained} events under the audit key (id {ws.audit_key.id})")
