"""The pages themselves: every built-in model filled (signed and not yet signed), and a demo
document generated from the database, converted to PDF in one LibreOffice run and to PNG; the
page count of each stays in its range and no page holds a signature without the end of the
text it signs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from services.adapters.pdf import convert_to_pdf, find_soffice
from services.generation.fill import export_files, generate_documents
from tests.integration.helpers import document_id
from tests.page_samples import fill_models, to_png

# kind -> (fewest, most) pages: the letters hold on one page, the conventions on a few
PAGES = {
    "chu_convention": (3, 5),  # the members annex on its own page
    "had_convention": (2, 4),
    "partnership_convention": (2, 4),
    "conformity_letter": (1, 1),
    "notice_letter": (1, 2),
}
SIGNATURE = "Signature et cachet"
MIN_WORDS = 40  # a page of text has hundreds; a page with only signatures, a few dozen


def page_texts(pdf: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages]


def check_pages(name: str, pages: list[str], fewest: int, most: int) -> None:
    assert fewest <= len(pages) <= most, (name, len(pages))
    for number, text in enumerate(pages, start=1):
        assert len(text.split()) > MIN_WORDS, (name, number, text)
        assert f"Page {number} sur {len(pages)}" in text.replace("\u00a0", " "), (name, number)
        if SIGNATURE in text:  # the signatures travel with the last article
            assert "Article" in text and "Fait à" in text, (name, number, text)


@pytest.mark.skipif(
    (find_soffice() is None or shutil.which("pdftoppm") is None)
    and os.environ.get("GHTFLOW_REQUIRE_PDF") != "1",
    reason="LibreOffice (soffice) or pdftoppm is not installed: run 'sudo make pdf-tools'",
)
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_every_model_fits_its_pages(occitanie, tmp_path):
    ws = occitanie
    signed = fill_models(tmp_path, signed=True)
    unsigned = fill_models(tmp_path, signed=False)
    demo = generate_documents(ws, [document_id(ws, "OCC-02", "chu_convention")])
    [demo_docx] = export_files(ws, demo, tmp_path / "demo")
    sources = [*signed.values(), unsigned["had_convention"], demo_docx]
    pdfs = dict(zip(sources, convert_to_pdf(sources, tmp_path / "pdf"), strict=True))  # one run

    for kind, docx in signed.items():
        check_pages(docx.name, page_texts(pdfs[docx]), *PAGES[kind])
    check_pages(
        "unsigned HAD", page_texts(pdfs[unsigned["had_convention"]]), *PAGES["had_convention"]
    )
    demo_pages = page_texts(pdfs[demo_docx])
    check_pages("demo CHU convention", demo_pages, *PAGES["chu_convention"])
    assert "Annexe 1" in demo_pages[-1] and "CH de Gourdon" in demo_pages[-1]

    pngs = to_png(pdfs[signed["had_convention"]], tmp_path / "png" / "had")
    assert len(pngs) == len(page_texts(pdfs[signed["had_convention"]]))
    assert all(png.stat().st_size > 5_000 for png in pngs)  # a page with text, not a blank one
