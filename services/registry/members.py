"""Memberships recorded by hand: associations (associé) and partnerships (partenaire), or a
partie the list does not name. A later import of the national list leaves them alone, except
that an establishment the list names becomes a partie of that GHT again."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from models import Membership, MembershipRole
from services.errors import InvalidInput, NotFound
from services.registry.establishments import find_establishment
from services.registry.ghts import ght_by_code
from services.workspace import Workspace

ROLES = tuple(r.value for r in MembershipRole)


@dataclass(frozen=True)
class MemberChange:
    ght: str
    finess: str
    name: str
    role: str
    previous_role: str | None


def add_member(ws: Workspace, ght_code: str, finess: str, role: str) -> MemberChange:
    """Record (or change) the role of an establishment in a GHT."""
    if role not in ROLES:
        raise InvalidInput(f"role {role!r} must be one of {', '.join(ROLES)}")
    with ws.db.transaction() as session:
        ght = ght_by_code(session, ght_code)
        establishment = find_establishment(session, finess)
        membership = session.exec(
            select(Membership).where(
                Membership.ght_id == ght.id, Membership.establishment_id == establishment.id
            )
        ).first()
        previous = membership.role if membership else None
        if membership is None:
            session.add(
                Membership(ght_id=ght.id or 0, establishment_id=establishment.id or 0, role=role)
            )
        else:
            membership.role = role
        return MemberChange(ght.code, establishment.finess, establishment.name, role, previous)


def remove_member(ws: Workspace, ght_code: str, finess: str) -> MemberChange:
    """Remove an establishment from a GHT (its documents and the establishment stay)."""
    with ws.db.transaction() as session:
        ght = ght_by_code(session, ght_code)
        establishment = find_establishment(session, finess)
        membership = session.exec(
            select(Membership).where(
                Membership.ght_id == ght.id, Membership.establishment_id == establishment.id
            )
        ).first()
        if membership is None:
            raise NotFound(
                f"{establishment.finess} {establishment.name} is not a member of {ght.code}"
            )
        if ght.support_establishment_id == establishment.id:
            raise InvalidInput(
                f"{establishment.finess} {establishment.name} is the support establishment "
                f"of {ght.code}; it stays a partie"
            )
        session.delete(membership)
        return MemberChange(ght.code, establishment.finess, establishment.name, "", membership.role)
