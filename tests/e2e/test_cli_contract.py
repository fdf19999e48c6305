"""The contract of the `ghtflow` command, driven as a user drives it (subprocess, SQLite).

Every command runs the installed console script with its own GHTFLOW_HOME; the Occitanie
2017 scenario is loaded once per module (`loaded_home`) and tests that change state work on a
copy (`fresh_home`). Refusals are checked to leave the database as it was.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import stat
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from services.audit.chain import AuditKey
from tests.e2e.runner import (
    DOC_TYPES,
    GHTFLOW,
    OFFICER,
    SCENARIO,
    copy_home,
    director,
    env_for,
    ghtflow,
    ok,
    ok_json,
    one_line_error,
    usage_error,
)

CONTRACT_FIELDS = {"id", "ght", "type", "state", "due_date", "version"}
MOTIVES = (
    "biology_pharmacy_imaging, monitoring_evaluation, quality_safety_strategy, shared_care_project"
)


def db_row(home: Path, sql: str, *params: object) -> tuple[Any, ...]:
    with sqlite3.connect(home / "ghtflow.db") as conn:
        row = conn.execute(sql, params).fetchone()
    assert row is not None
    return tuple(row)


def document_snapshot(home: Path, doc: int) -> tuple[Any, ...]:
    """State, lock version, current version and number of events of one document."""
    return db_row(
        home,
        "SELECT state, version_id, current_version, "
        "(SELECT count(*) FROM event WHERE document_id = document.id) "
        "FROM document WHERE id = ?",
        doc,
    )


# --- documents list ---------------------------------------------------------------------------


def test_list_json_gives_the_39_documents_of_the_scenario(all_documents):
    assert len(all_documents) == 39
    assert all(set(d) >= CONTRACT_FIELDS for d in all_documents)
    assert len({d["id"] for d in all_documents}) == 39
    assert Counter(d["type"] for d in all_documents) == {
        "pmsp": 14,
        "chu_convention": 11,
        "eprd_budget_g": 14,
    }
    assert Counter((d["type"], d["state"]) for d in all_documents) == {
        ("pmsp", "approved"): 3,
        ("pmsp", "conformity_requested"): 4,
        ("pmsp", "interim_amendment"): 1,
        ("pmsp", "draft"): 6,
        ("chu_convention", "signed"): 3,
        ("chu_convention", "draft"): 8,
        ("eprd_budget_g", "draft"): 14,
    }
    pmsp = next(d for d in all_documents if d["ght"] == "OCC-02" and d["type"] == "pmsp")
    assert (pmsp["state"], pmsp["due_date"], pmsp["version"]) == ("draft", "2017-07-01", 0)


def test_list_by_ght_gives_its_three_documents(loaded_home, doc_ids):
    documents = ok_json(loaded_home, "documents", "list", "--ght", "OCC-02")
    assert sorted((d["type"], d["id"]) for d in documents) == sorted(
        (t, doc_ids["OCC-02", t]) for t in ("pmsp", "chu_convention", "eprd_budget_g")
    )
    assert {(d["ght"], d["state"]) for d in documents} == {("OCC-02", "draft")}
    due = {d["type"]: d["due_date"] for d in documents}
    assert due == {
        "pmsp": "2017-07-01",
        "chu_convention": "2017-12-31",
        "eprd_budget_g": "2017-12-31",
    }


def test_list_by_type_and_state(loaded_home):
    documents = ok_json(loaded_home, "documents", "list", "--type", "pmsp", "--state", "approved")
    assert len(documents) == 3
    assert sorted(d["ght"] for d in documents) == ["OCC-01", "OCC-08", "OCC-12"]
    assert {(d["type"], d["state"], d["version"]) for d in documents} == {("pmsp", "approved", 1)}


def test_list_csv_has_a_header_and_39_rows(loaded_home, all_documents):
    out = ok(loaded_home, "documents", "list", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    header, data = rows[0], rows[1:]
    assert header[:4] == ["id", "ght", "type", "state"]
    assert len(data) == 39
    by_id = {str(d["id"]): d for d in all_documents}
    assert {r[0] for r in data} == set(by_id)
    for row in data:
        doc = by_id[row[0]]
        assert row[1:4] == [doc["ght"], doc["type"], doc["state"]]


def test_list_unknown_type_is_refused(loaded_home):
    message = one_line_error(ghtflow(loaded_home, "documents", "list", "--type", "bogus"))
    assert message == ("error: unknown document type 'bogus'; known types: " + ", ".join(DOC_TYPES))


# --- documents show ---------------------------------------------------------------------------


def test_show_a_pmsp_with_its_conformity_request(loaded_home, doc_ids):
    doc_id = doc_ids["OCC-04", "pmsp"]
    doc = ok_json(loaded_home, "documents", "show", doc_id)
    assert (doc["id"], doc["ght"], doc["type"], doc["state"]) == (
        doc_id,
        "OCC-04",
        "pmsp",
        "conformity_requested",
    )
    assert doc["version"] == 1
    assert doc["allowed_events"] == ["resubmit"]
    [request] = doc["conformity_requests"]
    assert request["motives"] == ["shared_care_project", "monitoring_evaluation"]
    assert (request["requested_on"], request["respond_by"], request["answered_on"]) == (
        "2017-09-20",
        "2017-11-20",
        None,
    )
    assert request["note"].startswith("Le projet de soins partagé reste à détailler")
    [load] = doc["history"]
    assert {k: load[k] for k in ("event", "actor", "from", "to", "as_of")} == {
        "event": "load",
        "actor": "scenario:occitanie-2017",
        "from": None,
        "to": "conformity_requested",
        "as_of": "2017-09-20",
    }


# --- report bilan -----------------------------------------------------------------------------


def test_bilan_json_counts_every_state_of_every_type(loaded_home):
    states = {t["type"]: list(t["states"]) for t in ok_json(loaded_home, "states", "list")}
    assert list(states) == DOC_TYPES
    bilan = ok_json(loaded_home, "report", "bilan", "--as-of", "2017-10-13")
    assert bilan["as_of"] == "2017-10-13"
    counts = bilan["counts"]
    assert list(counts) == DOC_TYPES
    for doc_type, names in states.items():
        assert list(counts[doc_type]) == names, doc_type
    expected = {t: dict.fromkeys(names, 0) for t, names in states.items()}
    expected["pmsp"] |= {"approved": 3, "conformity_requested": 4, "interim_amendment": 1}
    expected["pmsp"] |= {"draft": 6, "submitted": 0}
    expected["chu_convention"] |= {"signed": 3, "draft": 8}
    expected["eprd_budget_g"] |= {"draft": 14}
    assert counts == expected


def test_states_table_gives_each_state_its_french_label_and_events(loaded_home):
    out = ok(loaded_home, "states", "list")
    assert "pmsp — Projet médical et de soins partagé (PMSP)" in out
    assert re.search(r"│ draft\s*│ En préparation\s*│ adopt_interim\s*│\n│\s*│\s*│ submit", out)
    assert re.search(r"│ conformity_requested │ Mise en conformité demandée\s*│ resubmit", out)
    assert re.search(r"│ approved\s*│ Approuvé\s*│ final", out)
    for doc_type in DOC_TYPES:
        assert re.search(rf"^{doc_type} — ", out, flags=re.M), doc_type


def test_bilan_table_reads_in_english_with_the_french_labels(loaded_home):
    out = ok(loaded_home, "report", "bilan", "--as-of", "2017-10-13")
    assert "Regional summary on 2017-10-13" in out  # dates one way: ISO
    assert "chu_convention" not in out  # the types' labels, not their keys
    assert re.search(r"Projet médical et de soins partagé \(PMSP\)\s*│\s*14\s*│", out)


# --- audit ------------------------------------------------------------------------------------


def test_audit_verify_accepts_the_loaded_scenario(loaded_home):
    out = ok(loaded_home, "audit", "verify")
    assert out.startswith("audit chain intact: 39 events over 39 documents, head 39 ")
    assert len(out.splitlines()) == 1


def test_audit_verify_names_an_altered_event(fresh_home):
    with sqlite3.connect(fresh_home / "ghtflow.db") as conn:
        assert conn.execute("UPDATE event SET actor = 'x' WHERE id = 5").rowcount == 1
    conn.close()
    result = ghtflow(fresh_home, "audit", "verify")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    assert re.search(r"\bevent 5\b", line), line
    assert "altered" in line


def test_audit_verify_names_a_malformed_date_in_one_line(fresh_home):
    with sqlite3.connect(fresh_home / "ghtflow.db") as conn:
        assert conn.execute("UPDATE event SET at = '32/13/2017' WHERE id = 7").rowcount == 1
    conn.close()
    line = one_line_error(ghtflow(fresh_home, "audit", "verify"))
    assert "event 7 " in line and "its 'at' value '32/13/2017' is not a date-time" in line


def test_audit_checkpoint_then_verify_against_a_copy(fresh_home, tmp_path):
    out = ok(fresh_home, "audit", "checkpoint")
    checkpoint = json.loads(out)
    assert (checkpoint["seq"], sorted(checkpoint)) == (39, ["at", "hash", "key_id", "mac", "seq"])
    assert (fresh_home / "audit-checkpoints.jsonl").read_text() == out
    copy = tmp_path / "agency.jsonl"
    copy.write_text(out)
    (fresh_home / "audit-checkpoints.jsonl").unlink()
    with sqlite3.connect(fresh_home / "ghtflow.db") as conn:  # the tail, the head and the state
        conn.execute("DELETE FROM event WHERE chain_seq = 39")
        conn.execute(
            "UPDATE audithead SET chain_seq = 38, "
            "hash = (SELECT hash FROM event WHERE chain_seq = 38)"
        )
    conn.close()
    assert "has no event" in one_line_error(ghtflow(fresh_home, "audit", "verify"))
    line = one_line_error(ghtflow(fresh_home, "audit", "verify", "--against", copy))
    assert "agency.jsonl line 1) recorded position 39" in line


def test_the_key_file_made_by_the_commands_is_private(loaded_home):
    key_file = loaded_home / "audit_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # created on first use by the commands


def test_audit_verify_under_another_key_names_it_in_one_line(fresh_home):
    other = "not the key this history was chained under"
    result = subprocess.run(
        [str(GHTFLOW), "audit", "verify"],
        env=env_for(fresh_home) | {"GHTFLOW_AUDIT_KEY": other},
        cwd=fresh_home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    line = one_line_error(result)
    ids = AuditKey.of((fresh_home / "audit_key").read_text()).id, AuditKey.of(other).id
    assert line == (
        f"error: the history is chained under another audit key (id {ids[0]}) than the "
        f"configured one (id {ids[1]}); set GHTFLOW_AUDIT_KEY or HOME/audit_key to that key"
    )
    assert other not in result.stderr
    assert ok(fresh_home, "audit", "verify").startswith("audit chain intact: 39 events")


# --- states -----------------------------------------------------------------------------------


def test_states_diagram_is_mermaid(loaded_home):
    out = ok(loaded_home, "states", "diagram", "pmsp")
    lines = out.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    [*] --> draft" in lines
    assert "    submitted --> approved: approve (ARS)" in lines
    assert "    approved --> [*]" in lines


# --- load -------------------------------------------------------------------------------------


def test_load_twice_changes_nothing(loaded_home):
    out = ok(loaded_home, "load", SCENARIO)
    assert "Nothing changed" in out
    assert re.search(r"documents\s*│\s*0\s*│\s*0\s*│\s*39\s*│", out), out


def _bad_ght(text: str) -> tuple[str, int]:
    lines = text.splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if "{ght: OCC-03, type: pmsp" in line)
    lines[index] = lines[index].replace("ght: OCC-03", "ght: OCC-99")
    return "".join(lines), index + 1


def _yaml_syntax_error(text: str) -> tuple[str, int]:
    lines = text.splitlines(keepends=True)
    index = next(i for i, ln in enumerate(lines) if "{ght: OCC-11, type: chu_convention" in ln)
    lines[index] = lines[index].rstrip("\n") + " ]]\n"
    return "".join(lines), index + 1


@pytest.mark.parametrize(
    ("break_it", "reason"),
    [(_bad_ght, "unknown GHT 'OCC-99'"), (_yaml_syntax_error, "YAML syntax: ")],
    ids=["bad-ght-code", "yaml-syntax"],
)
def test_malformed_scenario_names_file_and_line_and_loads_nothing(
    empty_home, tmp_path, break_it, reason
):
    text, line = break_it(SCENARIO.read_text(encoding="utf-8"))
    broken = tmp_path / "broken-occitanie.yaml"
    broken.write_text(text, encoding="utf-8")
    message = one_line_error(ghtflow(empty_home, "load", broken))
    assert message.startswith(f"error: {broken}:{line}: {reason}"), message
    assert ok_json(empty_home, "documents", "list") == []
    for table in ("region", "establishment", "ght", "person", "campaign", "document", "event"):
        assert db_row(empty_home, f"SELECT count(*) FROM {table}") == (0,), table


# --- documents fire: a PMSP played through its lifecycle --------------------------------------


def test_pmsp_played_from_draft_to_approval(fresh_home, doc_ids, tmp_path):
    doc = doc_ids["OCC-02", "pmsp"]
    occ02 = director("OCC-02")
    v1, v2 = tmp_path / "pmsp-lot-v1.pdf", tmp_path / "pmsp-lot-v2.pdf"
    v1.write_bytes(b"%PDF-1.4\nPMSP GHT du Lot, version 1\n%%EOF\n")
    v2.write_bytes(b"%PDF-1.4\nPMSP GHT du Lot, version 2 (volet biologie)\n%%EOF\n")

    fire = ("documents", "fire", str(doc))
    out = ok(fresh_home, *fire, "submit", "--actor", occ02, "--file", v1, "--as-of", "2017-10-16")
    assert out == f"document {doc}: submit: draft → submitted (Transmis à l'ARS), version 1\n"
    out = ok(
        fresh_home,
        *fire,
        "request_conformity",
        "--actor",
        OFFICER,
        "--motive",
        "biology_pharmacy_imaging",
        "--motive",
        "shared_care_project",
        "--note",
        "Préciser le projet de biologie.",
        "--respond-by",
        "2017-11-30",  # exactly one month later: the earliest date allowed
        "--as-of",
        "2017-10-30",
    )
    assert "submitted → conformity_requested" in out
    out = ok(fresh_home, *fire, "resubmit", "--actor", occ02, "--file", v2, "--as-of", "2017-11-24")
    assert out.endswith("conformity_requested → submitted (Transmis à l'ARS), version 2\n")
    out = ok(fresh_home, *fire, "approve", "--actor", OFFICER, "--as-of", "2017-12-08")
    assert out == f"document {doc}: approve: submitted → approved (Approuvé), version 2\n"

    shown = ok_json(fresh_home, "documents", "show", doc)
    assert (shown["state"], shown["version"], shown["allowed_events"]) == ("approved", 2, [])
    # `show` carries every field of the document's `list` row, with the same values
    [listed] = [d for d in ok_json(fresh_home, "documents", "list") if d["id"] == doc]
    assert listed["submitted_on"] == "2017-11-24"
    assert {k: shown[k] for k in listed} == listed
    assert [
        (v["number"], v["file_name"], v["received_on"], v["sha256"], v["size"])
        for v in shown["versions"]
    ] == [
        (n, f.name, day, hashlib.sha256(f.read_bytes()).hexdigest(), f.stat().st_size)
        for n, f, day in ((1, v1, "2017-10-16"), (2, v2, "2017-11-24"))
    ]
    assert [(h["event"], h["actor"], h["from"], h["to"], h["as_of"]) for h in shown["history"]] == [
        ("load", "scenario:occitanie-2017", None, "draft", "2017-10-13"),
        ("submit", occ02, "draft", "submitted", "2017-10-16"),
        ("request_conformity", OFFICER, "submitted", "conformity_requested", "2017-10-30"),
        ("resubmit", occ02, "conformity_requested", "submitted", "2017-11-24"),
        ("approve", OFFICER, "submitted", "approved", "2017-12-08"),
    ]
    table = ok(fresh_home, "documents", "show", doc)
    assert "version: 2   received: 2017-11-24   lock_version: 5" in table
    for number, f, day in ((1, v1, "2017-10-16"), (2, v2, "2017-11-24")):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()[:12]
        row = rf"│ {number}\s*│ {day} │ {f.name}\s*│ {f.stat().st_size}\s*│ {digest} "
        assert re.search(row, table), (row, table)
    [request] = shown["conformity_requests"]
    assert request == {
        "motives": ["biology_pharmacy_imaging", "shared_care_project"],
        "note": "Préciser le projet de biologie.",
        "requested_on": "2017-10-30",
        "respond_by": "2017-11-30",
        "requested_by": OFFICER,
        "answered_on": "2017-11-24",
    }

    # The bilan reads history as of a date: the past stays as it was.
    before = ok_json(fresh_home, "report", "bilan", "--as-of", "2017-10-20")["counts"]["pmsp"]
    assert (before["draft"], before["submitted"], before["approved"]) == (5, 1, 3)
    after = ok_json(fresh_home, "report", "bilan", "--as-of", "2017-12-31")["counts"]["pmsp"]
    assert (after["draft"], after["submitted"], after["approved"]) == (5, 0, 4)
    assert after["conformity_requested"] == 4
    out = ok(fresh_home, "audit", "verify")
    assert out.startswith("audit chain intact: 43 events over 39 documents, head 43 ")


# --- refusals: exit 1, one line, nothing changed ----------------------------------------------

DRAFT_REFUSALS = [
    pytest.param(
        ["approve", "--actor", OFFICER, "--as-of", "2017-10-16"],
        "error: document {doc} (pmsp, OCC-02): event 'approve' is not allowed in state 'draft'; "
        "allowed events: adopt_interim, submit",
        id="illegal-event",
    ),
    pytest.param(
        ["submit", "--actor", "direction@occ-03.example.org", "--file", "{file}"],
        "error: direction@occ-03.example.org acts for OCC-03 and may not act on "
        "document {doc} (pmsp, OCC-02)",
        id="another-ght",
    ),
    pytest.param(
        ["submit", "--actor", "nobody@example.org", "--file", "{file}"],
        "error: unknown actor 'nobody@example.org': no person with that e-mail address",
        id="unknown-actor",
    ),
    pytest.param(
        ["submit", "--actor", director("OCC-02"), "--file", "{missing}"],
        "error: file not found: {missing}",
        id="file-not-found",
    ),
    pytest.param(
        ["submit", "--actor", director("OCC-02"), "--as-of", "2017-10-16"],
        "error: document {doc} (pmsp, OCC-02): submit refused: a file is required",
        id="no-file",
    ),
]


@pytest.mark.parametrize(("args", "expected"), DRAFT_REFUSALS)
def test_refusals_on_a_draft(loaded_home, doc_ids, tmp_path, args, expected):
    doc = doc_ids["OCC-02", "pmsp"]
    a_file = tmp_path / "pmsp.pdf"
    a_file.write_bytes(b"%PDF-1.4\nPMSP\n")
    names = {"doc": doc, "file": a_file, "missing": tmp_path / "absent.pdf"}
    before = document_snapshot(loaded_home, doc)
    assert before == ("draft", 1, 0, 1)
    args = [a.format(**names) for a in args]
    message = one_line_error(ghtflow(loaded_home, "documents", "fire", doc, *args))
    assert message == expected.format(**names)
    assert document_snapshot(loaded_home, doc) == before


@pytest.mark.parametrize("command", ["fire", "show"])
def test_unknown_document(loaded_home, command):
    extra = ["submit", "--actor", OFFICER] if command == "fire" else []
    message = one_line_error(ghtflow(loaded_home, "documents", command, "999", *extra))
    assert message == "error: document 999 does not exist"


@pytest.fixture(scope="module")
def submitted_home(loaded_home, doc_ids, tmp_path_factory) -> Path:
    """A copy of the scenario where OCC-02's PMSP was submitted on 16 October 2017."""
    home = copy_home(loaded_home, tmp_path_factory.mktemp("submitted") / "home")
    pdf = home / "pmsp-v1.pdf"
    pdf.write_bytes(b"%PDF-1.4\nPMSP v1\n")
    doc = doc_ids["OCC-02", "pmsp"]
    ok(home, "documents", "fire", doc, "submit", "--actor", director("OCC-02"), "--file", pdf,
       "--as-of", "2017-10-16")  # fmt: skip
    return home


