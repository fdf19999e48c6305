"""A broken or hostile agency model meets real data (SQLite and PostgreSQL): a run over many
documents fills the others and reports the one it could not fill; a conformity request whose
letter model is hostile is still recorded, and its e-mail goes without the letter."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document as Docx
from sqlmodel import col, select

from models import ConformityRequest, GeneratedFile, OutboxMessage
from services.clock import today
from services.errors import InvalidInput
from services.generation.fill import FillFailure, documents_to_fill, generate_documents
from services.lifecycle.fire import fire
from settings import Settings
from states.guards import add_months
from tests.integration.helpers import OFFICER, a_file, director, document_id

RCE = "{{ cycler.__init__.__globals__.os.system('touch pwned') }}"


def use_models(ws, folder: Path, name: str, *lines: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    doc = Docx()
    for line in lines:
        doc.add_paragraph(line)
    doc.save(str(folder / name))
    ws.settings = Settings(**{**ws.settings.model_dump(), "templates_dir": folder})


def recorded(ws) -> list[int]:
    with ws.db.reading() as session:
        rows = session.exec(select(GeneratedFile).order_by(col(GeneratedFile.id))).all()
        return [r.document_id for r in rows]


def test_a_run_goes_on_past_a_document_its_model_cannot_fill(occitanie, tmp_path):
    ws = occitanie
    use_models(
        ws,
        tmp_path / "models",
        "convention_chu.docx",
        "{{ ght.name }}",
        "{% if ght.code == 'OCC-03' %}{{ ght.name.nope }}{% endif %}",
    )
    ids = [document_id(ws, code, "chu_convention") for code in ("OCC-02", "OCC-03", "OCC-04")]
    failures: list[FillFailure] = []
    files = generate_documents(ws, ids, failures=failures)
    assert [f.document_id for f in files] == [ids[0], ids[2]]
    assert failures == [
        FillFailure(
            ids[1],
            "OCC-03",
            f"document {ids[1]} (chu_convention, OCC-03): convention_chu.docx: missing value "
            "'nope' in str",
        )
    ]
    assert recorded(ws) == [ids[0], ids[2]]
    with pytest.raises(InvalidInput, match="'nope'"):  # without `failures`: all or nothing
        generate_documents(ws, ids)
    assert recorded(ws) == [ids[0], ids[2]]


def test_a_model_that_cannot_compile_stops_the_run_before_any_document(occitanie, tmp_path):
    ws = occitanie
    use_models(ws, tmp_path / "models", "convention_chu.docx", "{{ ght.name }", "{{ x }}")
    with pytest.raises(InvalidInput, match=r"^convention_chu\.docx, paragraph 1: template error"):
        documents_to_fill(ws, "chu_convention")


def test_a_hostile_letter_model_does_not_stop_the_conformity_request(
    occitanie, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    ws = occitanie
    use_models(ws, tmp_path / "models", "lettre_mise_en_conformite.docx", "Objet", RCE)
    doc = document_id(ws, "OCC-02", "pmsp")
    fire(ws, doc, "submit", director("OCC-02"), file=a_file(tmp_path))
    result = fire(
        ws,
        doc,
        "request_conformity",
        OFFICER,
        motives=("biology_pharmacy_imaging",),
        respond_by=add_months(today(), 1),
    )
    assert result.to_state == "conformity_requested"
    with ws.db.reading() as session:
        assert session.exec(
            select(ConformityRequest).where(ConformityRequest.document_id == doc)
        ).one()
        [message] = session.exec(
            select(OutboxMessage).where(OutboxMessage.document_id == doc)
        ).all()
        assert message.kind == "conformity_request"
        assert message.attachments == []  # sent without the letter the model could not fill
    assert recorded(ws) == []
    assert not (tmp_path / "pwned").exists()
