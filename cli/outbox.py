"""`ghtflow outbox send|list|retry`: the delivery service called directly (no Prefect import)."""

from __future__ import annotations

from typing import Any

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    SHAPE_OPTION,
    WIDE_OPTION,
    Format,
    Shape,
    console,
    err_console,
    parse_day,
    plural,
    print_csv,
    print_json,
    print_left_out,
    print_table,
    row_id,
    table,
    text,
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
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """Deliver the pending messages whose time has come, over the configured SMTP relay.

    Exits 1 when due messages could not be sent because of the SMTP session (server out of
    reach, TLS, authentication, relay denied): they stay pending, nothing is charged to them."""
    from services.mail.delivery import deliver_due

    report = deliver_due(workspace(), limit=limit)
    if fmt is Shape.json:
        print_json(report.as_dict())
    else:
        console.print(report.summary(), markup=False)
        for line in report.notes():
            (err_console if report.undelivered else console).print(line, markup=False)
    if report.undelivered:
        if fmt is Shape.json:
            err_console.print(f"error: SMTP: {report.connection_error}", markup=False)
        raise typer.Exit(1)


@app.command("list")
def list_(
    state: str | None = typer.Option(None, "--state", help="pending, sent or failed"),
    since: str | None = typer.Option(
        None, "--since", help="queued for a business day on or after this one (YYYY-MM-DD)"
    ),
    limit: int | None = typer.Option(
        None, "--limit", min=1, max=ID_MAX, help="the latest N messages only"
    ),
    wide: bool = WIDE_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List the queued, sent and failed messages, oldest first (with --limit, the latest N)."""
    from services.mail.outbox import list_messages
    from services.views.notices import notice_text

    messages = list_messages(workspace(), state, since=parse_day(since))
    left_out = max(0, len(messages) - limit) if limit else 0
    messages = messages[left_out:]
    if fmt is Format.json:
        print_json(messages)
    elif fmt is Format.csv:
        print_csv(LIST_COLUMNS, ([_cell(m[c]) for c in LIST_COLUMNS] for m in messages))
    else:
        _print_claimed(messages)
        columns: list[str] = ["id", "state", text("notice", 14), "to"]
        if wide:
            columns += ["doc", text("subject", 30), "due", "queued for", "delivery", "attempts"]
            columns += ["claimed until", text("last error", 20)]
        rows = (_table_row(m, wide, notice_text(m["kind"], m["stage"])) for m in messages)
        title = plural(len(messages), "message") + ("" if wide else " (--wide: subject, delivery)")
        print_table(table(title, columns, rows))
    if left_out:
        how = f"--limit {limit}"
        print_left_out(left_out, "message", how, stderr=fmt is not Format.table)


def _cell(value: object) -> object:
    return ", ".join(map(str, value)) if isinstance(value, list) else value


def _table_row(m: dict[str, Any], wide: bool, notice: str) -> list[Any]:
    about = f", document {m['document_id']}" if m["document_id"] else ""
    row = [m["id"], m["state"], notice + about, "\n".join(m["to"])]
    if wide:
        row += [
            m["document_id"],
            m["subject"],
            m["due_date"],
            m["as_of"],
            m["delivery"],
            m["attempts"],
        ]
        row += [m["claimed_until"], m["last_error"]]
    return row


def _print_claimed(messages: list[dict[str, Any]]) -> None:
    claimed = [m for m in messages if m["claimed_until"]]
    if claimed:
        from datetime import datetime

        from services.mail.delivery import local_time

        last = max(datetime.fromisoformat(m["claimed_until"]) for m in claimed)
        console.print(
            f"{len(claimed)} claimed by a sender (until {local_time(last)} at the latest)",
            markup=False,
        )


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
    console.print(f"{plural(len(ids), state + ' message')} → pending, due now", markup=False)
