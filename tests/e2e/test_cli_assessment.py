"""An assessment grid and a holder that is not a GHT, through the `ghtflow` command: a
structure applies to a call for projects defined as data, the agency judges each criterion
(`--criterion KEY --met/--not-met`) and selects only when every one is met."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.runner import OFFICER, ROOT, ghtflow, ok, ok_json, one_line_error

FIXTURES = ROOT / "tests" / "fixtures"
APPLICANT = "coordination@pta-31.example.org"


@pytest.fixture
def home(fresh_home: Path, tmp_path: Path) -> Path:
    (fresh_home / ".env").write_text(
        f"GHTFLOW_WORKFLOWS_DIR={FIXTURES / 'applications'}\n", encoding="utf-8"
    )
    ok(fresh_home, "load", "--demo", FIXTURES / "applications-scenario.yaml")
    return fresh_home


def test_the_agency_assesses_then_selects(home: Path, tmp_path: Path) -> None:
    [application] = ok_json(home, "documents", "list", "--type", "application")
    assert application["ght"] == "PTA-31"
    doc = str(application["id"])
    dossier = tmp_path / "dossier.pdf"
    dossier.write_bytes(b"%PDF-1.4 dossier")
    ok(home, "documents", "fire", doc, "submit", "--actor", APPLICANT, "--file", dossier)
    ok(home, "documents", "fire", doc, "review", "--actor", OFFICER)
    refused = one_line_error(ghtflow(home, "documents", "fire", doc, "select", "--actor", OFFICER))
    assert "every criterion must be met (not assessed: versatility, actors, targets)" in refused
    out = ok(
        home, "documents", "fire", doc, "assess", "--actor", OFFICER,
        "--criterion", "actors", "--not-met", "--note", "Pas de libéraux",
    )  # fmt: skip
    assert "under_review → under_review" in out
    for criterion in ("versatility", "actors", "targets"):
        ok(home, "documents", "fire", doc, "assess", "--actor", OFFICER,
           "--criterion", criterion, "--met")  # fmt: skip
    shown = ok(home, "documents", "show", doc)
    assert "Assessment grid" in shown and "actors: not met" in shown
    grid = ok_json(home, "documents", "show", doc)["assessment"]
    assert [(g["criterion"], g["met"]) for g in grid] == [
        ("versatility", True),
        ("actors", True),
        ("targets", True),
    ]
    assert "selected" in ok(home, "documents", "fire", doc, "select", "--actor", OFFICER)
    assert "intact" in ok(home, "audit", "verify")


def test_a_verdict_is_refused_where_it_means_nothing(home: Path) -> None:
    [application] = ok_json(home, "documents", "list", "--type", "application")
    doc = str(application["id"])
    refused = one_line_error(
        ghtflow(
            home,
            "documents",
            "fire",
            doc,
            "submit",
            "--actor",
            APPLICANT,
            "--criterion",
            "actors",
            "--met",
        )
    )
    assert "event 'submit' assesses no criterion" in refused
    pmsps = ok_json(home, "documents", "list", "--type", "pmsp")
    pmsp = next(d for d in pmsps if d["state"] == "conformity_requested")
    refused = one_line_error(
        ghtflow(
            home,
            "documents",
            "fire",
            str(pmsp["id"]),
            "resubmit",
            "--actor",
            f"direction@{pmsp['ght'].lower()}.example.org",
            "--not-met",
        )
    )
    assert "assesses no criterion" in refused
