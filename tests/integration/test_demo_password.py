"""The scenario's demo password (web, issue 7): every person of the scenario signs in with it,
a password set since is kept, and a bad value loads nothing and names its line."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import Person
from services.accounts import authenticate, set_password
from services.errors import PermissionDenied, ScenarioError
from services.scenario import load_scenario
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
    report = load_scenario(occitanie, SCENARIO)
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
