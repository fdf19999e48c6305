"""`ghtflow audit verify`: check the hash chain of the history."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import console, print_error

app = typer.Typer(help="Audit trail.", no_args_is_help=True)


@app.command()
def verify() -> None:
    """Exit 0 when every event matches its hash chain; exit 1 naming the first altered one."""
    from services.audit import verify_chain

    report = verify_chain(workspace().db)
    if report.intact:
        console.print(
            f"audit chain intact: {report.events} events over {report.documents} documents"
        )
        return
    print_error(
        f"audit chain broken at event {report.broken_event_id} "
        f"(document {report.broken_document_id}): {report.reason}",
        prefix="",
    )
    raise typer.Exit(1)
