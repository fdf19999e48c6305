"""`ghtflow generate`: fill conventions and conformity letters from the Word templates.

`generate ID…` fills the given documents, all or none; `generate --type TYPE --all` fills every
document of the type batch by batch with a progress bar (on a terminal), and a document its
model cannot fill does not stop the others: the files filled are listed on stdout, each
document not filled is one `error:` line on stderr, and the exit status is 1. Both run in this
process; with a Prefect server configured (`PREFECT_API_URL`), `--all` runs the
`generate-documents` flow instead, recorded on that server (said in one line on stderr).
Either way the files are stored and recorded, then copied into `--out` (default
`$GHTFLOW_HOME/documents`).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.context import workspace
from cli.output import (
    FORMAT_OPTION,
    Format,
    err_console,
    parse_day,
    plural,
    print_csv,
    print_json,
    print_table,
    row_id,
    table,
)
from cli.progress import Bar, announce, logs_off_the_terminal, progress_bar

if TYPE_CHECKING:
    from services.generation.fill import FilledFile, FillFailure
    from services.workspace import Workspace

COLUMNS = ["document_id", "ght", "kind", "format", "file_name", "size", "sha256"]


def generate(
    document_ids: list[int] | None = typer.Argument(
        None,
        metavar="DOC_ID",
        help="documents to fill (without --all)",
        parser=row_id("document"),
    ),
    doc_type: str | None = typer.Option(
        None, "--type", help="with --all: chu_convention, had_convention, partnership_convention"
    ),
    ght: list[str] = typer.Option([], "--ght", help="with --all: only this GHT (repeatable)"),
    all_: bool = typer.Option(False, "--all", help="every document of --type"),
    out: Path | None = typer.Option(
        None, "--out", help="folder to write the files to (default $GHTFLOW_HOME/documents)"
    ),
    pdf: bool = typer.Option(False, "--pdf", help="also convert to PDF (needs LibreOffice)"),
    letter: bool = typer.Option(
        False, "--letter", help="only the letter of each document's latest conformity request"
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="date written in the documents (default: the data's own date)"
    ),
    force: bool = typer.Option(
        False, "--force", help="replace files in --out that have the same name but other content"
    ),
    fmt: Format = FORMAT_OPTION,
) -> None:
    """Fill Word conventions and conformity letters from the templates.

    For each DOC_ID: its convention when its type has a template, and the letter of its latest
    conformity request while it is in conformity_requested (--letter: the letter only)."""
    day = parse_day(as_of)
    if all_ == bool(document_ids):
        raise typer.BadParameter("give document ids, or --type TYPE --all (not both)")
    if all_ and doc_type is None:
        raise typer.BadParameter("--all needs --type")
    if not all_ and (doc_type is not None or ght):
        raise typer.BadParameter("--type and --ght go with --all")
    if all_ and letter:
        raise typer.BadParameter("--letter goes with document ids")

    from services.generation import fill as generation

    ws = workspace()
    target = out if out is not None else ws.settings.home / "documents"
    _prepare_out(target)  # before any work: a wrong --out costs nothing
    failures: list[FillFailure] = []
    if all_:
        assert doc_type is not None
        files, failures = _fill_all(ws, doc_type, ght, day)
    else:
        files = generation.generate_documents(ws, document_ids or [], as_of=day, letter_only=letter)
    _refuse_overwrites(files, target, force)
    paths = generation.export_files(ws, files, target)
    if pdf:
        from services.adapters.pdf import convert_to_pdf

        pdfs = convert_to_pdf(paths, target)
        files = files + generation.record_pdfs(ws, list(zip(files, pdfs, strict=True)))
    _print(files, target, fmt)
    for failure in failures:
        err_console.print(f"error: {failure.reason}", markup=False)
    if failures:
        raise typer.Exit(1)


def _prepare_out(target: Path) -> None:
    """`--out` is a folder this process can write in: created when missing; a file, or a folder
    that cannot be created or written to, is refused with one line naming it."""
    from services.errors import InvalidInput

    if target.exists() and not target.is_dir():
        raise InvalidInput(f"--out {target}: is a file, not a folder (name a folder to write to)")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"--out {target}: cannot create this folder ({exc.strerror})") from None
    if not os.access(target, os.W_OK | os.X_OK):
        raise InvalidInput(f"--out {target}: this folder is not writable")


def _refuse_overwrites(files: list[FilledFile], target: Path, force: bool) -> None:
    """A file already in `--out` under a generated file's name is replaced only when it holds
    the same bytes (filling the same data again) or with `--force`: it may be a copy someone
    has since edited or signed; a link or a folder under that name is never written through.
    Checked for every file before any is copied."""
    import hashlib

    from services.errors import InvalidInput

    for f in files:
        existing = target / f.file_name
        if existing.is_symlink() or (existing.exists() and not existing.is_file()):
            raise InvalidInput(f"--out {target}: {f.file_name} exists and is not a regular file")
        if existing.is_file() and not force:
            with existing.open("rb") as data:
                digest = hashlib.file_digest(data, "sha256").hexdigest()
            if digest != f.sha256:
                raise InvalidInput(
                    f"--out {target}: {f.file_name} already exists with other content; "
                    "move it away, or pass --force to replace it"
                )


def _fill_all(
    ws: Workspace, doc_type: str, ghts: list[str], day: Any
) -> tuple[list[FilledFile], list[FillFailure]]:
    """Every document of the type, with a progress bar on a terminal (stdout stays for the
    listing): in this process, or as a flow run on the configured Prefect server.

    The type, the GHTs and the model are checked first (a typo or a broken model costs no
    flow run). The files filled and the documents that were not."""
    from flows.runtime import prefect_api_url
    from services.generation.fill import documents_to_fill

    with logs_off_the_terminal(), progress_bar("filling", "documents") as bar:
        if prefect_api_url(ws.settings) is None:
            from services.generation.batches import fill_type

            return fill_type(ws, doc_type, ghts, day, progress=bar)
        documents_to_fill(ws, doc_type, ghts)
        return _run_flow(ws, doc_type, ghts, day, bar)


def _run_flow(
    ws: Workspace, doc_type: str, ghts: list[str], day: Any, bar: Bar
) -> tuple[list[FilledFile], list[FillFailure]]:
    """The `generate-documents` flow, recorded on the configured server; a refusal inside the
    flow reaches the user as one line (Prefect's own logging stays off the terminal)."""
    from flows.runtime import prepare_prefect, run_recorded
    from services.generation.fill import FilledFile, GenerationIncomplete

    prepare_prefect(ws.settings)
    from flows.generate_documents import generate_documents

    try:
        rows = run_recorded(announce, generate_documents, doc_type, ghts or None, day, progress=bar)
    except GenerationIncomplete as incomplete:
        return incomplete.files, incomplete.failures
    return [FilledFile(**row) for row in rows], []


def _print(files: list[FilledFile], target: Path, fmt: Format) -> None:
    rows = [f.as_dict() | {"path": str(target / f.file_name)} for f in files]
    if fmt is Format.json:
        print_json(rows)
    elif fmt is Format.csv:
        print_csv([*COLUMNS, "path"], ([r[c] for c in [*COLUMNS, "path"]] for r in rows))
    else:
        print_table(
            table(
                f"{plural(len(files), 'file')} in {target}",
                COLUMNS[:-1],
                ([r[c] for c in COLUMNS[:-1]] for r in rows),
            )
        )
