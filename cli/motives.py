"""`ghtflow motives list|add`: the catalogue of conformity motives."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    Format,
    console,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)

app = typer.Typer(help="Conformity motives the agency may cite.", no_args_is_help=True)


@app.command("list")
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """List the motives (key and French label)."""
    from services.lifecycle.motives import list_motives

    motives = list_motives(workspace())
    if fmt is Format.json:
        print_json(motives)
    elif fmt is Format.csv:
        print_csv(
            ["key", "label", "builtin"], ([m["key"], m["label"], m["builtin"]] for m in motives)
        )
    else:
        rows = ([m["key"], m["label"]] for m in motives)
        print_table(table("Conformity motives", ["key", text("label")], rows))


@app.command()
def add(
    key: str = typer.Argument(..., help="lower_case_key used with --motive"),
    label: str = typer.Argument(..., help="French label, as the GHT will read it"),
) -> None:
    """Add a motive to the catalogue (or change the label of an existing one)."""
    from services.lifecycle.motives import add_motive

    created = add_motive(workspace(), key, label)
    console.print(f"motive {key} {'added' if created else 'updated'}")
