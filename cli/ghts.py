"""`ghtflow ghts list|show|set-reference-chu|set-support|set-area`."""

from __future__ import annotations

from typing import Any

import typer
from rich.text import Text

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    SHAPE_OPTION,
    WIDE_OPTION,
    Format,
    Shape,
    console,
    plain,
    plural,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)

app = typer.Typer(help="GHTs, their members and roles.", no_args_is_help=True)

LIST_COLUMNS = ["code", "name", "region", "support", "reference_chu", "area", "parties"]


def _row(g: dict[str, Any]) -> list[Any]:
    return [
        g["code"],
        g["name"],
        g["region"],
        g["support"]["finess"] if g["support"] else None,
        g["reference_chu"]["finess"] if g["reference_chu"] else None,
        ",".join(g["area"]),
        g["counts"]["partie"],
    ]


@app.command("list")
def list_(
    region: str | None = typer.Option(None, "--region", help="region code, e.g. OCC"),
    wide: bool = WIDE_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List GHTs with their support, CHU of reference, area and number of parties."""
    from services.registry.ghts import list_ghts

    ghts = list_ghts(workspace(), region=region)
    if fmt is Format.json:
        print_json(ghts)
    elif fmt is Format.csv:
        print_csv(LIST_COLUMNS, (_row(g) for g in ghts))
    else:
        columns: list[str] = ["code", text("name"), "region", "support", "CHU"]
        columns += ["parties", *([text("area")] if wide else [])]
        rows = (
            [*r[:5], r[6], *([r[5].replace(",", ", ")] if wide else [])] for r in map(_row, ghts)
        )
        print_table(table(plural(len(ghts), "GHT"), columns, rows))


def print_ght(g: dict[str, Any], *, wide: bool = False) -> None:
    def name(ref: dict[str, str] | None) -> str:
        return f"{ref['finess']} {ref['name']}" if ref else "—"

    out = console.print
    out(
        Text.assemble(
            (plain(g["code"]).plain, "bold"), plain(f" {g['name']} (region {g['region']})")
        )
    )
    out(f"Support establishment: {name(g['support'])}", markup=False)
    source = {"set": "set", "region": "the region's only CHU", "partie": "a partie"}
    chu = name(g["reference_chu"])
    if g["reference_chu_source"]:
        chu += f" ({source[g['reference_chu_source']]})"
    out(f"CHU of reference: {chu}", markup=False)
    area = ",".join(g["area"]) or "—"
    out(f"Area: {area} ({'set' if g['area_source'] == 'set' else 'from its parties'})")
    rows = (
        [
            m["role"] + (" (support)" if m["support"] else ""),
            m["finess"],
            m["name"],
            m["kind"],
            "public" if m["public"] else "private",
            *([", ".join(m["area"]), m["from_list"]] if wide else []),
        ]
        for m in g["members"]
    )
    cols: list[str] = ["role", "finess", text("name"), "kind", "status"]
    cols += [text("area"), "listed"] if wide else []
    print_table(table(plural(len(g["members"]), "member"), cols, rows))


@app.command()
def show(
    code: str = typer.Argument(..., help="GHT code, e.g. OCC-01"),
    wide: bool = WIDE_OPTION,
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """One GHT with its members and their roles."""
    from services.registry.ghts import show_ght

    g = show_ght(workspace(), code)
    if fmt is Shape.json:
        print_json(g)
    else:
        print_ght(g, wide=wide)


@app.command("set-reference-chu")
def set_reference_chu(
    code: str = typer.Argument(..., help="GHT code"),
    finess: str = typer.Argument(..., help="FINESS of the CHU"),
) -> None:
    """Set the GHT's CHU of reference (needed when the region has several CHUs)."""
    from services.registry.ghts import set_reference_chu as run

    g = run(workspace(), code, finess)
    ref = g["reference_chu"]
    console.print(f"{g['code']}: CHU of reference {ref['finess']} {ref['name']}", markup=False)


@app.command("set-support")
def set_support(
    code: str = typer.Argument(..., help="GHT code"),
    finess: str = typer.Argument(..., help="FINESS of a partie"),
) -> None:
    """Set the GHT's support establishment (the national list does not say which it is)."""
    from services.registry.ghts import set_support as run

    g = run(workspace(), code, finess)
    ref = g["support"]
    console.print(f"{g['code']}: support establishment {ref['finess']} {ref['name']}", markup=False)


@app.command("set-area")
def set_area(
    code: str = typer.Argument(..., help="GHT code"),
    area: str | None = typer.Argument(None, help="departments, e.g. 31,81"),
    clear: bool = typer.Option(False, "--clear", help="back to its parties' departments"),
) -> None:
    """Set the GHT's area, or with --clear derive it again from its parties' postal codes."""
    from services.errors import InvalidInput
    from services.registry.ghts import set_area as run

    if (area is None) != clear:
        raise InvalidInput("give either an area (e.g. 31,81) or --clear")
    g = run(workspace(), code, area)
    console.print(f"{g['code']}: area {','.join(g['area']) or '—'}", markup=False)
