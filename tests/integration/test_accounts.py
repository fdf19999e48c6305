"""Accounts on both databases: argon2 passwords, one refusal for every wrong credential,
rate-limited sign-in, API tokens kept as hashes, calendar links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from models import ApiToken, Person, utcnow
from services.accounts.access import check_ght_visible
from services.accounts.credentials import (
    MAX_FAILURES,
    TooManyAttempts,
    account_for_calendar_secret,
    account_for_token,
    add_user,
    authenticate,
    calendar_secret,
    issue_token,
    set_password,
)
from services.errors import InvalidInput, NotFound, PermissionDenied

DIRECTOR = "direction@occ-02.example.org"


def test_a_ght_person_signs_in_and_sees_only_their_ght(occitanie):
    set_password(occitanie, DIRECTOR, "motdepasse-lot")
    account = authenticate(occitanie, "Direction@OCC-02.example.org ", "motdepasse-lot")
    assert (account.side, account.ght_code, account.is_agency) == ("ght", "OCC-02", False)
    with pytest.raises(NotFound, match="unknown GHT 'OCC-03'"):
        check_ght_visible(occitanie, account, "OCC-03")
    assert check_ght_visible(occitanie, account, " occ-02") == "OCC-02"
    with occitanie.db.reading() as session:
        stored = session.exec(select(Person).where(Person.email == DIRECTOR)).one()
    assert stored.password_hash.startswith("$argon2") and "motdepasse" not in stored.password_hash


def test_wrong_password_and_unknown_address_get_the_same_refusal(occitanie):
    set_password(occitanie, DIRECTOR, "motdepasse-lot")
    for email, password in [(DIRECTOR, "wrong-password"), ("nobody@example.org", "whatever1")]:
        with pytest.raises(PermissionDenied, match=r"^wrong e-mail address or password$"):
            authenticate(occitanie, email, password)


def test_repeated_failures_are_refused_before_the_password_is_checked(occitanie):
    set_password(occitanie, DIRECTOR, "motdepasse-lot")
    now = utcnow()
    for _ in range(MAX_FAILURES):
        with pytest.raises(PermissionDenied):
            authenticate(occitanie, DIRECTOR, "wrong-password", now=now)
    with pytest.raises(TooManyAttempts, match="too many failed sign-ins"):
        authenticate(occitanie, DIRECTOR, "motdepasse-lot", now=now)
    later = now + timedelta(minutes=16)
    assert authenticate(occitanie, DIRECTOR, "motdepasse-lot", now=later).email == DIRECTOR


def test_add_user_checks_role_ght_and_password(occitanie):
    account, created = add_user(
        occitanie, "Nouvelle@ARS-occitanie.example.org", "agency", password="unmotdepasse"
    )
    assert created and account.is_agency and account.region_id is not None
    assert add_user(occitanie, account.email, "agency")[1] is False
    with pytest.raises(InvalidInput, match="needs --ght"):
        add_user(occitanie, "x@occ-02.example.org", "ght")
    with pytest.raises(NotFound, match="unknown GHT 'OCC-99'"):
        add_user(occitanie, "x@occ-02.example.org", "ght", ght_code="occ-99")
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        set_password(occitanie, DIRECTOR, "court")
    with pytest.raises(NotFound):
        set_password(occitanie, "nobody@example.org", "assez-long")


def test_tokens_are_kept_as_hashes_and_calendar_links_can_be_renewed(occitanie):
    token = issue_token(occitanie, DIRECTOR)
    owner = account_for_token(occitanie, token)
    assert owner is not None and owner.email == DIRECTOR
    assert account_for_token(occitanie, token + "x") is None
    with occitanie.db.reading() as session:
        (row,) = session.exec(select(ApiToken)).all()
    assert token not in row.token_hash
    secret = calendar_secret(occitanie, DIRECTOR)
    assert calendar_secret(occitanie, DIRECTOR) == secret
    subscriber = account_for_calendar_secret(occitanie, secret)
    assert subscriber is not None and subscriber.ght_code == "OCC-02"
    renewed = calendar_secret(occitanie, DIRECTOR, renew=True)
    assert renewed != secret and account_for_calendar_secret(occitanie, secret) is None
