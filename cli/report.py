"""`ghtflow report bilan`: the regional summary as of a date."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import FORMAT_OPTION, Format, console, parse_day, print_csv, print_json, table

app = typer.Typer(help="Regional reports.", no_args_is_help=True)


@app.command()
def bilan(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD, default today"),
    region: str | None = typer.Option(
        None, "--region", help="region code (e.g. OCC): its documents only; default every region"
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Counts per document type and state, and each GHT's documents, as of a date."""
    from services.clock import today
    from services.registry.regions import region_id_of
    from services.views.reports import bilan as compute

    ws = workspace()
    region_id = region_id_of(ws, region) if region is not None else None
    result = compute(ws, parse_day(as_of) or today(), region_id)
    if fmt is Format.json:
        print_json(result.as_json())
        return
    labels = {t: ws.workflows.definition(t) for t in ws.workflows.types}
    if fmt is Format.csv:
        print_csv(
            ["as_of", "type", "state", "state_label", "count"],
            (
                [result.as_of.isoformat(), t, s, labels[t].label_of(s), n]
                for t, states in result.counts.items()
                for s, n in states.items()
            ),
        )
        return
    rows = []
    for doc_type, states in result.counts.items():
        parts = [f"{labels[doc_type].label_of(s)} {n}" for s, n in states.items() if n]
        rows.append((labels[doc_type].label, sum(states.values()), " · ".join(parts) or "—"))
    day = result.as_of.strftime("%d/%m/%Y")
    console.print(table(f"Bilan régional au {day}", ["document", "total", "états"], rows))
    types = [t for t, states in result.counts.items() if sum(states.values())]
    ght_rows = []
    for line in result.ghts:
        cells = {t: [] for t in types}  # type: dict[str, list[str]]
        for d in line.documents:
            cells[d["type"]].append(d["state_label"])
        ght_rows.append((line.code, line.name, *(", ".join(cells[t]) or "—" for t in types)))
    console.print(table("Par GHT", ["GHT", "nom", *types], ght_rows))
