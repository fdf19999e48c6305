"""Rendering the Word templates, pure: sample contexts in, real .docx out, read back with
python-docx (no database)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doc_templates import build
from doc_templates.render import (
    MissingValue,
    Record,
    TemplateProblem,
    analyse_template,
    compiled_template,
)
from services.generation.context import sample_context
from services.procedures.catalog import every_model, load_procedures

# kind -> the built-in Word model of that kind (the conventions' and the conformity letter)
BUILTIN_MODELS = {kind: p.model_path(name) for p, kind, name in every_model(load_procedures().all)}


def all_text(data: bytes) -> str:
    """Every paragraph, table cell, header and footer of a .docx, one per line."""
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    for section in doc.sections:
        lines.extend(p.text for p in section.header.paragraphs)
        lines.extend(p.text for p in section.footer.paragraphs)
    return plain("\n".join(lines))


def plain(text: str) -> str:
    """Text with French typography undone (no-break spaces as spaces, straight apostrophes):
    what these tests compare is the wording; the typography has tests of its own."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2019", "'")


def render(kind: str, context: dict[str, Any] | None = None) -> bytes:
    template = compiled_template(BUILTIN_MODELS[kind])
    return template.render(context if context is not None else sample_context(kind))


@pytest.mark.parametrize("kind", list(BUILTIN_MODELS))
def test_every_template_fills_completely_and_identically(kind):
    first, second = render(kind), render(kind)
    assert first == second  # same context, same bytes (fixed zip dates, no "now")
    text = all_text(first)
    assert "{{" not in text and "{%" not in text and "}}" not in text
    # the holder is named in every one: by its support establishment in a GHT's conventions
    # and letters, by its name in a procedure's notice letter (whatever holds the document)
    assert ("GHT Lot" if kind == "notice_letter" else "CH de Cahors") in text


def test_chu_convention_names_both_parties_with_finess_and_representatives():
    text = all_text(render("chu_convention"))
    for expected in (
        "n° FINESS 460991177",
        "n° FINESS 310781406",
        "représenté par M. Olivier Faure, directeur",
        "représenté par M. Jean Martin, directeur général",
        "2.4 Missions de référence et de recours",
        "au plus tard le 31 décembre 2017",
        "Fait à Cahors, le 20 septembre 2017",
    ):
        assert expected in text, expected


def test_had_table_has_one_row_per_had_with_its_area():
    context = sample_context("had_convention")
    second = Record("hads[1]", "HAD 2", dict(context["hads"][0], name="HAD Lot & Célé", area="46"))
    context["hads"] = [context["hads"][0], second]
    doc = Document(io.BytesIO(render("had_convention", context)))
    rows = [[plain(c.text) for c in row.cells] for row in doc.tables[0].rows]
    assert rows == [
        ["Établissement d'HAD", "FINESS", "Représentant légal", "Zone d'intervention"],
        ["HAD Garonne Domicile", "310991344", "Mme Nathalie Laurent, directrice", "31, 46"],
        ["HAD Lot & Célé", "310991344", "Mme Nathalie Laurent, directrice", "46"],
    ]
    assert "les établissements d'hospitalisation à domicile" in all_text(
        render("had_convention", context)
    )


def test_letter_lists_motives_note_and_respond_by_date():
    context = sample_context("conformity_letter")
    doc = Document(io.BytesIO(render("conformity_letter", context)))
    paragraphs = plain("\n".join(p.text for p in doc.paragraphs))
    assert "au plus tard le 1er décembre 2017" in paragraphs
    assert "Préciser." in paragraphs
    assert [c.text for c in doc.tables[0].rows[1].cells] == [
        "1",
        "Projet de soins partagé insuffisant",
    ]


def test_letter_without_note_leaves_out_the_observations():
    context = sample_context("conformity_letter")
    context["request"] = Record(
        "request", "r", {k: v for k, v in context["request"].items() if k != "note"}
    )
    assert "Observations" not in all_text(render("conformity_letter", context))


def test_a_missing_field_stops_the_render_and_names_it():
    context = sample_context("chu_convention")
    context["support"] = Record(
        "support",
        "CH de Cahors, FINESS 460991177",
        {k: v for k, v in context["support"].items() if k != "representative"},
    )
    with pytest.raises(MissingValue) as err:
        render("chu_convention", context)
    assert "'support.representative'" in str(err.value)
    assert "CH de Cahors, FINESS 460991177" in str(err.value)


def test_a_missing_variable_stops_the_render_and_names_it():
    context = sample_context("chu_convention")
    del context["chu"]
    with pytest.raises(MissingValue, match=r"missing value 'chu'"):
        render("chu_convention", context)


