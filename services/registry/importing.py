"""`import_dgos_list`: the ministry's national GHT list into the registry, all or nothing.

Every row is checked first; one bad row and nothing is imported, and the error lists every bad
line with its reason. Then one transaction creates the regions, GHTs and establishments that are
new, renames what was renamed, and makes each GHT's parties those of the list: a partie the
list no longer names is removed from its GHT (the establishment and any document stay:
documents are never deleted). Associations and partnerships recorded by hand are left alone.
GHTs of the regions in the file that the file no longer lists are reported, not changed.

Regions are matched by the prefix of the GHT codes (`OCC-01` → `OCC`); an unknown region is
created with the agency name "ARS <region>" and no direction e-mail (an empty address: set it
through a scenario file; until then nothing is copied to the direction).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from models import Establishment, Ght, HolderKind, Membership, MembershipRole, Region
from services.adapters.national_list import (
    CATEGORY,
    COMMUNE,
    FINESS,
    GHT_CODE,
    GHT_NAME,
    NAME,
    POSTAL_CODE,
    REGION,
    RawRow,
    read_list,
)
from services.errors import InvalidInput
from services.registry.categories import CategoryTable, load_categories
from services.registry.departments import department_of, is_postal_code, normalize_postal_code
from services.registry.finess import finess_problem, normalize_finess
from services.workspace import Workspace

_GHT_CODE = re.compile(r"^([A-Z]{2,8})-[0-9A-Z]{1,4}$")
_TEXT_LIMITS = {REGION: 200, GHT_NAME: 300, NAME: 300, CATEGORY: 100, COMMUNE: 200}
_SHOWN_LINES = 20  # the error names the first bad lines, then how many more
_ANY_CELL_LIMIT = 1000  # any column, before it is read (a FINESS or a code of 10 MB)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # not tab, LF, CR


@dataclass(frozen=True)
class ListedEstablishment:
    line: int
    finess: str
    name: str
    category: str
    commune: str
    postal_code: str


@dataclass
class ListedGht:
    line: int
    code: str
    name: str
    region_code: str
    region_name: str
    members: dict[str, ListedEstablishment] = field(default_factory=dict)


@dataclass
class ParsedList:
    ghts: dict[str, ListedGht]
    establishments: dict[str, ListedEstablishment]
    rows: int
    unknown_categories: dict[str, list[int]]


@dataclass
class GhtChange:
    """What one GHT's import changed; `new` GHTs list all their members as added."""

    code: str
    name: str
    new: bool = False
    renamed_from: str | None = None
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # finess, old, new
    updated: list[tuple[str, str]] = field(default_factory=list)  # finess, fields changed
    # parties recorded before (a scenario, by hand) that the list names: from now on the list
    # manages them (a later list that drops one removes it from the GHT)
    listed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.new
            or self.renamed_from
            or self.added
            or self.removed
            or self.renamed
            or self.updated
            or self.listed
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "new": self.new,
            "renamed_from": self.renamed_from,
            "added": [{"finess": f, "name": n} for f, n in self.added],
            "removed": [{"finess": f, "name": n} for f, n in self.removed],
            "renamed": [{"finess": f, "from": o, "to": n} for f, o, n in self.renamed],
            "updated": [{"finess": f, "fields": d} for f, d in self.updated],
            "listed": [{"finess": f, "name": n} for f, n in self.listed],
        }


@dataclass
class ImportReport:
    path: str
    rows: int
    ght_count: int
    establishment_count: int
    regions_created: list[str] = field(default_factory=list)
    ghts: list[GhtChange] = field(default_factory=list)  # the GHTs that changed, list order
    not_in_list: list[str] = field(default_factory=list)  # GHT codes of the file's regions
    unknown_categories: dict[str, list[int]] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.regions_created or self.ghts)

    def as_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rows": self.rows,
            "ghts": self.ght_count,
            "establishments": self.establishment_count,
            "changed": self.changed,
            "regions_created": self.regions_created,
            "changes": [g.as_json() for g in self.ghts],
            "not_in_list": self.not_in_list,
            "unknown_categories": self.unknown_categories,
        }


