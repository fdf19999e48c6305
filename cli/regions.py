"""`ghtflow regions list|show|set-direction|set-identity`."""

from __future__ import annotations

from pathlib import Path

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

app = typer.Typer(
    help="Regions, their agency's direction address and identity (letterhead, references).",
    no_args_is_help=True,
)

COLUMNS = ["code", "name", "agency", "direction_email", "city", "reference_example"]
SHOWN = [
    "code",
    "name",
    "agency",
    "direction_email",
    "direction",
    "address",
    "city",
    "phone",
    "logo_sha256",
    "reference_pattern",
    "reference_example",
]


@app.command("list")
def list_(fmt: Format = FORMAT_OPTION) -> None:
    """List regions with their agency and direction address (copied on escalations)."""
    from services.registry.regions import list_regions

    regions = list_regions(workspace())
    rows = [[r[c] or "" for c in COLUMNS] for r in regions]
    if fmt is Format.json:
        print_json(regions)
    elif fmt is Format.csv:
        print_csv(COLUMNS, rows)
    else:  # the identity's city and reference: `regions show`, or --format json/csv
        shown = ["code", text("name"), text("agency"), "direction e-mail"]
        narrow = [row[:4] for row in rows]
        print_table(table(plural(len(regions), "region"), shown, narrow))


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


def _print_region(region: dict[str, object], fmt: Format) -> None:
    if fmt is Format.json:
        print_json(region)
        return
    values = {
        k: " / ".join(map(str, v)) if isinstance(v, list) else ("" if v is None else str(v))
        for k, v in region.items()
    }
    if fmt is Format.csv:
        print_csv(SHOWN, [[values[k] for k in SHOWN]])
    else:
        rows = [[k, values[k]] for k in SHOWN]
        print_table(table(f"region {values['code']}", ["field", text("value")], rows))


@app.command("show")
def show(
    code: str = typer.Argument(..., help="region code, e.g. OCC"), fmt: Format = FORMAT_OPTION
) -> None:
    """Show a region with its agency's identity, as its letters print it."""
    from services.registry.regions import show_region

    _print_region(show_region(workspace(), code), fmt)


@app.command("set-identity")
def set_identity(
    code: str = typer.Argument(..., help="region code, e.g. OCC"),
    address: list[str] | None = typer.Option(
        None,
        "--address",
        help="a line of the agency's postal address; repeat for each line, in order "
        "(replaces the address; --address '' clears it)",
    ),
    city: str | None = typer.Option(None, "--city", help="where letters are written from"),
    direction: str | None = typer.Option(
        None, "--direction", help="the direction that writes, e.g. Direction de l'offre de soins"
    ),
    phone: str | None = typer.Option(None, "--phone", help="e.g. 04 67 07 20 07"),
    logo: Path | None = typer.Option(
        None, "--logo", help="a PNG or JPEG printed on letters (at most 1 MB)"
    ),
    no_logo: bool = typer.Option(False, "--no-logo", help="remove the logo"),
    pattern: str | None = typer.Option(
        None,
        "--reference-pattern",
        help="letter references, e.g. 'ARS-OCC/DOSA/{year}-{number:04d}' (fields: {year}, "
        "{number}, {region})",
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Set the agency's identity printed on letters and conventions; values not given stay."""
    from services.registry.regions import Identity
    from services.registry.regions import set_identity as set_

    identity = Identity(
        direction=direction,
        address=tuple(address) if address else None,
        city=city,
        phone=phone,
        reference_pattern=pattern,
    )
    region = set_(workspace(), code, identity, logo=logo, clear_logo=no_logo)
    _print_region(region, fmt)
