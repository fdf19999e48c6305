"""`ghtflow outbox send|list|retry`: the delivery service called directly (no Prefect import)."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    ID_MAX,
    Format,
    console,
    print_csv,
    print_json,
    row_id,
    table,
)

app = typer.Typer(help="E-mails queued by ghtflow and their delivery.", no_args_is_help=True)

LIST_COLUMNS = [
    "id",
    "state",
    "kind",
    "stage",
    "document_id",
    "to",
    "subject",
    "attempts",
    "last_error",
]


@app.command()
def send(
    limit: int | None = typer.Option(
        None, "--limit", min=1, max=ID_MAX, help="send at most this many"
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table or json"),
) -> None:
    """Deliver the pending messages whose time has come, over the configured SMTP relay."""
    from services.delivery import deliver_due

    report = deliver_due(workspace(), limit=limit).as_dict()
    if fmt is not Format.table:
        print_json(report)
        return
    console.print(
        f"{report['sent']} sent, {report['retry_later']} to retry later, {report['failed']} failed"
        f" ({report['attempted']} attempted, {report['refused_recipients']} recipients refused)",
        markup=False,
    )
    if report["connection_error"]:
        console.print(f"SMTP: {report['connection_error']}", markup=False)


@app.command("list")
def list_(
    state: str | None = typer.Option(None, "--state", help="pending, sent or failed"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List the queued, sent and failed messages."""
    from services.outbox import list_messages

    messages = list_messages(workspace(), state)
    if fmt is Format.json:
        print_json(messages)
        return
    rows = (
        [", ".join(m[c]) if isinstance(m[c], list) else m[c] for c in LIST_COLUMNS]
        for m in messages
    )
    if fmt is Format.csv:
        print_csv(LIST_COLUMNS, rows)
    else:
        console.print(table(f"{len(messages)} messages", LIST_COLUMNS, rows))


@app.command()
def retry(
    message_id: int = typer.Argument(..., metavar="ID", parser=row_id("outbox message")),
) -> None:
    """Make one pending or failed message due now (then run `ghtflow outbox send`)."""
    from services.outbox import retry_message

    result = retry_message(workspace(), message_id)
    console.print(f"message {result['id']}: {result['was']} → pending, due now", markup=False)
