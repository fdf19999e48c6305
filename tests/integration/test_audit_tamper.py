"""Edits made with a database editor, behind ghtflow's back, on SQLite and PostgreSQL: each one
makes `verify` name what no longer holds, in one line. The editor can write the database but
does not hold the audit key."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, text

from models import Event
from models.db import table_of
from services.audit.chain import (
    AuditError,
    AuditKey,
    chained_message,
    rechain_migrated,
    rekey,
    verify_chain,
    write_checkpoint,
)
from services.lifecycle.fire import fire
from tests.integration.helpers import OFFICER, a_file, director, document_id

D = date
EVENT = table_of(Event)


@pytest.fixture
def story(occitanie, tmp_path):
    """The scenario (39 documents, one event each) and OCC-02's PMSP submitted with a file."""
    doc = document_id(occitanie, "OCC-02", "pmsp")
    fire(occitanie, doc, "submit", director("OCC-02"), as_of=D(2017, 10, 16), file=a_file(tmp_path))
    return occitanie, doc


def _request_conformity(ws, doc: int) -> None:
    fire(
        ws,
        doc,
        "request_conformity",
        OFFICER,
        as_of=D(2017, 10, 30),
        motives=("shared_care_project",),
        respond_by=D(2017, 12, 1),
    )


def _sql(ws, statement: str, **params) -> None:
    with ws.db.engine.begin() as conn:
        conn.execute(text(statement), params)


def _broken(ws, *against: Path) -> str:
    report = verify_chain(ws, against)
    assert not report.intact
    problem = report.problem or ""
    assert problem and "\n" not in problem, problem
    return problem


def test_intact_history_verifies_with_what_it_checked(story):
    ws, _doc = story
    report = verify_chain(ws)
    assert report.intact, report.problem
    assert (report.events, report.documents, report.versions) == (40, 39, 8)
    assert report.head_seq == 40
    assert report.summary().startswith("audit chain intact: 40 events over 39 documents, head 40")


def test_deleting_the_last_event_of_a_document(story):
    ws, doc = story
    _sql(ws, "DELETE FROM event WHERE document_id = :d AND seq = 2", d=doc)
    problem = _broken(ws)
    assert "head records position 40" in problem and "position 39" in problem


def test_deleting_the_last_event_and_fixing_the_head_and_the_document(story):
    ws, doc = story
    _sql(ws, "DELETE FROM event WHERE document_id = :d AND seq = 2", d=doc)
    _sql(
        ws,
        "UPDATE audithead SET chain_seq = 39, hash = (SELECT hash FROM event WHERE chain_seq = 39)",
    )
    _sql(ws, "UPDATE document SET state = 'draft', current_version = 0 WHERE id = :d", d=doc)
    _sql(ws, "DELETE FROM documentversion WHERE document_id = :d", d=doc)
    # nothing inside the database tells; the checkpoint kept outside it does
    assert verify_chain(ws).intact
    _sql(ws, "DELETE FROM event WHERE chain_seq = 39")
    assert "chain head records position 39" in _broken(ws)


def test_truncated_tail_is_detected_through_the_checkpoint(story):
    ws, doc = story
    checkpoint = write_checkpoint(ws)
    assert (checkpoint.seq, ws.settings.effective_audit_checkpoints.exists()) == (40, True)
    _sql(ws, "DELETE FROM event WHERE document_id = :d AND seq = 2", d=doc)
    _sql(
        ws,
        "UPDATE audithead SET chain_seq = 39, hash = (SELECT hash FROM event WHERE chain_seq = 39)",
    )
    _sql(ws, "UPDATE document SET state = 'draft', current_version = 0 WHERE id = :d", d=doc)
    _sql(ws, "DELETE FROM documentversion WHERE document_id = :d", d=doc)
    problem = _broken(ws)
    assert "the chain ends at position 39" in problem
    assert "recorded position 40" in problem and "audit-checkpoints.jsonl line 1" in problem


def test_a_checkpoint_file_from_elsewhere_is_checked_too(story, tmp_path):
    ws, doc = story
    elsewhere = tmp_path / "agency-copy.jsonl"
    write_checkpoint(ws, elsewhere)
    ws.settings.effective_audit_checkpoints.unlink(missing_ok=True)  # the local copy is gone
    _sql(ws, "DELETE FROM event WHERE document_id = :d AND seq = 2", d=doc)
    _sql(
        ws,
        "UPDATE audithead SET chain_seq = 39, hash = (SELECT hash FROM event WHERE chain_seq = 39)",
    )
    _sql(ws, "UPDATE document SET state = 'draft', current_version = 0 WHERE id = :d", d=doc)
    _sql(ws, "DELETE FROM documentversion WHERE document_id = :d", d=doc)
    assert verify_chain(ws).intact
    assert "agency-copy.jsonl line 1" in _broken(ws, elsewhere)


def test_an_edited_checkpoint_line_is_refused(story):
    ws, _doc = story
    write_checkpoint(ws)
    path = ws.settings.effective_audit_checkpoints
    line = json.loads(path.read_text())
    path.write_text(json.dumps(line | {"seq": 12}) + "\n")
    assert "line 1: the checkpoint does not match its HMAC" in _broken(ws)


