"""Filling conventions and letters from the Occitanie scenario, on SQLite and PostgreSQL: the
files are read back with python-docx, stored under their hash and recorded once."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import date

import pytest
from docx import Document as Docx
from sqlmodel import col, select

from models import (
    ConformityRequest,
    Document,
    DocumentParty,
    Establishment,
    GeneratedFile,
    Ght,
)
from services.errors import InvalidInput
from services.generation.fill import (
    export_files,
    generate_documents,
    render_conformity_letter,
)
from services.lifecycle.fire import fire
from settings import Settings
from tests.integration.helpers import OFFICER, a_file, director, document_id


def plain(text: str) -> str:
    """Text with French typography undone (no-break spaces as spaces, straight apostrophes):
    what these tests compare is the wording; the typography has tests of its own."""
    return text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2019", "'")


def text_of(ws, sha256: str) -> tuple[str, list[list[str]]]:
    """(paragraphs, table rows) of a stored .docx, checked against its hash."""
    data = ws.files.path_of(sha256).read_bytes()
    assert hashlib.sha256(data).hexdigest() == sha256
    doc = Docx(io.BytesIO(data))
    rows = [[plain(c.text) for c in row.cells] for t in doc.tables for row in t.rows]
    paragraphs = plain("\n".join(p.text for p in doc.paragraphs))
    assert "{{" not in paragraphs and "{%" not in paragraphs
    assert not any("{{" in c or "{%" in c for row in rows for c in row)
    return paragraphs, rows


def generated_rows(ws) -> list[GeneratedFile]:
    with ws.db.reading() as session:
        return list(session.exec(select(GeneratedFile).order_by(col(GeneratedFile.id))).all())


def add_convention(ws, ght: str, doc_type: str, parties: list[tuple[str, str | None]]) -> int:
    """A convention of `doc_type` for `ght` with its parties (FINESS, area), written by the
    test itself (party rows are another issue's use case)."""
    with ws.db.transaction() as session:
        chu = session.exec(select(Document).where(Document.doc_type == "chu_convention")).first()
        assert chu is not None
        ght_row = session.exec(select(Ght).where(Ght.code == ght)).one()
        document = Document(
            ght_id=ght_row.id,
            doc_type=doc_type,
            campaign_id=chu.campaign_id,
            reference="test",
            state="draft",
            due_date=date(2017, 12, 31),
        )
        session.add(document)
        session.flush()
        assert document.id is not None
        for finess, area in parties:
            establishment = session.exec(
                select(Establishment).where(Establishment.finess == finess)
            ).one()
            session.add(
                DocumentParty(document_id=document.id, establishment_id=establishment.id, area=area)
            )
        assert document.id is not None
        return document.id


def test_chu_convention_of_a_toulouse_ght(occitanie):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "chu_convention")
    [filled] = generate_documents(ws, [doc])
    assert (filled.kind, filled.format, filled.ght, filled.document_version) == (
        "chu_convention",
        "docx",
        "OCC-02",
        0,
    )
    assert filled.file_name == f"convention_chu-OCC-02-doc{doc}.docx"
    paragraphs, rows = text_of(ws, filled.sha256)
    assert "Le CH de Cahors, établissement support du GHT Lot (OCC-02), n° FINESS 460991177" in (
        paragraphs
    )
    assert "Le CHU de Toulouse, centre hospitalier universitaire, n° FINESS 310781406" in (
        paragraphs
    )
    assert "représenté par M. Jean Martin, directeur général" in paragraphs
    assert "au plus tard le 31 décembre 2017" in paragraphs
    # not signed yet: the place and date are left to be written by hand
    assert "Fait à ……………………, le ……………………, en deux exemplaires originaux." in paragraphs
    assert ["CH de Gourdon", "460991342", "C.H.", "Gourdon"] in rows  # the members annex
    assert ["Pour le CH de Cahors,\nLe directeur,\nOlivier Faure", "Signature et cachet"] in rows
    assert [
        "Pour le CHU de Toulouse,\nLe directeur général,\nJean Martin",
        "Signature et cachet",
    ] in rows
    [row] = generated_rows(ws)
    assert (row.document_id, row.file_hash, row.size, row.as_of) == (
        doc,
        filled.sha256,
        filled.size,
        date(2017, 10, 13),
    )


