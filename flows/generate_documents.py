"""`generate-documents`: fill every convention of a type (optionally of some GHTs) in batches.

Thin orchestration over `services.generation.batches` (the loop `ghtflow generate --all` runs in
its own process when no Prefect server is configured): each batch is one task (one transaction,
one workspace), retried when it fails (a database that went away, a full disk), and a markdown
artifact lists the files filled. A document its model cannot fill does not stop the others:
the run fills the rest, then fails with `GenerationIncomplete` (the files and the failures).
The flow reads its configuration (`GHTFLOW_*`) where it runs.

Run it with `ghtflow generate --type chu_convention --all` when `PREFECT_API_URL` names a
server, or from Python: `run_flow(generate_documents, "chu_convention", ghts=["OCC-02"])`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact

from flows._workspace import flow_workspace
from services.errors import Refusal
from services.generation import fill as generation
from services.generation.batches import BATCH_SIZE, Filled, Progress, fill_in_batches

ARTIFACT_KEY = "generated-documents"


def _worth_retrying(task: Any, task_run: Any, state: Any) -> bool:
    """A refusal (missing value, no template…) fails the same way again: not retried."""
    try:
        state.result()
    except Refusal:
        return False
    except Exception:
        return True
    return False


@task(name="fill-batch", retries=2, retry_delay_seconds=1, retry_condition_fn=_worth_retrying)
def fill_batch(document_ids: list[int], as_of: date | None = None) -> dict[str, Any]:
    """Fill one batch of documents in one transaction: `files` as `FilledFile` dicts and
    `failures` (documents refused, as `FillFailure` dicts; the others are kept)."""
    ws = flow_workspace(None)
    try:
        failures: list[generation.FillFailure] = []
        files = generation.generate_documents(ws, document_ids, as_of=as_of, failures=failures)
        return {"files": [f.as_dict() for f in files], "failures": [f.as_dict() for f in failures]}
    finally:
        ws.close()


def markdown_listing(
    doc_type: str, files: list[dict[str, Any]], failures: list[dict[str, Any]] | None = None
) -> str:
    lines = [
        f"# {len(files)} {doc_type} files filled",
        "",
        "| document | GHT | file | sha256 | bytes |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {f['document_id']} | {f['ght']} | {f['file_name']} | {f['sha256'][:12]}… "
        f"| {f['size']} |"
        for f in files
    ]
    if failures:
        lines += ["", f"## {len(failures)} documents not filled", ""]
        lines += ["| document | GHT | reason |", "|---|---|---|"]
        lines += [
            f"| {f['document_id']} | {f['ght']} | {f['reason'].replace('|', '¦')} |"
            for f in failures
        ]
    return "\n".join(lines)


@flow(name="generate-documents", log_prints=False)
def generate_documents(
    doc_type: str,
    ghts: list[str] | None = None,
    as_of: date | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """Fill the documents of `doc_type` batch by batch; `progress(done, total)` after each
    batch (the CLI's progress bar; not recorded by Prefect)."""
    ws = flow_workspace(None)
    try:
        ids = generation.documents_to_fill(ws, doc_type, ghts or ())
    finally:
        ws.close()

    def fill(batch: list[int]) -> Filled:
        done = fill_batch(batch, as_of)
        return (
            [generation.FilledFile(**f) for f in done["files"]],
            [generation.FillFailure(**f) for f in done["failures"]],
        )

    files, failures = fill_in_batches(ids, fill, batch_size, progress)
    rows = [f.as_dict() for f in files]
    create_markdown_artifact(
        key=ARTIFACT_KEY,
        markdown=markdown_listing(doc_type, rows, [f.as_dict() for f in failures]),
        description=f"{doc_type}: files filled from the Word templates",
    )
    if failures:
        raise generation.GenerationIncomplete(files, failures)
    return rows
