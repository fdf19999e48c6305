"""`ghtflow establishments add|set|list`."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    WIDE_OPTION,
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

app = typer.Typer(help="Establishments (FINESS) of the registry.", no_args_is_help=True)

COLUMNS = ["finess", "name", "category", "kind", "public", "postal_code", "area", "from_list"]


@app.command()
def add(
    finess: str = typer.Argument(..., help="9-character FINESS number"),
    name: str = typer.Option(..., "--name", help="name of the establishment"),
    category: str = typer.Option(..., "--category", help="e.g. H.A.D., Clinique, H.I.A."),
    private: bool = typer.Option(False, "--private", help="a private establishment"),
    kind: str | None = typer.Option(None, "--kind", help="override the category table"),
    area: str | None = typer.Option(None, "--area", help="departments it serves, e.g. 31,81"),
    commune: str = typer.Option("", "--commune"),
    postal_code: str = typer.Option("", "--postal-code", help="5 digits"),
) -> None:
    """Record an establishment outside the national list (or update the one with this FINESS)."""
    from services.registry.establishments import add_establishment

    recorded = add_establishment(
        workspace(),
        finess,
        name=name,
        category=category,
        private=private,
        kind=kind,
        area=area,
        commune=commune,
        postal_code=postal_code,
    )
    e = recorded.establishment
    verb = "added" if recorded.created else "updated"
    kind_text = e["kind"] or "no kind"
    area_text = ",".join(e["area"]) or "—"
    console.print(
        f"establishment {e['finess']} {e['name']} {verb} "
        f"({kind_text}, {'public' if e['public'] else 'private'}, area {area_text})",
        markup=False,
    )
    if recorded.warning:
        err_console.print(f"warning: {recorded.warning}", markup=False)


@app.command("set")
def set_(
    finess: str = typer.Argument(..., help="9-character FINESS number"),
    representative: str | None = typer.Option(
        None,
        "--representative",
        help="legal representative as conventions name them: 'Mme Sophie Bernard, directrice'",
    ),
    area: str | None = typer.Option(
        None, "--area", help="departments it serves, e.g. 31,81 ('' clears)"
    ),
    commune: str | None = typer.Option(None, "--commune"),
    postal_code: str | None = typer.Option(None, "--postal-code", help="5 digits"),
) -> None:
    """Change what conventions and letters print of an establishment; the rest stays."""
    from services.registry.establishments import set_establishment

    e = set_establishment(
        workspace(),
        finess,
        representative=representative,
        area=area,
        commune=commune,
        postal_code=postal_code,
    )
    console.print(
        f"establishment {e['finess']} {e['name']} updated (representative "
        f"{e['representative'] or '—'}, area {','.join(e['area']) or '—'})",
        markup=False,
    )


@app.command("list")
def list_(
    kind: str | None = typer.Option(None, "--kind", help="e.g. HAD, CHU, clinic"),
    department: str | None = typer.Option(
        None, "--department", help="operating in this department"
    ),
    wide: bool = WIDE_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List establishments by FINESS."""
    from services.registry.establishments import list_establishments

    rows = list_establishments(workspace(), kind=kind, department=department)
    if fmt is Format.json:
        print_json(rows)
        return
    if fmt is Format.csv:
        print_csv(
            COLUMNS, ([",".join(r[c]) if c == "area" else r[c] for c in COLUMNS] for r in rows)
        )
        return
    columns: list[str] = ["finess", text("name"), "kind", "public", text("area")]
    columns += [text("category"), "postal code", "listed"] if wide else []
    cells = (
        [r["finess"], r["name"], r["kind"], r["public"], ", ".join(r["area"])]
        + ([r["category"], r["postal_code"], r["from_list"]] if wide else [])
        for r in rows
    )
    print_table(table(plural(len(rows), "establishment"), columns, cells))
