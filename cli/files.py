"""`ghtflow files gc`: the file store's housekeeping (no Prefect import)."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import SHAPE_OPTION, Shape, console, plural, print_json

app = typer.Typer(help="The store of submitted and generated files.", no_args_is_help=True)


@app.command()
def gc(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="list what would be removed, remove nothing"
    ),
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """Remove stored files that no document version, generated file or queued e-mail
    references, and temporary files left by an interrupted upload (files less than an hour
    old are kept: an upload may be in progress)."""
    from services.adapters.files import collect_garbage

    report = collect_garbage(workspace(), dry_run=dry_run)
    if fmt is Shape.json:
        print_json(report.as_json())
        return
    for path in report.removed:
        console.print(f"{'would remove' if dry_run else 'removed'} {path}", markup=False)
    for path in report.restored:
        console.print(f"{'would restore' if dry_run else 'restored'} {path}", markup=False)
    count = len(report.removed)
    would = "would be " if dry_run else ""
    summary = f"{plural(count, 'file')} {would}removed, {report.freed_bytes} bytes {would}freed"
    if report.restored:
        summary += f", {len(report.restored)} {would}restored"
    if report.kept_recent:
        summary += f", {report.kept_recent} kept (less than an hour old)"
    console.print(summary, markup=False)
