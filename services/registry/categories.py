"""Categories of the national list (`C.H.R.`, `C.H.S.`, `H.A.D.`…) mapped to kinds of
establishment, from `scenarios/categories.yaml` and the file named by GHTFLOW_CATEGORIES_FILE.

Spellings are compared once normalised (no case, accents, dots, dashes or spaces), since the
ministry's lists and people type them in several ways.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scenarios import CATEGORIES_FILE
from services.adapters.yaml_lines import read_yaml
from services.errors import InvalidInput, ScenarioError

BUILTIN = CATEGORIES_FILE  # shipped in the `scenarios` package
KINDS = (
    "CHU",
    "CH",
    "psychiatry",
    "HAD",
    "EHPAD",
    "medico_social",
    "army_hospital",
    "clinic",
    "cancer_centre",
)


@dataclass(frozen=True)
class Kind:
    kind: str
    public: bool


def category_key(text: str) -> str:
    """`C.H.S.` → `CHS`; `Hôpital local` → `HOPITALLOCAL`."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return "".join(c for c in plain.upper() if c.isalnum())


class CategoryTable:
    """Category spelling → kind and public/private."""

    def __init__(self, entries: dict[str, Kind]) -> None:
        self._entries = entries

    def lookup(self, category: str) -> Kind | None:
        return self._entries.get(category_key(category))

    def __len__(self) -> int:
        return len(self._entries)


def _read(path: Path, entries: dict[str, Kind]) -> None:
    try:  # bounded, regular file, no aliases (see services.adapters.yaml_lines)
        data: Any = read_yaml(path)
    except ScenarioError as exc:
        raise InvalidInput(f"category table {exc}") from None
    if not isinstance(data, list):
        raise InvalidInput(f"category table {path}: must be a list of entries")
    for number, entry in enumerate(data, start=1):
        where = f"category table {path}, entry {number}"
        if not isinstance(entry, dict):
            raise InvalidInput(f"{where}: must be a mapping with kind, public, categories")
        kind, public, names = entry.get("kind"), entry.get("public"), entry.get("categories")
        if kind not in KINDS:
            raise InvalidInput(f"{where}: kind {kind!r} must be one of {', '.join(KINDS)}")
        if not isinstance(public, bool):
            raise InvalidInput(f"{where}: 'public' must be true or false")
        if not isinstance(names, list) or not names:
            raise InvalidInput(f"{where}: 'categories' must be a non-empty list")
        for name in names:
            if category_key(str(name)):
                entries[category_key(str(name))] = Kind(str(kind), public)


def load_categories(extra: Path | None = None) -> CategoryTable:
    """The built-in table, then `extra`'s entries (which win for a spelling both name)."""
    entries: dict[str, Kind] = {}
    _read(BUILTIN, entries)
    if extra is not None:
        _read(extra, entries)
    return CategoryTable(entries)
