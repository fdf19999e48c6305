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


# Names of the departments (INSEE, 2017), for areas written in full in conventions.
DEPARTMENT_NAMES: dict[str, str] = {
    "01": "Ain", "02": "Aisne", "03": "Allier", "04": "Alpes-de-Haute-Provence",
    "05": "Hautes-Alpes", "06": "Alpes-Maritimes", "07": "Ardèche", "08": "Ardennes",
    "09": "Ariège", "10": "Aube", "11": "Aude", "12": "Aveyron", "13": "Bouches-du-Rhône",
    "14": "Calvados", "15": "Cantal", "16": "Charente", "17": "Charente-Maritime", "18": "Cher",
    "19": "Corrèze", "2A": "Corse-du-Sud", "2B": "Haute-Corse", "21": "Côte-d'Or",
    "22": "Côtes-d'Armor", "23": "Creuse", "24": "Dordogne", "25": "Doubs", "26": "Drôme",
    "27": "Eure", "28": "Eure-et-Loir", "29": "Finistère", "30": "Gard", "31": "Haute-Garonne",
    "32": "Gers", "33": "Gironde", "34": "Hérault", "35": "Ille-et-Vilaine", "36": "Indre",
    "37": "Indre-et-Loire", "38": "Isère", "39": "Jura", "40": "Landes", "41": "Loir-et-Cher",
    "42": "Loire", "43": "Haute-Loire", "44": "Loire-Atlantique", "45": "Loiret", "46": "Lot",
    "47": "Lot-et-Garonne", "48": "Lozère", "49": "Maine-et-Loire", "50": "Manche",
    "51": "Marne", "52": "Haute-Marne", "53": "Mayenne", "54": "Meurthe-et-Moselle",
    "55": "Meuse", "56": "Morbihan", "57": "Moselle", "58": "Nièvre", "59": "Nord",
    "60": "Oise", "61": "Orne", "62": "Pas-de-Calais", "63": "Puy-de-Dôme",
    "64": "Pyrénées-Atlantiques", "65": "Hautes-Pyrénées", "66": "Pyrénées-Orientales",
    "67": "Bas-Rhin", "68": "Haut-Rhin", "69": "Rhône", "70": "Haute-Saône",
    "71": "Saône-et-Loire", "72": "Sarthe", "73": "Savoie", "74": "Haute-Savoie", "75": "Paris",
    "76": "Seine-Maritime", "77": "Seine-et-Marne", "78": "Yvelines", "79": "Deux-Sèvres",
    "80": "Somme", "81": "Tarn", "82": "Tarn-et-Garonne", "83": "Var", "84": "Vaucluse",
    "85": "Vendée", "86": "Vienne", "87": "Haute-Vienne", "88": "Vosges", "89": "Yonne",
    "90": "Territoire de Belfort", "91": "Essonne", "92": "Hauts-de-Seine",
    "93": "Seine-Saint-Denis", "94": "Val-de-Marne", "95": "Val-d'Oise", "971": "Guadeloupe",
    "972": "Martinique", "973": "Guyane", "974": "La Réunion", "975": "Saint-Pierre-et-Miquelon",
    "976": "Mayotte",
}  # fmt: skip


def area_names(area: str) -> str:
    """An area in words: "31,81" → "Haute-Garonne (31), Tarn (81)" (an unknown code as is)."""
    codes = [p.strip().upper() for p in re.split(r"[,;\s]+", area) if p.strip()]
    codes = [c.zfill(2) if c.isdigit() else c for c in codes]
    return ", ".join(
        f"{DEPARTMENT_NAMES[c]} ({c})" if c in DEPARTMENT_NAMES else c
        for c in sorted(set(codes), key=lambda c: _order(c) if c in DEPARTMENT_NAMES else (999, c))
    )
