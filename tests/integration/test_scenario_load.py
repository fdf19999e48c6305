"""Loading the Occitanie 2017 scenario: exact picture, idempotent, all-or-nothing with lines."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from models import ConformityRequest, Document, Establishment, Event, Ght, Person, Region
from services.errors import ScenarioError
from services.scenario.load import load_scenario
from services.views.reports import bilan
from tests.conftest import SCENARIO


def _count(ws, model) -> int:
    with ws.db.reading() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_bilan_of_13_october_2017(occitanie):
    result = bilan(occitanie, date(2017, 10, 13))
    assert result.counts["pmsp"] == {
        "draft": 6,
        "interim_amendment": 1,
        "submitted": 0,
        "conformity_requested": 4,
        "approved": 3,
    }
    assert result.counts["chu_convention"] == {
        "draft": 8,
        "signed": 3,
        "submitted": 0,
        "conformity_requested": 0,
        "approved": 0,
    }
    assert result.counts["eprd_budget_g"]["draft"] == 14
    assert sum(result.counts["had_convention"].values()) == 0
    assert [g.code for g in result.ghts] == [f"OCC-{n:02d}" for n in range(1, 15)]


def test_people_ghts_and_conformity_requests(occitanie):
    with occitanie.db.reading() as session:
        officer = session.exec(
            select(Person).where(Person.email == "instructeur@ars-occitanie.example.org")
        ).one()
        assert officer.side == "agency"
        ght = session.exec(select(Ght).where(Ght.code == "OCC-02")).one()
        director = session.exec(
            select(Person).where(Person.email == "direction@occ-02.example.org")
        ).one()
        assert (director.side, director.ght_id) == ("ght", ght.id)
        requests = session.exec(select(ConformityRequest)).all()
        region = session.exec(select(Region)).one()
    assert len(requests) == 4
    assert all(r.motives and r.respond_by > r.requested_on for r in requests)
    assert region.direction_email.endswith("example.org")


def test_second_load_changes_nothing(occitanie):
    before = {m.__name__: _count(occitanie, m) for m in (Document, Event, Establishment, Person)}
    report = load_scenario(occitanie, SCENARIO)
    assert not report.changed
    assert report.unchanged["documents"] == 39
    assert {
        m.__name__: _count(occitanie, m) for m in (Document, Event, Establishment, Person)
    } == before


def test_reload_keeps_documents_people_have_moved(occitanie):
    from services.lifecycle.fire import fire

    doc_id = _document_id(occitanie, "OCC-03", "chu_convention")
    fire(occitanie, doc_id, "sign", "direction@occ-03.example.org", as_of=date(2017, 11, 2))
    load_scenario(occitanie, SCENARIO)
    with occitanie.db.reading() as session:
        assert session.get(Document, doc_id).state == "signed"


def _document_id(ws, ght: str, doc_type: str) -> int:
    with ws.db.reading() as session:
        return session.exec(  # type: ignore[no-any-return]
            select(Document.id)
            .join(Ght, col(Ght.id) == col(Document.ght_id))
            .where(Ght.code == ght, Document.doc_type == doc_type)
        ).one()


def _broken_copy(tmp_path, old: str, new: str) -> tuple[str, int]:
    text = SCENARIO.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(path), line


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{ght: OCC-02, type: pmsp", "{ght: OCC-99, type: pmsp", "unknown GHT 'OCC-99'"),
        ("{ght: OCC-02, type: pmsp", "{ght: OCC-02, type: pmspp", "unknown document type 'pmspp'"),
        ('"310781406"', '"310781407"', "wrong check digit"),
    ],
)
def test_malformed_file_loads_nothing_and_names_the_line(ws, tmp_path, old, new, message):
    path, line = _broken_copy(tmp_path, old, new)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(ws, __import__("pathlib").Path(path))
    assert f"broken.yaml:{line}:" in str(caught.value)
    assert message in str(caught.value)
    assert _count(ws, Region) == 0
    assert _count(ws, Establishment) == 0
    assert _count(ws, Document) == 0


@pytest.mark.parametrize(("key", "accepted"), [("a", False), ("q2", True)])
def test_a_scenario_motive_key_follows_the_rule_of_motives_add(ws, tmp_path, key, accepted):
    """The loader took a one-letter key that `ghtflow motives add` refuses: one rule now."""
    from models import ConformityMotive

    path = tmp_path / "motives.yaml"
    extra = f"motives:\n  - {{key: {key}, label: Motif de test}}\n"
    path.write_text(extra + SCENARIO.read_text(encoding="utf-8"), encoding="utf-8")
    if accepted:
        load_scenario(ws, path)
        with ws.db.reading() as session:
            assert session.get(ConformityMotive, key) is not None
        return
    with pytest.raises(ScenarioError, match=rf"motives\.yaml:2: motive key '{key}' must be 2"):
        load_scenario(ws, path)
    assert _count(ws, Region) == 0


def test_yaml_syntax_error_names_the_line(ws, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("scenario: x\nas_of: 2017-10-13\nregion: {code: OCC\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"bad\.yaml:\d+: YAML syntax"):
        load_scenario(ws, path)
