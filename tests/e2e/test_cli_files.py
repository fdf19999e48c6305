"""`documents fire --file` and `files gc` as an operator types them: what the API refuses the
CLI refuses, nothing refused reaches the file store, and the store can be cleaned."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.e2e.runner import director, ghtflow, ok, ok_json, one_line_error
from tests.file_samples import PDF


def _store(home: Path) -> list[Path]:
    root = home / "files"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("text.pdf", "error: file text.pdf is not a PDF or Word (.docx, .doc) document"),
        ("/dev/zero", "error: /dev/zero is not a regular file (a device, FIFO or socket)"),
        ("/etc", "error: /etc is a folder, not a file"),
    ],
)
def test_fire_refuses_what_is_not_a_document_and_stores_nothing(
    fresh_home, doc_ids, source, message
):
    doc = doc_ids["OCC-02", "pmsp"]
    if source == "text.pdf":
        (fresh_home / source).write_text("a text file named .pdf\n")
        source = str(fresh_home / source)
    result = ghtflow(fresh_home, "documents", "fire", doc, "submit",
                     "--actor", director("OCC-02"), "--file", source)  # fmt: skip
    assert one_line_error(result).startswith(message)
    assert _store(fresh_home) == []


def test_files_gc_dry_run_then_removal(fresh_home, doc_ids):
    doc = doc_ids["OCC-02", "pmsp"]
    pdf = fresh_home / "pmsp.pdf"
    pdf.write_bytes(PDF)
    ok(fresh_home, "documents", "fire", doc, "submit", "--actor", director("OCC-02"),
       "--file", pdf, "--as-of", "2017-10-16")  # fmt: skip
    (kept,) = _store(fresh_home)
    orphan = fresh_home / "files" / "cd" / ("cd" * 32)
    orphan.parent.mkdir()
    orphan.write_bytes(b"x" * 1000)
    past = time.time() - 7200
    for path in (kept, orphan):
        os.utime(path, (past, past))

    out = ok(fresh_home, "files", "gc", "--dry-run")
    assert out.splitlines() == [
        f"would remove {orphan}",
        "1 file would be removed, 1000 bytes would be freed",
    ]
    assert orphan.exists()
    assert ok_json(fresh_home, "files", "gc")["freed_bytes"] == 1000
    assert _store(fresh_home) == [kept]
    assert ok(fresh_home, "files", "gc") == "0 files removed, 0 bytes freed\n"
