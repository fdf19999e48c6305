"""The compliance report and --create-missing on SQLite and PostgreSQL: the Occitanie story,
a list-made registry (regions with one or several CHUs, private and public HADs), and the HAD
convention that cannot be signed without an area for every HAD."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import Document, DocumentParty, Event
from services.audit.chain import verify_chain
from services.campaigns.owed import create_missing
from services.errors import InvalidInput, NotFound
from services.lifecycle.fire import fire
from services.lifecycle.parties import list_parties, remove_party, set_party
from services.registry.compliance import compliance_report
from services.registry.establishments import add_establishment
from services.registry.ghts import set_area, set_reference_chu, show_ght
from services.registry.importing import import_dgos_list
from services.registry.members import add_member
from tests.integration.helpers import director

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "registry"


def _by_code(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {g["code"]: g for g in report["ghts"]}


def test_occitanie_story_of_13_october_2017(occitanie):
    ghts = _by_code(compliance_report(occitanie))
    assert list(ghts) == [f"OCC-{n:02d}" for n in range(1, 15)]
    # CHU-supported GHTs owe no CHU convention; the 11 others have theirs in progress
    chu = {c: [i for i in g["required"] if i["type"] == "chu_convention"] for c, g in ghts.items()}
    assert [c for c, items in chu.items() if not items] == ["OCC-01", "OCC-09", "OCC-12"]
    assert all(
        items[0]["status"] == "in_progress" and items[0]["document_id"]
        for c, items in chu.items()
        if items
    )
    assert chu["OCC-08"][0] | {"document_id": 0} == {
        "type": "chu_convention",
        "with": ["340780477"],
        "document_id": 0,
        "state": "signed",
        "status": "in_progress",
    }
    # no HAD convention yet, for every GHT a private HAD serves
    had = {
        c: i["with"]
        for c, g in ghts.items()
        for i in g["required"]
        if i["type"] == "had_convention"
    }
    assert had == {
        "OCC-01": ["310991344"],
        "OCC-05": ["310991344"],  # Garonne Domicile also serves the Tarn (81)
        "OCC-07": ["650991680"],
        "OCC-09": ["340991512"],
        "OCC-10": ["340991512"],
    }
    assert ghts["OCC-02"]["suggested"] == [
        {
            "type": "partnership_convention",
            "with": ["460991680"],
            "document_id": None,
            "state": None,
            "status": "missing",
        }
    ]


def test_create_missing_is_idempotent_and_audited(occitanie):
    result = create_missing(occitanie, as_of=date(2017, 10, 16))
    assert [(c.ght, c.doc_type) for c in result.created] == [
        ("OCC-01", "had_convention"),
        ("OCC-05", "had_convention"),
        ("OCC-07", "had_convention"),
        ("OCC-09", "had_convention"),
        ("OCC-10", "had_convention"),
    ]
    first = result.created[0]
    assert (first.campaign, first.due_date, first.parties) == (
        "OCC-2017",
        date(2017, 12, 31),
        [("310991344", "31,81")],
    )
    assert create_missing(occitanie).created == []
    ghts = _by_code(compliance_report(occitanie))
    item = next(i for i in ghts["OCC-07"]["required"] if i["type"] == "had_convention")
    assert (item["state"], item["status"], item["with"]) == ("draft", "in_progress", ["650991680"])
    assert verify_chain(occitanie).intact
    with occitanie.db.reading() as session:
        events = session.exec(select(Event).where(Event.document_id == first.document_id)).all()
    assert [(e.name, e.to_state, e.actor) for e in events] == [("create", "draft", "ghtflow")]


def test_signing_an_had_convention_needs_an_area_for_every_had(occitanie):
    add_establishment(
        occitanie, "650991698", name="HAD Pyrénées Santé", category="H.A.D.", private=True
    )
    add_member(occitanie, "OCC-07", "650991698", "associe")  # no area: serves where it is
    created = create_missing(occitanie, as_of=date(2017, 10, 16)).created
    doc = next(c for c in created if c.ght == "OCC-07")
    assert sorted(doc.parties) == [("650991680", "65"), ("650991698", None)]
    with pytest.raises(InvalidInput) as refused:
        fire(occitanie, doc.document_id, "sign", director("OCC-07"), as_of=date(2017, 11, 2))
    assert str(refused.value).startswith(
        f"document {doc.document_id} (had_convention, OCC-07): cannot sign: the convention "
        "must state the area of every HAD"
    )
    assert "650991698 HAD Pyrénées Santé" in str(refused.value)
    assert "650991680" not in str(refused.value)
    with occitanie.db.reading() as session:
        assert session.get(Document, doc.document_id).state == "draft"
    set_party(occitanie, doc.document_id, "650991698", "65")
    assert [p["area"] for p in list_parties(occitanie, doc.document_id)] == [["65"], ["65"]]
    result = fire(occitanie, doc.document_id, "sign", director("OCC-07"), as_of=date(2017, 11, 2))
    assert result.to_state == "signed"


def test_an_had_convention_that_names_no_had_cannot_be_signed(occitanie):
    created = create_missing(occitanie, as_of=date(2017, 10, 16)).created
    doc = next(c for c in created if c.ght == "OCC-07")
    for finess, _area in doc.parties:
        remove_party(occitanie, doc.document_id, finess)
    with pytest.raises(InvalidInput, match=r"cannot sign: the convention names no HAD"):
        fire(occitanie, doc.document_id, "sign", director("OCC-07"), as_of=date(2017, 11, 2))


def test_create_missing_needs_a_campaign(ws):
    import_dgos_list(ws, FIXTURES / "national-2017.csv")
    with pytest.raises(InvalidInput, match="region BRE has no open campaign"):
        create_missing(ws, ght="BRE-06")
    with pytest.raises(NotFound, match="unknown campaign 'NOPE'"):
        create_missing(ws, campaign="NOPE")
    with ws.db.reading() as session:
        assert session.exec(select(func.count()).select_from(Document)).one() == 0


def test_list_made_registry(ws):
    import_dgos_list(ws, FIXTURES / "national-2017.csv")
    ghts = _by_code(compliance_report(ws))
    # Bretagne has one CHU: it is every Breton GHT's reference; BRE-05 has it as a partie
    assert ghts["BRE-05"]["required"] == []
    assert ghts["BRE-06"]["required"][0]["with"] == ["350005179"]
    # Occitanie here has two CHUs: OCC-02 needs its CHU set; OCC-01 is CHU-supported
    assert ghts["OCC-02"]["required"][0]["with"] == []
    assert ghts["OCC-01"]["required"] == []
    shown = set_reference_chu(ws, "OCC-02", "310781406")
    assert (shown["reference_chu"]["finess"], shown["reference_chu_source"]) == ("310781406", "set")
    ghts = _by_code(compliance_report(ws, ght="OCC-02"))
    assert ghts["OCC-02"]["required"][0]["with"] == ["310781406"]
    with pytest.raises(InvalidInput, match="is not a CHU"):
        set_reference_chu(ws, "OCC-02", "460991177")

    # private HADs by area; a public HAD outside every GHT must become a partie
    add_establishment(ws, "350991014", name="HAD 35", category="H.A.D.", private=True, area="35,56")
    add_establishment(
        ws, "560991036", name="HAD Morbihan", category="H.A.D.", private=True, postal_code="56100"
    )
    add_establishment(ws, "350991022", name="HAD publique Rennes", category="H.A.D.", area="35")
    add_establishment(
        ws,
        "560991044",
        name="Clinique Océane",
        category="Clinique",
        private=True,
        postal_code="56000",
    )
    add_establishment(
        ws, "350991030", name="EPSM de Rennes", category="E.P.S.M.", postal_code="35000"
    )
    ghts = _by_code(compliance_report(ws))
    bre05, bre06 = ghts["BRE-05"], ghts["BRE-06"]
    assert [(i["type"], i["with"]) for i in bre05["required"]] == [
        ("had_convention", ["350991014"]),
        ("partie", ["350991022"]),
    ]
    assert [(i["type"], i["with"], i["status"]) for i in bre05["suggested"]] == [
        ("association", ["350991030"], "missing")
    ]
    assert [(i["type"], i["with"]) for i in bre06["required"]] == [
        ("chu_convention", ["350005179"]),
        ("had_convention", ["350991014", "560991036"]),  # one convention may cover both
    ]
    assert [(i["type"], i["with"]) for i in bre06["suggested"]] == [
        ("partnership_convention", ["560991044"])
    ]
    add_member(ws, "BRE-05", "350991022", "partie")
    add_member(ws, "BRE-05", "350991030", "associe")
    bre05 = _by_code(compliance_report(ws, ght="BRE-05"))["BRE-05"]
    assert [i["type"] for i in bre05["required"]] == ["had_convention"]
    assert bre05["suggested"][0]["status"] == "done"
    # the GHT's area, when set, decides which HADs it must work with
    set_area(ws, "BRE-06", "56")
    assert show_ght(ws, "BRE-06")["area_source"] == "set"


def test_create_missing_in_a_named_campaign_adds_to_a_draft(occitanie):
    created = create_missing(occitanie, ght="OCC-10", campaign="OCC-2017").created
    assert [(c.ght, c.added_to_existing) for c in created] == [("OCC-10", False)]
    add_establishment(
        occitanie, "340991520", name="HAD Hérault", category="H.A.D.", private=True, area="34"
    )
    again = create_missing(occitanie, ght="OCC-10", campaign="OCC-2017").created
    assert [(c.document_id, c.added_to_existing) for c in again] == [(created[0].document_id, True)]
    with occitanie.db.reading() as session:
        parties = session.exec(
            select(DocumentParty).where(DocumentParty.document_id == created[0].document_id)
        ).all()
    assert len(parties) == 2