def categories_of(ws: Workspace) -> CategoryTable:
    return load_categories(ws.settings.categories_file)


def import_dgos_list(ws: Workspace, path: Path, sheet: str | None = None) -> ImportReport:
    """Check the whole list, then apply it in one transaction and say what changed per GHT."""
    categories = categories_of(ws)
    parsed = parse_list(path, read_list(path, sheet), categories)
    report = ImportReport(
        path=str(path),
        rows=parsed.rows,
        ght_count=len(parsed.ghts),
        establishment_count=len(parsed.establishments),
        unknown_categories=parsed.unknown_categories,
    )
    with ws.db.transaction() as session:
        _apply(session, parsed, categories, report)
    return report


def _text(row: RawRow, column: str) -> str:
    value = row.values.get(column)
    return "" if value is None else " ".join(str(value).split())


def parse_list(path: Path, rows: list[RawRow], categories: CategoryTable) -> ParsedList:
    """Every row checked; every bad line reported at once (`InvalidInput`), or the list."""
    problems: dict[int, list[str]] = defaultdict(list)
    ghts: dict[str, ListedGht] = {}
    establishments: dict[str, ListedEstablishment] = {}
    region_names: dict[str, tuple[str, int]] = {}
    unknown: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        bad = problems[row.line]
        cells = {c: "" if v is None else str(v) for c, v in row.values.items()}
        hostile = [c for c, v in cells.items() if len(v) > _ANY_CELL_LIMIT or _CONTROL.search(v)]
        if hostile:
            bad += [
                f"{c} longer than {_ANY_CELL_LIMIT} characters"
                if len(cells[c]) > _ANY_CELL_LIMIT
                else f"{c} holds a control character"
                for c in hostile
            ]
            continue
        for column in (REGION, GHT_NAME, NAME):
            if not _text(row, column):
                bad.append(f"missing {column}")
        for column, limit in _TEXT_LIMITS.items():
            if len(_text(row, column)) > limit:
                bad.append(f"{column} longer than {limit} characters")
        code = _text(row, GHT_CODE).upper()
        match = _GHT_CODE.match(code)
        if not code:
            bad.append(f"missing {GHT_CODE}")
        elif not match:
            bad.append(f"{GHT_CODE} {code!r} is not like OCC-01 (region prefix, dash, number)")
        finess = normalize_finess(row.values.get(FINESS) or "")
        problem = finess_problem(finess)
        if problem:
            bad.append(problem)
        postal = normalize_postal_code(row.values.get(POSTAL_CODE) or "")
        if not postal:
            bad.append(f"missing {POSTAL_CODE}")
        elif not is_postal_code(postal) or department_of(postal) is None:
            bad.append(f"{POSTAL_CODE} {postal!r} is not a French postal code (5 digits)")
        if bad or match is None:
            continue
        region_code, region_name = match.group(1), _text(row, REGION)
        known_region = region_names.setdefault(region_code, (region_name, row.line))
        if known_region[0].casefold() != region_name.casefold():
            bad.append(
                f"GHT codes {region_code}-… belong to region {known_region[0]!r} "
                f"(line {known_region[1]}), not {region_name!r}"
            )
            continue
        listed = ListedEstablishment(
            line=row.line,
            finess=finess,
            name=_text(row, NAME),
            category=_text(row, CATEGORY),
            commune=_text(row, COMMUNE),
            postal_code=postal,
        )
        ght = ghts.setdefault(
            code, ListedGht(row.line, code, _text(row, GHT_NAME), region_code, region_name)
        )
        if ght.name != _text(row, GHT_NAME):
            bad.append(
                f"GHT {code} is named {ght.name!r} on line {ght.line}, not {_text(row, GHT_NAME)!r}"
            )
            continue
        if finess in ght.members:
            bad.append(
                f"FINESS {finess} is listed twice in GHT {code} (line {ght.members[finess].line})"
            )
            continue
        seen = establishments.get(finess)
        if seen is not None and (seen.name, seen.postal_code) != (listed.name, postal):
            bad.append(
                f"FINESS {finess} is {seen.name!r} ({seen.postal_code}) on line {seen.line}, "
                f"not {listed.name!r} ({postal})"
            )
            continue
        establishments.setdefault(finess, listed)
        ght.members[finess] = listed
        if listed.category and categories.lookup(listed.category) is None:
            unknown[listed.category].append(row.line)
        elif not listed.category:
            unknown[""].append(row.line)
    failed = {line: reasons for line, reasons in problems.items() if reasons}
    if failed:
        shown = sorted(failed)[:_SHOWN_LINES]
        details = "; ".join(f"line {line}: {', '.join(failed[line])}" for line in shown)
        if len(failed) > len(shown):
            details += f"; … and {len(failed) - len(shown)} more"
        count = f"{len(failed)} bad line{'s' if len(failed) > 1 else ''}"
        raise InvalidInput(f"{path}: {count}, nothing imported: {details}")
    if not ghts:
        raise InvalidInput(f"{path}: the list has no rows under its header, nothing imported")
    return ParsedList(ghts, establishments, len(rows), dict(unknown))


