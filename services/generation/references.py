"""The legal references a procedure's models cite, read from its `references.yaml`.

One data file (`procedures/ght-2017/references.yaml`) holds every citation, so that a
correction to an article number is made once for the four GHT models: `references` maps a key
to the text of a citation ("la loi n° 2016-41 du 26 janvier 2016 …"), `visas` lists, per
template kind, the keys of its "Vu …" lines in order. The texts are typeset here (French
no-break spaces and apostrophes), as every text a model prints must be.

The file is read with the same bounds as the other data files (`read_yaml`) and checked: a
visa naming an unknown key, or a key a template could not use (`{{ references.items }}` would
find the dict method), is a `ScenarioError` naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from i18n.typography import french_typography
from procedures import BUILTIN_DIR
from services.adapters.yaml_lines import LineMap, read_yaml
from services.errors import ScenarioError

REFERENCES_FILE = BUILTIN_DIR / "ght-2017" / "references.yaml"
_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")
# dict methods: a template's `references.keys` would find the method, not the citation
_RESERVED = frozenset(dir(dict))


@dataclass(frozen=True)
class LegalReferences:
    """Citations by key, and the ordered citation keys of each kind's visas."""

    citations: dict[str, str]
    visa_keys: dict[str, tuple[str, ...]]

    def visas(self, kind: str) -> list[str]:
        """The texts of `kind`'s "Vu …" lines, in order (none for a kind the file omits)."""
        return [self.citations[key] for key in self.visa_keys.get(kind, ())]


def _mapping(path: Path, data: object, name: str, line: int | None) -> LineMap:
    if not isinstance(data, LineMap):
        raise ScenarioError(str(path), line, f"'{name}' must be a mapping")
    return data


def read_references(path: Path) -> LegalReferences:
    """Read and check a references file; every problem names the file and the line."""
    top = _mapping(path, read_yaml(path), "the file", None)
    citations_map = _mapping(path, top.get("references"), "references", top.line_of("references"))
    visas_map = _mapping(path, top.get("visas", LineMap()), "visas", top.line_of("visas"))
    citations: dict[str, str] = {}
    for key, text in citations_map.items():
        line = citations_map.line_of(key)
        if not _KEY.match(key) or key in _RESERVED:
            raise ScenarioError(str(path), line, f"reference key {key!r}: use lower_case words")
        if not isinstance(text, str) or not text.strip():
            raise ScenarioError(str(path), line, f"reference {key!r}: the citation text is empty")
        citations[key] = french_typography(" ".join(text.split()))
    visa_keys: dict[str, tuple[str, ...]] = {}
    for kind, keys in visas_map.items():
        line = visas_map.line_of(kind)
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise ScenarioError(str(path), line, f"visas of {kind!r}: a list of reference keys")
        unknown = [k for k in keys if k not in citations]
        if unknown:
            raise ScenarioError(str(path), line, f"visas of {kind!r}: unknown {', '.join(unknown)}")
        visa_keys[kind] = tuple(keys)
    return LegalReferences(citations, visa_keys)


@lru_cache(maxsize=4)
def load_references(path: Path = REFERENCES_FILE) -> LegalReferences:
    """The references of the built-in GHT procedure (read once per process)."""
    return read_references(path)
