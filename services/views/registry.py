"""One read of the registry (GHTs, establishments, memberships) with what is derived from it:
each GHT's area and its CHU of reference. Shared by `ghts list|show` and the compliance report,
so both tell the same story.

- A GHT's area is its own when set (`ghts set-area`), else the departments of its parties'
  postal codes.
- An establishment operates in the departments of its `area` when set (an HAD that serves
  several departments), else in the department of its postal code.
- A GHT's CHU of reference is the one set for it (`ghts set-reference-chu`, or a scenario);
  else the region's only CHU when the region has exactly one; else, when one of its parties
  is a CHU, that CHU. A region's CHUs are the CHUs that are members of its GHTs or set as the
  reference of one of them.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from sqlalchemy import select as core_select
from sqlmodel import Session, SQLModel

from models import Establishment, Ght, HolderKind, Membership, MembershipRole, Region
from models.db import table_of
from services.registry.departments import area_set, department_of

T = TypeVar("T", bound=SQLModel)

CHU = "CHU"


def ght_code(text: str) -> str:
    """A GHT code as typed (`occ-02 `) written as stored (`OCC-02`): every lookup by code
    (`services.registry.ghts.ght_by_code`, `Registry.ght`) reads it so."""
    return text.strip().upper()


@dataclass(frozen=True)
class Member:
    establishment_id: int
    role: str
    from_list: bool


@dataclass
class GhtView:
    id: int
    code: str
    name: str
    region_id: int
    region_code: str
    support_id: int | None
    reference_chu_id: int | None
    area_override: str | None
    members: list[Member] = field(default_factory=list)

    def role_of(self, establishment_id: int) -> str | None:
        return next((m.role for m in self.members if m.establishment_id == establishment_id), None)

    @property
    def party_ids(self) -> set[int]:
        return {m.establishment_id for m in self.members if m.role == MembershipRole.PARTIE}


@dataclass(frozen=True)
class Reference:
    establishment: Establishment
    source: str  # "set", "region" (the region's only CHU) or "partie"


class Registry:
    def __init__(
        self,
        regions: list[Region],
        ghts: list[Ght],
        establishments: list[Establishment],
        memberships: list[Membership],
    ) -> None:
        region_codes = {r.id: r.code for r in regions}
        self.establishments = {e.id or 0: e for e in establishments}
        self.by_finess = {e.finess: e for e in establishments}
        self.ghts = [
            GhtView(
                id=g.id or 0,
                code=g.code,
                name=g.name,
                region_id=g.region_id,
                region_code=region_codes.get(g.region_id, ""),
                support_id=g.support_establishment_id,
                reference_chu_id=g.reference_chu_id,
                area_override=g.area,
            )
            for g in sorted(ghts, key=lambda g: g.code)
        ]
        by_id = {g.id: g for g in self.ghts}
        self.ght_ids_of: dict[int, set[int]] = defaultdict(set)  # establishment -> GHTs
        self.partie_of: dict[int, set[int]] = defaultdict(set)  # establishment -> GHTs
        for m in sorted(memberships, key=lambda m: m.id or 0):
            ght = by_id.get(m.ght_id)
            if ght is None:
                continue
            ght.members.append(Member(m.establishment_id, m.role, m.from_list))
            self.ght_ids_of[m.establishment_id].add(m.ght_id)
            if m.role == MembershipRole.PARTIE:
                self.partie_of[m.establishment_id].add(m.ght_id)
        self._region_chus: dict[int, set[int]] = defaultdict(set)
        for ght in self.ghts:
            for member in ght.members:
                if self.establishments[member.establishment_id].kind == CHU:
                    self._region_chus[ght.region_id].add(member.establishment_id)
            if ght.reference_chu_id is not None:
                self._region_chus[ght.region_id].add(ght.reference_chu_id)
        self.by_department: dict[str, list[Establishment]] = defaultdict(list)
        for e in establishments:
            for department in self.departments_of(e):
                self.by_department[department].append(e)

    def ght(self, code: str) -> GhtView | None:
        wanted = ght_code(code)
        return next((g for g in self.ghts if g.code == wanted), None)

    @staticmethod
    def departments_of(establishment: Establishment) -> frozenset[str]:
        own = area_set(establishment.area)
        if own:
            return own
        department = department_of(establishment.postal_code)
        return frozenset({department}) if department else frozenset()

    def area(self, ght: GhtView) -> frozenset[str]:
        if ght.area_override:
            return area_set(ght.area_override)
        departments: set[str] = set()
        for establishment_id in ght.party_ids:
            department = department_of(self.establishments[establishment_id].postal_code)
            if department:
                departments.add(department)
        return frozenset(departments)

    def region_chus(self, region_id: int) -> list[Establishment]:
        return sorted(
            (self.establishments[i] for i in self._region_chus[region_id]), key=lambda e: e.finess
        )

    def reference_chu(self, ght: GhtView) -> Reference | None:
        if ght.reference_chu_id is not None:
            return Reference(self.establishments[ght.reference_chu_id], "set")
        chus = self.region_chus(ght.region_id)
        if len(chus) == 1:
            return Reference(chus[0], "region")
        own = [self.establishments[i] for i in ght.party_ids]
        own_chus = sorted((e for e in own if e.kind == CHU), key=lambda e: e.finess)
        if own_chus:
            return Reference(own_chus[0], "partie")
        return None

    def operating_in(self, departments: frozenset[str]) -> list[Establishment]:
        """Establishments operating in any of `departments`, each once, by FINESS."""
        found = {e.finess: e for d in departments for e in self.by_department.get(d, [])}
        return [found[f] for f in sorted(found)]


def load_registry(session: Session) -> Registry:
    """Four queries, whatever the size of the registry. The rows are read as plain Core rows
    (same attribute names as the models, read-only): building thousands of ORM objects cost
    most of a GHT page's time on a national registry."""

    def rows(model: type[T], *order: Any) -> list[T]:
        table = table_of(model)
        return cast(list[T], list(session.execute(core_select(table).order_by(*order)).all()))

    ghts = core_select(table_of(Ght)).where(table_of(Ght).c.kind == HolderKind.GHT.value)
    return Registry(
        rows(Region),
        cast(list[Ght], list(session.execute(ghts).all())),  # GHTs only, not structures
        rows(Establishment, table_of(Establishment).c.finess),
        rows(Membership),
    )
