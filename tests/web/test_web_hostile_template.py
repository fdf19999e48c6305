"""Pages that fill a Word model (a conformity request attaches its letter) with a broken or
hostile agency model: the request is recorded and the page answers as usual, never 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document as Docx

from services.clock import today
from services.views.documents import show_document
from settings import Settings
from states.guards import add_months
from tests.integration.helpers import document_id

SQLITE = pytest.mark.parametrize("backend", ["sqlite"])
PDF = b"%PDF-1.4\n% projet medical partage\n" + b"0" * 2000


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """The test settings with an agency folder of models (filled in by each test)."""
    (tmp_path / "models").mkdir()
    return Settings(
        home=tmp_path,
        database_url=database_url,
        max_file_bytes=64 * 1024,
        templates_dir=tmp_path / "models",
    )


def letter_model(settings: Settings, *lines: str) -> None:
    assert settings.templates_dir is not None
    doc = Docx()
    for line in lines:
        doc.add_paragraph(line)
    doc.save(str(settings.templates_dir / "lettre_mise_en_conformite.docx"))


@SQLITE
@pytest.mark.parametrize(
    "tag",
    ["{{ cycler.__init__.__globals__.os.system('touch pwned') }}", "{{ 1 / 0 }}", "{{ ght.name }"],
)
def test_a_conformity_request_with_a_broken_letter_model_is_recorded(
    lot, officer, occitanie, settings, tmp_path, monkeypatch, tag
):
    monkeypatch.chdir(tmp_path)
    letter_model(settings, "Objet : mise en conformité", tag)
    d = document_id(occitanie, "OCC-02", "pmsp")
    answer = lot.post(
        f"/documents/{d}/actions",
        {"event": "submit"},
        files={"file": ("PMSP.pdf", PDF, "application/pdf")},
    )
    assert answer.status_code == 303
    answer = officer.post(
        f"/documents/{d}/actions",
        {
            "event": "request_conformity",
            "motives": ["shared_care_project"],
            "respond_by": add_months(today(), 1).isoformat(),
            "expected_version": show_document(occitanie, d)["lock_version"],
        },
    )
    assert answer.status_code == 303, answer.text
    assert show_document(occitanie, d)["state"] == "conformity_requested"
    assert not (tmp_path / "pwned").exists()
