"""`ghtflow documents list|show|fire`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.text import Text

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    Format,
    console,
    parse_day,
    plain,
    print_csv,
    print_json,
    row_id,
    table,
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
        rows = ([d[c] for c in LIST_COLUMNS] for d in documents)
        console.print(table(f"{len(documents)} documents", LIST_COLUMNS, rows))


@app.command()
def show(
    document_id: int = typer.Argument(..., metavar="ID", parser=row_id("document")),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="table or json"),
) -> None:
    """Show one document with its versions, conformity requests and history."""
    from services.views.documents import show_document

    doc = show_document(workspace(), document_id)
    if fmt is not Format.table:
        print_json(doc)
        return
    print_document(doc)


def print_document(doc: dict[str, Any]) -> None:
    console.print(
        Text.assemble(
            (f"Document {doc['id']}", "bold"),
            plain(f" — {doc['type_label']} — {doc['ght']} {doc['ght_name']}"),
        )
    )
    console.print(
        Text.assemble(
            "État : ", (plain(doc["state_label"]).plain, "bold"), plain(f" ({doc['state']})")
        )
    )
    for name, value in (("Référence", doc["reference"]), ("Titre", doc["title"])):
        if value:
            console.print(plain(f"{name} : {value}"))
    console.print(
        f"Échéance : {doc['due_date'] or '—'}   version : {doc['version']}"
        f"   reçue le : {doc['submitted_on'] or '—'}   lock_version : {doc['lock_version']}"
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
        cols = ["criterion", "label", "verdict", "on", "note"]
        console.print(table("Assessment grid", cols, grid))
    if doc["conformity_requests"]:
        rows = (
            (
                c["requested_on"],
                ", ".join(c["motives"]),
                c["respond_by"],
                c["answered_on"],
                c["note"],
            )
            for c in doc["conformity_requests"]
        )
        cols = ["requested", "motives", "respond by", "answered", "note"]
        console.print(table("Conformity requests", cols, rows))
    if doc["versions"]:
        files = (
            (v["number"], v["received_on"], v["file_name"] or "—", v["size"], _short(v["sha256"]))
            for v in doc["versions"]
        )
        cols = ["version", "received", "file", "bytes", "sha256"]
        console.print(table("Versions", cols, files))
    history = (
        (
            h["seq"],
            h["as_of"],
            h["event"],
            h["from"] or "—",
            h["to"],
            h["actor"],
            _details(h["payload"]),
        )
        for h in doc["history"]
    )
    console.print(
        table("History", ["#", "date", "event", "from", "to", "actor", "details"], history)
    )


def _short(sha256: str | None) -> str:
    """The first 12 hex digits: enough to tell files apart on screen (JSON has the whole)."""
    return f"{sha256[:12]}…" if sha256 else "—"


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
