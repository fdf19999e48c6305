"""A region imported from the national list gets its direction address afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.errors import InvalidInput, NotFound
from services.registry.importing import import_dgos_list
from services.registry.regions import list_regions, set_direction

LIST_2017 = Path(__file__).resolve().parent.parent / "fixtures" / "registry" / "national-2017.csv"


def test_an_imported_region_gets_its_direction_address(ws):
    import_dgos_list(ws, LIST_2017)
    assert {r["code"]: r["direction_email"] for r in list_regions(ws)}["BRE"] is None
    region = set_direction(ws, "bre", "Direction@ARS-Bretagne.example.org", agency="ARS Bretagne")
    assert {k: region[k] for k in ("code", "agency", "direction_email", "city")} == {
        "code": "BRE",
        "agency": "ARS Bretagne",
        "direction_email": "direction@ars-bretagne.example.org",
        "city": None,
    }
    assert {r["code"]: r["direction_email"] for r in list_regions(ws)}["BRE"] == (
        "direction@ars-bretagne.example.org"
    )


def test_a_bad_address_or_an_unknown_region_changes_nothing(ws):
    import_dgos_list(ws, LIST_2017)
    with pytest.raises(InvalidInput, match="line break or control character refused"):
        set_direction(ws, "BRE", "direction@ars\r\nBcc: x@example.org")
    with pytest.raises(InvalidInput, match=r"'direction at ars-bretagne' refused: .* one @"):
        set_direction(ws, "BRE", "direction at ars-bretagne")
    with pytest.raises(InvalidInput, match="part before @"):
        set_direction(ws, "BRE", 'a"b@ars-bretagne.example.org')
    with pytest.raises(NotFound, match="unknown region 'XYZ'"):
        set_direction(ws, "xyz", "direction@example.org")
    assert all(r["direction_email"] is None for r in list_regions(ws))
