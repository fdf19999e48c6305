"""The file store on a real database: a file enters it only with the event that records it,
whoever sends it; the same content is one blob; `files gc` removes what no row references."""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from models import ConformityRequest
from services.adapters.files import Staged, collect_garbage
from services.errors import InvalidInput, PermissionDenied, ScenarioError
from services.generation.fill import generate_documents
from services.lifecycle.fire import fire
from services.scenario.load import load_scenario
from services.views.documents import list_documents, show_document
from states.errors import IllegalTransition
from tests.conftest import SCENARIO
from tests.file_samples import PDF, docx
from tests.integration.helpers import OFFICER, director, document_id

D = date
LATER = D(2017, 10, 16)


def _store(ws) -> list[Path]:
    """Everything in the file store's folder (blobs and temporary files)."""
    root = ws.files.root
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _inbox(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / "inbox" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(content)
    return path


def _age(paths: list[Path], seconds: float = 7200) -> None:
    past = time.time() - seconds
    for path in paths:
        os.utime(path, (past, past))


def test_a_refused_event_stores_nothing(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    other = document_id(ws, "OCC-03", "pmsp")
    pdf = _inbox(tmp_path, "pmsp.pdf", PDF)
    refusals = [
        (PermissionDenied, other, "submit", director("OCC-02")),  # another GHT's document
        (IllegalTransition, doc, "approve", OFFICER),  # not in this state
        (InvalidInput, doc, "adopt_interim", director("OCC-02")),  # takes no file
        (PermissionDenied, doc, "submit", "nobody@example.org"),
    ]
    for kind, target, event, actor in refusals:
        with pytest.raises(kind):
            fire(ws, target, event, actor, file=pdf, as_of=LATER)
    assert _store(ws) == []
    fire(ws, doc, "submit", director("OCC-02"), file=pdf, as_of=LATER)
    (blob,) = _store(ws)
    assert blob.read_bytes() == PDF and blob.name == show_document(ws, doc)["versions"][0]["sha256"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("shadow.pdf", b"root:$6$salt$hash:19000:0:99999:7:::\n", "is not a PDF or Word"),
        ("note.pdf", b"Ceci est un texte, pas un PDF.", "is not a PDF or Word"),
        ("fake.docx", b"PK\x03\x04 not a zip", "unreadable zip archive"),
        ("empty.pdf", b"", "file is empty"),
    ],
)
def test_every_caller_gets_the_content_check(occitanie, tmp_path, name, content, message):
    """What the API refused, the CLI (which calls `fire` with a path) refuses too."""
    doc = document_id(occitanie, "OCC-02", "pmsp")
    with pytest.raises(InvalidInput, match=message):
        fire(occitanie, doc, "submit", director("OCC-02"), file=_inbox(tmp_path, name, content))
    assert _store(occitanie) == []
    assert show_document(occitanie, doc)["version"] == 0


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "pipe.pdf"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: Path("/dev/zero"), "/dev/zero is not a regular file"),
        (lambda tmp: tmp, "is a folder, not a file"),
        (_fifo, "pipe.pdf is not a regular file"),
        (lambda tmp: tmp / "absent.pdf", "file not found"),
    ],
)
@pytest.mark.parametrize("backend", ["sqlite"])
def test_only_regular_files_are_read(occitanie, tmp_path, make, message):
    doc = document_id(occitanie, "OCC-02", "pmsp")
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match=message):
        fire(occitanie, doc, "submit", director("OCC-02"), file=make(tmp_path), as_of=LATER)
    assert time.perf_counter() - started < 1  # neither read whole nor blocked on the FIFO
    assert _store(occitanie) == []


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_refused(occitanie, tmp_path):
    secret = _inbox(tmp_path, "secret.pdf", PDF)
    secret.chmod(0)
    doc = document_id(occitanie, "OCC-02", "pmsp")
    with pytest.raises(InvalidInput, match="cannot be read"):
        fire(occitanie, doc, "submit", director("OCC-02"), file=secret, as_of=LATER)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_oversized_file_is_refused_from_its_size_without_reading_it(occitanie, tmp_path):
    big = tmp_path / "inbox.pdf"
    with big.open("wb") as out:  # sparse: 10 GiB announced, nothing written
        out.write(PDF)
        out.truncate(10 * 1024**3)
    doc = document_id(occitanie, "OCC-02", "pmsp")
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="the limit is 65536 bytes"):
        fire(occitanie, doc, "submit", director("OCC-02"), file=big, as_of=LATER)
    assert time.perf_counter() - started < 1
    assert _store(occitanie) == []


def test_the_same_content_twice_is_one_blob(occitanie, tmp_path):
    ws = occitanie
    word = docx()
    drafts = list_documents(ws, doc_type="pmsp", state="draft")[:2]
    for d in drafts:
        path = _inbox(tmp_path, f"{d['ght']}.docx", word)
        fire(ws, d["id"], "submit", director(d["ght"]), file=path, as_of=LATER)
    assert len(drafts) == 2
    (blob,) = _store(ws)
    assert blob.read_bytes() == word


