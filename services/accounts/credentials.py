"""People who sign in: passwords (argon2), API tokens, calendar links, sign-in rate limiting,
sessions and removal.

A person is a `Person` row (agency or GHT side, as `fire` checks it); an account is that person
with a password. Secrets are never stored in clear: passwords as argon2 hashes, API tokens as
sha256 (a token is shown once, when issued), calendar links as a random secret that can be
replaced to revoke a subscription.

Sessions: a web session carries the person's id and the `session_generation` it was opened
under; signing out, changing the password and removing the person bump the generation, which
ends every session of that person at once (a copied cookie is worth nothing afterwards).

API tokens expire (`TOKEN_DAYS` by default, at most `TOKEN_DAYS_MAX`) and can be revoked.
Removing a person keeps the row (the history names the address) with `removed_at` set, and
withdraws everything: password, tokens, sessions and calendar link.

Sign-in rate limiting counts failures in fixed windows of `FAILURE_WINDOW`, in one row per
key, each bumped by a single atomic UPSERT ... RETURNING before the password is checked (so
that parallel guesses cannot all read the same count), on three keys:
- the (address, client IP) pair: `MAX_FAILURES` — an attacker locks out only themself, the
  address still signs in from elsewhere;
- the client IP: `MAX_CLIENT_FAILURES` over every address — one machine cannot try many;
- the address: `MAX_ADDRESS_FAILURES` over every client — reached only by many machines, and
  time-bounded like the others.
A successful sign-in gives its own attempt back. Unknown, password-less and removed accounts
cost the same argon2 verification as a real one, so the time of a refusal tells nothing.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, case, delete, literal, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col, select

from models import ApiToken, Ght, Person, Region, SignInCounter, utcnow
from models.db import table_of
from notifications.addresses import is_address, parse_address
from services.errors import InvalidInput, NotFound, PermissionDenied
from services.limits import EMAIL_MAX, NAME_MAX, PASSWORD_MAX, check_length
from services.mail.addresses import email_address
from services.registry.ghts import holder_by_code
from services.workspace import Workspace

SIDES = ("agency", "ght")  # who a person acts for, as `fire` and the workflows say
MIN_PASSWORD = 8
# The Occitanie scenario's demo password, published in the README: `load --demo` gives it, and
# nobody may choose it for a real account (`users add`, `users passwd`).
PUBLIC_DEMO_PASSWORD = "ghtflow-demo"  # noqa: S105 (public by design)
FAILURE_WINDOW = timedelta(minutes=15)  # counters start again after this window
MAX_FAILURES = 5  # failed sign-ins per (address, client IP) in the window
MAX_CLIENT_FAILURES = 20  # per client IP, whatever the addresses
MAX_ADDRESS_FAILURES = 100  # per address, whatever the clients
TOKEN_DAYS = 365  # lifetime of a new API token ...
TOKEN_DAYS_MAX = 730  # ... and the longest one may ask for
_HASHER = PasswordHasher()
_COUNTER = table_of(SignInCounter)


class TooManyAttempts(PermissionDenied):
    """Sign-in refused without checking the password: too many recent failures."""


class TokenRefused(PermissionDenied):
    """An API token that is unknown, revoked or expired (the API answers 401)."""


@dataclass(frozen=True)
class Account:
    """Who is signed in, as the web layer and the API need it (what they may see and do:
    `services.accounts.access`)."""

    id: int
    email: str
    name: str
    side: str  # "agency" | "ght"
    region_id: int | None
    ght_id: int | None
    ght_code: str | None
    generation: int = 0  # the person's session generation when this was read

    @property
    def is_agency(self) -> bool:
        return self.side == "agency"


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
        generation=person.session_generation,
    )


def _clean_email(email: str) -> str:
    cleaned = email.strip().lower()
    check_length(cleaned, "e-mail address", EMAIL_MAX)
    return cleaned


def _person(session: Session, email: str) -> Person:
    """The person with this address, still active (a removed one is refused, named)."""
    cleaned = _clean_email(email)
    person = session.exec(select(Person).where(Person.email == cleaned)).first()
    if person is None:
        raise NotFound(f"nobody has the e-mail address {cleaned!r}")
    if person.removed_at is not None:
        raise InvalidInput(
            f"{cleaned} was removed on {person.removed_at.date().isoformat()}; "
            "'ghtflow users add' gives access again"
        )
    return person


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password needs at least {MIN_PASSWORD} characters")
    check_length(password, "password", PASSWORD_MAX)


def _check_chosen_password(password: str) -> None:
    """A password a person chooses: the length rule, and never the public demo password."""
    _check_password(password)
    if password.strip() == PUBLIC_DEMO_PASSWORD:
        raise InvalidInput(
            f"{PUBLIC_DEMO_PASSWORD!r} is the public demo password (published with ghtflow); "
            "choose another"
        )


def hash_password(password: str) -> str:
    """An argon2 hash (for loaders that set many demo passwords: hash once, reuse)."""
    _check_password(password)
    return _HASHER.hash(password)


@functools.cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, verified for unknown addresses to take the same time."""
    return _HASHER.hash(secrets.token_urlsafe(24))


