"""`ghtflow campaigns …` as a user types it, on the loaded demo (SQLite): create, list, show,
launch (twice), set-due, close, with their JSON and CSV, one-line refusals and usage errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.e2e.runner import ghtflow, ok, ok_json, one_line_error, usage_error


def test_show_and_list_the_scenarios_campaign(loaded_home: Path):
    shown = ok_json(loaded_home, "campaigns", "show", "OCC-2017")
    assert shown == {
        "code": "OCC-2017",
        "name": "Campagne GHT 2017",
        "region": "OCC",
        "due": {
            "pmsp": "2017-07-01",
            "chu_convention": "2017-12-31",
            "had_convention": "2017-12-31",
            "eprd_budget_g": "2017-12-31",
            "sdsi": "2017-12-31",
        },
        "launched_on": None,
        "documents": {
            "pmsp": {"draft": 6, "interim_amendment": 1, "conformity_requested": 4, "approved": 3},
            "chu_convention": {"draft": 8, "signed": 3},
            "had_convention": {},
            "eprd_budget_g": {"draft": 14},
            "sdsi": {},
        },
    }
    table = ok(loaded_home, "campaigns", "show", "occ-2017")
    assert "OCC-2017 Campagne GHT 2017 (region OCC), created 20" in table
    assert "Launched on: not launched yet" in table and "Reminders: each type's own" in table
    rows = list(
        csv.reader(io.StringIO(ok(loaded_home, "campaigns", "show", "OCC-2017", "-f", "csv")))
    )
    assert rows[0] == ["type", "due", "state", "documents"]
    assert ["chu_convention", "2017-12-31", "signed", "3"] in rows
    assert ["sdsi", "2017-12-31", "", "0"] in rows
    listed = ok_json(loaded_home, "campaigns", "list")
    assert listed == [
        {
            "code": "OCC-2017",
            "name": "Campagne GHT 2017",
            "region": "OCC",
            "due": shown["due"],
            "reminders": None,
            "launched_on": None,
            "closed_on": None,
            "documents": 39,
        }
    ]
    rows = list(csv.reader(io.StringIO(ok(loaded_home, "campaigns", "list", "-f", "csv"))))
    assert rows[0] == [
        "code",
        "name",
        "region",
        "due",
        "reminders",
        "launched_on",
        "closed_on",
        "documents",
    ]
    assert rows[1][:3] == ["OCC-2017", "Campagne GHT 2017", "OCC"]
    assert "1 campaign" in ok(loaded_home, "campaigns", "list", "--region", "occ")
    assert one_line_error(ghtflow(loaded_home, "campaigns", "show", "NOPE")) == (
        "error: unknown campaign 'NOPE'"
    )
    assert one_line_error(ghtflow(loaded_home, "campaigns", "list", "--region", "ZZ")) == (
        "error: unknown region 'ZZ'"
    )


def test_create_then_launch_set_due_and_close(fresh_home: Path):
    created = ok_json(
        fresh_home,
        "campaigns",
        "create",
        "OCC-2018",
        "--region",
        "OCC",
        "--name",
        "Campagne GHT 2018",
        "--due",
        "sdsi=2018-12-31",
        "--due",
        "pmsp=2018-06-30",
        "--reminders",
        "30,7",
    )
    assert created == {
        "code": "OCC-2018",
        "name": "Campagne GHT 2018",
        "region": "OCC",
        "due": {"pmsp": "2018-06-30", "sdsi": "2018-12-31"},
        "launched_on": None,
        "documents": {"pmsp": {}, "sdsi": {}},
    }
    line = one_line_error(
        ghtflow(fresh_home, "campaigns", "create", "OCC-2018", "--region", "OCC", "--name", "x",
                "--due", "pmsp=2018-06-30")
    )  # fmt: skip
    assert line == "error: campaign OCC-2018 exists already"

    launched = ok_json(fresh_home, "campaigns", "launch", "OCC-2018", "--as-of", "2017-11-02")
    assert (launched["created"], launched["mails_queued"]) == (28, 14)
    assert launched["launched_on"] == "2017-11-02"
    lot = next(g for g in launched["ghts"] if g["code"] == "OCC-02")
    assert [(c["type"], c["due_date"]) for c in lot["created"]] == [
        ("pmsp", "2018-06-30"),
        ("sdsi", "2018-12-31"),
    ]
    assert (lot["mail"], lot["reason"], lot["owed"]) == ("queued", None, 2)
    again = ok(fresh_home, "campaigns", "launch", "OCC-2018", "--as-of", "2017-11-03")
    assert "0 documents created, 0 e-mails queued; launched on 2017-11-02." in again
    assert "sent before" in again
    outbox = ok_json(fresh_home, "outbox", "list")
    assert [m["kind"] for m in outbox].count("campaign_launch") == 14
    assert all(m["document_id"] is None for m in outbox if m["kind"] == "campaign_launch")

    moved = ok_json(
        fresh_home,
        "campaigns",
        "set-due",
        "OCC-2018",
        "pmsp",
        "2018-09-30",
        "--as-of",
        "2017-11-04",
    )
    assert (moved["from"], moved["to"], len(moved["moved"])) == ("2018-06-30", "2018-09-30", 14)
    doc = moved["moved"][0]["document_id"]
    history = ok_json(fresh_home, "documents", "show", str(doc))["history"]
    assert [(h["event"], h["from"], h["to"], h["as_of"]) for h in history] == [
        ("create", None, "draft", "2017-11-02"),
        ("move_due_date", "draft", "draft", "2017-11-04"),
    ]
    assert history[1]["payload"] == {
        "from": "2018-06-30",
        "to": "2018-09-30",
        "campaign": "OCC-2018",
    }
    table = ok(fresh_home, "campaigns", "set-due", "OCC-2018", "pmsp", "2018-10-31")
    assert "OCC-2018 pmsp: due 2018-09-30 -> 2018-10-31" in table and "14 documents moved." in table
    assert "audit chain intact" in ok(fresh_home, "audit", "verify")

    closed = ok(fresh_home, "campaigns", "close", "OCC-2018")
    assert closed.startswith("Closed campaign OCC-2018 on ")
    for args in (
        ("launch", "OCC-2018"),
        ("set-due", "OCC-2018", "sdsi", "2019-01-01"),
        ("close", "OCC-2018"),
    ):
        line = one_line_error(ghtflow(fresh_home, "campaigns", *args))
        assert line.startswith("error: campaign OCC-2018 was closed on "), line
    listed = {c["code"]: c for c in ok_json(fresh_home, "campaigns", "list")}
    assert listed["OCC-2018"]["closed_on"] is not None and listed["OCC-2018"]["reminders"] == [
        30,
        7,
    ]


def test_the_demo_campaign_launched_on_the_scenario_days(fresh_home: Path):
    table = ok(fresh_home, "campaigns", "launch", "OCC-2017", "--as-of", "2017-10-16")
    assert "19 documents created, 14 e-mails queued; launched on 2017-10-16." in table
    assert "│ OCC-07 │ had_convention" in table
    bilan = ok_json(fresh_home, "report", "bilan", "--as-of", "2017-10-13")
    assert bilan["counts"]["pmsp"]["approved"] == 3  # the 13 October bilan is as it was
    assert sum(bilan["counts"]["sdsi"].values()) == 0
    compliance = ok(fresh_home, "compliance", "--create-missing")
    assert "Nothing to create: every required convention exists." in compliance


def test_refusals_and_usage_errors(loaded_home: Path):
    create = ("campaigns", "create", "X-1", "--region", "OCC", "--name", "X")
    assert "not TYPE=YYYY-MM-DD" in usage_error(ghtflow(loaded_home, *create, "--due", "pmsp"))
    assert "is not a date" in usage_error(ghtflow(loaded_home, *create, "--due", "pmsp=2018-02-30"))
    assert "given twice" in usage_error(
        ghtflow(loaded_home, *create, "--due", "pmsp=2018-01-01", "--due", "pmsp=2018-02-01")
    )
    assert "between 1 and 366" in usage_error(
        ghtflow(loaded_home, *create, "--due", "pmsp=2018-01-01", "--reminders", "0")
    )
    assert one_line_error(ghtflow(loaded_home, *create, "--due", "nope=2018-01-01")).startswith(
        "error: unknown document type 'nope'; known: pmsp, "
    )
    assert "is not between 2000-01-01" in one_line_error(
        ghtflow(loaded_home, *create, "--due", "pmsp=2999-01-01")
    )
    assert one_line_error(ghtflow(loaded_home, *create)) == (
        "error: a campaign needs at least one due date, e.g. --due pmsp=2018-12-31"
    )
    assert "is after today" in one_line_error(
        ghtflow(loaded_home, "campaigns", "launch", "OCC-2017", "--as-of", "2999-01-01")
    )
    assert "is before its last event" in one_line_error(
        ghtflow(loaded_home, "campaigns", "set-due", "OCC-2017", "pmsp", "2018-01-01",
                "--as-of", "2017-01-02")
    )  # fmt: skip
    assert "is not a date" in usage_error(
        ghtflow(loaded_home, "campaigns", "set-due", "OCC-2017", "pmsp", "soon")
    )
    # nothing changed
    assert (
        json.loads(ok(loaded_home, "campaigns", "show", "OCC-2017", "-f", "json"))["launched_on"]
        is None
    )
