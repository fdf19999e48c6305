"""The registry commands as a user types them: import, ghts, establishments, members, parties,
compliance; refusals are one line on stderr with exit 1."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.runner import ghtflow, ok, ok_json, one_line_error

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "registry"


def test_import_a_bad_list_is_one_line_naming_every_bad_line(empty_home):
    line = one_line_error(ghtflow(empty_home, "import", "dgos-list", FIXTURES / "bad-rows.csv"))
    assert "11 bad lines, nothing imported: line 4: FINESS '460991178'" in line
    assert "line 15: missing DENOMINATION ETABLISSEMENT" in line
    assert ok_json(empty_home, "ghts", "list") == []


def test_import_then_reimport_then_newer_list(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    ok(home, "db", "upgrade")
    first = ok(home, "import", "dgos-list", FIXTURES / "national-2017.csv")
    assert "new GHT COR-01 GHT de Corse: 3 added" in first
    assert "+ 2A0000016 CH d'Ajaccio" in first
    assert "unknown category 'Centre de soins X' on line 17" in first
    again = ok(home, "import", "dgos-list", FIXTURES / "national-2017-cp1252.csv")
    assert "Nothing changed: the registry already matches this list." in again
    newer = json.loads(
        ok(home, "import", "dgos-list", FIXTURES / "national-2018.csv", "--format", "json")
    )
    lot = next(c for c in newer["changes"] if c["code"] == "OCC-02")
    assert lot["removed"] == [{"finess": "460991342", "name": "CH de Gourdon"}]

    ok(home, "ghts", "set-reference-chu", "OCC-02", "310781406")
    ok(home, "ghts", "set-support", "OCC-02", "460991177")
    shown = ok_json(home, "ghts", "show", "OCC-02")
    assert shown["support"] == {"finess": "460991177", "name": "CH de Cahors"}
    assert shown["reference_chu"]["finess"] == "310781406"
    assert [m["finess"] for m in shown["members"]] == ["460991177", "460991516", "460991607"]

    out = ok(
        home,
        "establishments",
        "add",
        "460991615",
        "--name",
        "HAD du Quercy",
        "--category",
        "H.A.D.",
        "--private",
        "--area",
        "46,82",
    )
    assert "establishment 460991615 HAD du Quercy added (HAD, private, area 46,82)" in out
    assert [e["finess"] for e in ok_json(home, "establishments", "list", "--kind", "HAD")] == [
        "460991615",
        "560991010",
    ]
    ok(home, "members", "add", "OCC-02", "460991615", "--role", "associe")
    report = ok_json(home, "compliance", "--ght", "OCC-02")
    assert report == {
        "ghts": [
            {
                "code": "OCC-02",
                "name": "GHT Lot",
                "required": [
                    {
                        "type": "chu_convention",
                        "with": ["310781406"],
                        "document_id": None,
                        "state": None,
                        "status": "missing",
                    },
                    {
                        "type": "had_convention",
                        "with": ["460991615"],
                        "document_id": None,
                        "state": None,
                        "status": "missing",
                    },
                ],
                "suggested": [],
            }
        ]
    }
    line = one_line_error(ghtflow(home, "compliance", "--create-missing", "--ght", "OCC-02"))
    assert line == (
        "error: region OCC has no open campaign to create OCC-02's documents in; "
        "create one with 'ghtflow campaigns create' or pass --campaign CODE"
    )
    ok(home, "members", "remove", "OCC-02", "460991615")
    line = one_line_error(ghtflow(home, "members", "remove", "OCC-02", "460991615"))
    assert "is not a member of OCC-02" in line


def test_compliance_on_occitanie_and_the_had_area_rule(fresh_home):
    table = ok(fresh_home, "compliance")
    assert "OCC-05" in table and "MISSING" in table
    created = ok(
        fresh_home, "compliance", "--create-missing", "--as-of", "2017-10-16", "--ght", "OCC-07"
    )
    assert "created document" in created and "OCC-07 had_convention" in created
    again = ok(fresh_home, "compliance", "--create-missing", "--ght", "OCC-07")
    assert "Nothing to create" in again
    doc = ok_json(fresh_home, "compliance", "--ght", "OCC-07")["ghts"][0]["required"][1]
    ok(
        fresh_home,
        "establishments",
        "add",
        "650991698",
        "--name",
        "HAD Pyrénées Santé",
        "--category",
        "H.A.D.",
        "--private",
    )
    ok(fresh_home, "parties", "set", str(doc["document_id"]), "650991698")
    refused = one_line_error(
        ghtflow(
            fresh_home,
            "documents",
            "fire",
            str(doc["document_id"]),
            "sign",
            "--actor",
            "direction@occ-07.example.org",
            "--as-of",
            "2017-11-02",
        )
    )
    assert "cannot sign" in refused and "no area for 650991698 HAD Pyrénées Santé" in refused
    ok(fresh_home, "parties", "set", str(doc["document_id"]), "650991698", "--area", "65")
    signed = ok(
        fresh_home,
        "documents",
        "fire",
        str(doc["document_id"]),
        "sign",
        "--actor",
        "direction@occ-07.example.org",
        "--as-of",
        "2017-11-02",
    )
    assert "draft → signed" in signed


def test_usage_refusals(loaded_home):
    assert "unknown GHT 'OCC-99'" in one_line_error(ghtflow(loaded_home, "ghts", "show", "OCC-99"))
    line = one_line_error(
        ghtflow(
            loaded_home, "establishments", "add", "310781407", "--name", "X", "--category", "C.H."
        )
    )
    assert line == "error: FINESS '310781407' has a wrong check digit (expected 6)"
    line = one_line_error(
        ghtflow(loaded_home, "members", "add", "OCC-01", "310781406", "--role", "boss")
    )
    assert "role 'boss' must be one of partie, associe, partenaire" in line
