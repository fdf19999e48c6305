"""`ghtflow documents list|show|fire`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    SHAPE_OPTION,
    WIDE_OPTION,
    Format,
    Shape,
    console,
    parse_day,
    plain,
    plural,
    print_csv,
    print_json,
    print_left_out,
    print_table,
    row_id,
    table,
    text,
)
from services.limits import ID_MAX

app = typer.Typer(help="Documents owed by the GHTs and their lifecycle.", no_args_is_help=True)

LIST_COLUMNS = ["id", "ght", "type", "state", "state_label", "due_date", "version"]


@app.command("list")
def list_(
    ght: str | None = typer.Option(
        None, "--ght", help="holder code: a GHT (OCC-02) or a structure (PTA-973)"
    ),
    doc_type: str | None = typer.Option(None, "--type", help="document type, e.g. pmsp"),
    state: str | None = typer.Option(None, "--state", help="state name, e.g. submitted"),
    region: str | None = typer.Option(None, "--region", help="region code, e.g. GUY"),
    wide: bool = WIDE_OPTION,
    fmt: Format = FORMAT_OPTION,
) -> None:
    """List documents, optionally filtered by holder, type, state and region."""
    from services.registry.regions import region_id_of
    from services.views.documents import list_documents

    ws = workspace()
    region_id = region_id_of(ws, region) if region is not None else None
    documents = list_documents(ws, ght=ght, doc_type=doc_type, state=state, region_id=region_id)
    if fmt is Format.json:
        print_json(documents)
    elif fmt is Format.csv:
        print_csv(LIST_COLUMNS, ([d[c] for c in LIST_COLUMNS] for d in documents))
    else:
        columns: list[str] = ["id", "ght", "type", text("state"), "due"]
        columns += ["state key", "version"] if wide else []
        rows = (
            [d["id"], d["ght"], d["type"], d["state_label"], d["due_date"]]
            + ([d["state"], d["version"]] if wide else [])
            for d in documents
        )
        print_table(table(plural(len(documents), "document"), columns, rows))


@app.command()
def show(
    document_id: int = typer.Argument(..., metavar="ID", parser=row_id("document")),
    since: str | None = typer.Option(
        None, "--since", help="history from this business day on (YYYY-MM-DD)"
    ),
    limit: int | None = typer.Option(
        None, "--limit", min=1, max=ID_MAX, help="the latest N events of the history only"
    ),
    wide: bool = WIDE_OPTION,
    fmt: Shape = SHAPE_OPTION,
) -> None:
    """Show one document with its versions, conformity requests and history (oldest first;
    with --limit, the latest N events)."""
    from services.views.documents import show_document

    doc = show_document(workspace(), document_id)
    day = parse_day(since)
    history = [h for h in doc["history"] if day is None or h["as_of"] >= day.isoformat()]
    left_out = len(doc["history"]) - len(history)
    if limit is not None and len(history) > limit:
        history = history[len(history) - limit :]
    left_out = len(doc["history"]) - len(history)
    if fmt is Shape.json:
        print_json(doc | {"history": history})
    else:
        print_document(doc | {"history": history}, wide=wide)
    if left_out:
        how = " and ".join(
            option
            for option, given in ((f"--since {since}", since), (f"--limit {limit}", limit))
            if given
        )
        print_left_out(left_out, "event", how, stderr=fmt is Shape.json)


def print_document(doc: dict[str, Any], *, wide: bool = False) -> None:
    console.print(
        Text.assemble(
            (f"Document {doc['id']}", "bold"),
            plain(f" — {doc['type_label']} — {doc['ght']} {doc['ght_name']}"),
        )
    )
    console.print(
        Text.assemble(
            "State: ", (plain(doc["state_label"]).plain, "bold"), plain(f" ({doc['state']})")
        )
    )
    for name, value in (("Reference", doc["reference"]), ("Title", doc["title"])):
        if value:
            console.print(plain(f"{name}: {value}"))
    console.print(
        f"Due date: {doc['due_date'] or '—'}   version: {doc['version']}"
        f"   received: {doc['submitted_on'] or '—'}   lock_version: {doc['lock_version']}"
    )
    problem = doc.get("workflow_problem")
    allowed = ", ".join(doc["allowed_events"]) or (
        f"none ({problem})" if problem else "none (final state)"
    )
    console.print(f"Allowed events: {allowed}")
    if doc.get("assessment"):
        verdicts = {True: "met", False: "not met", None: "not assessed"}
        grid = (
            (
                a["criterion"],
                a["label"],
                verdicts[a["met"]],
                a["assessed_on"] or "—",
                a["note"] or "",
            )
            for a in doc["assessment"]
        )
        cols = ["criterion", text("label"), "verdict", "on", text("note")]
        print_table(table("Assessment grid", cols, grid))
    if doc["conformity_requests"]:
        rows = (
            (
                _dates(
                    ("requested", c["requested_on"]),
                    ("respond by", c["respond_by"]),
                    ("answered", c["answered_on"]),
                ),
                "\n".join(c["motives"]),
                c["note"],
            )
            for c in doc["conformity_requests"]
        )
        cols = ["dates", "motives", text("note")]
        print_table(table("Conformity requests", cols, rows))
    if doc["versions"]:
        files = (
            (v["number"], v["received_on"], v["file_name"] or "—", v["size"], _short(v["sha256"]))
            for v in doc["versions"]
        )
        cols = ["version", "received", text("file"), "bytes", "sha256"]
        print_table(table("Versions", cols, files))
    print_table(_history(doc["history"], wide))


def _dates(*dates: tuple[str, str | None]) -> str:
    """`requested 2017-10-30` then `respond by 2017-12-01`, one a line (the ones that exist)."""
    return "\n".join(f"{name} {day}" for name, day in dates if day)


def _history(events: list[dict[str, Any]], wide: bool) -> Table:
    """Date, event and new state, then who and what: the actor's address in the details
    keeps the table within 80 columns (`--wide`: one column each, and the former state)."""
    if wide:
        cols: list[str] = ["#", "date", "event", "from", "to", "actor"]
        rows = (
            [h["seq"], h["as_of"], h["event"], h["from"] or "—", h["to"], h["actor"], _details(p)]
            for h in events
            for p in [h["payload"]]
        )
        return table("History", [*cols, text("details")], rows)
    rows = (
        [
            h["as_of"],
            f"{h['event']}\n→ {h['to']}",
            "\n".join(filter(None, [h["actor"], _details(h["payload"])])),
        ]
        for h in events
    )
    return table("History", ["date", "event", text("by, details")], rows)


def _short(sha256: str | None) -> str:
    """The first 12 hex digits: enough to tell files apart on screen (JSON has the whole)."""
    return sha256[:12] if sha256 else "—"


def _details(payload: dict[str, Any]) -> str:
    from services.adapters.stored import UNREADABLE_KEY, motive_keys

    parts = []
    if "version" in payload:
        parts.append(
            f"v{payload['version']}"
            + (f" {payload['file_name']}" if "file_name" in payload else "")
        )
    if "motives" in payload:
        parts.append("motives: " + ", ".join(motive_keys(payload["motives"])))
    if "respond_by" in payload:
        parts.append(f"respond by {payload['respond_by']}")
    if "criterion" in payload:
        verdict = "met" if payload.get("met") is True else "not met"
        parts.append(f"{payload['criterion']}: {verdict}")
    if "note" in payload:
        parts.append(f"« {payload['note']} »")
    if "dated_by" in payload:
        parts.append(f"dated by {payload['dated_by']}")
    if UNREADABLE_KEY in payload:
        parts.append(f"unreadable payload: {payload[UNREADABLE_KEY]}")
    return "; ".join(parts)


@app.command()
def fire(
    document_id: int = typer.Argument(..., metavar="ID", parser=row_id("document")),
    event: str = typer.Argument(..., help="e.g. submit, request_conformity, approve"),
    actor: str = typer.Option(..., "--actor", help="e-mail address of the person acting"),
    motive: list[str] = typer.Option([], "--motive", help="motive key (repeat for several)"),
    note: str | None = typer.Option(None, "--note", help="free text kept with the event"),
    respond_by: str | None = typer.Option(None, "--respond-by", help="YYYY-MM-DD"),
    file: Path | None = typer.Option(None, "--file", help="the document's file (submit/resubmit)"),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="business date, default today: not after today nor before the document's last "
        "event; the history records that the operator dated it",
    ),
    expect_version: int | None = typer.Option(
        None,
        "--expect-version",
        min=0,
        max=ID_MAX,
        help="refuse if the document's lock_version differs",
    ),
    criterion: str | None = typer.Option(
        None, "--criterion", help="criterion of the assessment grid (assess)"
    ),
    met: bool | None = typer.Option(
        None, "--met/--not-met", help="the verdict on --criterion (assess)", show_default=False
    ),
) -> None:
    """Fire an event on a document as the given person."""
    from services.lifecycle.fire import fire as fire_event

    result = fire_event(
        workspace(),
        document_id,
        event,
        actor,
        as_of=parse_day(as_of),
        motives=tuple(motive),
        note=note,
        respond_by=parse_day(respond_by),
        file=file,
        expected_version=expect_version,
        criterion=criterion,
        met=met,
    )
    version = f", version {result.version}" if result.version else ""
    console.print(
        f"document {result.document_id}: {result.event}: {result.from_state} → "
        f"{result.to_state} ({result.state_label}){version}",
        markup=False,
    )
