"""The built-in models as the agency sends them, read back with python-docx: the page (A4,
margins, French), the footer's page numbers, the legal references each cites, French
typography in every paragraph and cell, the letters' salutation, and the signing line."""

from __future__ import annotations

import io
import zipfile

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Cm

from doc_templates import build
from doc_templates.render import compiled_template
from i18n.typography import typography_faults
from services.generation.references import load_references
from tests.page_samples import page_context

# kind -> the model file the build script writes
MODELS = {
    "chu_convention": "convention_chu.docx",
    "had_convention": "convention_had.docx",
    "partnership_convention": "convention_partenariat.docx",
    "conformity_letter": "lettre_mise_en_conformite.docx",
    "notice_letter": "decision.docx",
}
CONVENTIONS = ("chu_convention", "had_convention", "partnership_convention")


def model_path(kind: str):
    name = MODELS[kind]
    return build.committed_model(name)


def filled(kind: str, *, signed: bool = True) -> DocxDocument:
    data = compiled_template(model_path(kind)).render(page_context(kind, signed=signed))
    return Document(io.BytesIO(data))


def _twips(*lengths) -> list[int]:
    """Lengths as Word stores them (1/20 pt), so that a rounding of the EMU does not count."""
    return [round(length / 635) for length in lengths]


def texts(doc: DocxDocument) -> list[str]:
    """Every paragraph of the body, of each table cell and of the footers."""
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            for cell in row.cells:
                lines.extend(p.text for p in cell.paragraphs)
    for section in doc.sections:
        lines.extend(p.text for p in section.footer.paragraphs)
    return lines


@pytest.mark.parametrize("kind", list(MODELS))
def test_a4_with_french_margins_and_language(kind):
    doc = filled(kind)
    [section] = doc.sections
    assert _twips(section.page_width, section.page_height) == _twips(Cm(21), Cm(29.7))
    assert _twips(section.left_margin, section.right_margin) == _twips(Cm(2.5), Cm(2.5))
    assert _twips(section.top_margin, section.bottom_margin) == _twips(Cm(2), Cm(2))
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    langs = {lang.get(qn("w:val")) for lang in doc.styles.element.iter(qn("w:lang"))}
    assert defaults is not None and langs == {"fr-FR"}
    with zipfile.ZipFile(model_path(kind)) as archive:
        assert b"en-US" not in archive.read("word/settings.xml")
        core = archive.read("docProps/core.xml").decode()
    assert "python-docx" not in core and "2013" not in core


