"""`ghtflow campaigns create|list|show|set-due|close|launch`: what the agency asks the GHTs."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    SHAPE_OPTION,
    WIDE_OPTION,
    Format,
    Shape,
    console,
    parse_day,
    plural,
    print_csv,
    print_json,
    print_table,
    table,
    text,
)

if TYPE_CHECKING:
    from services.campaigns.launch import LaunchResult
    from services.campaigns.store import Details

app = typer.Typer(
    help="Campaigns: what the GHTs of a region owe, and by when.", no_args_is_help=True
)

AS_OF_HELP = "business day, YYYY-MM-DD (default today; never after it)"
MAIL = {
    "queued": "queued",
    "sent_before": "sent before",
    "nothing_owed": "nothing owed",
    "nobody": "NOT SENT",
    "refused": "NOT SENT",
}


def _due_options(values: list[str]) -> dict[str, date]:
    """`TYPE=YYYY-MM-DD` options as a mapping; a malformed one is a usage error (exit 2)."""
    due: dict[str, date] = {}
    for value in values:
        doc_type, sep, day = value.partition("=")
        doc_type = doc_type.strip()
        if not sep or not doc_type:
            raise typer.BadParameter(f"{value!r} is not TYPE=YYYY-MM-DD", param_hint="--due")
        if doc_type in due:
            raise typer.BadParameter(f"{doc_type} is given twice", param_hint="--due")
        parsed = parse_day(day.strip())
        assert parsed is not None
        due[doc_type] = parsed
    return due


def _reminders_option(value: str | None) -> tuple[int, ...] | None:
    from states.campaigns import parse_offsets

    if value is None:
        return None
    try:
        return parse_offsets(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--reminders") from None


def _counts(documents: dict[str, int]) -> str:
    return ", ".join(f"{state} {n}" for state, n in documents.items()) or "—"


def _print_details(d: Details) -> None:
    out = console.print
    out(f"{d.code} {d.name} (region {d.region}), created {d.created_at}")
    out(f"Launched on: {d.launched_on.isoformat() if d.launched_on else 'not launched yet'}")
    if d.closed_on:
        out(f"Closed on: {d.closed_on.isoformat()}")
    reminders = (
        ", ".join(str(o) for o in d.reminders) + " days before each due date"
        if d.reminders
        else "each type's own"
    )
    out(f"Reminders: {reminders}")
    rows = [
        [
            t,
            d.due[t].isoformat() if t in d.due else "—",
            sum(d.documents.get(t, {}).values()),
            _counts(d.documents.get(t, {})),
        ]
        for t in d.documents
    ]
    print_table(table(None, ["type", "due", "documents", text("states")], rows))


@app.command()
def create(
    code: str = typer.Argument(..., help="campaign code, e.g. OCC-2018"),
    region: str = typer.Option(..., "--region", help="region code, e.g. OCC"),
    name: str = typer.Option(..., "--name", help="e.g. 'Campagne GHT 2018'"),
    due: list[str] = typer.Option(
        [], "--due", help="TYPE=YYYY-MM-DD, once per document type (e.g. pmsp=2018-12-31)"
    ),
    reminders: str | None = typer.Option(
        None, "--reminders", help="days before each due date, e.g. 30,15,7,1 (default: each type's)"
    ),
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """Create a campaign of a region with its due dates (nothing is sent before `launch`)."""
    from services.campaigns.store import CampaignSpec, create_campaign

    spec = CampaignSpec(code, name, region, _due_options(due), _reminders_option(reminders))
    details = create_campaign(workspace(), spec)
    if fmt is Shape.json:
        print_json(details.as_json())
        return
    console.print(f"Created campaign {details.code}; launch it with 'ghtflow campaigns launch'.")
    _print_details(details)


LIST_COLUMNS = [
    "code",
    "name",
    "region",
    "due",
    "reminders",
    "launched_on",
    "closed_on",
    "documents",
]


def _list_row(item: dict[str, Any]) -> list[Any]:
    return [
        item["code"],
        item["name"],
        item["region"],
        " ".join(f"{t}={d}" for t, d in item["due"].items()),
        ",".join(str(o) for o in item["reminders"] or []),
        item["launched_on"] or "",
        item["closed_on"] or "",
        item["documents"],
    ]


@app.command("list")
def list_(
    region: str | None = typer.Option(None, "--region", help="region code, e.g. OCC"),
    wide: bool = WIDE_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Every campaign with its due dates, launch and closing days, and documents."""
    from services.campaigns.store import list_campaigns

    items = [d.as_list_item() for d in list_campaigns(workspace(), region=region)]
    if fmt is Format.json:
        print_json(items)
    elif fmt is Format.csv:
        print_csv(LIST_COLUMNS, (_list_row(i) for i in items))
    else:
        shown: list[str] = ["code", text("name"), "region", "launch", "documents"]
        shown += ["due", "reminders"] if wide else []
        rows = (
            [i["code"], i["name"], i["region"], _launch(i), i["documents"]]
            + (["\n".join(f"{t} {d}" for t, d in i["due"].items()), r[4]] if wide else [])
            for i, r in ((i, _list_row(i)) for i in items)
        )
        print_table(table(plural(len(items), "campaign"), shown, rows))


