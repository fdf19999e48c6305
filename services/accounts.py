"""People who sign in: passwords (argon2), API tokens, calendar links, sign-in rate limiting.

A person is a `Person` row (agency or GHT side, as `fire` checks it); an account is that person
with a password. Secrets are never stored in clear: passwords as argon2 hashes, API tokens as
sha256 (a token is shown once, when issued), calendar links as a random secret that can be
replaced to revoke a subscription.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func
from sqlmodel import Session, col, select

from models import ApiToken, Ght, Person, Region, SignInAttempt, utcnow
from notifications.addresses import is_address, parse_address
from services.addresses import email_address
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.workspace import Workspace

ROLES = ("agency", "ght")
MIN_PASSWORD = 8
MAX_FAILURES = 5  # failed sign-ins per e-mail address ...
FAILURE_WINDOW = timedelta(minutes=15)  # ... within this window, then refused until it passes
_HASHER = PasswordHasher()


class TooManyAttempts(PermissionDenied):
    """Sign-in refused without checking the password: too many recent failures."""


@dataclass(frozen=True)
class Account:
    """Who is signed in, as the web layer and the API need it."""

    id: int
    email: str
    name: str
    side: str  # "agency" | "ght"
    region_id: int | None
    ght_id: int | None
    ght_code: str | None

    @property
    def is_agency(self) -> bool:
        return self.side == "agency"

    def may_see(self, ght_id: int) -> bool:
        """Agency people see every GHT; a GHT's people only their own."""
        return self.is_agency or self.ght_id == ght_id


def _account(session: Session, person: Person) -> Account:
    assert person.id is not None
    ght = session.get(Ght, person.ght_id) if person.ght_id is not None else None
    return Account(
        id=person.id,
        email=person.email,
        name=person.name,
        side=person.side,
        region_id=person.region_id
        if person.region_id is not None or ght is None
        else ght.region_id,
        ght_id=person.ght_id,
        ght_code=ght.code if ght else None,
    )


def _person(session: Session, email: str) -> Person:
    person = session.exec(select(Person).where(Person.email == email.strip().lower())).first()
    if person is None:
        raise NotFound(f"nobody has the e-mail address {email.strip().lower()!r}")
    return person


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")


def hash_password(password: str) -> str:
    """An argon2 hash (for loaders that set many demo passwords: hash once, reuse)."""
    _check_password(password)
    return _HASHER.hash(password)


def add_user(
    ws: Workspace,
    email: str,
    role: str,
    *,
    ght_code: str | None = None,
    name: str = "",
    password: str | None = None,
) -> tuple[Account, bool]:
    """Create a person who can sign in, or update one; returns (account, created)."""
    email = email_address(email)
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if (role == "ght") != (ght_code is not None):
        raise InvalidInput("a GHT person needs --ght CODE; an agency person takes none")
    with ws.db.transaction() as session:
        ght = None
        if ght_code is not None:
            ght = session.exec(select(Ght).where(Ght.code == ght_code.strip().upper())).first()
            if ght is None:
                raise NotFound(f"unknown GHT {ght_code.strip().upper()!r}")
        region_id = ght.region_id if ght else _single_region(session)
        person = session.exec(select(Person).where(Person.email == email)).first()
        created = person is None
        if person is None:
            person = Person(email=email, side=role)
            session.add(person)
        person.side, person.name = role, name or person.name
        person.ght_id = ght.id if ght else None
        person.region_id = region_id
        if password is not None:
            person.password_hash = hash_password(password)
        session.flush()
        return _account(session, person), created


def _single_region(session: Session) -> int | None:
    """Agency people belong to the region when there is one; with several, to none (all)."""
    ids = session.exec(select(Region.id)).all()
    return ids[0] if len(ids) == 1 else None


def set_password(ws: Workspace, email: str, password: str) -> None:
    digest = hash_password(password)
    with ws.db.transaction() as session:
        _person(session, email).password_hash = digest


def authenticate(
    ws: Workspace, email: str, password: str, *, now: datetime | None = None
) -> Account:
    """The account for these credentials, or `PermissionDenied` with one message for every
    wrong e-mail or password (never saying which); `TooManyAttempts` after repeated failures."""
    if not is_address(email):  # no account can have it: refused like a wrong password
        raise PermissionDenied("wrong e-mail address or password")
    email, now = parse_address(email), now or utcnow()
    with ws.db.transaction() as session:
        failures = session.exec(
            select(func.count())
            .select_from(SignInAttempt)
            .where(
                SignInAttempt.email == email,
                col(SignInAttempt.succeeded).is_(False),
                SignInAttempt.at > now - FAILURE_WINDOW,
            )
        ).one()
        if failures >= MAX_FAILURES:
            minutes = int(FAILURE_WINDOW.total_seconds() // 60)
            raise TooManyAttempts(
                f"too many failed sign-ins for {email}; try again in {minutes} minutes"
            )
        person = session.exec(select(Person).where(Person.email == email)).first()
        ok = person is not None and person.password_hash is not None
        if ok:
            assert person is not None and person.password_hash is not None
            try:
                _HASHER.verify(person.password_hash, password)
            except (VerificationError, InvalidHashError):
                ok = False
        session.add(SignInAttempt(email=email, at=now, succeeded=ok))
        if not ok:
            session.commit()  # the failure counts even though we refuse
            raise PermissionDenied("wrong e-mail address or password")
        assert person is not None
        return _account(session, person)


def account_by_id(ws: Workspace, person_id: int) -> Account | None:
    """The account of a signed-in session (None when the person was removed)."""
    with ws.db.reading() as session:
        person = session.get(Person, person_id)
        return _account(session, person) if person is not None else None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(ws: Workspace, email: str) -> str:
    """A new API token for this person, returned once in clear (only its hash is kept)."""
    token = "ght_" + secrets.token_urlsafe(32)
    with ws.db.transaction() as session:
        person = _person(session, email)
        assert person.id is not None
        session.add(ApiToken(person_id=person.id, token_hash=_digest(token)))
    return token


def account_for_token(ws: Workspace, token: str) -> Account | None:
    """The account a bearer token belongs to, or None (unknown or revoked)."""
    with ws.db.reading() as session:
        found = session.exec(
            select(ApiToken).where(
                ApiToken.token_hash == _digest(token), col(ApiToken.revoked_at).is_(None)
            )
        ).first()
        if found is None:
            return None
        person = session.get(Person, found.person_id)
        return _account(session, person) if person is not None else None


def calendar_secret(ws: Workspace, email: str, *, renew: bool = False) -> str:
    """The secret of this person's calendar link, created on first use (`renew`: a new one,
    which stops every subscription made with the old link)."""
    with ws.db.transaction() as session:
        person = _person(session, email)
        if person.calendar_secret is None or renew:
            person.calendar_secret = secrets.token_urlsafe(24)
        return person.calendar_secret


def account_for_calendar_secret(ws: Workspace, secret: str) -> Account | None:
    with ws.db.reading() as session:
        person = session.exec(select(Person).where(Person.calendar_secret == secret)).first()
        return _account(session, person) if person is not None else None
