"""`ghtflow templates list|check`: the Word models and what they ask of the context."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cli.output import (
    FORMAT_OPTION,
    Format,
    console,
    err_console,
    plural,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)

app = typer.Typer(help="Word models: which are used, and checking an agency's own.")

KIND_HELP = (
    "chu_convention, had_convention, partnership_convention, conformity_letter, document, "
    "notice_letter, or a document type"
)


@app.command("list")
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """The Word model of each kind, by procedure: built in, a procedure's or the agency's own."""
    from services.generation.fill import list_templates
    from settings import get_settings

    rows = list_templates(get_settings())
    columns = ["kind", "procedure", "source", "path"]
    if fmt is Format.json:
        print_json(rows)
    elif fmt is Format.csv:
        print_csv(columns, ([r[c] for c in columns] for r in rows))
    else:
        shown = ["kind", "procedure", "source", text("path")]
        print_table(table("Word templates", shown, ([r[c] for c in columns] for r in rows)))


@app.command()
def check(
    file: Path = typer.Argument(..., help="a .docx model"),
    kind: str | None = typer.Option(
        None, "--kind", help=f"{KIND_HELP} (default: from the file name of a procedure's model)"
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Variables FILE uses that the context lacks (exit 1), and context values it never uses.

    FILE is compiled and tried in the same sandbox as `generate`, never outside it: a model
    that reaches for Python internals or other files, or for more work than a document needs,
    is refused in one line naming the paragraph and the tag (exit 1)."""
    from services.generation.fill import check_template
    from settings import get_settings

    report = check_template(file, kind, get_settings())
    if fmt is Format.json:
        print_json(report)
    elif fmt is Format.csv:
        rows = [("missing", v) for v in report["missing"]]
        rows += [("unused", v) for v in report["unused"]]
        print_csv(["problem", "variable"], rows)
    else:
        rows = [("missing", v) for v in report["missing"]]
        rows += [("unused", v) for v in report["unused"]]
        title = f"{file.name} against the {report['kind']} context"
        print_table(table(title, ["problem", "variable"], rows))
        console.print(f"{plural(len(report['used']), 'value')} used", markup=False)
    if report["missing"]:
        names = ", ".join(report["missing"])
        err_console.print(
            f"error: {file.name} uses {plural(len(report['missing']), 'value')} the context "
            f"lacks: {names}",
            markup=False,
        )
        sys.exit(1)
