"""`ghtflow states list|diagram`: the document types and their workflows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from rich.table import Table

    from states.definition import WorkflowDefinition

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
        for doc_type in registry.types:
            print_table(_states_table(registry.definition(doc_type)))


def _states_table(definition: WorkflowDefinition) -> Table:
    """One type: its states' keys (what `--state` takes) with their French labels, and the
    events that leave each (what `fire` takes), one per line so no key is ever cut."""
    rows = (
        (
            state.name,
            state.label,
            "\n".join(definition.allowed_events(state.name)) or ("final" if state.final else "—"),
        )
        for state in definition.states
    )
    return table(
        f"{definition.type} — {definition.label}", ["state", text("label"), "events"], rows
    )


@app.command()
def diagram(doc_type: str = typer.Argument(..., metavar="TYPE", help="e.g. pmsp")) -> None:
    """Print the mermaid state diagram generated from the type's definition."""
    from services.workflows import workflows_for
    from settings import get_settings
    from states.diagram import mermaid

    registry = workflows_for(get_settings())
    typer.echo(escape_controls(mermaid(registry.definition(doc_type))), nl=False)
