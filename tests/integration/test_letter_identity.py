"""What letters and conventions are filled with, from the real database (SQLite and
PostgreSQL): the agency's identity, letter references given once and never twice, the signing
day across a signed → submitted → approved history, the filled file's properties, and the
messages that say which command records what is missing."""

from __future__ import annotations

import io
import threading
import zipfile
from datetime import date
from typing import Any

import pytest
from alembic import command
from sqlalchemy import inspect
from sqlmodel import col, select

from doc_templates.render import _PNG_1PX
from i18n.typography import NBSP
from models import ConformityRequest, Event, LetterReference
from services.adapters.files import referenced_hashes
from services.errors import InvalidInput
from services.generation.context import build_context, load_document_facts
from services.generation.fill import generate_documents
from services.generation.letter_numbers import give_reference
from services.lifecycle.fire import fire
from services.registry.regions import Identity, set_identity, show_region
from services.schema import _config, head_revision, upgrade_database
from tests.integration.helpers import OFFICER, a_file, director, document_id
from tests.integration.test_generation import add_convention


def _request(ws, ght: str, tmp_path, *, submitted: date, requested: date) -> int:
    doc = document_id(ws, ght, "pmsp")
    fire(ws, doc, "submit", director(ght), file=a_file(tmp_path), as_of=submitted)
    fire(
        ws,
        doc,
        "request_conformity",
        OFFICER,
        motives=("shared_care_project",),
        respond_by=date(requested.year + 1, 1, 31),
        as_of=requested,
    )
    with ws.db.reading() as session:
        return int(
            session.exec(
                select(ConformityRequest.id)
                .where(ConformityRequest.document_id == doc)
                .order_by(col(ConformityRequest.id).desc())
            ).first()
            or 0
        )


def _reference(ws, request_id: int) -> str:
    with ws.db.reading() as session:
        return str(
            session.exec(
                select(LetterReference.reference).where(
                    LetterReference.conformity_request_id == request_id
                )
            ).one()
        )


def test_references_follow_the_regions_pattern_in_sequence_and_stay(occitanie, tmp_path):
    ws = occitanie
    set_identity(ws, "OCC", Identity(reference_pattern="ARS-OCC/DOSA/{year}-{number:04d}"))
    with ws.db.reading() as session:  # the scenario's open requests were numbered when loaded
        loaded = session.exec(select(LetterReference.number).where(LetterReference.year == 2017))
        before = max(loaded.all())
    first = _request(
        ws, "OCC-02", tmp_path, submitted=date(2017, 10, 16), requested=date(2017, 10, 30)
    )
    second = _request(
        ws, "OCC-03", tmp_path, submitted=date(2017, 10, 16), requested=date(2017, 11, 2)
    )
    assert _reference(ws, first) == f"ARS-OCC/DOSA/2017-{before + 1:04d}"
    assert _reference(ws, second) == f"ARS-OCC/DOSA/2017-{before + 2:04d}"
    with ws.db.reading() as session:  # the history keeps it with the request
        payload = session.exec(
            select(Event.payload).where(Event.name == "request_conformity").order_by(col(Event.seq))
        ).first()
    assert f"2017-{before + 1:04d}" in (payload or "")
    doc = document_id(ws, "OCC-02", "pmsp")
    [letter] = generate_documents(ws, [doc], letter_only=True)
    [again] = generate_documents(ws, [doc], letter_only=True)
    assert again.sha256 == letter.sha256 and again.id == letter.id
    with zipfile.ZipFile(io.BytesIO(ws.files.path_of(letter.sha256).read_bytes())) as docx:
        core = docx.read("docProps/core.xml").decode()
    assert f"Réf. ARS-OCC/DOSA/2017-{before + 1:04d}" in core
    assert "2017-10-30T00:00:00Z" in core and "<dc:language>fr-FR</dc:language>" in core
    assert _reference(ws, first) == f"ARS-OCC/DOSA/2017-{before + 1:04d}"  # not given again


def test_concurrent_letters_never_share_a_number(occitanie):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "pmsp")
    barrier = threading.Barrier(6)
    given: list[str] = []
    errors: list[BaseException] = []

    def take(seq: int) -> None:
        try:
            barrier.wait(timeout=30)
            with ws.db.transaction() as session:
                given.append(
                    give_reference(session.connection(), doc, date(2019, 3, 1), event_seq=seq)
                )
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=take, args=(1000 + i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert sorted(given) == [f"ARS-OCC/DOSA/2019-{n:04d}" for n in range(1, 7)]


def test_a_convention_is_dated_the_day_it_was_signed(occitanie, tmp_path):
    ws = occitanie
    doc = document_id(ws, "OCC-02", "chu_convention")

    def context() -> dict[str, Any]:
        with ws.db.reading() as session:
            return build_context("chu_convention", load_document_facts(session, ws.workflows, doc))

    assert "signature" not in context()  # a draft: place and date to be written by hand
    people = director("OCC-02")
    fire(ws, doc, "sign", people, as_of=date(2017, 10, 16))
    signed = context()["signature"]
    assert signed == {
        "place": "Cahors",
        "date": f"16{NBSP}octobre 2017",
        "date_short": "16/10/2017",
    }
    fire(ws, doc, "submit", people, file=a_file(tmp_path), as_of=date(2017, 10, 20))
    fire(ws, doc, "approve", OFFICER, as_of=date(2017, 11, 15))
    later = context()
    assert later["signature"] == signed  # transmission and approval do not change it
    assert later["date"] == f"15{NBSP}novembre 2017"
    loaded_signed = document_id(ws, "OCC-08", "chu_convention")  # loaded as signed on 26/09
    with ws.db.reading() as session:
        facts = load_document_facts(session, ws.workflows, loaded_signed)
    assert facts.signed_on == date(2017, 9, 26)


def test_the_identity_reaches_the_context_and_the_logo_is_kept(occitanie, tmp_path):
    ws = occitanie
    logo = tmp_path / "logo.png"
    logo.write_bytes(_PNG_1PX)
    region = set_identity(ws, "OCC", Identity(phone="04 67 07 20 07"), logo=logo)
    assert region["city"] == "Montpellier"  # from the scenario's identity, kept
    assert region["logo_sha256"] in referenced_hashes(ws)  # `files gc` leaves it
    assert show_region(ws, "occ") == region
    with ws.db.reading() as session:
        facts = load_document_facts(session, ws.workflows, document_id(ws, "OCC-02", "pmsp"))
    agency = build_context("document", facts)["agency"]
    assert agency["address_lines"][-1] == "34067 Montpellier Cedex 2"
    assert agency["direction"] == "Direction de l’offre de soins et de l’autonomie"
    assert facts.agency.logo_hash == region["logo_sha256"]


def test_a_partnership_without_parties_names_parties_set(occitanie):
    ws = occitanie
    doc = add_convention(ws, "OCC-02", "partnership_convention", [])
    with pytest.raises(InvalidInput) as refused:
        generate_documents(ws, [doc])
    message = str(refused.value)
    assert f"ghtflow parties set {doc} FINESS" in message and "create-missing" not in message


def test_migration_0015_goes_down_and_up_again(occitanie):
    ws = occitanie
    config = _config()
    with ws.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")
    names = inspect(ws.db.engine)
    assert "letterreference" not in names.get_table_names()
    assert "logo_hash" not in {c["name"] for c in names.get_columns("region")}
    upgrade_database(ws.db)
    assert {"lettersequence", "letterreference"} <= set(inspect(ws.db.engine).get_table_names())
    assert head_revision() == "0015"
