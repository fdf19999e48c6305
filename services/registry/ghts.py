"""GHTs as people see them: members and roles, area, support establishment, CHU of reference;
and the few facts the national list does not carry (reference CHU, support, area)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlmodel import Session, select

from models import Establishment, Ght, HolderKind, MembershipRole
from services.errors import InvalidInput, NotFound
from services.registry.departments import format_area, parse_area
from services.registry.establishments import find_establishment
from services.views.registry import CHU, GhtView, Registry, ght_code, load_registry
from services.workspace import Workspace


def unknown_ght(code: str) -> NotFound:
    """The refusal for a GHT code that names no GHT (or one this person may not see)."""
    return NotFound(f"unknown GHT {ght_code(code)!r}")


def holder_by_code(session: Session, code: str) -> Ght:
    """The holder of documents of this code, a GHT or a structure (any case, surrounding
    spaces forgiven), or `NotFound`: for what applies to any holder (pages, people, calendar)."""
    holder = session.exec(select(Ght).where(Ght.code == ght_code(code))).first()
    if holder is None:
        raise unknown_ght(code)
    return holder


def ght_by_code(session: Session, code: str) -> Ght:
    """The GHT of this code, or `NotFound` (a structure's code too): for what only a GHT has
    (members, support establishment, CHU of reference, area)."""
    ght = holder_by_code(session, code)
    if ght.kind != HolderKind.GHT:
        raise unknown_ght(code)
    return ght


def _ref(e: Establishment | None) -> dict[str, str] | None:
    return {"finess": e.finess, "name": e.name} if e is not None else None


def ght_json(registry: Registry, ght: GhtView, *, with_members: bool) -> dict[str, Any]:
    """The stable JSON of `ghts list` (without members) and `ghts show` (with them)."""
    reference = registry.reference_chu(ght)
    support = registry.establishments.get(ght.support_id) if ght.support_id else None
    roles = Counter(m.role for m in ght.members)
    data: dict[str, Any] = {
        "code": ght.code,
        "name": ght.name,
        "region": ght.region_code,
        "support": _ref(support),
        "reference_chu": _ref(reference.establishment if reference else None),
        "reference_chu_source": reference.source if reference else None,
        "area": sorted(registry.area(ght), key=lambda d: (len(d), d)),
        "area_source": "set" if ght.area_override else "parties",
        "counts": {role.value: roles[role.value] for role in MembershipRole},
    }
    if with_members:
        members = []
        for m in ght.members:
            e = registry.establishments[m.establishment_id]
            members.append(
                {
                    "finess": e.finess,
                    "name": e.name,
                    "kind": e.kind or None,
                    "public": e.is_public,
                    "role": m.role,
                    "support": e.id == ght.support_id,
                    "from_list": m.from_list,
                    "area": sorted(registry.departments_of(e)),
                }
            )
        order = {r.value: i for i, r in enumerate(MembershipRole)}
        data["members"] = sorted(members, key=lambda m: (order[m["role"]], m["finess"]))
    return data


def list_ghts(ws: Workspace, *, region: str | None = None) -> list[dict[str, Any]]:
    with ws.db.reading() as session:
        registry = load_registry(session)
    return [
        ght_json(registry, g, with_members=False)
        for g in registry.ghts
        if region is None or g.region_code == region.upper()
    ]


def show_ght(ws: Workspace, code: str) -> dict[str, Any]:
    with ws.db.reading() as session:
        registry = load_registry(session)
    ght = registry.ght(code)
    if ght is None:
        raise unknown_ght(code)
    return ght_json(registry, ght, with_members=True)


def set_reference_chu(ws: Workspace, code: str, finess: str) -> dict[str, Any]:
    """Needed where the region has several CHUs (Occitanie: Toulouse, Montpellier, Nîmes)."""
    with ws.db.transaction() as session:
        ght = ght_by_code(session, code)
        chu = find_establishment(session, finess)
        if chu.kind != CHU:
            raise InvalidInput(
                f"{chu.finess} {chu.name} is not a CHU (kind {chu.kind or 'unknown'!r})"
            )
        ght.reference_chu_id = chu.id
    return show_ght(ws, code)


def set_support(ws: Workspace, code: str, finess: str) -> dict[str, Any]:
    """The national list does not say which partie is the support establishment."""
    with ws.db.transaction() as session:
        ght = ght_by_code(session, code)
        support = find_establishment(session, finess)
        registry = load_registry(session)
        view = registry.ght(ght.code)
        assert view is not None
        if view.role_of(support.id or 0) != MembershipRole.PARTIE:
            raise InvalidInput(f"{support.finess} {support.name} is not a partie of {ght.code}")
        ght.support_establishment_id = support.id
    return show_ght(ws, code)


def set_area(ws: Workspace, code: str, area: str | None) -> dict[str, Any]:
    """Set the GHT's area (departments), or with None go back to its parties' departments."""
    departments = format_area(parse_area(area)) if area is not None else None
    with ws.db.transaction() as session:
        ght = ght_by_code(session, code)
        ght.area = departments
    return show_ght(ws, code)
