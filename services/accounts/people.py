"""The people who sign in, as `ghtflow users list` shows them, their calendar links, and the
accounts that still have a demo password.

Nothing secret ever leaves here: a listing says whether a person has a password, how many
API tokens are active (not revoked, not expired) and until when, whether a calendar link exists
and whether the person was removed, never the values.

Demo passwords (`ghtflow load --demo`) are hashed with argon2 like any password but with one
fixed, published salt (`DEMO_SALT`): the salt is the marker that lets `ghtflow serve` count the
accounts that still have one with a single query and no argon2 work at start-up.
Nothing is lost by the fixed salt: a demo password is public anyway. A password set with
`ghtflow users passwd` gets a random salt, so it never carries the marker.
"""

from __future__ import annotations

import base64
from functools import lru_cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret
from sqlalchemy import func
from sqlmodel import col, select

from models import ApiToken, Ght, Person, utcnow
from services.accounts.access import only_visible, sight
from services.accounts.credentials import (
    PUBLIC_DEMO_PASSWORD,
    account_for_calendar_secret,
    calendar_secret,
    hash_password,
)
from services.errors import NotFound
from services.workspace import Workspace

DEMO_SALT = b"ghtflow demo pw!"  # 16 bytes, published: marks a hash made by `load --demo`
_DEMO_MARK = "$" + base64.b64encode(DEMO_SALT).decode().rstrip("=") + "$"


def list_users(ws: Workspace) -> list[dict[str, Any]]:
    """The stable JSON of `users list` (documented in the README), agency first, then by GHT."""
    now = utcnow()
    with ws.db.reading() as session:
        expiries: dict[int, list[str]] = {}
        for person_id, expires_at in session.exec(
            select(col(ApiToken.person_id), col(ApiToken.expires_at))
            .where(col(ApiToken.revoked_at).is_(None), col(ApiToken.expires_at) > now)
            .order_by(col(ApiToken.expires_at))
        ).all():
            expiries.setdefault(person_id, []).append(expires_at.date().isoformat())
        rows = session.exec(
            select(Person, col(Ght.code))
            .outerjoin(Ght, col(Ght.id) == col(Person.ght_id))
            .order_by(col(Person.side), col(Ght.code), col(Person.email))
        ).all()
    return [
        {
            "id": person.id,
            "email": person.email,
            "name": person.name,
            "side": person.side,
            "ght": code,
            "has_password": person.password_hash is not None,
            "active_tokens": len(expiries.get(person.id or 0, [])),
            "tokens_expire_on": expiries.get(person.id or 0, []),
            "has_calendar_link": person.calendar_secret is not None,
            "removed_on": person.removed_at.date().isoformat() if person.removed_at else None,
        }
        for person, code in rows
    ]


def calendar_links(
    ws: Workspace, email: str, base_url: str, *, renew: bool = False
) -> list[dict[str, str]]:
    """`[{ght, url}]`: one per GHT the person sees (`states.access`: their own GHT, or for an
    agency person every GHT of the region, of all regions when they belong to none). `renew`
    replaces the secret, which stops every subscription made with the old links."""
    secret = calendar_secret(ws, email, renew=renew)
    account = account_for_calendar_secret(ws, secret)
    assert account is not None  # `calendar_secret` refused a removed or unknown person
    with ws.db.reading() as session:
        statement = only_visible(select(col(Ght.code)).order_by(col(Ght.code)), sight(account))
        codes = session.exec(statement).all()
    if not codes:
        raise NotFound(f"{account.email} may see no GHT yet (load a scenario or the registry)")
    base = base_url.rstrip("/")
    return [{"ght": code, "url": f"{base}/calendar/{code}.ics?key={secret}"} for code in codes]


@lru_cache(maxsize=4)
def demo_password_hash(password: str) -> str:
    """The argon2 hash of a demo password, with the marker salt (the same for every person and
    every run: computed once per password and process, the tests load the scenario often)."""
    hash_password(password)  # the same length rule as any password
    hasher = PasswordHasher()
    return hash_secret(
        password.encode(),
        DEMO_SALT,
        time_cost=hasher.time_cost,
        memory_cost=hasher.memory_cost,
        parallelism=hasher.parallelism,
        hash_len=hasher.hash_len,
        type=hasher.type,
    ).decode()


def demo_password_accounts(ws: Workspace) -> list[str]:
    """E-mail addresses of the accounts whose password is still a demo password.

    Those whose hash carries the demo marker, plus, for databases loaded before the marker
    existed, those sharing one hash with other accounts (only a loader gives several people
    the same hash) when that hash is the public demo password: one argon2 check per shared
    hash, not per account."""
    with ws.db.reading() as session:
        marked = session.exec(
            select(Person.email).where(col(Person.password_hash).contains(_DEMO_MARK))
        ).all()
        shared = session.exec(
            select(col(Person.password_hash))
            .where(col(Person.password_hash).is_not(None))
            .group_by(col(Person.password_hash))
            .having(func.count() > 1)
        ).all()
        legacy = [h for h in shared if h and _DEMO_MARK not in h and _is_public_demo(h)]
        others = (
            session.exec(select(Person.email).where(col(Person.password_hash).in_(legacy))).all()
            if legacy
            else []
        )
    return sorted({*marked, *others})


def _is_public_demo(digest: str) -> bool:
    try:
        return PasswordHasher().verify(digest, PUBLIC_DEMO_PASSWORD)
    except (VerificationError, InvalidHashError):
        return False