def add_user(
    ws: Workspace,
    email: str,
    side: str,
    *,
    ght_code: str | None = None,
    name: str = "",
    password: str | None = None,
) -> tuple[Account, bool]:
    """Create a person who can sign in, or update one (a removed one comes back, without
    password until one is given); returns (account, created)."""
    email = check_new_user(ws, email, side, ght_code=ght_code, name=name)
    if password is not None:
        _check_chosen_password(password)
    digest = _HASHER.hash(password) if password is not None else None
    with ws.db.transaction() as session:
        ght = _ght(session, ght_code)
        region_id = ght.region_id if ght else _single_region(session)
        person = session.exec(select(Person).where(Person.email == email)).first()
        created = person is None
        if person is None:
            person = Person(email=email, side=side)
            session.add(person)
        person.side, person.name = side, name or person.name
        person.ght_id = ght.id if ght else None
        person.region_id = region_id
        person.removed_at = None
        if digest is not None:
            person.password_hash = digest
            person.session_generation += 1  # a new password ends the sessions opened before
        session.flush()
        return _account(session, person), created


def check_new_user(
    ws: Workspace, email: str, side: str, *, ght_code: str | None = None, name: str = ""
) -> str:
    """Everything `add_user` checks but the password, so that the CLI says it before asking
    for one; the cleaned address."""
    email = email_address(_clean_email(email))
    check_length(name, "name", NAME_MAX)
    if side not in SIDES:
        raise InvalidInput(f"side must be one of {', '.join(SIDES)}, not {side!r}")
    if (side == "ght") != (ght_code is not None):
        raise InvalidInput("a GHT person needs --ght CODE; an agency person takes none")
    if ght_code is not None:
        with ws.db.reading() as session:
            _ght(session, ght_code)
    return email


def _ght(session: Session, ght_code: str | None) -> Ght | None:
    if ght_code is None:
        return None
    return holder_by_code(session, ght_code)


def check_password_change(ws: Workspace, email: str) -> None:
    """Refuse an unknown or removed address before a new password is asked for."""
    with ws.db.reading() as session:
        _person(session, email)


def _single_region(session: Session) -> int | None:
    """Agency people belong to the region when there is one; with several, to none (all)."""
    ids = session.exec(select(Region.id)).all()
    return ids[0] if len(ids) == 1 else None


def set_password(ws: Workspace, email: str, password: str) -> None:
    """Set the password and end every session opened with the previous one."""
    _check_chosen_password(password)
    digest = _HASHER.hash(password)
    with ws.db.transaction() as session:
        person = _person(session, email)
        person.password_hash = digest
        person.session_generation += 1


def remove_user(ws: Workspace, email: str, *, now: datetime | None = None) -> int:
    """Withdraw every access of a person, keeping the row for the history that names them:
    no password, sessions ended, tokens revoked, calendar link gone. Returns the number of
    tokens revoked."""
    now = now or utcnow()
    with ws.db.transaction() as session:
        person = _person(session, email)
        assert person.id is not None
        person.removed_at = now
        person.password_hash = None
        person.calendar_secret = None
        person.session_generation += 1
        return _revoke(session, person.id, now)