SUBMITTED_REFUSALS = [
    pytest.param(
        ["approve", "--actor", director("OCC-02"), "--as-of", "2017-10-20"],
        "error: document {doc} (pmsp, OCC-02): event 'approve' is for the agency (ARS), "
        "not for the GHT",
        id="wrong-side",
    ),
    pytest.param(
        [
            *("request_conformity", "--actor", OFFICER),
            *("--respond-by", "2017-12-01", "--as-of", "2017-10-30"),
        ],
        "error: document {doc} (pmsp, OCC-02): request_conformity refused: at least one motive "
        f"is required; known motives: {MOTIVES}",
        id="no-motive",
    ),
    pytest.param(
        [
            *("request_conformity", "--actor", OFFICER, "--motive", "shared_care_project"),
            *("--respond-by", "2017-11-29", "--as-of", "2017-10-30"),
        ],
        "error: document {doc} (pmsp, OCC-02): request_conformity refused: respond-by date "
        "2017-11-29 is less than 1 month(s) after 2017-10-30; earliest allowed: 2017-11-30",
        id="respond-by-too-early",
    ),
]


@pytest.mark.parametrize(("args", "expected"), SUBMITTED_REFUSALS)
def test_refusals_on_a_submitted_document(submitted_home, doc_ids, args, expected):
    doc = doc_ids["OCC-02", "pmsp"]
    before = document_snapshot(submitted_home, doc)
    assert before == ("submitted", 2, 1, 2)
    message = one_line_error(ghtflow(submitted_home, "documents", "fire", doc, *args))
    assert message == expected.format(doc=doc)
    assert document_snapshot(submitted_home, doc) == before


