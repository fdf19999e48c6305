"""Two regions through the `ghtflow` command: Guyane's scenario loads beside Occitanie's, the
region filters of `documents list` and `report bilan` keep to one region, and the call for
projects is launched to the applicant structures."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.runner import ROOT, ghtflow, ok, ok_json, one_line_error


@pytest.fixture
def home(fresh_home: Path) -> Path:
    ok(fresh_home, "load", "--demo", ROOT / "scenarios" / "guyane-2018.yaml")
    return fresh_home


def test_each_region_lists_its_own(home: Path) -> None:
    guyane = ok_json(home, "documents", "list", "--region", "guy")
    occitanie = ok_json(home, "documents", "list", "--region", "OCC")
    assert {d["ght"] for d in guyane} == {"PTA-973", "CPTS-OG"}
    assert len(occitanie) == 39 and not {d["id"] for d in guyane} & {d["id"] for d in occitanie}
    counts = ok_json(home, "report", "bilan", "--region", "GUY", "--as-of", "2018-05-31")["counts"]
    assert sum(counts["pmsp"].values()) == 0
    assert sum(sum(states.values()) for states in counts.values()) == 2
    refused = one_line_error(ghtflow(home, "documents", "list", "--region", "BRE"))
    assert refused == "error: unknown region 'BRE'; regions: GUY, OCC"


def test_the_call_is_launched_to_the_structures(home: Path) -> None:
    launched = ok_json(home, "campaigns", "launch", "GUY-AAP-2018", "--as-of", "2018-05-16")
    assert {g["code"] for g in launched["ghts"]} == {"PTA-973", "CPTS-OG"}
    assert launched["mails_queued"] == 1
    assert "OK" in ok(
        home, "procedures", "check", next((ROOT / "procedures").glob("*/criteria.yaml")).parent
    )
