"""`ghtflow procedures list|check`: the procedure folders in force, and checking one."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cli.output import (
    FORMAT_OPTION,
    SHAPE_OPTION,
    WIDE_OPTION,
    Format,
    Shape,
    console,
    plural,
    print_csv,
    print_error,
    print_json,
    print_table,
    table,
    text,
)

app = typer.Typer(
    help="Procedures: folders of document types, Word models, e-mails, motives.",
    no_args_is_help=True,
)

COLUMNS = ["name", "label", "origin", "folder", "types", "models", "mails", "criteria"]


@app.command("list")
def list_(wide: bool = WIDE_OPTION, fmt: Format = FORMAT_OPTION) -> None:
    """The procedures in force (built in, then GHTFLOW_PROCEDURES): what each holds."""
    from services.procedures.listing import list_procedures
    from settings import get_settings

    rows = list_procedures(get_settings())
    if fmt is Format.json:
        print_json(rows)
        return
    if fmt is Format.csv:
        cells = [
            [" ".join(r[c]) if isinstance(r[c], list) else r[c] for c in COLUMNS] for r in rows
        ]
        print_csv(COLUMNS, cells)
        return
    columns = ["name", text("label"), "origin", "types"]
    columns += [text("folder"), text("models"), text("mails"), "criteria"] if wide else []
    shown = (
        [r["name"], r["label"], r["origin"], "\n".join(r["types"])]
        + (
            [r["folder"], *(" ".join(r[c]) for c in ("models", "mails")), r["criteria"]]
            if wide
            else []
        )
        for r in rows
    )
    print_table(table(plural(len(rows), "procedure"), columns, shown))


@app.command()
def check(
    folder: Path = typer.Argument(..., metavar="DIR", help="a procedure folder"),
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """Check every definition, Word model and e-mail template of DIR (no database needed).

    Each problem is one line naming its file and line; exit 1 when there is any, else one
    line saying what the folder holds."""
    from services.procedures.check import check_procedure

    report = check_procedure(folder)
    if fmt is Shape.json:
        print_json(report.as_dict())
    else:
        for problem in report.problems:
            console.print(str(problem), soft_wrap=True)
        if report.ok:
            console.print(report.summary(), soft_wrap=True)
    if not report.ok:
        count = len(report.problems)
        print_error(f"{folder}: {plural(count, 'problem')}")
        sys.exit(1)