def test_filling_again_gives_the_same_file_and_row_and_as_of_changes_the_date(occitanie):
    ws = occitanie
    doc = document_id(ws, "OCC-05", "chu_convention")
    first = generate_documents(ws, [doc])
    assert generate_documents(ws, [doc]) == first
    assert len(generated_rows(ws)) == 1
    # a convention not signed yet prints no date (the place and date are written by hand):
    # another day gives the same text; only the file's creation date (its properties) follows
    [later] = generate_documents(ws, [doc], as_of=date(2018, 1, 1))
    assert text_of(ws, later.sha256) == text_of(ws, first[0].sha256)
    assert "Fait à ……………………, le ……………………" in text_of(ws, later.sha256)[0]
    with zipfile.ZipFile(ws.files.path_of(later.sha256)) as package:
        assert b"<dcterms:created" in package.read("docProps/core.xml")
        assert b"2018-01-01T00:00:00Z" in package.read("docProps/core.xml")


def test_parties_recorded_on_the_document_win_over_the_reference_chu(occitanie):
    ws = occitanie
    doc = add_convention(ws, "OCC-02", "chu_convention", [("340780477", None)])
    paragraphs, _ = text_of(ws, generate_documents(ws, [doc])[0].sha256)
    assert "Le CHU de Montpellier, centre hospitalier universitaire, n° FINESS 340780477" in (
        paragraphs
    )


def test_had_convention_table_lists_each_had_and_its_area(occitanie):
    ws = occitanie
    doc = add_convention(
        ws, "OCC-07", "had_convention", [("650991680", "65"), ("310991344", "31,32")]
    )
    [filled] = generate_documents(ws, [doc])
    paragraphs, rows = text_of(ws, filled.sha256)
    assert rows[:3] == [
        ["Établissement d'HAD", "N° FINESS", "Représentant légal", "Zone d'intervention"],
        [
            "HAD Bigorre Domicile",
            "650991680",
            "Mme Nathalie Nicolas, directrice",
            "Hautes-Pyrénées (65)",
        ],
        [
            "HAD Garonne Domicile",
            "310991344",
            "Mme Nathalie Laurent, directrice",
            "Haute-Garonne (31), Gers (32)",
        ],
    ]
    assert "et les établissements d'hospitalisation à domicile de son territoire" in paragraphs
    assert "ci-après dénommé « HAD Garonne Domicile »," in paragraphs
    assert "chacun des deux établissements" in paragraphs
    assert [
        "Pour l'HAD Garonne Domicile,\nLa directrice,\nNathalie Laurent",
        "Signature et cachet",
    ] in rows


def test_partnership_convention_is_marked_for_information(occitanie):
    ws = occitanie
    doc = add_convention(ws, "OCC-02", "partnership_convention", [("460991680", None)])
    paragraphs, rows = text_of(ws, generate_documents(ws, [doc])[0].sha256)
    assert "pour information" in paragraphs
    assert "Clinique du Quercy, établissement de santé privé, n° FINESS 460991680" in paragraphs
    assert ["Clinique du Quercy", "460991680", "Cahors", "Mme Anne Lefèvre, directrice"] in rows
    assert "établie sur la trame nationale de convention de partenariat " in paragraphs


def test_a_pmsp_in_conformity_requested_gives_its_letter(occitanie):
    ws = occitanie
    doc = document_id(ws, "OCC-14", "pmsp")
    [letter] = generate_documents(ws, [doc])
    assert letter.kind == "conformity_letter" and letter.conformity_request_id is not None
    paragraphs, rows = text_of(ws, letter.sha256)
    assert [r[0] for r in rows] == ["N°", "1", "2", "3"]
    labels = [r[1] for r in rows[1:]]
    assert len(labels) == 3 and all(labels)
    assert any("imagerie" in label.lower() for label in labels)
    assert "Les conventions d'association avec les HAD privées ne sont pas formalisées." in (
        paragraphs
    )
    assert "au plus tard le 5 décembre 2017" in paragraphs
    assert "Montpellier, le 5 octobre 2017" in paragraphs  # dated the day of the request
    assert "Camille Durand, chargée de mission GHT (DOSA)" in paragraphs
    assert "ARS Occitanie" in paragraphs
    assert "CH de Perpignan" in paragraphs


