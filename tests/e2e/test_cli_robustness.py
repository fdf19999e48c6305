"""Bad input gets one line and exit 1 (or a usage error, exit 2), never a traceback: ids no row
can have, rows of the history edited in the database, `generate --out` onto what is not a
folder it may fill."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from tests.e2e.runner import ghtflow, ok, ok_json, one_line_error, usage_error


@pytest.mark.parametrize("big", ["99999999999999999999", "9223372036854775808", "2147483648"])
def test_an_id_no_row_can_have_is_a_document_that_does_not_exist(loaded_home, big):
    line = one_line_error(ghtflow(loaded_home, "documents", "show", big))
    assert line == f"error: document {big} does not exist"
    for args in (("parties", "list", big), ("generate", big), ("outbox", "retry", big)):
        assert "does not exist" in one_line_error(ghtflow(loaded_home, *args))


def test_numbers_beyond_an_integer_column_are_usage_errors(loaded_home, doc_ids):
    doc = str(doc_ids["OCC-02", "pmsp"])
    assert "--limit" in usage_error(ghtflow(loaded_home, "outbox", "send", "--limit", "9" * 20))
    result = ghtflow(
        loaded_home, "documents", "fire", doc, "submit", "--actor", "a@b.example",
        "--expect-version", "9" * 20,
    )  # fmt: skip
    assert "--expect-version" in usage_error(result)


def _edit_event(home: Path, assignment: str) -> None:
    with sqlite3.connect(home / "ghtflow.db") as conn:
        assert conn.execute(f"UPDATE event SET {assignment} WHERE id = 5").rowcount == 1
    conn.close()


@pytest.mark.parametrize(
    ("assignment", "field"),
    [
        ("at = 'garbage'", "its 'at' value 'garbage' is not a date-time"),
        ("as_of = '2017-02-30'", "its 'as_of' value '2017-02-30' is not a date"),
        ("as_of = 12", "its 'as_of' value 12 is not a date"),
        ("payload = 'not json'", "does not match its HMAC"),  # the edit shows before the parse
    ],
)
def test_audit_verify_names_a_row_that_cannot_be_read(fresh_home, assignment, field):
    _edit_event(fresh_home, assignment)
    result = ghtflow(fresh_home, "audit", "verify")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert re.search(r"\bevent 5\b", line), line
    assert field in line
    if assignment.startswith("payload"):  # shown as it is: the rest of the record is sound
        assert "unreadable payload: not json" in ok(fresh_home, "documents", "show", "5")
        return
    shown = one_line_error(ghtflow(fresh_home, "documents", "show", "5"))
    assert "cannot be read" in shown and "audit verify" in shown


def test_generate_out_refuses_a_file_and_a_folder_it_cannot_create(fresh_home, doc_ids, tmp_path):
    doc = str(doc_ids["OCC-02", "chu_convention"])
    a_file = tmp_path / "bilan.txt"
    a_file.write_text("keep me", encoding="utf-8")
    line = one_line_error(ghtflow(fresh_home, "generate", doc, "--out", a_file))
    assert line == f"error: --out {a_file}: is a file, not a folder (name a folder to write to)"
    line = one_line_error(ghtflow(fresh_home, "generate", doc, "--out", a_file / "sub"))
    assert line.startswith(f"error: --out {a_file / 'sub'}: cannot create this folder")
    assert a_file.read_text(encoding="utf-8") == "keep me"


def test_generate_replaces_an_edited_file_only_with_force(fresh_home, doc_ids, tmp_path):
    doc = str(doc_ids["OCC-02", "chu_convention"])
    out = tmp_path / "new" / "folder"  # created when missing
    [made] = ok_json(fresh_home, "generate", doc, "--out", out)
    target = Path(made["path"])
    ok(fresh_home, "generate", doc, "--out", out)  # the same bytes again: nothing lost
    target.write_bytes(b"the signed copy")
    line = one_line_error(ghtflow(fresh_home, "generate", doc, "--out", out))
    assert f"{target.name} already exists with other content" in line and "--force" in line
    assert target.read_bytes() == b"the signed copy"
    ok(fresh_home, "generate", doc, "--out", out, "--force")
    assert target.read_bytes() != b"the signed copy"