@pytest.mark.parametrize("kind", list(MODELS))
def test_the_footer_numbers_pages_page_x_of_y(kind):
    footer = filled(kind).sections[0].footer
    instructions = [i.text.strip() for i in footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE", "NUMPAGES"]
    text = footer.paragraphs[0].text
    assert "Page\u00a01 sur 1" in text.replace(" ", "\u00a0") or "Page 1 sur 1" in text
    assert "Occitanie – Occitanie" not in text


@pytest.mark.parametrize("kind", list(MODELS))
def test_no_breaking_space_where_french_typography_wants_a_no_break_one(kind):
    for signed in (True, False):
        faults = [f for line in texts(filled(kind, signed=signed)) for f in typography_faults(line)]
        assert faults == [], faults[:5]


@pytest.mark.parametrize("kind", [*CONVENTIONS, "conformity_letter"])
def test_every_visa_of_the_references_file_is_cited_in_order(kind):
    visas = load_references().visas(kind)
    assert visas and any("2016-41" in v for v in visas)
    lines = texts(filled(kind))
    if kind in CONVENTIONS:
        cited = [line for line in lines if line.startswith("Vu ")]
        assert cited[: len(visas)] == [f"Vu {v}\u202f;" for v in visas]
        # the preamble comes before the articles
        assert lines.index("Il est convenu ce qui suit\u00a0:") > lines.index(cited[-1])
        assert lines.index("Il est convenu ce qui suit\u00a0:") < next(
            i for i, line in enumerate(lines) if line.startswith("Article\u00a01")
        )
    else:
        body = " ".join(lines)
        assert "articles\u00a0L.\u00a06132-2 et R.\u00a06132-6 du code" in body
        # a letter has no « Vu » lines: it names where the articles come from in its sentence
        assert "l’article\u00a0107 de la loi n°\u00a02016-41 du 26\u00a0janvier 2016" in body
        assert "décret n°\u00a02016-524 du 27\u00a0avril 2016" in body


def test_each_convention_cites_its_own_articles():
    cites = {
        "chu_convention": ("L.\u00a06132-1", "L.\u00a06132-3"),
        "had_convention": ("L.\u00a06132-1", "R.\u00a06132-1"),
        "partnership_convention": ("L.\u00a06132-1", "L.\u00a06134-1"),
    }
    for kind, articles in cites.items():
        body = " ".join(texts(filled(kind)))
        for article in articles:
            assert article in body, (kind, article)
        assert "décret n°\u00a02016-524 du 27\u00a0avril 2016" in body
        assert "décret n°\u00a02017-701 du 2\u00a0mai 2017" in body
    partnership = " ".join(texts(filled("partnership_convention")))
    assert "établie sur la trame nationale de convention de partenariat" in partnership
    assert "Modèle national" not in partnership


@pytest.mark.parametrize("kind", CONVENTIONS)
def test_signing_line_is_the_signing_date_or_left_to_write_by_hand(kind):
    signed = [t for t in texts(filled(kind)) if t.startswith("Fait à")]
    unsigned = [t for t in texts(filled(kind, signed=False)) if t.startswith("Fait à")]
    copies = {"chu_convention": "deux", "had_convention": "quatre"}.get(kind, "trois")
    assert signed == [f"Fait à Cahors, le 3\u00a0octobre 2017, en {copies} exemplaires originaux."]
    assert unsigned == [f"Fait à ……………………, le ……………………, en {copies} exemplaires originaux."]


@pytest.mark.parametrize("kind", CONVENTIONS)
def test_one_signature_row_per_signatory_kept_on_one_page(kind):
    doc = filled(kind)
    context = page_context(kind)
    table = next(t for t in doc.tables if "Signature et cachet" in t.rows[0].cells[1].text)
    assert len(table.rows) == len(context["signatories"])
    for row, signatory in zip(table.rows, context["signatories"], strict=True):
        assert row.cells[0].paragraphs[0].text == f"Pour {signatory['article_name']},"
        assert signatory["name"] in row.cells[0].text and signatory["title"] in row.cells[0].text
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
        assert all(p.paragraph_format.keep_with_next for c in row.cells for p in c.paragraphs)
    lines = texts(doc)
    fait = next(p for p in doc.paragraphs if p.text.startswith("Fait à"))
    assert fait.paragraph_format.keep_with_next
    assert any("ci-après dénommé" in line for line in lines)


def test_chu_convention_annexes_what_it_announces():
    doc = filled("chu_convention")
    lines = texts(doc)
    assert [line for line in lines if line.startswith("Annexe")] == [
        "Annexe 1 – Établissements parties au GHT\u00a0Lot"
        if "GHT\u00a0Lot" in " ".join(lines)
        else "Annexe 1 – Établissements parties au GHT Lot"
    ]
    annex = doc.tables[-1]
    members = [row.cells[0].text for row in annex.rows[1:]]
    assert members == [m["name"] for m in page_context("chu_convention")["members"]]
    assert any("annexée à la présente convention" in line for line in lines)


def test_had_convention_names_areas_and_counts_in_words():
    lines = texts(filled("had_convention"))
    assert "Haute-Garonne (31), Lot (46)" in lines
    assert any("chacun des trois établissements" in line for line in lines)


@pytest.mark.parametrize(
    ("representative", "salutation"),
    [
        ("Mme Sophie Bernard, directrice", "Madame la Directrice,"),
        ("M. Olivier Faure, directeur", "Monsieur le Directeur,"),
    ],
)
def test_the_letter_addresses_the_person(representative, salutation):
    from dataclasses import replace

    from services.generation.context import build_context
    from tests.page_samples import page_facts

    facts = page_facts("conformity_letter")
    facts = replace(facts, support=replace(facts.support, representative=representative))
    data = compiled_template(model_path("conformity_letter")).render(
        build_context("conformity_letter", facts)
    )
    lines = [p.text for p in Document(io.BytesIO(data)).paragraphs]
    assert salutation in lines
    closing = next(line for line in lines if line.startswith("Je vous prie"))
    assert salutation.rstrip(",") in closing
    assert "Réf.\u00a0: ARS-OCC/DOSA/2017-0042" in lines
    assert "Montpellier, le 20\u00a0septembre 2017" in lines
    assert not any("version" in line for line in lines)


def test_the_letters_motive_table_has_a_narrow_number_column():
    table = filled("conformity_letter").tables[0]
    widths = [cell.width for cell in table.rows[0].cells]
    assert _twips(widths[0]) == _twips(Cm(1.2)) and widths[1] > Cm(14)


def test_a_visa_naming_an_unknown_reference_is_refused_with_its_line(tmp_path):
    from services.errors import ScenarioError
    from services.generation.references import read_references

    path = tmp_path / "references.yaml"
    path.write_text(
        "references:\n  law: la loi n° 2016-41\nvisas:\n  chu_convention: [law, decree]\n"
    )
    with pytest.raises(ScenarioError, match=r"references.yaml:4: visas of 'chu_convention': "):
        read_references(path)
    path.write_text("references:\n  items: la loi\n")
    with pytest.raises(ScenarioError, match=r"references.yaml:2: reference key 'items'"):
        read_references(path)
    path.write_text("references:\n  law: la loi n° 2016-41\n")
    assert read_references(path).citations == {"law": "la loi n°\u00a02016-41"}


def test_the_decision_letter_names_the_holder_with_its_article():
    body = " ".join(texts(filled("notice_letter")))
    assert "Vous avez déposé auprès de l’agence, pour le GHT Lot, une candidature" in body
