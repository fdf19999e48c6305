"""Establishments outside the national list (private HADs, clinics, army hospitals, cancer
centres) recorded by hand, and the listing of every establishment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from models import Establishment
from services.errors import InvalidInput, NotFound
from services.registry.categories import KINDS, load_categories
from services.registry.departments import (
    format_area,
    is_postal_code,
    normalize_postal_code,
    parse_area,
)
from services.registry.finess import finess_problem, normalize_finess
from services.views.registry import Registry
from services.workspace import Workspace


def find_establishment(session: Session, finess: str) -> Establishment:
    """The establishment of this FINESS number (written with or without spaces), or `NotFound`."""
    number = normalize_finess(finess)
    found = session.exec(select(Establishment).where(Establishment.finess == number)).first()
    if found is None:
        raise NotFound(
            f"unknown establishment FINESS {number}: record it with 'ghtflow establishments add'"
        )
    return found


@dataclass(frozen=True)
class Recorded:
    establishment: dict[str, Any]
    created: bool
    warning: str | None  # e.g. an unknown category


def establishment_json(e: Establishment) -> dict[str, Any]:
    """The stable JSON of one establishment (README: `establishments list`)."""
    return {
        "finess": e.finess,
        "name": e.name,
        "category": e.category,
        "kind": e.kind or None,
        "public": e.is_public,
        "commune": e.commune,
        "postal_code": e.postal_code,
        "area": sorted(Registry.departments_of(e)),
        "area_set": e.area is not None,
        "from_list": e.from_list,
    }


def add_establishment(
    ws: Workspace,
    finess: str,
    *,
    name: str,
    category: str,
    private: bool = False,
    kind: str | None = None,
    area: str | None = None,
    commune: str = "",
    postal_code: str = "",
) -> Recorded:
    """Create the establishment, or update the one with this FINESS (what is given wins)."""
    number = normalize_finess(finess)
    problem = finess_problem(number)
    if problem:
        raise InvalidInput(problem)
    if not name.strip():
        raise InvalidInput("--name must not be empty")
    if kind is not None and kind not in KINDS:
        raise InvalidInput(f"kind {kind!r} must be one of {', '.join(KINDS)}")
    postal = normalize_postal_code(postal_code) if postal_code else ""
    if postal and not is_postal_code(postal):
        raise InvalidInput(f"postal code {postal_code!r} is not 5 digits")
    departments = format_area(parse_area(area)) if area is not None else None
    listed = load_categories(ws.settings.categories_file).lookup(category)
    warning = None
    if kind is None and listed is None:
        warning = (
            f"category {category!r} is not in the category table: recorded without a kind "
            "(give --kind, or extend the table with GHTFLOW_CATEGORIES_FILE)"
        )
    values: dict[str, Any] = {
        "name": name.strip(),
        "category": category.strip(),
        "kind": kind or (listed.kind if listed else ""),
        "is_public": not private,
    }
    if departments is not None:
        values["area"] = departments
    if commune:
        values["commune"] = commune.strip()
    if postal:
        values["postal_code"] = postal
    with ws.db.transaction() as session:
        found = session.exec(select(Establishment).where(Establishment.finess == number)).first()
        created = found is None
        if found is None:
            found = Establishment(finess=number, **values)
            session.add(found)
        else:
            for key, value in values.items():
                setattr(found, key, value)
        session.flush()
        data = establishment_json(found)
    return Recorded(data, created, warning)


REPRESENTATIVE_MAX = 300  # Establishment.representative is 300 wide
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def set_establishment(
    ws: Workspace,
    finess: str,
    *,
    representative: str | None = None,
    area: str | None = None,
    commune: str | None = None,
    postal_code: str | None = None,
) -> dict[str, Any]:
    """`establishments set`: change what conventions and letters print of a recorded
    establishment (its legal representative as "Mme Prénom Nom, directrice", its area, its
    commune, its postal code); what is not given stays; "" clears a representative or area."""
    values: dict[str, Any] = {}
    if representative is not None:
        text = " ".join(representative.split()) if not _CONTROL.search(representative) else None
        if text is None:
            raise InvalidInput("representative: line breaks and control characters are not allowed")
        if len(text) > REPRESENTATIVE_MAX:
            raise InvalidInput(
                f"representative is too long: {len(text)} characters, at most {REPRESENTATIVE_MAX}"
            )
        values["representative"] = text
    if area is not None:
        values["area"] = format_area(parse_area(area)) if area.strip() else None
    if commune is not None:
        if _CONTROL.search(commune) or len(commune.strip()) > 200:
            raise InvalidInput("commune: at most 200 characters on one line")
        values["commune"] = commune.strip()
    if postal_code is not None:
        postal = normalize_postal_code(postal_code)
        if postal and not is_postal_code(postal):
            raise InvalidInput(f"postal code {postal_code!r} is not 5 digits")
        values["postal_code"] = postal
    if not values:
        raise InvalidInput(
            "nothing to set: give --representative, --area, --commune or --postal-code"
        )
    with ws.db.transaction() as session:
        found = find_establishment(session, finess)
        for key, value in values.items():
            setattr(found, key, value)
        session.flush()
        data = establishment_json(found)
        data["representative"] = found.representative or None
        return data


def list_establishments(
    ws: Workspace, *, kind: str | None = None, department: str | None = None
) -> list[dict[str, Any]]:
    """Establishments by FINESS, filtered by kind and by a department they operate in."""
    with ws.db.reading() as session:
        statement = select(Establishment).order_by(col(Establishment.finess))
        if kind is not None:
            statement = statement.where(Establishment.kind == kind)
        rows = [establishment_json(e) for e in session.exec(statement).all()]
    if department is not None:
        wanted = parse_area(department)
        rows = [r for r in rows if set(wanted) & set(r["area"])]
    return rows
