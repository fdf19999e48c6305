"""The scenario's demo password: given only when asked (`load --demo`), then every person of
the scenario signs in with it, a password set since is kept, a bad value loads nothing and
names its line, and the accounts that still have it are found without an argon2 check each."""

from __future__ import annotations

import pytest
from sqlalchemy import func, update
from sqlmodel import select

from models import Person
from services.accounts.credentials import authenticate, hash_password, set_password
from services.accounts.people import demo_password_accounts
from services.errors import InvalidInput, PermissionDenied, ScenarioError
from services.scenario.load import load_scenario
from tests.conftest import SCENARIO
from tests.integration.helpers import OFFICER, director

DEMO = "ghtflow-demo"


def test_every_person_of_the_scenario_signs_in_with_the_demo_password(occitanie):
    with occitanie.db.reading() as session:
        people = session.exec(select(Person)).all()
    assert len(people) == 15
    assert all(p.password_hash and p.password_hash.startswith("$argon2") for p in people)
    assert authenticate(occitanie, OFFICER, DEMO).is_agency
    assert authenticate(occitanie, director("OCC-14"), DEMO).ght_code == "OCC-14"
    with pytest.raises(PermissionDenied):
        authenticate(occitanie, OFFICER, "ghtflow-demo2")


def test_reloading_keeps_a_password_changed_since(occitanie):
    set_password(occitanie, director("OCC-02"), "mon-propre-mot-de-passe")
    report = load_scenario(occitanie, SCENARIO, demo=True)
    assert not report.changed and report.unchanged["demo passwords"] == 15
    assert authenticate(occitanie, director("OCC-02"), "mon-propre-mot-de-passe")
    with pytest.raises(PermissionDenied):
        authenticate(occitanie, director("OCC-02"), DEMO)


def test_a_short_demo_password_loads_nothing_and_names_its_line(ws, tmp_path):
    text = SCENARIO.read_text(encoding="utf-8")
    line = text.splitlines().index("demo_password: ghtflow-demo") + 1
    bad = tmp_path / "short.yaml"
    bad.write_text(text.replace("demo_password: ghtflow-demo", "demo_password: demo"), "utf-8")
    with pytest.raises(ScenarioError) as refused:
        load_scenario(ws, bad)
    assert str(refused.value) == (
        f"{bad}:{line}: 'demo_password': a password needs at least 8 characters"
    )
    with ws.db.reading() as session:
        assert session.exec(select(func.count()).select_from(Person)).one() == 0


def test_without_demo_nobody_gets_the_published_password(ws):
    report = load_scenario(ws, SCENARIO)
    assert report.demo_password_skipped and "demo passwords" not in report.created
    with ws.db.reading() as session:
        assert all(p.password_hash is None for p in session.exec(select(Person)).all())
    with pytest.raises(PermissionDenied):
        authenticate(ws, OFFICER, DEMO)
    assert demo_password_accounts(ws) == []


def test_the_accounts_that_still_have_the_demo_password_are_counted(occitanie):
    assert len(demo_password_accounts(occitanie)) == 15
    with pytest.raises(InvalidInput, match="is the public demo password"):
        set_password(occitanie, director("OCC-02"), DEMO)  # nobody may choose it again
    set_password(occitanie, OFFICER, "mon-propre-mot-de-passe")
    remaining = demo_password_accounts(occitanie)
    assert len(remaining) == 14 and OFFICER not in remaining


def test_a_database_loaded_before_the_marker_is_checked_too(occitanie):
    """Older loads hashed the demo password with a random salt shared by all the people."""
    legacy = hash_password(DEMO)
    with occitanie.db.transaction() as session:
        session.execute(update(Person).values(password_hash=legacy))
    assert len(demo_password_accounts(occitanie)) == 15
    with occitanie.db.transaction() as session:
        session.execute(update(Person).values(password_hash=hash_password("un-autre-secret")))
    assert demo_password_accounts(occitanie) == []


def test_demo_without_a_demo_password_in_the_file_is_refused(ws, tmp_path):
    text = SCENARIO.read_text(encoding="utf-8").replace("demo_password: ghtflow-demo\n", "")
    path = tmp_path / "real.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ScenarioError, match="--demo: the file has no 'demo_password'"):
        load_scenario(ws, path, demo=True)
