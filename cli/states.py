"""`ghtflow states list|diagram`: the document types and their workflows."""

from __future__ import annotations

from typing import Any

import typer

from cli.output import (
    FORMAT_OPTION,
    Format,
    escape_controls,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)

app = typer.Typer(help="Document types and their state machines.", no_args_is_help=True)


@app.command("list")
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """Each type with its states (French labels) and events."""
    from services.workflows import workflows_for
    from settings import get_settings

    registry = workflows_for(get_settings())
    data: list[dict[str, Any]] = [
        {
            "type": t,
            "label": registry.definition(t).label,
            "states": {s.name: s.label for s in registry.definition(t).states},
            "events": list(registry.definition(t).events),
        }
        for t in registry.types
    ]
    if fmt is Format.json:
        print_json(data)
    elif fmt is Format.csv:
        print_csv(
            ["type", "state", "label"],
            ([d["type"], s, label] for d in data for s, label in d["states"].items()),
        )
    else:
        rows = [
            (d["type"], d["label"], ", ".join(d["states"]), ", ".join(d["events"])) for d in data
        ]
        columns = ["type", text("label"), text("states"), text("events")]
        print_table(table("Document types", columns, rows))


@app.command()
def diagram(doc_type: str = typer.Argument(..., metavar="TYPE", help="e.g. pmsp")) -> None:
    """Print the mermaid state diagram generated from the type's definition."""
    from services.workflows import workflows_for
    from settings import get_settings
    from states.diagram import mermaid

    registry = workflows_for(get_settings())
    typer.echo(escape_controls(mermaid(registry.definition(doc_type))), nl=False)