def test_letter_inside_the_callers_transaction_with_first_of_the_month(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    fire(ws, doc, "submit", director("OCC-02"), file=a_file(tmp_path), as_of=date(2017, 10, 16))
    fire(
        ws,
        doc,
        "request_conformity",
        OFFICER,
        motives=("biology_pharmacy_imaging",),
        respond_by=date(2017, 12, 1),
        as_of=date(2017, 10, 30),
    )
    with ws.db.transaction() as session:
        request_id = session.exec(
            select(ConformityRequest.id).where(ConformityRequest.document_id == doc)
        ).one()
        row = render_conformity_letter(ws, session, request_id)
        assert row.id is not None and row.document_version == 1
    paragraphs, _ = text_of(ws, row.file_hash)
    assert "au plus tard le 1er décembre 2017" in paragraphs
    assert "Vous m'avez transmis le 16 octobre 2017 le document" in paragraphs
    assert "Observations" not in paragraphs  # no note was given


def test_a_missing_representative_stops_and_records_nothing(occitanie):
    ws = occitanie
    with ws.db.transaction() as session:
        cahors = session.exec(
            select(Establishment).where(Establishment.finess == "460991177")
        ).one()
        cahors.representative = ""
    doc = document_id(ws, "OCC-02", "chu_convention")
    with pytest.raises(InvalidInput) as err:
        generate_documents(ws, [document_id(ws, "OCC-03", "chu_convention"), doc])
    assert "'support.representative' (CH de Cahors, FINESS 460991177)" in str(err.value)
    assert f"document {doc} (chu_convention, OCC-02)" in str(err.value)
    assert generated_rows(ws) == []  # the batch is one transaction


@pytest.mark.parametrize(
    ("ght", "doc_type", "message"),
    [
        ("OCC-02", "pmsp", "no Word template for type 'pmsp'"),
        ("OCC-03", "eprd_budget_g", "no Word template for type 'eprd_budget_g'"),
    ],
)
def test_documents_without_a_template_are_refused(occitanie, ght, doc_type, message):
    with pytest.raises(InvalidInput, match=message):
        generate_documents(occitanie, [document_id(occitanie, ght, doc_type)])


def test_a_convention_without_parties_is_refused(occitanie):
    doc = add_convention(occitanie, "OCC-10", "had_convention", [])
    with pytest.raises(InvalidInput, match="no party recorded for this convention"):
        generate_documents(occitanie, [doc])


def test_letter_only_needs_a_request(occitanie):
    doc = document_id(occitanie, "OCC-03", "chu_convention")
    with pytest.raises(InvalidInput, match="has no conformity request"):
        generate_documents(occitanie, [doc], letter_only=True)


def test_an_agency_template_replaces_the_built_in_one(occitanie, tmp_path):
    own = tmp_path / "models"
    own.mkdir()
    model = Docx()
    model.add_paragraph("Modèle de l'agence : {{ ght.name }} et {{ chu.name }}")
    model.save(str(own / "convention_chu.docx"))
    ws = occitanie
    ws.settings = Settings(**{**ws.settings.model_dump(), "templates_dir": own})
    [filled] = generate_documents(ws, [document_id(ws, "OCC-04", "chu_convention")])
    assert "Modèle de l'agence : GHT Rouergue et CHU de Toulouse" in text_of(ws, filled.sha256)[0]
    assert generated_rows(ws)[0].template == str(own / "convention_chu.docx")


def test_export_writes_the_files_under_their_names(occitanie, tmp_path):
    ws = occitanie
    filled = generate_documents(
        ws, [document_id(ws, code, "chu_convention") for code in ("OCC-02", "OCC-03")]
    )
    paths = export_files(ws, filled, tmp_path / "out")
    assert [p.name for p in paths] == [f.file_name for f in filled]
    assert all(
        hashlib.sha256(p.read_bytes()).hexdigest() == f.sha256
        for p, f in zip(paths, filled, strict=True)
    )


def test_a_filled_file_says_what_it_is_in_its_properties(occitanie):
    """Word's File > Properties: the document's title, the GHT as author, French, its day
    (a signed convention: the signing day, filled on any day); nothing of the tool that wrote
    it (no "python-docx", no 2013 date)."""
    ws = occitanie
    draft = document_id(ws, "OCC-02", "chu_convention")
    signed = document_id(ws, "OCC-08", "chu_convention")  # loaded as signed on 26/09/2017
    [of_draft, of_signed] = generate_documents(ws, [draft, signed], as_of=date(2017, 11, 20))
    props = Docx(str(ws.files.path_of(of_draft.sha256))).core_properties
    assert props.title == "Convention d’association CHU de Toulouse – GHT Lot"
    assert props.author == "GHT Lot" and props.language == "fr-FR"
    assert props.subject.startswith("Convention d’association CHU / GHT – GHT Lot (OCC-02)")
    assert props.created.date() == date(2017, 11, 20)  # not signed: the day it is filled
    assert Docx(str(ws.files.path_of(of_signed.sha256))).core_properties.created.date() == date(
        2017, 9, 26
    )
    for filled in (of_draft, of_signed):
        with zipfile.ZipFile(ws.files.path_of(filled.sha256)) as package:
            for part in ("docProps/core.xml", "docProps/app.xml"):
                assert b"python-docx" not in package.read(part)