def test_duplicate_motives_are_kept_once_in_their_order(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    fire(ws, doc, "submit", director("OCC-02"), file=_inbox(tmp_path, "p.pdf", PDF), as_of=LATER)
    motives = ("shared_care_project", "biology_pharmacy_imaging", "shared_care_project")
    fire(ws, doc, "request_conformity", OFFICER, motives=motives, respond_by=D(2017, 12, 1),
         as_of=D(2017, 10, 30))  # fmt: skip
    (request,) = show_document(ws, doc)["conformity_requests"]
    assert request["motives"] == ["shared_care_project", "biology_pharmacy_imaging"]
    assert show_document(ws, doc)["history"][-1]["payload"]["motives"] == request["motives"]
    with ws.db.reading() as session:
        row = session.exec(select(ConformityRequest).where(ConformityRequest.document_id == doc))
        assert row.one().motives == request["motives"]


def test_gc_removes_unreferenced_files_and_keeps_every_referenced_one(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    fire(ws, doc, "submit", director("OCC-02"), file=_inbox(tmp_path, "p.pdf", PDF), as_of=LATER)
    convention = document_id(ws, "OCC-03", "chu_convention")
    generated = generate_documents(ws, [convention], as_of=LATER)
    kept = _store(ws)
    assert len(kept) == 1 + len(generated)
    orphan = ws.files.path_of("ab" * 32)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"refused long ago")
    leftover = ws.files.root / ".incoming-crash"
    leftover.write_bytes(b"half an upload")
    recent = ws.files.root / ".incoming-now"  # an upload in progress: kept
    recent.write_bytes(b"being written")
    foreign = ws.files.root / "README"  # not ours: left alone
    foreign.write_text("notes")
    _age([*kept, orphan, leftover, foreign])

    dry = collect_garbage(ws, dry_run=True)
    assert sorted(dry.removed) == sorted([orphan, leftover])
    assert dry.freed_bytes == len(b"refused long ago") + len(b"half an upload")
    assert orphan.exists() and leftover.exists()

    done = collect_garbage(ws)
    assert sorted(done.removed) == sorted([orphan, leftover]) and done.kept_recent == 1
    assert done.freed_bytes == dry.freed_bytes
    assert _store(ws) == sorted([*kept, recent, foreign])
    assert collect_garbage(ws).removed == []


def test_a_crash_between_commit_and_move_is_repaired_by_gc(occitanie, tmp_path, monkeypatch):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")

    def crash(self: Staged) -> None:
        self.kept = True
        raise OSError("killed before the rename")

    monkeypatch.setattr(Staged, "promote", crash)
    with pytest.raises(OSError, match="killed"):
        fire(ws, doc, "submit", director("OCC-02"), file=_inbox(tmp_path, "p.pdf", PDF))
    (version,) = show_document(ws, doc)["versions"]
    (temporary,) = _store(ws)
    assert temporary.name.startswith(".incoming-") and temporary.read_bytes() == PDF
    _age([temporary])
    report = collect_garbage(ws)
    assert report.removed == [] and report.restored == [ws.files.path_of(version["sha256"])]
    assert ws.files.path_of(version["sha256"]).read_bytes() == PDF


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_scenario_motive_listed_twice_is_refused_with_its_line(ws, tmp_path):
    """A scenario is a file someone typed: a motive listed twice is a typo, named with its line
    (fire() de-duplicates what people send; the loader points at the file instead)."""
    text = SCENARIO.read_text(encoding="utf-8").replace(
        "{motives: [quality_safety_strategy],",
        "{motives: [quality_safety_strategy, quality_safety_strategy],",
    )
    scenario = tmp_path / "occitanie.yaml"
    scenario.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"occitanie.yaml:\d+: 'motives' lists a motive twice"):
        load_scenario(ws, scenario)


def test_a_file_store_that_is_a_file_is_refused_naming_the_setting(occitanie, tmp_path):
    """A file in the way of the store (here its folder became a file after start-up) is a
    configuration mistake in one line, and the event that would have stored is not recorded."""
    ws = occitanie
    in_the_way = tmp_path / "store-is-a-file"
    in_the_way.write_text("not a folder")
    ws.files.root = in_the_way
    doc = document_id(ws, "OCC-02", "pmsp")
    with pytest.raises(InvalidInput, match="GHTFLOW_FILES_DIR") as refused:
        fire(ws, doc, "submit", director("OCC-02"), file=_inbox(tmp_path, "p.pdf", PDF))
    assert f"the file store {in_the_way} cannot be used" in str(refused.value)
    assert show_document(ws, doc)["state"] == "draft"
    convention = document_id(ws, "OCC-03", "chu_convention")
    with pytest.raises(InvalidInput, match="GHTFLOW_FILES_DIR"):
        generate_documents(ws, [convention], as_of=LATER)
    assert in_the_way.read_text() == "not a folder"


def test_the_files_dir_setting_naming_a_file_is_refused(tmp_path):
    from settings import Settings, SettingsError

    regular = tmp_path / "files"
    regular.write_text("not a folder")
    with pytest.raises(SettingsError, match=f"GHTFLOW_FILES_DIR: {regular} is a file"):
        Settings(home=tmp_path, files_dir=regular)
