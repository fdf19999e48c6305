"""`ghtflow members add|remove` and `ghtflow parties list|set|remove`."""

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
    row_id,
    table,
    text,
)

app = typer.Typer(help="Memberships: partie, associe, partenaire.", no_args_is_help=True)
parties_app = typer.Typer(
    help="The establishments a convention is made with, and their areas.", no_args_is_help=True
)


@app.command()
def add(
    ght: str = typer.Argument(..., help="GHT code"),
    finess: str = typer.Argument(..., help="FINESS of the establishment"),
    role: str = typer.Option(..., "--role", help="partie, associe or partenaire"),
) -> None:
    """Record an establishment's role in a GHT (or change it)."""
    from services.registry.members import add_member

    change = add_member(workspace(), ght, finess, role)
    was = f" (was {change.previous_role})" if change.previous_role else ""
    console.print(
        f"{change.ght}: {change.finess} {change.name} is {change.role}{was}", markup=False
    )


@app.command()
def remove(
    ght: str = typer.Argument(..., help="GHT code"),
    finess: str = typer.Argument(..., help="FINESS of the establishment"),
) -> None:
    """Remove an establishment from a GHT (documents and the establishment stay)."""
    from services.registry.members import remove_member

    change = remove_member(workspace(), ght, finess)
    console.print(
        f"{change.ght}: {change.finess} {change.name} removed (was {change.previous_role})",
        markup=False,
    )


@parties_app.command("list")
def parties_list(
    document_id: int = typer.Argument(..., metavar="ID", parser=row_id("document")),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """The establishments a convention is made with, and each one's area."""
    from services.lifecycle.parties import list_parties

    rows = list_parties(workspace(), document_id)
    cols = ["finess", "name", "kind", "public", "area"]
    cells = (
        [r["finess"], r["name"], r["kind"], r["public"], ",".join(r["area"] or [])] for r in rows
    )
    if fmt is Format.json:
        print_json(rows)
    elif fmt is Format.csv:
        print_csv(cols, cells)
    else:
        shown = ["finess", text("name"), "kind", "public", text("area")]
        print_table(table(f"Parties of document {document_id}", shown, cells))


@parties_app.command("set")
def parties_set(
    document_id: int = typer.Argument(..., metavar="ID", parser=row_id("document")),
    finess: str = typer.Argument(..., help="FINESS of the establishment"),
    area: str | None = typer.Option(None, "--area", help="its area here, e.g. 31,81"),
) -> None:
    """Add an establishment to a convention, or set its area (an HAD convention needs one for
    every HAD before it can be signed)."""
    from services.lifecycle.parties import set_party

    added = set_party(workspace(), document_id, finess, area)
    verb = "added to" if added else "updated in"
    console.print(f"{finess} {verb} document {document_id}", markup=False)


@parties_app.command("remove")
def parties_remove(
    document_id: int = typer.Argument(..., metavar="ID", parser=row_id("document")),
    finess: str = typer.Argument(..., help="FINESS of the establishment"),
) -> None:
    """Remove an establishment from a convention."""
    from services.lifecycle.parties import remove_party

    remove_party(workspace(), document_id, finess)
    console.print(f"{finess} removed from document {document_id}", markup=False)
