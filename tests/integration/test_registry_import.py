"""Importing the national list on SQLite and PostgreSQL: CSV and XLSX, all or nothing, per-GHT
diff of a newer list, and nothing deleted that documents need."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]
from sqlalchemy import func
from sqlmodel import col, select

from models import (
    Campaign,
    Document,
    DocumentParty,
    Establishment,
    Ght,
    Membership,
    Region,
)
from services.errors import InvalidInput
from services.registry.finess import check_digit
from services.registry.importing import import_dgos_list

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "registry"
LIST_2017 = FIXTURES / "national-2017.csv"
LIST_2017_CP1252 = FIXTURES / "national-2017-cp1252.csv"
LIST_2018 = FIXTURES / "national-2018.csv"
BAD = FIXTURES / "bad-rows.csv"


def _count(ws, model) -> int:
    with ws.db.reading() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def _members(ws, code: str) -> dict[str, str]:
    with ws.db.reading() as session:
        rows = session.exec(
            select(Establishment.finess, Membership.role)
            .join(Membership, col(Membership.establishment_id) == col(Establishment.id))
            .join(Ght, col(Ght.id) == col(Membership.ght_id))
            .where(Ght.code == code)
        ).all()
    return dict(rows)


def test_first_import_creates_regions_ghts_and_parties(ws):
    report = import_dgos_list(ws, LIST_2017)
    assert report.changed
    assert report.regions_created == ["OCC", "COR", "BRE"]
    assert [c.code for c in report.ghts] == [
        "OCC-01",
        "OCC-02",
        "OCC-09",
        "COR-01",
        "BRE-05",
        "BRE-06",
    ]
    assert all(c.new for c in report.ghts)
    assert report.unknown_categories == {"Centre de soins X": [17]}
    assert _members(ws, "COR-01") == {
        "2A0000016": "partie",
        "2B0000024": "partie",
        "2B0000032": "partie",
    }
    with ws.db.reading() as session:
        chu = session.exec(select(Establishment).where(Establishment.finess == "310781406")).one()
        unknown = session.exec(
            select(Establishment).where(Establishment.finess == "560991028")
        ).one()
        corse = session.exec(select(Region).where(Region.code == "COR")).one()
    assert (chu.kind, chu.is_public, chu.from_list, chu.postal_code) == ("CHU", True, True, "31059")
    assert unknown.kind == ""  # unknown category: recorded, without a kind
    assert (corse.name, corse.agency_name, corse.direction_email) == ("Corse", "ARS Corse", "")


def test_the_same_list_in_windows_1252_with_commas_changes_nothing(ws):
    import_dgos_list(ws, LIST_2017)
    before = {m.__name__: _count(ws, m) for m in (Region, Ght, Establishment, Membership)}
    report = import_dgos_list(ws, LIST_2017_CP1252)
    assert not report.changed
    assert report.ghts == []
    assert {m.__name__: _count(ws, m) for m in (Region, Ght, Establishment, Membership)} == before
    with ws.db.reading() as session:
        marchant = session.exec(
            select(Establishment).where(Establishment.finess == "310991179")
        ).one()
    assert marchant.name == "CH Gérard Marchant"  # decoded from Windows-1252


def test_a_newer_list_prints_added_removed_renamed_and_keeps_documents(ws):
    import_dgos_list(ws, LIST_2017)
    gourdon = "460991342"
    with ws.db.transaction() as session:  # a convention made with CH de Gourdon
        region = session.exec(select(Region).where(Region.code == "OCC")).one()
        ght = session.exec(select(Ght).where(Ght.code == "OCC-02")).one()
        campaign = Campaign(code="C", name="C", region_id=region.id)
        session.add(campaign)
        session.flush()
        document = Document(
            ght_id=ght.id,
            doc_type="partnership_convention",
            campaign_id=campaign.id or 0,
            state="draft",
        )
        session.add(document)
        session.flush()
        est = session.exec(select(Establishment).where(Establishment.finess == gourdon)).one()
        session.add(DocumentParty(document_id=document.id or 0, establishment_id=est.id or 0))
    report = import_dgos_list(ws, LIST_2018)
    changes = {c.code: c for c in report.ghts}
    assert set(changes) == {"OCC-02", "OCC-14"}
    lot = changes["OCC-02"]
    assert lot.added == [("460991607", "CH de Saint-Céré")]
    assert lot.removed == [(gourdon, "CH de Gourdon")]
    assert lot.renamed == [("460991516", "EHPAD de Figeac", "EHPAD Les Tilleuls de Figeac")]
    assert changes["OCC-14"].new
    assert gourdon not in _members(ws, "OCC-02")
    assert _count(ws, Document) == 1
    assert _count(ws, DocumentParty) == 1
    with ws.db.reading() as session:
        assert session.exec(select(Establishment).where(Establishment.finess == gourdon)).one()
    assert not import_dgos_list(ws, LIST_2018).changed


def test_hand_recorded_members_survive_a_new_list(ws):
    from services.registry.establishments import add_establishment
    from services.registry.members import add_member

    import_dgos_list(ws, LIST_2017)
    add_establishment(
        ws, "310991344", name="HAD Garonne Domicile", category="H.A.D.", private=True, area="31"
    )
    add_member(ws, "OCC-01", "310991344", "associe")
    import_dgos_list(ws, LIST_2018)
    assert _members(ws, "OCC-01")["310991344"] == "associe"


def test_a_bad_list_imports_nothing_and_names_every_bad_line(ws):
    with pytest.raises(InvalidInput) as caught:
        import_dgos_list(ws, BAD)
    message = str(caught.value)
    assert "11 bad lines, nothing imported" in message
    for line, reason in [
        (4, "wrong check digit"),
        (5, "has 7 characters"),
        (6, "followed by 7 digits"),
        (7, "missing CODE GHT"),
        (8, "CODE GHT 'LOT 2'"),
        (9, "CODE POSTAL '463'"),
        (10, "GHT OCC-02 is named 'GHT Lot' on line 3"),
        (11, "listed twice in GHT OCC-01 (line 2)"),
        (13, "'2C0000010'"),
        (14, "'2A0000019' has a wrong check digit"),
        (15, "missing DENOMINATION ETABLISSEMENT"),
    ]:
        assert f"line {line}: " in message and reason in message, (line, reason)
    assert "line 12" not in message  # an unknown category is not an error
    assert "\n" not in message
    assert _count(ws, Establishment) == _count(ws, Ght) == _count(ws, Region) == 0


def _xlsx(path: Path, rows: list[list[object]], sheet: str = "GHT") -> Path:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(["Composition des GHT au 1er juillet 2016"])  # a title line above the table
    worksheet.append([])
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


def test_xlsx_with_a_title_line_numbers_and_a_named_sheet(ws, tmp_path):
    rows: list[list[object]] = [
        list(r) for r in csv.reader(LIST_2017.open(encoding="utf-8"), delimiter=";")
    ]
    ariege = "09099117"
    rows.append(
        [
            "Occitanie",
            "GHT Pyrénées ariégeoises",
            "OCC-13",
            int(ariege + check_digit(ariege)),
            "C.H.",
            "CH du Val d'Ariège",
            "Saint-Jean-de-Verges",
            9000,
        ]
    )
    path = _xlsx(tmp_path / "ght.xlsx", rows)
    report = import_dgos_list(ws, path, sheet="GHT")
    assert report.rows == 17
    assert _members(ws, "OCC-13") == {ariege + check_digit(ariege): "partie"}
    with ws.db.reading() as session:
        val = session.exec(select(Establishment).where(Establishment.finess == "090991175")).one()
    assert val.postal_code == "09000"
    with pytest.raises(InvalidInput, match="no sheet 'Feuil1'; sheets: GHT"):
        import_dgos_list(ws, path, sheet="Feuil1")


def test_xlsx_bad_rows_are_named_by_their_sheet_row(ws, tmp_path):
    rows: list[list[object]] = [
        list(r) for r in csv.reader(LIST_2017.open(encoding="utf-8"), delimiter=";")
    ]
    rows[2][3] = "310991170"  # CH Gérard Marchant, wrong check digit: sheet row 2 + 3 = 5
    path = _xlsx(tmp_path / "bad.xlsx", rows)
    with pytest.raises(
        InvalidInput, match=r"1 bad line, nothing imported: line 5: FINESS '310991170'"
    ):
        import_dgos_list(ws, path)


def test_missing_columns_and_unreadable_files_are_refused(ws, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("REGION;CODE GHT;FINESS\nOccitanie;OCC-01;310781406\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="missing DENOMINATION GHT, CATEGORIE"):
        import_dgos_list(ws, broken)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a readable XLSX file"):
        import_dgos_list(ws, fake)
    odd = tmp_path / "broken.ods"
    odd.write_text("x", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"expected an \.xlsx or \.csv file"):
        import_dgos_list(ws, odd)
