"""`ghtflow users …` as a user runs it, then what it issued used against the JSON API and the
calendar feed (the router in a small application over the same work directory)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.accounts.credentials import authenticate
from services.errors import PermissionDenied
from services.workspace import Workspace, open_workspace
from settings import Settings
from tests.e2e.runner import GHTFLOW, director, env_for, ghtflow, ok, ok_json, one_line_error
from web.api import router

NEWCOMER = "nouvelle@ars-occitanie.example.org"


def ghtflow_with_input(home: Path, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GHTFLOW), *args],
        env=env_for(home),
        cwd=home,
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def workspace_of(fresh_home: Path) -> Iterator[Workspace]:
    settings = Settings(home=fresh_home, database_url=f"sqlite:///{fresh_home / 'ghtflow.db'}")
    ws = open_workspace(settings)
    yield ws
    ws.close()


@pytest.fixture
def api(workspace_of: Workspace) -> Iterator[TestClient]:
    app = FastAPI()
    app.state.ws = workspace_of
    app.include_router(router)
    with TestClient(app) as client:
        yield client


def test_add_and_passwd_with_password_stdin(fresh_home, workspace_of):
    added = ghtflow_with_input(
        fresh_home,
        "premier-mot-de-passe\n",
        "users", "add", NEWCOMER, "--side", "agency", "--name", "Alex Martin", "--password-stdin",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == f"created agency person {NEWCOMER}"
    assert authenticate(workspace_of, NEWCOMER, "premier-mot-de-passe").is_agency

    changed = ghtflow_with_input(
        fresh_home, "second-mot-de-passe\n", "users", "passwd", NEWCOMER, "--password-stdin"
    )
    assert changed.returncode == 0 and changed.stdout.strip() == f"password of {NEWCOMER} changed"
    assert authenticate(workspace_of, NEWCOMER, "second-mot-de-passe").email == NEWCOMER
    with pytest.raises(PermissionDenied):
        authenticate(workspace_of, NEWCOMER, "premier-mot-de-passe")

    # the scenario's people came with the demo password
    assert authenticate(workspace_of, director("OCC-02"), "ghtflow-demo").ght_code == "OCC-02"


def test_refusals_are_one_line_and_change_nothing(fresh_home):
    before = ok_json(fresh_home, "users", "list")
    for text, args, message in [
        ("court\n", ["users", "add", NEWCOMER, "--side", "agency"], "at least 8 characters"),
        ("assez-long\n", ["users", "add", NEWCOMER, "--side", "ght"], "needs --ght CODE"),
        ("assez-long\n", ["users", "add", "x@occ-02.example.org", "--side", "ght",
                          "--ght", "OCC-99"], "unknown GHT 'OCC-99'"),
        ("assez-long\n", ["users", "add", "pas-une-adresse", "--side", "agency"],
         "e-mail address 'pas-une-adresse' refused"),
        ("\n", ["users", "passwd", director("OCC-02")], "no password on standard input"),
        ("assez-long\n", ["users", "passwd", "nobody@example.org"], "nobody has the e-mail"),
    ]:  # fmt: skip
        result = ghtflow_with_input(fresh_home, text, *args, "--password-stdin")
        assert message in one_line_error(result), (args, result.stderr)
    assert "nobody has the e-mail" in one_line_error(
        ghtflow(fresh_home, "users", "token", "nobody@example.org")
    )
    wrong_role = ghtflow(fresh_home, "users", "add", NEWCOMER, "--side", "boss")
    assert wrong_role.returncode == 2 and "Traceback" not in wrong_role.stderr
    assert ok_json(fresh_home, "users", "list") == before


def test_a_token_from_the_cli_opens_the_api_for_its_ght_only(fresh_home, api):
    result = ghtflow(fresh_home, "users", "token", director("OCC-02"))
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("ght_") and "\n" not in token and "shown only once" in result.stderr

    headers = {"Authorization": f"Bearer {token}"}
    documents = api.get("/api/documents", headers=headers)
    assert documents.status_code == 200
    assert {d["ght"] for d in documents.json()} == {"OCC-02"}
    assert documents.json() == ok_json(fresh_home, "documents", "list", "--ght", "OCC-02")
    pmsp = next(d["id"] for d in documents.json() if d["type"] == "pmsp")
    assert api.get(f"/api/documents/{pmsp}", headers=headers).json() == json.loads(
        ok(fresh_home, "documents", "show", str(pmsp), "--format", "json")
    )
    other = ghtflow(fresh_home, "users", "token", director("OCC-03")).stdout.strip()
    hidden = api.get(f"/api/documents/{pmsp}", headers={"Authorization": f"Bearer {other}"})
    assert hidden.status_code == 404
    assert (
        api.get("/api/documents", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    )


def test_list_json_is_stable_and_says_nothing_secret(fresh_home):
    ok(fresh_home, "users", "token", director("OCC-02"))
    people = ok_json(fresh_home, "users", "list")
    assert len(people) == 15
    assert set(people[0]) == {
        "id", "email", "name", "side", "ght", "has_password", "active_tokens",
        "tokens_expire_on", "has_calendar_link", "removed_on",
    }  # fmt: skip
    assert people[0]["email"] == "instructeur@ars-occitanie.example.org"
    assert people[0]["side"] == "agency" and people[0]["ght"] is None
    lot = next(p for p in people if p["email"] == director("OCC-02"))
    assert (lot["ght"], lot["has_password"], lot["active_tokens"]) == ("OCC-02", True, 1)
    assert all(p["has_password"] for p in people)
    text = ok(fresh_home, "users", "list", "--format", "csv")
    assert text.splitlines()[0] == (
        "id,email,name,side,ght,has_password,active_tokens,tokens_expire_on,"
        "has_calendar_link,removed_on"
    )
    assert "argon2" not in text and "ght_" not in text


def test_calendar_link_is_served_until_renewed(fresh_home, api):
    link = ok(
        fresh_home, "users", "calendar-link", director("OCC-02"), "--base-url", "https://x.fr/"
    ).strip()
    assert link.startswith("https://x.fr/calendar/OCC-02.ics?key=")
    path = link.removeprefix("https://x.fr")
    feed = api.get(path)
    assert feed.status_code == 200 and "BEGIN:VCALENDAR" in feed.text
    assert (
        ok(fresh_home, "users", "calendar-link", director("OCC-02"))
        .strip()
        .endswith(link.split("?")[1])
    )  # the same secret until renewed

    renewed = ok(fresh_home, "users", "calendar-link", director("OCC-02"), "--renew").strip()
    assert renewed.split("?")[1] != link.split("?")[1]
    assert api.get(path).status_code == 404
    agency = ok(fresh_home, "users", "calendar-link", "instructeur@ars-occitanie.example.org")
    assert [line.split("/calendar/")[1][:6] for line in agency.splitlines()] == [
        f"OCC-{n:02d}" for n in range(1, 15)
    ]
