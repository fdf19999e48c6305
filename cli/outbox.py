"""`ghtflow outbox send|list|retry`: the delivery service called directly (no Prefect import)."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    Format,
    console,
    err_console,
    parse_day,
    print_csv,
    print_json,
    row_id,
    table,
)
from services.limits import ID_MAX

app = typer.Typer(help="E-mails queued by ghtflow and their delivery.", no_args_is_help=True)

LIST_COLUMNS = [
    "id",
    "state",
    "kind",
    "stage",
    "document_id",
    "to",
    "subject",
    "delivery",
    "attempts",
    "claimed_until",
    "last_error",
]


@app.command()
def send(
    limit: int | None = typer.Option(
        None, "--limit", min=1, max=ID_MAX, help="send at most this many"
    ),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table or json"),
) -> None:
    """Deliver the pending messages whose time has come, over the configured SMTP relay.

    Exits 1 when due messages could not be sent because of the SMTP session (server out of
    reach, TLS, authentication, relay denied): they stay pending, nothing is charged to them."""
    from services.mail.delivery import deliver_due

    report = deliver_due(workspace(), limit=limit)
    if fmt is not Format.table:
        print_json(report.as_dict())
    else:
        console.print(report.summary(), markup=False)
        for line in report.notes():
            (err_console if report.undelivered else console).print(line, markup=False)
    if report.undelivered:
        if fmt is not Format.table:
            err_console.print(f"error: SMTP: {report.connection_error}", markup=False)
        raise typer.Exit(1)


@app.command("list")
def list_(
    state: str | None = typer.Option(None, "--state", help="pending, sent or failed"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List the queued, sent and failed messages."""
    from services.mail.outbox import list_messages

    messages = list_messages(workspace(), state)
    if fmt is Format.json:
        print_json(messages)
        return
    rows = (
        [", ".join(m[c]) if isinstance(m[c], list) else m[c] for c in LIST_COLUMNS]
        for m in messages
    )
    if fmt is Format.table:
        claimed = [m for m in messages if m["claimed_until"]]
        if claimed:
            from datetime import datetime

            from services.mail.delivery import local_time

            last = max(datetime.fromisoformat(m["claimed_until"]) for m in claimed)
            console.print(
                f"{len(claimed)} claimed by a sender (until {local_time(last)} at the latest)",
                markup=False,
            )
    if fmt is Format.csv:
        print_csv(LIST_COLUMNS, rows)
    else:
        console.print(table(f"{len(messages)} messages", LIST_COLUMNS, rows))


@app.command()
def retry(
    message_id: int | None = typer.Argument(
        None, metavar="[ID]", help="one message", parser=row_id("outbox message")
    ),
    state: str | None = typer.Option(
        None, "--state", help="every message in this state (failed or pending)"
    ),
    since: str | None = typer.Option(
        None, "--since", help="with --state: last attempt on or after this day (YYYY-MM-DD)"
    ),
    kind: str | None = typer.Option(None, "--kind", help="with --state: of this kind only"),
) -> None:
    """Make one message (ID), or every failed one (--state failed), due now; then run
    `ghtflow outbox send`. Addresses already delivered are never sent to again."""
    from services.mail.outbox import retry_message, retry_messages

    day = parse_day(since)
    if (message_id is None) == (state is None):
        raise typer.BadParameter("give a message ID or --state (not both)")
    if message_id is not None:
        if since is not None or kind is not None:
            raise typer.BadParameter("--since and --kind go with --state")
        result = retry_message(workspace(), message_id)
        console.print(f"message {result['id']}: {result['was']} → pending, due now", markup=False)
        return
    assert state is not None
    ids = retry_messages(workspace(), state=state, since=day, kind=kind)
    console.print(f"{len(ids)} {state} messages → pending, due now", markup=False)