def test_database_without_schema_suggests_db_upgrade(tmp_path):
    home = tmp_path / "no-schema"
    home.mkdir()
    message = one_line_error(ghtflow(home, "documents", "list"))  # a read creates nothing
    assert message.startswith(f"error: no database at {home / 'ghtflow.db'} "), message
    assert message.endswith("create one with 'ghtflow db upgrade'"), message
    assert not (home / "ghtflow.db").exists()
    sqlite3.connect(home / "ghtflow.db").close()  # a file, but no schema in it
    message = one_line_error(ghtflow(home, "documents", "list"))
    assert message.startswith("error: the database has no ghtflow schema yet"), message
    assert message.endswith("or run 'ghtflow db upgrade'"), message


# --- usage errors: exit 2 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        pytest.param(
            ["report", "bilan", "--as-of", "2017-13-45"],
            "'2017-13-45' is not a date YYYY-MM-DD",
            id="bad-date-bilan",
        ),
        pytest.param(
            ["documents", "fire", "{doc}", "approve", "--actor", OFFICER, "--as-of", "2017-13-45"],
            "'2017-13-45' is not a date YYYY-MM-DD",
            id="bad-date-fire",
        ),
        pytest.param(
            ["documents", "fire", "{doc}", "submit"], "Missing option '--actor'", id="no-actor"
        ),
        pytest.param(
            ["documents", "list", "--format", "xml"], "'xml' is not one of", id="bad-format"
        ),
    ],
)
def test_usage_errors_exit_2(loaded_home, doc_ids, args, expected):
    doc = doc_ids["OCC-02", "pmsp"]
    stderr = usage_error(ghtflow(loaded_home, *(a.format(doc=doc) for a in args)))
    assert expected in stderr
    assert document_snapshot(loaded_home, doc) == ("draft", 1, 0, 1)
