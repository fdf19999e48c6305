"""The people who sign in, as `ghtflow users list` shows them, and their calendar links.

Nothing secret ever leaves here: a listing says whether a person has a password, how many
API tokens are active (not revoked, not expired) and until when, whether a calendar link exists
and whether the person was removed, never the values.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from models import ApiToken, Ght, Person, utcnow
from services.accounts import calendar_secret
from services.errors import NotFound
from services.workspace import Workspace


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
            "role": person.side,
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
    """`[{ght, url}]`: the person's own GHT, or for an agency person every GHT of the region
    (of all regions when the person belongs to none). `renew` replaces the secret, which stops
    every subscription made with the old links."""
    secret = calendar_secret(ws, email, renew=renew)
    with ws.db.reading() as session:
        person = session.exec(select(Person).where(Person.calendar_secret == secret)).one()
        statement = select(col(Ght.code)).order_by(col(Ght.code))
        if person.ght_id is not None:
            statement = statement.where(col(Ght.id) == person.ght_id)
        elif person.region_id is not None:
            statement = statement.where(col(Ght.region_id) == person.region_id)
        codes = session.exec(statement).all()
    if not codes:
        raise NotFound(f"{person.email} may see no GHT yet (load a scenario or the registry)")
    base = base_url.rstrip("/")
    return [{"ght": code, "url": f"{base}/calendar/{code}.ics?key={secret}"} for code in codes]
