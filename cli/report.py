"""`ghtflow report bilan`: the regional summary as of a date."""

from __future__ import annotations

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    WIDE_OPTION,
    Format,
    parse_day,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)

app = typer.Typer(help="Regional reports.", no_args_is_help=True)


@app.command()
def bilan(
    as_of: str | None = typer.Option(None, "--as-of", help="YYYY-MM-DD, default today"),
    region: str | None = typer.Option(
        None, "--region", help="region code (e.g. OCC): its documents only; default every region"
    ),
    wide: bool = WIDE_OPTION,
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
    title = f"Regional summary on {result.as_of.isoformat()}"
    print_table(table(title, [text("document type"), "total", text("states")], rows))
    ght_rows = []
    for line in result.ghts:
        for i, d in enumerate(line.documents):
            holder = [line.code, *([line.name] if wide else [])] if i == 0 else ["", ""]
            ght_rows.append(
                (*holder[: 2 if wide else 1], labels[d["type"]].label, d["state_label"])
            )
        if not line.documents:
            ght_rows.append((line.code, *([line.name] if wide else []), "—", ""))
    names: list[str] = [text("name")] if wide else []
    columns = ["GHT", *names, text("document type"), text("state")]
    print_table(table("By GHT", columns, ght_rows))
