"""`ghtflow import dgos-list PATH`: the ministry's national GHT list into the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cli.context import workspace
from cli.output import SHAPE_OPTION, Shape, console, print_json

app = typer.Typer(help="Import reference data.", no_args_is_help=True)


@app.command("dgos-list")
def dgos_list(
    path: Path = typer.Argument(..., help="the national list, .xlsx or .csv"),
    sheet: str | None = typer.Option(None, "--sheet", help="XLSX sheet (default: the first)"),
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """Check every row, then apply the list in one transaction and print what changed."""
    from services.registry.importing import import_dgos_list

    report = import_dgos_list(workspace(), path, sheet)
    data = report.as_json()
    if fmt is Shape.json:
        print_json(data)
        return
    _print(data)


def out(text: str) -> None:
    console.print(text, markup=False, soft_wrap=True)


def _print(data: dict[str, Any]) -> None:
    out(
        f"{data['path']}: {data['rows']} rows, {data['ghts']} GHTs, "
        f"{data['establishments']} establishments"
    )
    for code in data["regions_created"]:
        out(
            f"new region {code} (agency direction e-mail not set: "
            f"'ghtflow regions set-direction {code} EMAIL')"
        )
    for change in data["changes"]:
        what = "new GHT" if change["new"] else "GHT"
        title = f"{what} {change['code']} {change['name']}"
        if change["renamed_from"]:
            title += f" (renamed from {change['renamed_from']})"
        counts = [
            f"{len(change[k])} {k}" for k in ("added", "removed", "renamed", "updated") if change[k]
        ]
        if change["listed"]:
            counts.append(f"{len(change['listed'])} now follow the list")
        out(f"{title}: {', '.join(counts) or 'renamed'}")
        for e in change["added"]:
            out(f"  + {e['finess']} {e['name']}")
        for e in change["removed"]:
            out(f"  - {e['finess']} {e['name']}")
        for e in change["renamed"]:
            out(f"  ~ {e['finess']} {e['from']} → {e['to']}")
        for e in change["updated"]:
            out(f"  ~ {e['finess']} {e['fields']} updated")
    if any(change["listed"] for change in data["changes"]):
        out(
            "parties already recorded that the list names now follow it: a later list that "
            "drops one removes it from its GHT"
        )
    if data["not_in_list"]:
        out("not in this list (kept unchanged): " + ", ".join(data["not_in_list"]))
    for category, lines in data["unknown_categories"].items():
        shown = ", ".join(map(str, lines[:10])) + (" …" if len(lines) > 10 else "")
        name = repr(category) if category else "(empty)"
        out(
            f"unknown category {name} on {'line' if len(lines) == 1 else 'lines'} {shown}: "
            "recorded without a kind "
            "(extend the table with GHTFLOW_CATEGORIES_FILE)"
        )
    if not data["changed"]:
        out("Nothing changed: the registry already matches this list.")
