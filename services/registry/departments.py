"""Departments: from a postal code, and areas written as department lists ("31,81").

An area is stored as its departments sorted and joined by commas, so that two spellings of the
same area compare equal. Corsica's postal codes all start with 20: those below 20200 are in
Corse-du-Sud (2A), the others in Haute-Corse (2B). Overseas postal codes (971-976) give a
3-digit department.
"""

from __future__ import annotations

import re

from services.errors import InvalidInput

_POSTAL = re.compile(r"^\d{5}$")
_DEPARTMENT = re.compile(r"^(?:0[1-9]|1\d|2[1-9]|[3-8]\d|9[0-5]|2A|2B|97[1-6])$")


def normalize_postal_code(value: object) -> str:
    """Text of 5 digits when it can be (a spreadsheet number `9000` becomes `09000`)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:05d}"
    if isinstance(value, float) and value.is_integer():
        return f"{int(value):05d}"
    return str(value).strip().replace(" ", "")


def is_postal_code(value: str) -> bool:
    return bool(_POSTAL.match(value))


def department_of(postal_code: str) -> str | None:
    """The department of a French postal code, None when it is not one."""
    if not _POSTAL.match(postal_code):
        return None
    if postal_code.startswith("20"):
        return "2A" if int(postal_code) < 20200 else "2B"
    if postal_code.startswith("97"):
        return postal_code[:3]
    return postal_code[:2]


def parse_area(text: str) -> tuple[str, ...]:
    """Departments of an area typed as `31,81` (spaces allowed), checked, sorted, unique."""
    parts = [p.strip().upper() for p in re.split(r"[,;\s]+", text) if p.strip()]
    if not parts:
        raise InvalidInput("an area needs at least one department, e.g. 31,81")
    bad = [p for p in parts if not _DEPARTMENT.match(p.zfill(2))]
    if bad:
        raise InvalidInput(
            f"not a department code: {', '.join(bad)} (an area is like 31,81 or 2A,2B)"
        )
    return tuple(sorted({p.zfill(2) for p in parts}, key=_order))


def format_area(departments: tuple[str, ...] | list[str] | set[str]) -> str:
    return ",".join(sorted(set(departments), key=_order))


def area_set(text: str | None) -> frozenset[str]:
    """A stored area as a set (empty for None or blank)."""
    if not text:
        return frozenset()
    return frozenset(p for p in text.split(",") if p)


def _order(department: str) -> tuple[int, str]:
    """Numeric order, Corsica where 20 would be."""
    return (20, department) if department in {"2A", "2B"} else (int(department), department)
