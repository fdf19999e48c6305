"""`ghtflow regions list|set-direction`."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    Format,
    console,
    plural,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)

app = typer.Typer(help="Regions and their agency's direction address.", no_args_is_help=True)

COLUMNS = ["code", "name", "agency", "direction_email"]


@app.command("list")
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """List regions with their agency and direction address (copied on escalations)."""
    from services.registry.regions import list_regions

    regions = list_regions(workspace())
    rows = [[r[c] for c in COLUMNS] for r in regions]
    if fmt is Format.json:
        print_json(regions)
    elif fmt is Format.csv:
        print_csv(COLUMNS, rows)
    else:
        shown = ["code", text("name"), text("agency"), "direction e-mail"]
        print_table(table(plural(len(regions), "region"), shown, rows))


@app.command("set-direction")
def set_direction(
    code: str = typer.Argument(..., help="region code, e.g. OCC"),
    email: str = typer.Argument(..., help="the agency direction's address"),
    agency: str | None = typer.Option(
        None, "--agency", help="the agency's name, e.g. ARS Bretagne"
    ),
) -> None:
    """Set the address copied on escalations (a region imported from the national list has none)."""
    from services.registry.regions import set_direction as set_

    region = set_(workspace(), code, email, agency=agency)
    console.print(f"{region['code']}: direction e-mail {region['direction_email']}", markup=False)
