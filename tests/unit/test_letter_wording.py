"""What conventions and letters are filled with, pure: how a representative is addressed, an
establishment's article, counts in words, areas by name, reference patterns, the typeset
context and the document properties."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from datetime import date

import pytest

from doc_templates.render import DocxImage, Record
from i18n.forms import article_name, french_number_words, of_name, parse_representative
from i18n.typography import NBSP, typography_faults
from notifications.render import MailTemplate, render_notice
from services.errors import InvalidInput
from services.generation.context import (
    CONFORMITY_LETTER,
    KINDS,
    build_context,
    sample_context,
)
from services.generation.fill import document_properties
from services.generation.letter_numbers import check_pattern, format_reference
from services.registry.departments import area_names


@pytest.mark.parametrize(
    ("representative", "salutation", "title", "name"),
    [
        ("Mme Sophie Bernard, directrice", "Madame la Directrice,", "La directrice",
         "Sophie Bernard"),
        ("M. Jean Martin, directeur général", "Monsieur le Directeur général,",
         "Le directeur général", "Jean Martin"),
        ("Madame Claire Roux, directrice générale", "Madame la Directrice générale,",
         "La directrice générale", "Claire Roux"),
        ("Monsieur Paul Petit, administrateur provisoire", "Monsieur l’Administrateur provisoire,",
         "L’administrateur provisoire", "Paul Petit"),
        ("M.\u00a0Marc Blanc, Directeur", "Monsieur le Directeur,", "Le directeur", "Marc Blanc"),
        ("Sophie Bernard, directrice", "Madame, Monsieur,", "Directrice", "Sophie Bernard"),
        ("Mme Anne Lefèvre", "Madame,", "", "Anne Lefèvre"),
    ],
)  # fmt: skip
def test_a_representative_is_addressed_by_civility_and_function(
    representative, salutation, title, name
):
    person = parse_representative(representative)
    assert (person.salutation, person.signing_title, person.name) == (salutation, title, name)
    assert person.closing == (
        f"Je vous prie d’agréer, {salutation[:-1]}, l’expression de ma considération distinguée."
    )


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("CHU de Toulouse", "CHU", "le CHU de Toulouse"),
        ("HAD Garonne Domicile", "HAD", "l’HAD Garonne Domicile"),
        ("Clinique du Quercy", "clinic", "la Clinique du Quercy"),
        ("CH d'Albi", "CH", "le CH d'Albi"),
        ("Hôpital d'instruction des armées", "army_hospital", "l’Hôpital d'instruction des armées"),
        ("Polyclinique du Parc", "clinic", "la Polyclinique du Parc"),
        ("EHPAD Les Tilleuls", "EHPAD", "l’EHPAD Les Tilleuls"),
        ("Le Mas Careiron", "psychiatry", "le Mas Careiron"),
        ("L'Ostal", "EHPAD", "l’Ostal"),
        ("Centre hospitalier de Rodez", "CH", "le Centre hospitalier de Rodez"),
        ("Santé Relais Domicile", "HAD", "Santé Relais Domicile"),  # a proper name: none
        # holders as the decision letter names them (a GHT, a call's structure)
        ("GHT Lot", "", "le GHT Lot"),
        ("ARS Occitanie", "", "l’ARS Occitanie"),
        ("Agence régionale de santé Occitanie", "", "l’Agence régionale de santé Occitanie"),
        (
            "Plateforme territoriale d'appui de Guyane",
            "",
            "la Plateforme territoriale d'appui de Guyane",
        ),
    ],
)
def test_an_establishment_is_named_with_its_article(name, kind, expected):
    assert article_name(name, kind) == expected


@pytest.mark.parametrize(
    ("number", "words"),
    [(0, "zéro"), (2, "deux"), (3, "trois"), (16, "seize"), (17, "dix-sept"), (21, "vingt-et-un"),
     (30, "trente"), (71, "soixante-et-onze"), (80, "quatre-vingts"), (81, "quatre-vingt-un"),
     (99, "quatre-vingt-dix-neuf"), (100, "100")],
)  # fmt: skip
def test_counts_in_french_words(number, words):
    assert french_number_words(number) == words


def test_areas_are_written_with_their_department_names():
    assert area_names("31,81") == "Haute-Garonne (31), Tarn (81)"
    assert area_names("81, 31,2a") == "Corse-du-Sud (2A), Haute-Garonne (31), Tarn (81)"
    assert area_names("974") == "La Réunion (974)"


def test_a_reference_pattern_names_only_its_fields():
    assert check_pattern(" ARS-OCC/DOSA/{year}-{number:04d} ") == "ARS-OCC/DOSA/{year}-{number:04d}"
    assert format_reference("ARS-OCC/DOSA/{year}-{number:04d}", "OCC", 2017, 42) == (
        "ARS-OCC/DOSA/2017-0042"
    )
    assert format_reference("{region}-{number}", "OCC", 2017, 7) == "OCC-7"
    for bad, message in (
        ("ARS/{year}", "needs {number}"),
        ("ARS/{yaer}-{number}", "unknown field {yaer}"),
        ("ARS/{number.__class__}", "unknown field"),
        ("ARS/{number!r}", "unknown field"),
        ("ARS/{year:>10}-{number}", "only {number} takes a width"),
        ("ARS/{number", "fields: {year}"),
        ("ARS/\n{number}", "control characters"),
        ("{number}" + "x" * 200, "too long"),
        ("   ", "cannot be empty"),
    ):
        with pytest.raises(InvalidInput, match=message) as raised:
            check_pattern(bad)
        assert "\n" not in str(raised.value)


def test_every_kind_of_sample_context_is_typeset_and_keeps_its_record_paths():
    for kind in KINDS:
        context = sample_context(kind)
        support = context["support"]
        assert isinstance(support, Record) and support._path == "support"
        assert support["representative"] == f"M.{NBSP}Olivier Faure, directeur"
        assert context["agency"]["direction"] == "Direction de l’offre de soins et de l’autonomie"
        assert isinstance(context["agency"]["logo"], DocxImage)
        assert context["agency"]["email"] == "direction@ars.example.org"  # untouched
    letter = sample_context(CONFORMITY_LETTER)
    assert letter["letter"]["reference"] == "ARS-OCC/DOSA/2017-0042"
    assert letter["letter"]["date"] == f"20{NBSP}septembre 2017"
    assert letter["recipient"]["salutation"] == "Monsieur le Directeur,"


def _facts(kind: str):
    """The facts behind the sample context of `kind` (rebuilt through the public builder)."""
    from services.generation import context as module

    captured = {}
    original = module.build_context

    def spy(k, facts, as_of=None):
        captured["facts"] = facts
        return original(k, facts, as_of)

    module.build_context = spy
    try:
        module.sample_context(kind)
    finally:
        module.build_context = original
    return captured["facts"]


def test_a_convention_carries_its_signing_day_only_once_signed():
    facts = _facts("had_convention")
    signed = build_context("had_convention", facts)
    assert signed["signature"] == {
        "place": "Cahors",
        "date": f"18{NBSP}septembre 2017",
        "date_short": "18/09/2017",
    }
    assert signed["date"] == f"20{NBSP}septembre 2017"  # the latest event's day, as before
    unsigned = build_context("had_convention", replace(facts, signed_on=None))
    assert "signature" not in unsigned
    assert [s["article_name"] for s in signed["signatories"]] == [
        "le CH de Cahors",
        "l’HAD Garonne Domicile",
    ]
    assert signed["copies_words"] == "deux" and signed["counts"]["signatories"] == "deux"
    assert signed["hads"][0]["area_names"] == "Haute-Garonne (31), Lot (46)"


def test_a_letter_to_a_support_without_civility_says_madame_monsieur():
    facts = _facts(CONFORMITY_LETTER)
    nameless = replace(facts, support=replace(facts.support, representative="Olivier Faure"))
    recipient = build_context(CONFORMITY_LETTER, nameless)["recipient"]
    assert recipient["salutation"] == "Madame, Monsieur,"
    assert "title" not in recipient  # no function recorded: the model's test says so
    nobody = replace(facts, support=replace(facts.support, representative=""))
    recipient = build_context(CONFORMITY_LETTER, nobody)["recipient"]
    assert recipient["salutation"] == "Madame, Monsieur," and "line" not in recipient


def test_the_document_properties_come_from_the_data():
    facts = _facts("chu_convention")
    properties = document_properties("chu_convention", facts, date(2017, 9, 20))
    assert properties.title == "Convention d’association CHU de Toulouse – GHT Lot"
    assert properties.author == "GHT Lot"
    core = properties.core_xml().decode()
    assert "python-docx" not in core
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2017-09-20T00:00:00Z' in core
    assert "<dc:language>fr-FR</dc:language>" in core
    letter = document_properties(CONFORMITY_LETTER, _facts(CONFORMITY_LETTER), date(2017, 9, 20))
    assert letter.author == "ARS Occitanie"
    assert letter.subject.startswith("Réf. ARS-OCC/DOSA/2017-0042 – ")


def test_mails_are_typeset_but_addresses_and_links_are_not(tmp_path):
    (tmp_path / "hello.txt.j2").write_text(
        "Bonjour : l'agence {{ who }} écrit à {{ address }} ; voir {{ link }} à 10:30 !\n",
        encoding="utf-8",
    )
    (tmp_path / "hello.html.j2").write_text(
        '<p>L\'agence {{ who }} : <a href="{{ link }}">{{ link }}</a></p>\n', encoding="utf-8"
    )
    link = "https://ghtflow.example.org/documents/12?x=1&y=2"
    rendered = render_notice(
        "procedure_notice",
        {"who": "d'Occitanie", "address": "o'brien@ars.example.org", "link": link},
        MailTemplate("hello", (tmp_path,), subject="[OCC-02] Décision : {{ who }}"),
    )
    assert rendered.subject == f"[OCC-02] Décision{NBSP}: d’Occitanie"
    assert rendered.text == (
        f"Bonjour{NBSP}: l’agence d’Occitanie écrit à o'brien@ars.example.org\u202f; voir "
        f"{link} à 10:30\u202f!\n"
    )
    assert typography_faults(rendered.text.replace("o'brien", "obrien")) == []
    assert f'href="{link.replace("&", "&amp;")}"' in rendered.html
    assert f"L’agence d’Occitanie{NBSP}:" in rendered.html


def test_a_logo_prints_where_its_tag_stands_with_its_part_and_relationship(tmp_path):
    from docx import Document

    from doc_templates.render import CompiledTemplate

    model = Document()
    model.add_paragraph("{% if agency.logo is defined %}{{ agency.logo }}{% endif %}")
    model.add_paragraph("{{ agency.name }}")
    path = tmp_path / "logo.docx"
    model.save(str(path))
    context = sample_context(CONFORMITY_LETTER)
    template = CompiledTemplate(path)
    data = template.render(context)
    assert template.render(context) == data  # same image, same part names: same bytes
    logo = context["agency"]["logo"]
    with zipfile.ZipFile(io.BytesIO(data)) as filled:
        assert filled.read(logo.part_name) == logo.data
        assert logo.rel_id in filled.read("word/_rels/document.xml.rels").decode()
        assert 'Extension="png"' in filled.read("[Content_Types].xml").decode()
    document = Document(io.BytesIO(data))
    assert len(document.inline_shapes) == 1
    assert document.inline_shapes[0].height == 720_000  # 2 cm
    without = dict(context, agency=Record("agency", "x", {"name": "ARS Occitanie"}))
    with zipfile.ZipFile(io.BytesIO(template.render(without))) as filled:
        assert logo.part_name not in filled.namelist()


def test_a_typeset_subject_arrives_as_written():
    """Python folds long headers at 78 and, folding between two encoded words, drops the
    space there: the message is written with headers unfolded."""
    import email
    import email.policy
    from datetime import UTC, datetime

    from notifications.message import Envelope, build_message, message_bytes

    subject = f"Point de contrôle du journal d’audit – 1er{NBSP}décembre 2017"
    envelope = Envelope(
        message_id="<179646007469.3427.11479206288575565536@ars-occitanie.example.org>",
        sender="ARS Occitanie <ne-pas-repondre@ars-occitanie.example.org>",
        to=["direction-generale@ars-occitanie.example.org"],
        cc=[],
        subject=subject,
        text="x",
        html="<p>x</p>",
        date=datetime(2017, 12, 1, tzinfo=UTC),
    )
    raw = message_bytes(build_message(envelope))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == subject
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))


def test_a_built_in_mail_breaks_no_rule_of_french_typography():
    from models.outbox import NoticeKind

    context = {
        "ght_code": "OCC-02",
        "ght_name": "GHT Lot",
        "type_label": "Projet médical et de soins partagé (PMSP)",
        "due": date(2017, 12, 31),
        "days": 30,
        "agency_name": "ARS Occitanie",
        "document_id": 12,
        "region_name": "Occitanie",
        "state_label": "En préparation",
        "campaign_name": "Campagne GHT 2017",
        "attachments": [],
        "holder_name": "GHT Lot",
        "holder_kind": "ght",
    }
    rendered = render_notice(NoticeKind.REMINDER, context)
    for part in (rendered.subject, rendered.text, rendered.html):
        assert typography_faults(part) == [], part
    assert (
        rendered.subject
        == f"[OCC-02] Rappel{NBSP}: Projet médical et de soins partagé (PMSP) attendu le "
        f"31{NBSP}décembre 2017"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("GHT Lot", "du GHT Lot"),
        (
            "Plateforme territoriale d'appui de Guyane",
            "de la Plateforme territoriale d'appui de Guyane",
        ),
        ("HAD Garonne Domicile", "de l’HAD Garonne Domicile"),
        ("Les Hôpitaux du Sud", "des Hôpitaux du Sud"),
        ("Orléans Santé", "d’Orléans Santé"),
        ("Santé Relais Domicile", "de Santé Relais Domicile"),
    ],
)
def test_a_name_after_de_is_contracted_as_french_wants(name, expected):
    """« du {{ name }} » in a template reads « du Plateforme … » for a call's structure."""
    assert of_name(name) == expected