AWKWARD = st.one_of(
    st.sampled_from(
        [
            "Clinique Saint-Jean & Associés",
            "HAD <Domicile> « Santé »",
            'Centre "Le Pré" d\'Arcachon',
            "Hôpital l'Œuvre — Ærø, Ñandú, Ç",
            "A" * 300,
            "{{ support.name }} {% if %}",
            "]]> <![CDATA[ &amp; &#38;",
            "{_{ }_} {_% %_}",  # docxtpl's escapes for literal tags (found by Hypothesis)
        ]
    ),
    st.text(
        alphabet=st.characters(
            blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029"
        ),
        min_size=1,
        max_size=120,
    )
    .map(str.strip)
    .filter(bool),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=AWKWARD, representative=AWKWARD)
def test_awkward_names_come_out_as_typed(name, representative):
    context = sample_context("chu_convention")
    context["chu"] = Record(
        "chu", "x", dict(context["chu"], name=name, representative=representative)
    )
    doc = Document(io.BytesIO(render("chu_convention", context)))
    paragraphs = [p.text for p in doc.paragraphs]
    expected = (
        f"Le {name}, centre hospitalier universitaire, n° FINESS 310781406, dont le siège est "
        f"à Toulouse, représenté par {representative},"
    )
    assert expected in paragraphs
    signatures = [c.text for row in doc.tables[0].rows for c in row.cells]
    assert f"Pour le {name}" in signatures and representative in signatures


def test_characters_xml_cannot_hold_are_dropped_not_fatal():
    context = sample_context("chu_convention")
    context["chu"] = Record("chu", "x", dict(context["chu"], name="CHU\x01 de\x0b Toulouse"))
    assert "Le CHU de Toulouse, centre" in all_text(render("chu_convention", context))


def _user_model(path: Path, *lines: str, header: str | None = None) -> Path:
    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    if header is not None:
        doc.sections[0].header.paragraphs[0].add_run(header)
    doc.save(str(path))
    return path


def test_header_and_footer_tags_are_filled_too(tmp_path):
    model = _user_model(tmp_path / "m.docx", "{{ ght.name }}", header="En-tête {{ ght.code }}")
    text = all_text(compiled_template(model).render(sample_context("chu_convention")))
    assert "En-tête OCC-02" in text and "GHT Lot" in text


def test_check_finds_a_misspelt_variable_and_unused_ones(tmp_path):
    model = _user_model(
        tmp_path / "modele-agence.docx",
        "Entre le {{ suport.name }} et le {{ chu.name }} (FINESS {{ chu.finnes }}).",
        "{% for m in members %}{{ m.name }}{% endfor %}",
    )
    report = analyse_template(model, sample_context("chu_convention"))
    assert report.missing == ["chu.finnes", "suport"]
    assert "chu.name" in report.used and "members[].name" in report.used
    assert "support" in report.unused and "chu.finess" in report.unused
    assert "members[].name" not in report.unused


@pytest.mark.parametrize("kind", list(BUILTIN_MODELS))
def test_check_of_the_built_in_templates_finds_nothing_missing(kind):
    report = analyse_template(BUILTIN_MODELS[kind], sample_context(kind))
    assert report.missing == []


def test_a_broken_tag_is_refused_with_its_text(tmp_path):
    model = _user_model(tmp_path / "broken.docx", "Le {{ support.name }", "{% for x in %}")
    with pytest.raises(TemplateProblem, match=r"broken.docx, paragraph 1: template error"):
        compiled_template(model)


def test_a_file_that_is_not_a_docx_is_refused(tmp_path):
    bad = tmp_path / "not.docx"
    bad.write_bytes(b"plain text")
    with pytest.raises(TemplateProblem, match=r"not a Word \.docx file"):
        compiled_template(bad)


def test_committed_templates_are_what_the_build_script_writes(tmp_path):
    for path in build.build(tmp_path):
        assert path.read_bytes() == (build.MODELS_DIR / path.name).read_bytes(), path.name


def test_every_tag_of_the_templates_sits_in_one_run():
    for path in BUILTIN_MODELS.values():
        with zipfile.ZipFile(path) as archive:
            xml = archive.read("word/document.xml").decode()
        for run_text in xml.split("<w:t")[1:]:
            text = run_text.split(">", 1)[1].split("</w:t>", 1)[0]
            assert text.count("{{") == text.count("}}"), (path.name, text)
            assert text.count("{%") == text.count("%}"), (path.name, text)