def end_sessions(ws: Workspace, person_id: int) -> None:
    """End every web session of this person (signing out signs out everywhere)."""
    with ws.db.transaction() as session:
        person = session.get(Person, person_id)
        if person is not None:
            person.session_generation += 1


def authenticate(
    ws: Workspace,
    email: str,
    password: str,
    *,
    client: str | None = None,
    now: datetime | None = None,
) -> Account:
    """The account for these credentials, or `PermissionDenied` with one message for every
    wrong e-mail or password (never saying which); `TooManyAttempts` after repeated failures
    of this address from this client, of this client, or of this address (module docstring).
    `client` is the caller's IP address (None: a local caller, counted as one client)."""
    email, now = _clean_email(email), now or utcnow()
    check_length(password, "password", PASSWORD_MAX)
    if not is_address(email):  # no account can have it: refused like a wrong password
        raise PermissionDenied("wrong e-mail address or password")
    email = parse_address(email)
    keys = _claim_attempt(ws, email, client or "local", now)
    with ws.db.reading() as session:
        person = session.exec(select(Person).where(Person.email == email)).first()
        usable = (
            person is not None and person.password_hash is not None and person.removed_at is None
        )
        stored = person.password_hash if usable and person is not None else None
        try:
            _HASHER.verify(stored or _dummy_hash(), password)
            ok = stored is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            raise PermissionDenied("wrong e-mail address or password")
        assert person is not None
        account = _account(session, person)
    _give_back(ws, keys, now)
    return account


def _claim_attempt(ws: Workspace, email: str, client: str, now: datetime) -> tuple[str, ...]:
    """Count this attempt as a failure before the password is checked (given back on
    success); `TooManyAttempts` when one of its counters is past its limit."""
    minutes = int(FAILURE_WINDOW.total_seconds() // 60)
    checks = (
        (f"client {client}", MAX_CLIENT_FAILURES, "from this address"),
        (f"pair {client} {email}", MAX_FAILURES, f"for {email}"),
        (f"email {email}", MAX_ADDRESS_FAILURES, f"for {email}"),
    )
    refused: str | None = None
    claimed: list[str] = []
    with ws.db.writing() as conn:
        for key, limit, what in checks:  # always in this order: no deadlock between callers
            claimed.append(key)
            if _bump(conn, key, now) > limit:
                refused = what
                break
    if refused is not None:
        raise TooManyAttempts(f"too many failed sign-ins {refused}; try again in {minutes} minutes")
    return tuple(claimed)


def _bump(conn: Connection, key: str, now: datetime) -> int:
    """Add one failure to `key` atomically (starting a new window when the last one passed)
    and return the count: one UPSERT ... RETURNING, on SQLite and PostgreSQL alike."""
    insert = postgresql_insert if conn.dialect.name == "postgresql" else sqlite_insert
    stale = _COUNTER.c.window_start <= now - FAILURE_WINDOW
    started = literal(now, _COUNTER.c.window_start.type)
    statement = (
        insert(_COUNTER)
        .values(key=key, failures=1, window_start=now)
        .on_conflict_do_update(
            index_elements=[_COUNTER.c.key],
            set_={
                "failures": case((stale, 1), else_=_COUNTER.c.failures + 1),
                "window_start": case((stale, started), else_=_COUNTER.c.window_start),
            },
        )
        .returning(_COUNTER.c.failures)
    )
    return int(conn.execute(statement).scalar_one())


def _give_back(ws: Workspace, keys: tuple[str, ...], now: datetime) -> None:
    """A successful sign-in: its own attempt no longer counts, the pair's failures are
    forgotten, and counters whose window passed are deleted (the table stays small)."""
    pair = [k for k in keys if k.startswith("pair ")]
    others = [k for k in keys if not k.startswith("pair ")]
    with ws.db.writing() as conn:
        conn.execute(delete(_COUNTER).where(_COUNTER.c.key.in_(pair)))
        conn.execute(
            update(_COUNTER)
            .where(_COUNTER.c.key.in_(others), _COUNTER.c.failures > 0)
            .values(failures=_COUNTER.c.failures - 1)
        )
        conn.execute(delete(_COUNTER).where(_COUNTER.c.window_start <= now - FAILURE_WINDOW))


def account_by_id(ws: Workspace, person_id: int, generation: int) -> Account | None:
    """The account of a signed-in session, or None when the session has ended: the person
    was removed, signed out, or changed password since (`generation` moved on)."""
    with ws.db.reading() as session:
        person = session.get(Person, person_id)
        if (
            person is None
            or person.removed_at is not None
            or person.session_generation != generation
        ):
            return None
        return _account(session, person)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    ws: Workspace, email: str, *, days: int = TOKEN_DAYS, now: datetime | None = None
) -> str:
    """A new API token for this person, valid `days` days, returned once in clear (only its
    hash is kept)."""
    if not 1 <= days <= TOKEN_DAYS_MAX:
        raise InvalidInput(f"a token lasts from 1 to {TOKEN_DAYS_MAX} days, not {days}")
    now = now or utcnow()
    token = "ght_" + secrets.token_urlsafe(32)
    with ws.db.transaction() as session:
        person = _person(session, email)
        assert person.id is not None
        session.add(
            ApiToken(
                person_id=person.id,
                token_hash=_digest(token),
                created_at=now,
                expires_at=now + timedelta(days=days),
            )
        )
    return token


