"""`ghtflow compliance`: what each GHT owes under the role matrix, and what exists."""

from __future__ import annotations

from typing import Any

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    Format,
    console,
    err_console,
    parse_day,
    plural,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)

STATUS = {"missing": "MISSING", "in_progress": "in progress", "done": "done"}


def compliance(
    ght: str | None = typer.Option(None, "--ght", help="one GHT, e.g. OCC-01"),
    fmt: Format = FORMAT_OPTION,
    create_missing: bool = typer.Option(
        False, "--create-missing", help="create the missing required conventions, in draft"
    ),
    campaign: str | None = typer.Option(
        None,
        "--campaign",
        help="campaign for --create-missing (default: the region's latest open one)",
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="date of the creation events"),
    check: bool = typer.Option(
        False,
        "--check",
        help="print only what is missing and exit 1 if a required item is (for cron)",
    ),
) -> None:
    """Required conventions (CHU, HAD), public HADs as parties, and suggested links."""
    from services.campaigns.owed import create_missing as create
    from services.registry.compliance import compliance_report

    ws = workspace()
    if create_missing:
        result = create(ws, ght=ght, campaign=campaign, as_of=parse_day(as_of))
        if fmt is Format.table:
            for c in result.created:
                with_ = ", ".join(f"{f}" + (f" (area {a})" if a else "") for f, a in c.parties)
                verb = "extended" if c.added_to_existing else "created"
                console.print(
                    f"{verb} document {c.document_id}: {c.ght} {c.doc_type} "
                    f"(campaign {c.campaign}, due {c.due_date or '—'}) with {with_}",
                    markup=False,
                )
            for reason in result.skipped:
                console.print(f"not created: {reason}", markup=False)
            if not result.created and not result.skipped:
                console.print("Nothing to create: every required convention exists.")
    elif campaign is not None or as_of is not None:
        from services.errors import InvalidInput

        raise InvalidInput("--campaign and --as-of apply with --create-missing only")
    report = compliance_report(ws, ght=ght)
    if fmt is Format.json:
        print_json(report)
    elif fmt is Format.csv:
        print_csv(CSV_COLUMNS, _csv_rows(report))
    elif check:
        _print_missing(report)
    else:
        _print(report)
    if check and _missing(report):
        raise typer.Exit(1)


def _missing(report: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The required items no document answers, with their GHT's code."""
    return [
        (g["code"], i) for g in report["ghts"] for i in g["required"] if i["status"] == "missing"
    ]


def _print_missing(report: dict[str, Any]) -> None:
    """`--check`: one line per missing item on stdout, the verdict on stderr when some are."""
    from services.registry.compliance import establishment_names

    missing = _missing(report)
    ghts = plural(len(report["ghts"]), "GHT")
    if not missing:
        console.print(f"nothing required is missing over {ghts}")
        return
    names = establishment_names(workspace())
    for code, item in missing:
        console.print(f"{code}: {item['type']} missing (with {_with(item, names)})", markup=False)
    err_console.print(
        f"error: {plural(len(missing), 'required item')} missing over {ghts}", markup=False
    )


CSV_COLUMNS = ["ght", "owed", "type", "with", "document_id", "state", "status"]


def _csv_rows(report: dict[str, Any]) -> Any:
    """One row per item a GHT owes (`required`) or is advised to have (`suggested`); `with` is
    the FINESS numbers of the establishments it is made with, space-separated."""
    for g in report["ghts"]:
        for owed in ("required", "suggested"):
            for item in g[owed]:
                yield [
                    g["code"],
                    owed,
                    item["type"],
                    " ".join(item["with"]),
                    item["document_id"],
                    item["state"],
                    item["status"],
                ]


def _with(item: dict[str, Any], names: dict[str, str]) -> str:
    return "; ".join(f"{f} {names.get(f, '')}".strip() for f in item["with"]) or "CHU not set"


def _print(report: dict[str, Any]) -> None:
    from services.registry.compliance import establishment_names

    names = establishment_names(workspace())
    rows = []
    for g in report["ghts"]:
        for kind, items in (("required", g["required"]), ("suggested", g["suggested"])):
            for item in items:
                status = STATUS[item["status"]]
                if kind == "suggested":
                    status = "suggested" if item["status"] == "missing" else f"suggested, {status}"
                if item["document_id"]:
                    status += f": document {item['document_id']} {item['state']}"
                rows.append([g["code"], item["type"], _with(item, names), status])
        if not g["required"] and not g["suggested"]:
            rows.append([g["code"], "nothing owed", "", ""])
    cols = ["GHT", "type", text("with"), text("status")]
    print_table(table("Compliance with the role matrix", cols, rows))
    missing = len(_missing(report))
    console.print(
        f"{plural(missing, 'required item')} missing over {plural(len(report['ghts']), 'GHT')}."
    )