def _apply(
    session: Session, parsed: ParsedList, categories: CategoryTable, report: ImportReport
) -> None:
    """Write the list in four steps (regions, establishments, GHTs, memberships), each
    flushed before the next needs its ids; the caller's transaction makes it all-or-nothing."""
    regions = _apply_regions(session, parsed, report)
    establishments = _apply_establishments(session, parsed, categories)
    ghts, changes = _apply_ghts(session, parsed, regions)
    _apply_memberships(session, parsed, establishments, ghts, changes)
    report.ghts = [c for c in changes if c.changed]
    region_ids = {regions[g.region_code].id for g in parsed.ghts.values()}
    report.not_in_list = sorted(
        code for code, g in ghts.items() if g.region_id in region_ids and code not in parsed.ghts
    )
    session.flush()


def _apply_regions(session: Session, parsed: ParsedList, report: ImportReport) -> dict[str, Region]:
    """Every region by code; those the list names for the first time are created."""
    regions = {r.code: r for r in session.exec(select(Region)).all()}
    for listed_ght in parsed.ghts.values():
        if listed_ght.region_code not in regions:
            region = Region(
                code=listed_ght.region_code,
                name=listed_ght.region_name,
                agency_name=f"ARS {listed_ght.region_name}",
                direction_email="",
            )
            session.add(region)
            regions[region.code] = region
            report.regions_created.append(region.code)
    session.flush()
    return regions


@dataclass
class _Establishments:
    """Establishments by FINESS after the import, and what the list changed about them."""

    by_finess: dict[str, Establishment]
    renamed: dict[str, tuple[str, str]]  # FINESS -> (old name, new name)
    updated: dict[str, str]  # FINESS -> the fields that changed, besides the name


def _apply_establishments(
    session: Session, parsed: ParsedList, categories: CategoryTable
) -> _Establishments:
    by_finess = {e.finess: e for e in session.exec(select(Establishment)).all()}
    result = _Establishments(by_finess, {}, {})
    for listed in parsed.establishments.values():
        kind = categories.lookup(listed.category) if listed.category else None
        values: dict[str, Any] = {
            "name": listed.name,
            "category": listed.category,
            "commune": listed.commune,
            "postal_code": listed.postal_code,
            "from_list": True,
        }
        if kind is not None:
            values |= {"kind": kind.kind, "is_public": kind.public}
        found = by_finess.get(listed.finess)
        if found is None:
            found = Establishment(finess=listed.finess, **values)
            session.add(found)
            by_finess[listed.finess] = found
            continue
        if found.name != listed.name:
            result.renamed[listed.finess] = (found.name, listed.name)
        differing = [
            k
            for k, v in values.items()
            if k not in {"name", "from_list"} and getattr(found, k) != v
        ]
        if differing:
            result.updated[listed.finess] = ", ".join(differing)
        for key, value in values.items():
            if getattr(found, key) != value:
                setattr(found, key, value)
    session.flush()
    return result