def test_deleting_every_event_of_a_document(story):
    ws, _doc = story
    other = document_id(ws, "OCC-05", "pmsp")
    _sql(ws, "DELETE FROM event WHERE document_id = :d", d=other)
    assert "is missing (an event was removed)" in _broken(ws)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("UPDATE document SET state = 'approved' WHERE id = :d", "is in state 'approved'"),
        (
            "UPDATE document SET ght_id = (SELECT id FROM ght WHERE code = 'OCC-01'), "
            "reference = 'moved' WHERE id = :d",
            "(changed without an event)",
        ),
        ("UPDATE documentversion SET file_hash = :h WHERE document_id = :d", "file hash changed"),
    ],
    ids=["state", "ght", "file_hash"],
)
def test_changes_beside_the_history(story, edit, expected):
    ws, doc = story
    _sql(ws, edit, d=doc, h="f" * 64)
    problem = _broken(ws)
    assert f"document {doc}" in problem and expected in problem


def test_rewritten_event_with_hashes_recomputed_without_the_key(story):
    ws, doc = story
    forger = AuditKey.of("a guess at the key")
    with ws.db.engine.begin() as conn:
        rows = conn.execute(select(EVENT).order_by(EVENT.c.chain_seq)).mappings().all()
        previous = None
        for raw in rows:
            row = dict(raw)
            if row["document_id"] == doc and row["seq"] == 2:
                row["actor"] = "someone-else@example.org"
            if previous is not None:
                row["prev_hash"] = previous
            row["hash"] = forger.mac(chained_message(row))
            conn.execute(
                text("UPDATE event SET actor = :a, prev_hash = :p, hash = :h WHERE id = :i"),
                {"a": row["actor"], "p": row["prev_hash"], "h": row["hash"], "i": row["id"]},
            )
            previous = row["hash"]
        conn.execute(text("UPDATE audithead SET hash = :h"), {"h": previous})
    problem = _broken(ws)
    assert "chain position 1)" in problem and "does not match its HMAC" in problem


def test_malformed_or_edited_dates(story, backend):
    ws, doc = story
    if backend == "sqlite":  # SQLite stores any text: a value that is no date at all
        _sql(ws, "UPDATE event SET at = 'yesterday' WHERE document_id = :d AND seq = 2", d=doc)
        assert "its 'at' value 'yesterday' is not a date-time" in _broken(ws)
        _sql(ws, "UPDATE event SET at = '2017-10-16 09:00:00.000000', as_of = '16/10/2017'")
        assert "its 'as_of' value '16/10/2017' is not a date" in _broken(ws)
    else:  # PostgreSQL only stores real instants: an edited one
        _sql(ws, "UPDATE event SET at = at - interval '1 day' WHERE document_id = :d", d=doc)
        assert "does not match its HMAC" in _broken(ws)


def test_edited_payload(story):
    ws, doc = story
    _sql(ws, "UPDATE event SET payload = '{not json' WHERE document_id = :d AND seq = 2", d=doc)
    assert "does not match its HMAC (row altered" in _broken(ws)


def test_another_key_is_named_and_refused_for_writing(story):
    ws, doc = story
    ws.__dict__["audit_key"] = AuditKey.of("another key")
    assert "chained under another audit key" in _broken(ws)
    with pytest.raises(AuditError, match="is not the key of the history"):
        _request_conformity(ws, doc)


def test_rekey_rechains_under_the_new_key(story, tmp_path):
    ws, doc = story
    write_checkpoint(ws)
    new_key = tmp_path / "new-key"
    new_key.write_text("a brand new audit key, kept secret\n")
    done = rekey(ws, new_key)
    assert done.events == 40 and done.key_file == ws.settings.home / "audit_key"
    assert (ws.settings.home / "audit_key").read_text() == "a brand new audit key, kept secret"
    report = verify_chain(ws)
    assert report.intact, report.problem
    assert (report.checkpoints, report.earlier_key_checkpoints) == (1, 1)
    _request_conformity(ws, doc)
    assert verify_chain(ws).events == 41


def test_rekey_refuses_a_history_that_does_not_hold(story, tmp_path):
    ws, doc = story
    _sql(ws, "UPDATE document SET state = 'approved' WHERE id = :d", d=doc)
    new_key = tmp_path / "new-key"
    new_key.write_text("another")
    with pytest.raises(AuditError, match=f"not re-keyed: document {doc} is in state"):
        rekey(ws, new_key)


def _as_migrated(ws) -> None:
    """The history as migration 0008 leaves one made of per-document SHA-256 chains."""
    from services.audit.chain import _legacy_hash

    with ws.db.engine.begin() as conn:
        rows = conn.execute(select(EVENT).order_by(EVENT.c.document_id, EVENT.c.seq)).mappings()
        last: dict[int, str] = {}
        for raw in list(rows):
            row = dict(raw) | {"prev_hash": last.get(raw["document_id"], "0" * 64)}
            row["hash"] = _legacy_hash(row)
            last[row["document_id"]] = row["hash"]
            conn.execute(
                text("UPDATE event SET prev_hash = :p, hash = :h WHERE id = :i"),
                {"p": row["prev_hash"], "h": row["hash"], "i": row["id"]},
            )
        conn.execute(text("UPDATE audithead SET key_id = ''"))


def test_a_migrated_history_is_rechained_once(story):
    ws, _doc = story
    _as_migrated(ws)
    assert "run 'ghtflow audit rechain'" in _broken(ws)
    assert rechain_migrated(ws) == 40
    assert rechain_migrated(ws) is None
    assert verify_chain(ws).intact


def test_a_migrated_history_altered_before_the_upgrade_is_not_rechained(story):
    ws, doc = story
    _as_migrated(ws)
    _sql(ws, "UPDATE event SET actor = 'x' WHERE document_id = :d AND seq = 2", d=doc)
    with pytest.raises(AuditError, match=r"not re-chained: .* does not match its former hash"):
        rechain_migrated(ws)