def _launch(item: dict[str, Any]) -> str:
    """`launched 2018-05-16` and `closed …` one a line, or `not launched`."""
    lines = [f"launched {item['launched_on']}"] if item["launched_on"] else ["not launched"]
    return "\n".join(lines + ([f"closed {item['closed_on']}"] if item["closed_on"] else []))


@app.command()
def show(
    code: str = typer.Argument(..., help="campaign code"),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """One campaign: due dates, launch, and its documents by type and state."""
    from services.campaigns.store import show_campaign

    details = show_campaign(workspace(), code)
    if fmt is Format.json:
        print_json(details.as_json())
    elif fmt is Format.csv:
        rows = [
            [t, d.isoformat() if (d := details.due.get(t)) else "", state, n]
            for t, states in details.documents.items()
            for state, n in (states.items() or [("", 0)])
        ]
        print_csv(["type", "due", "state", "documents"], rows)
    else:
        _print_details(details)


@app.command("set-due")
def set_due(
    code: str = typer.Argument(..., help="campaign code"),
    doc_type: str = typer.Argument(..., help="document type, e.g. sdsi"),
    day: str = typer.Argument(..., help="the new due date, YYYY-MM-DD"),
    as_of: str | None = typer.Option(None, "--as-of", help="day of the change: " + AS_OF_HELP),
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """Move a due date: the campaign's, and that of its documents not yet transmitted (each
    move is in the document's history; reminders follow the new date)."""
    from services.campaigns.due import set_due as run

    new_day = parse_day(day)
    assert new_day is not None
    result = run(workspace(), code, doc_type, new_day, as_of=parse_day(as_of))
    if fmt is Shape.json:
        print_json(result.as_json())
        return
    before = result.from_.isoformat() if result.from_ else "not due"
    console.print(f"{result.campaign} {result.doc_type}: due {before} -> {result.to.isoformat()}")
    for d in result.moved:
        was = d.from_.isoformat() if d.from_ else "none"
        console.print(f"moved document {d.document_id} ({d.ght}, {d.state}) from {was}")
    if result.delivered:
        kept = ", ".join(f"{d.document_id} ({d.ght})" for d in result.delivered)
        console.print(f"kept (already transmitted): {kept}")
    console.print(f"{plural(len(result.moved), 'document')} moved.")


@app.command()
def close(
    code: str = typer.Argument(..., help="campaign code"),
    as_of: str | None = typer.Option(None, "--as-of", help="closing day: " + AS_OF_HELP),
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """Close a campaign: it can no longer be launched or changed (its documents stay owed)."""
    from services.campaigns.store import close_campaign

    details = close_campaign(workspace(), code, as_of=parse_day(as_of))
    if fmt is Shape.json:
        print_json(details.as_list_item())
        return
    assert details.closed_on is not None
    console.print(f"Closed campaign {details.code} on {details.closed_on.isoformat()}.")


@app.command()
def launch(
    code: str = typer.Argument(..., help="campaign code"),
    as_of: str | None = typer.Option(None, "--as-of", help="launch day: " + AS_OF_HELP),
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """Create in draft what the campaign asks of each GHT of its region and queue each GHT's
    launch e-mail; launching again creates and sends only what is new."""
    from services.campaigns.launch import launch_campaign

    result = launch_campaign(workspace(), code, as_of=parse_day(as_of))
    if fmt is Shape.json:
        print_json(result.as_json())
        return
    _print_launch(result)


def _print_launch(result: LaunchResult) -> None:
    rows = []
    notes = []
    for g in result.ghts:
        created = ", ".join(
            f"{c.doc_type} {c.document_id}" + (" (extended)" if c.added_to_existing else "")
            for c in g.created
        )
        rows.append([g.code, created or "—", g.owed, MAIL[g.mail.value]])
        notes += [f"{g.code}: not created: {why}" for why in g.not_created]
        if g.reason:
            notes.append(f"{g.code}: e-mail not sent: {g.reason}")
    title = f"Campaign {result.campaign} (region {result.region}), launch of {result.as_of}"
    # a call for applications is owed by structures, not GHTs: the column names both
    print_table(table(title, ["holder", text("created"), "owed", "e-mail"], rows))
    for note in notes:
        console.print(note)
    console.print(
        f"{plural(result.created, 'document')} created, "
        f"{plural(result.mails_queued, 'e-mail')} queued; "
        f"launched on {result.launched_on.isoformat()}."
    )
