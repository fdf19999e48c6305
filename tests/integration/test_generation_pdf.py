"""PDF/A-2b through LibreOffice (installed by `make test`): one convention and one letter
converted, their text, metadata, PDF/A identification and fonts read back with pypdf.
Skipped only where LibreOffice cannot be installed, and never when GHTFLOW_REQUIRE_PDF=1 (CI)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from services.adapters.pdf import INSTALL_HINT, convert_to_pdf, find_soffice
from services.errors import InvalidInput
from services.generation.fill import export_files, generate_documents, list_generated, record_pdfs
from tests.integration.helpers import document_id

needs_soffice = pytest.mark.skipif(
    find_soffice() is None and os.environ.get("GHTFLOW_REQUIRE_PDF") != "1",
    reason="LibreOffice (soffice) is not installed and could not be: 'sudo make pdf-tools'",
)


def check_pdfa(pdf: Path, title: str, author: str) -> PdfReader:
    """The file is PDF/A-2b by its XMP identification, embeds every font it uses, and carries
    the Word file's title, author and subject."""
    reader = PdfReader(pdf)
    root: Any = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8")
    assert re.search(r"<pdfaid:part>2</pdfaid:part>|pdfaid:part=\"2\"", xmp), xmp[:400]
    assert re.search(r"<pdfaid:conformance>B</pdfaid:conformance>|pdfaid:conformance=\"B\"", xmp)
    assert "/OutputIntents" in root
    fonts = 0
    for page in reader.pages:
        resources: Any = page["/Resources"].get_object()
        for font in resources.get("/Font", {}).values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            if descendants is not None:
                font = descendants[0].get_object()
            descriptor = font["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
            fonts += 1
    assert fonts > 0
    info = reader.metadata
    assert info is not None
    assert (info.title or "").startswith(title) and info.author == author
    assert info.subject
    return reader


@needs_soffice
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_convention_converted_to_pdf_reads_back(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-06", "chu_convention")
    filled = generate_documents(ws, [doc])
    letter = generate_documents(ws, [document_id(ws, "OCC-04", "pmsp")], letter_only=True)
    [docx, letter_docx] = export_files(ws, [*filled, *letter], tmp_path / "out")
    [pdf, letter_pdf] = convert_to_pdf([docx, letter_docx], tmp_path / "out")
    check_pdfa(letter_pdf, "Demande de mise en conformité – ", "ARS Occitanie")
    assert pdf.name == docx.stem + ".pdf"
    reader = check_pdfa(
        pdf, "Convention d’association CHU de Toulouse – GHT Tarn et Garonne", "GHT Tarn et Garonne"
    )
    text = " ".join(page.extract_text() for page in reader.pages)
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
