"""One address rule at every door: `users add`, the scenario loader, `regions set-direction`,
sign-in, and the outbox, which refuses one message (not the whole sweep) for a bad stored row."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, update
from sqlmodel import col, select

from models import Document, Ght, OutboxMessage, Person, SignInCounter
from models.outbox import NoticeKind
from services.accounts.credentials import add_user, authenticate
from services.errors import InvalidInput, PermissionDenied, ScenarioError
from services.lifecycle.fire import fire
from services.mail.addresses import sender_of
from services.mail.outbox import AddressRefused, Notice, ght_contacts, message_row
from services.registry.regions import set_direction
from services.scenario.load import load_scenario
from tests.conftest import SCENARIO
from tests.integration.helpers import OFFICER, a_file, director, document_id

QUOTED = 'a"b@occ-02.example.org'


def _count(ws, model) -> int:
    with ws.db.reading() as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_users_add_refuses_what_the_outbox_would_refuse(occitanie):
    people = _count(occitanie, Person)
    for bad in (QUOTED, "a b@occ-02.example.org", "x@occ-02.example.org\r\nBcc: e@x.org"):
        with pytest.raises(InvalidInput, match="refused: "):
            add_user(occitanie, bad, "ght", ght_code="OCC-02", password="un-mot-de-passe")
    assert _count(occitanie, Person) == people
    account, created = add_user(occitanie, " Adjoint@OCC-02.Example.org ", "ght", ght_code="OCC-02")
    assert created and account.email == "adjoint@occ-02.example.org"


def test_region_direction_refuses_a_quoted_address(occitanie):
    with pytest.raises(InvalidInput, match="part before @"):
        set_direction(occitanie, "OCC", 'dg"x@ars-occitanie.example.org')


def test_the_scenario_loader_names_the_line_of_a_bad_address(ws, tmp_path: Path):
    text = SCENARIO.read_text("utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if director("OCC-02") in t)
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(f"email: {director('OCC-02')}", f"email: '{QUOTED}'"))
    with pytest.raises(ScenarioError) as refused:
        load_scenario(ws, bad)
    assert str(refused.value).startswith(f"{bad}:{line}: 'email' {QUOTED!r} refused: ")
    assert _count(ws, Person) == 0


def test_an_invalid_address_simply_fails_sign_in_and_stores_nothing(occitanie):
    for bad in (QUOTED, "x" * 65 + "@occ-02.example.org", "a@b\r\nc"):  # oversize: 422
        with pytest.raises(PermissionDenied, match=r"^wrong e-mail address or password$"):
            authenticate(occitanie, bad, "ghtflow-demo")
    assert _count(occitanie, SignInCounter) == 0


def _legacy_address(ws, code: str, email: str) -> None:
    """A row stored before the rule: written behind the services' back."""
    with ws.db.transaction() as session:
        session.execute(
            update(Person).where(col(Person.email) == director(code)).values(email=email)
        )


def test_a_bad_stored_address_refuses_that_ghts_message_only(occitanie):
    _legacy_address(occitanie, "OCC-02", QUOTED)
    with occitanie.db.reading() as session:
        ids = {g.code: g.id for g in session.exec(select(Ght)).all()}
        contacts = ght_contacts(session.connection(), occitanie.settings)  # no error for all
    assert contacts[ids["OCC-03"]].to == (director("OCC-03"),)
    assert contacts[ids["OCC-02"]].to == ()
    sender = sender_of(occitanie.settings)
    notice = Notice(
        0, ids["OCC-02"], NoticeKind.REMINDER, "J-7", date(2017, 12, 31), date.today(), {}
    )
    with pytest.raises(AddressRefused) as refused:
        message_row(notice, contacts[ids["OCC-02"]], sender, None)  # type: ignore[arg-type]
    assert str(refused.value).startswith("OCC-02: message not queued, ")
    assert repr(QUOTED) in str(refused.value) and "\n" not in str(refused.value)
    assert isinstance(refused.value, InvalidInput)  # a one-line refusal where it is not caught


def test_a_bad_direction_address_refuses_only_the_messages_copied_to_it(occitanie):
    from models import Region

    with occitanie.db.transaction() as session:
        session.execute(update(Region).values(direction_email="dg@ars\nBcc: x@example.org"))
    with occitanie.db.reading() as session:
        ght_id = session.exec(select(Ght.id).where(Ght.code == "OCC-02")).one()
        contacts = ght_contacts(session.connection(), occitanie.settings)[ght_id]
    assert contacts.direction == () and contacts.refused_copy
    sender = sender_of(occitanie.settings)
    overdue = Notice(0, ght_id, NoticeKind.OVERDUE, "J+1", date(2017, 12, 31), date.today(), {})
    with pytest.raises(AddressRefused, match="direction_email"):
        message_row(overdue, contacts, sender, None)  # type: ignore[arg-type]


def test_a_request_to_a_ght_with_a_bad_stored_address_is_refused_whole(occitanie, tmp_path):
    pmsp = document_id(occitanie, "OCC-02", "pmsp")
    fire(
        occitanie,
        pmsp,
        "submit",
        director("OCC-02"),
        file=a_file(tmp_path),
        as_of=date(2017, 10, 16),
    )
    _legacy_address(occitanie, "OCC-02", QUOTED)
    with pytest.raises(AddressRefused, match='a"b@occ-02'):
        fire(
            occitanie,
            pmsp,
            "request_conformity",
            OFFICER,
            motives=("shared_care_project",),
            respond_by=date(2017, 12, 1),
            as_of=date(2017, 10, 30),
        )
    with occitanie.db.reading() as session:
        assert session.get(Document, pmsp).state == "submitted"
    assert _count(occitanie, OutboxMessage) == 0
