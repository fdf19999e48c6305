"""Every convention of a type, batch by batch: `ghtflow generate --type T --all`.

The command line fills them in its own process (`fill_type`); the `generate-documents` flow runs
the same loop (`fill_in_batches`) with one Prefect task per batch. Each batch is one transaction
(a document its model cannot fill is rolled back alone and reported, the others are kept), so
that a run of a whole region never holds one long transaction, and a progress bar moves.
Never one task per document: a task run costs 11-16 ms, filling a convention about 5 ms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from services.generation.fill import (
    FilledFile,
    FillFailure,
    documents_to_fill,
    generate_documents,
)
from services.workspace import Workspace

BATCH_SIZE = 25

Filled = tuple[list[FilledFile], list[FillFailure]]
# (documents done, documents in all), before the first batch and after each one
Progress = Callable[[int, int], None]


def fill_in_batches(
    document_ids: Sequence[int],
    fill: Callable[[list[int]], Filled],
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Filled:
    """`fill` each batch of `document_ids` in turn: the files filled, and the failures."""
    ids = list(document_ids)
    files: list[FilledFile] = []
    failures: list[FillFailure] = []
    if progress is not None:
        progress(0, len(ids))
    for start in range(0, len(ids), batch_size):
        batch = ids[start : start + batch_size]
        done, failed = fill(batch)
        files.extend(done)
        failures.extend(failed)
        if progress is not None:
            progress(start + len(batch), len(ids))
    return files, failures


def fill_type(
    ws: Workspace,
    doc_type: str,
    ghts: Sequence[str] = (),
    as_of: date | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> Filled:
    """Fill every document of `doc_type` (of `ghts` when given) in this process."""

    def fill(batch: list[int]) -> Filled:
        failures: list[FillFailure] = []
        return generate_documents(ws, batch, as_of=as_of, failures=failures), failures

    ids = documents_to_fill(ws, doc_type, ghts)
    return fill_in_batches(ids, fill, batch_size, progress)
