"""PDF through LibreOffice, where it is installed: one convention converted, its text read back."""

from __future__ import annotations

import shutil

import pytest
from pypdf import PdfReader

from services.adapters.pdf import INSTALL_HINT, convert_to_pdf, find_soffice
from services.errors import InvalidInput
from services.generation.fill import export_files, generate_documents, list_generated, record_pdfs
from tests.integration.helpers import document_id

needs_soffice = pytest.mark.skipif(
    find_soffice() is None,
    reason="LibreOffice (soffice) is not installed: 'make pdf-tools' installs it on Debian",
)


@needs_soffice
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_convention_converted_to_pdf_reads_back(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-06", "chu_convention")
    filled = generate_documents(ws, [doc])
    [docx] = export_files(ws, filled, tmp_path / "out")
    [pdf] = convert_to_pdf([docx], tmp_path / "out")
    assert pdf.name == docx.stem + ".pdf"
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    text = " ".join(text.split()).replace("\u2019", "'")  # typographic apostrophes
    assert "CONVENTION D'ASSOCIATION" in text
    assert "n° FINESS 820991172" in text and "n° FINESS 310781406" in text
    assert "Mme Martine Rousseau, directrice" in text
    assert "31 décembre 2017" in text
    [recorded] = record_pdfs(ws, [(filled[0], pdf)])
    assert (recorded.format, recorded.document_id, recorded.file_name) == ("pdf", doc, pdf.name)
    assert ws.files.path_of(recorded.sha256).read_bytes() == pdf.read_bytes()
    assert [f.format for f in list_generated(ws, doc)] == ["docx", "pdf"]


def test_without_soffice_the_message_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(InvalidInput) as err:
        convert_to_pdf([tmp_path / "a.docx"], tmp_path)
    assert str(err.value) == INSTALL_HINT
    assert "make pdf-tools" in INSTALL_HINT and "libreoffice-writer-nogui" in INSTALL_HINT