def _apply_ghts(
    session: Session, parsed: ParsedList, regions: dict[str, Region]
) -> tuple[dict[str, Ght], list[GhtChange]]:
    """Every GHT by code, created or renamed as listed; one change record per listed GHT."""
    ghts = {g.code: g for g in session.exec(select(Ght)).all()}
    changes: list[GhtChange] = []
    for listed_ght in parsed.ghts.values():
        region_id = regions[listed_ght.region_code].id
        ght = ghts.get(listed_ght.code)
        if ght is not None and ght.kind != HolderKind.GHT:
            raise InvalidInput(
                f"line {listed_ght.line}: GHT code {listed_ght.code} is already the code of "
                f"structure {ght.name!r}; nothing was imported"
            )
        change = GhtChange(listed_ght.code, listed_ght.name)
        if ght is None:
            ght = Ght(code=listed_ght.code, name=listed_ght.name, region_id=region_id or 0)
            session.add(ght)
            ghts[ght.code] = ght
            change.new = True
        else:
            if ght.name != listed_ght.name:
                change.renamed_from = ght.name
                ght.name = listed_ght.name
            if ght.region_id != region_id:
                ght.region_id = region_id or 0
        changes.append(change)
    session.flush()
    return ghts, changes


def _apply_memberships(
    session: Session,
    parsed: ParsedList,
    establishments: _Establishments,
    ghts: dict[str, Ght],
    changes: list[GhtChange],
) -> None:
    """Members as listed: added, made parties again, or removed when the list dropped them
    (only memberships the list made; those recorded by hand stay)."""
    by_finess, renamed, updated = (
        establishments.by_finess,
        establishments.renamed,
        establishments.updated,
    )
    ght_ids = [ghts[code].id for code in parsed.ghts]
    memberships: dict[int, dict[int, Membership]] = defaultdict(dict)
    for existing in session.exec(
        select(Membership).where(col(Membership.ght_id).in_(ght_ids))
    ).all():
        memberships[existing.ght_id][existing.establishment_id] = existing
    by_id = {e.id: e for e in by_finess.values()}
    for listed_ght, change in zip(parsed.ghts.values(), changes, strict=True):
        ght = ghts[listed_ght.code]
        current = memberships[ght.id or 0]
        listed_ids = set()
        for finess, listed in listed_ght.members.items():
            establishment = by_finess[finess]
            listed_ids.add(establishment.id)
            membership = current.get(establishment.id or 0)
            if finess in renamed:
                change.renamed.append((finess, *renamed[finess]))
            if finess in updated and not change.new:
                change.updated.append((finess, updated[finess]))
            if membership is None:
                session.add(
                    Membership(
                        ght_id=ght.id or 0,
                        establishment_id=establishment.id or 0,
                        role=MembershipRole.PARTIE.value,
                        from_list=True,
                    )
                )
                change.added.append((finess, listed.name))
                continue
            if membership.role != MembershipRole.PARTIE.value:
                membership.role = MembershipRole.PARTIE.value
                change.added.append((finess, listed.name))
            elif not membership.from_list:
                change.listed.append((finess, listed.name))
            if not membership.from_list:
                membership.from_list = True
        for establishment_id, stale in current.items():
            if stale.from_list and establishment_id not in listed_ids:
                gone = by_id[establishment_id]
                change.removed.append((gone.finess, gone.name))
                session.delete(stale)
