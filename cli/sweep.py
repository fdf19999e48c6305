"""`ghtflow sweep`: sweep the deadlines of a day and print the counts per notice.

Without a Prefect server (`PREFECT_API_URL`, in the environment or Prefect's profile) the sweep
runs in this process, as fast as its work (`services.deadlines.day`); with one, the
`deadline-sweep` flow runs the same steps and the run is recorded on that server, which the
command says in one line on stderr. Same counts, JSON, errors and exit status either way.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    Format,
    console,
    err_console,
    parse_day,
    plural,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)
from cli.progress import announce, logs_off_the_terminal, progress_bar


def sweep(
    as_of: str | None = typer.Option(None, "--as-of", help="business day, default today"),
    dry_run: bool = typer.Option(False, "--dry-run", help="show what would be sent; write nothing"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Find what is due, late or tacitly approved on a day and queue the e-mails.

    A day after today is refused (it would approve documents tacitly before their time). A
    document that cannot be swept is listed with the reason and the others are swept; the
    exit status is then 1. Recorded as a Prefect flow run when PREFECT_API_URL is set."""
    from services.clock import today
    from services.deadlines.sweep import check_sweep_day

    day = check_sweep_day(parse_day(as_of) or today())
    report = _run(day, dry_run)
    if fmt is Format.json:
        print_json(report)
    elif fmt is Format.csv:
        rows = (
            (code, k, n) for code, counts in report["per_ght"].items() for k, n in counts.items()
        )
        print_csv(["ght", "kind", "count"], rows)
    else:
        print_report(report)
    if report["errors"]:
        for error in report["errors"]:
            err_console.print(
                f"error: document {error['document_id']} ({error['ght']}): {error['reason']}",
                markup=False,
            )
        err_console.print(
            f"error: {plural(len(report['errors']), 'document')} could not be swept; "
            "the others were swept",
            markup=False,
        )
        raise typer.Exit(1)


def _run(day: date, dry_run: bool) -> dict[str, Any]:
    """The sweep's result: in this process, or as a flow run on the configured server."""
    from flows.runtime import prefect_api_url
    from settings import get_settings

    settings = get_settings()
    with logs_off_the_terminal(), progress_bar("sweeping", "steps") as bar:
        if prefect_api_url(settings) is None:
            from services.deadlines.day import sweep_day

            ws = workspace()
            try:
                return sweep_day(ws, day, dry_run, progress=bar).result()
            finally:
                ws.close()
        workspace().close()  # no database: one line now, not a failed flow run
        from flows.runtime import prepare_prefect

        prepare_prefect(settings)
        from flows.deadline_sweep import deadline_sweep
        from flows.runtime import run_recorded

        return run_recorded(announce, deadline_sweep, as_of=day, dry_run=dry_run, progress=bar)


def print_report(report: dict[str, Any]) -> None:
    title = f"Sweep of {report['as_of']}" + (
        " (dry run: nothing written)" if report["dry_run"] else ""
    )
    rows = list(report["counts"].items())  # the sweep's kinds, in its order
    rows.append(("total", report["total"]))
    print_table(table(title, ["notice", "count"], rows))
    console.print(
        f"{plural(report['documents'], 'document')} examined; "
        f"{plural(report['already_sent'], 'notice')} sent before; "
        f"{plural(len(report['tacit_approvals']), 'tacit approval')}"
        + (f"; {report['no_contact']} without a contact" if report["no_contact"] else "")
        + (f"; {len(report['errors'])} failed" if report["errors"] else ""),
        markup=False,
    )
    if report.get("checkpoint"):
        console.print(checkpoint_line(report["checkpoint"]), markup=False, soft_wrap=True)
    if report["dry_run"] and report.get("notices"):
        from services.views.notices import notice_text

        notice_rows = (
            [
                n["document_id"],
                n["ght"],
                notice_text(n["kind"], n["stage"]),
                n["due_date"],
                "\n".join(n["to"]),
            ]
            for n in report["notices"]
        )
        columns = ["doc", "ght", text("notice", 16), "due", "to"]
        print_table(table("Would send", columns, notice_rows))


def checkpoint_line(checkpoint: dict[str, Any]) -> str:
    """One line: the history's head appended to the checkpoint file, and its e-mail."""
    mail = checkpoint["mail"]
    parts = [f"mail queued for {plural(mail['queued'], 'region direction')}"]
    if mail["already"]:
        parts.append(f"{mail['already']} queued before for this day")
    if mail["not_sent"]:
        first = mail["not_sent"][0]
        more = len(mail["not_sent"]) - 1
        parts.append(
            f"{len(mail['not_sent'])} not sent ({first['region'] or 'all'}: {first['reason']}"
            + (f"; and {more} more" if more else "")
            + ")"
        )
    return f"Audit checkpoint {checkpoint['seq']} {checkpoint['hash']}: " + ", ".join(parts)