def revoke_tokens(ws: Workspace, email: str, *, now: datetime | None = None) -> int:
    """Revoke every active API token of this person; returns how many."""
    with ws.db.transaction() as session:
        person = _person(session, email)
        assert person.id is not None
        return _revoke(session, person.id, now or utcnow())


def _revoke(session: Session, person_id: int, now: datetime) -> int:
    tokens = session.exec(
        select(ApiToken).where(ApiToken.person_id == person_id, col(ApiToken.revoked_at).is_(None))
    ).all()
    for token in tokens:
        token.revoked_at = now
    return len(tokens)


def token_account(ws: Workspace, token: str, *, now: datetime | None = None) -> Account:
    """The account a bearer token belongs to; `TokenRefused` naming why when it is unknown,
    revoked or expired (the date, never whose token it was)."""
    now = now or utcnow()
    again = "ask for a new one (ghtflow users token EMAIL)"
    with ws.db.reading() as session:
        found = session.exec(select(ApiToken).where(ApiToken.token_hash == _digest(token))).first()
        if found is None:
            raise TokenRefused("unknown API token")
        person = session.get(Person, found.person_id)
        if found.revoked_at is not None or person is None or person.removed_at is not None:
            day = (found.revoked_at or now).date().isoformat()
            raise TokenRefused(f"API token revoked on {day}; {again}")
        if found.expires_at <= now:
            raise TokenRefused(
                f"API token expired on {found.expires_at.date().isoformat()}; {again}"
            )
        return _account(session, person)


def account_for_token(ws: Workspace, token: str) -> Account | None:
    """The account a bearer token belongs to, or None (unknown, revoked or expired)."""
    try:
        return token_account(ws, token)
    except TokenRefused:
        return None


def calendar_secret(ws: Workspace, email: str, *, renew: bool = False) -> str:
    """The secret of this person's calendar link, created on first use (`renew`: a new one,
    which stops every subscription made with the old link)."""
    with ws.db.transaction() as session:
        person = _person(session, email)
        if person.calendar_secret is None or renew:
            person.calendar_secret = secrets.token_urlsafe(24)
        return person.calendar_secret


def existing_calendar_secret(ws: Workspace, person_id: int) -> str | None:
    """The secret of this person's calendar link if they have one, read only (a page that shows
    the link must not write: `calendar_secret` creates it, on a POST)."""
    with ws.db.reading() as session:
        person = session.get(Person, person_id)
        return None if person is None or person.removed_at is not None else person.calendar_secret


def account_for_calendar_secret(ws: Workspace, secret: str) -> Account | None:
    with ws.db.reading() as session:
        person = session.exec(select(Person).where(Person.calendar_secret == secret)).first()
        if person is None or person.removed_at is not None:
            return None
        return _account(session, person)
