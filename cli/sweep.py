"""`ghtflow sweep`: run the deadline-sweep flow for a day and print the counts per notice."""

from __future__ import annotations

from typing import Any

import typer

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


def sweep(
    as_of: str | None = typer.Option(None, "--as-of", help="business day, default today"),
    dry_run: bool = typer.Option(False, "--dry-run", help="show what would be sent; write nothing"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Find what is due, late or tacitly approved on a day and queue the e-mails (Prefect flow).

    A day after today is refused (it would approve documents tacitly before their time). A
    document that cannot be swept is listed with the reason and the others are swept; the
    exit status is then 1."""
    from services.clock import today
    from services.deadlines.sweep import check_sweep_day

    day = check_sweep_day(parse_day(as_of) or today())
    from flows.runtime import prepare_prefect
    from settings import get_settings

    prepare_prefect(get_settings())
    from flows.deadline_sweep import deadline_sweep
    from flows.runtime import run_flow

    report: dict[str, Any] = run_flow(deadline_sweep, as_of=day, dry_run=dry_run)
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
