"""What kind of document a submitted file is, judged from its bytes, never from its name.

Only PDF and Word files are accepted, whoever sends them (browser, API, CLI): `fire` checks
every file it is given, so a renamed executable, image or text file is refused before it
reaches the file store.

- PDF: starts with `%PDF-` (ghtflow never opens a PDF, it stores and serves it as sent, so
  a truncated file without its `%%EOF` is the sender's problem, not a risk: not checked).
- Word (.docx): a real Office Open XML package, judged from the zip's directory and two
  small XML parts, never by expanding the archive: `[Content_Types].xml` declares a part
  with the WordprocessingML main content type, `_rels/.rels` points to it as the office
  document, and the part is in the archive. At most `MAX_ENTRIES` entries, `MAX_EXPANDED_BYTES`
  once expanded and a compression ratio of `MAX_RATIO` per large entry (a "zip bomb" of a few
  megabytes that expands to gigabytes is refused); no encryption, no DTD, only the stored and
  deflated compression methods. Macro-enabled documents (.docm) and templates are refused.
- legacy Word (.doc): an OLE compound file (`D0 CF 11 E0 A1 B1 1A E1`), accepted from its
  signature as before (ghtflow does not look inside).
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote
from xml.parsers import expat

from services.errors import InvalidInput

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc (Compound File Binary)
ACCEPTED = "PDF or Word (.docx, .doc)"

MAX_ENTRIES = 2000
MAX_EXPANDED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # expanded / compressed, for an entry that expands past RATIO_FLOOR
RATIO_FLOOR = 1024 * 1024
_MAX_XML_PART = 1024 * 1024  # [Content_Types].xml and _rels/.rels are a few kilobytes
_WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


class Problem(NamedTuple):
    """Why a file is refused, in English (API, CLI) and French (dashboard)."""

    en: str
    fr: str
    container: bool = False  # a Word package, but one we refuse (size, ratio…)


class Verdict(NamedTuple):
    kind: str | None  # "pdf", "docx", "doc"; None when refused
    problem: Problem | None = None


_NOT_A_DOCUMENT = Verdict(None)


def inspect(path: Path) -> Verdict:
    """The kind of the file, or why it is refused."""
    with path.open("rb") as stream:
        head = stream.read(8)
    if head.startswith(b"%PDF-"):
        return Verdict("pdf")
    if head.startswith(_OLE2):
        return Verdict("doc")
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                problem = _word_package_problem(archive)
        except Exception:  # whatever a crafted archive makes zipfile raise: not a document
            return Verdict(None, Problem("unreadable zip archive", "archive zip illisible"))
        return Verdict("docx") if problem is None else Verdict(None, problem)
    return _NOT_A_DOCUMENT


def document_kind(path: Path) -> str | None:
    """ "pdf", "docx", "doc", or None when the content is none of them (or is refused)."""
    return inspect(path).kind


def check_document_file(path: Path, display_name: str) -> str:
    """The kind of the file, or `InvalidInput` naming it and the reason."""
    verdict = inspect(path)
    if verdict.kind is None:
        raise InvalidInput(refusal_message(display_name, verdict.problem, french=False))
    return verdict.kind


def refusal_message(name: str, problem: Problem | None, *, french: bool) -> str:
    """One line naming the file and why it is refused, in the caller's language."""
    if french:
        if problem is not None and problem.container:
            return f"Le fichier « {name} » est refusé : {problem.fr}."
        reason = f" ({problem.fr})" if problem is not None else ""
        return (
            f"Le fichier « {name} » n'est ni un PDF ni un document Word "
            f"(le contenu est vérifié, pas le nom){reason} : il est refusé."
        )
    if problem is not None and problem.container:
        return f"file {name} is refused: {problem.en}"
    reason = f": {problem.en}" if problem is not None else ""
    return f"file {name} is not a {ACCEPTED} document (judged from its content){reason}"


def _word_package_problem(archive: zipfile.ZipFile) -> Problem | None:
    """None for a well-formed, reasonably sized Word package; otherwise why not."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        return Problem(
            f"the archive has {len(entries)} entries (limit {MAX_ENTRIES})",
            f"l'archive contient {len(entries)} éléments (limite {MAX_ENTRIES})",
            container=True,
        )
    expanded = sum(e.file_size for e in entries)
    if expanded > MAX_EXPANDED_BYTES:
        return Problem(
            f"once expanded it would take {_mib(expanded)} (limit {_mib(MAX_EXPANDED_BYTES)})",
            f"une fois décompressé il occuperait {_mib(expanded, 'Mo')} "
            f"(limite {_mib(MAX_EXPANDED_BYTES, 'Mo')})",
            container=True,
        )
    for entry in entries:
        if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(
            entry.compress_size, 1
        ):
            return Problem(
                f"{entry.filename} expands {entry.file_size // max(entry.compress_size, 1)} "
                f"times (limit {MAX_RATIO})",
                f"{entry.filename} se décompresse "
                f"{entry.file_size // max(entry.compress_size, 1)} fois (limite {MAX_RATIO})",
                container=True,
            )
        if entry.flag_bits & 0x1:
            return Problem(f"{entry.filename} is encrypted", f"{entry.filename} est chiffré")
        if entry.compress_type not in _METHODS:
            return Problem(
                f"{entry.filename} uses an unsupported compression",
                f"{entry.filename} utilise une compression non prise en charge",
            )
    by_name: dict[str, zipfile.ZipInfo] = {}
    for entry in entries:
        key = entry.filename.casefold()
        if key in by_name:
            return Problem(
                f"the archive holds {entry.filename} twice",
                f"l'archive contient deux fois {entry.filename}",
            )
        by_name[key] = entry

    types = _xml_part(archive, by_name, "[Content_Types].xml")
    if isinstance(types, Problem):
        return types
    main_parts = {
        _part_name(attrs.get("PartName", ""))
        for tag, attrs in types
        if tag == "Override" and attrs.get("ContentType", "").strip() == _WORD_MAIN
    }
    if not main_parts:
        return Problem(
            "[Content_Types].xml declares no Word main document",
            "[Content_Types].xml ne déclare aucun document Word",
        )
    rels = _xml_part(archive, by_name, "_rels/.rels")
    if isinstance(rels, Problem):
        return rels
    office_targets = {
        _part_name(attrs.get("Target", ""))
        for tag, attrs in rels
        if tag == "Relationship"
        and attrs.get("Type", "").endswith("/officeDocument")
        and attrs.get("TargetMode", "Internal") == "Internal"
    }
    main = main_parts & office_targets
    if not main:
        return Problem(
            "_rels/.rels does not point to the Word main document",
            "_rels/.rels ne désigne pas le document Word principal",
        )
    if not any(part in by_name for part in main):
        return Problem(
            f"the main document part {sorted(main)[0]} is missing",
            f"la partie principale {sorted(main)[0]} est absente",
        )
    return None


class _DtdRefused(Exception):
    pass


def _xml_part(
    archive: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], name: str
) -> list[tuple[str, dict[str, str]]] | Problem:
    """A small XML part of the package as its elements (local name, attributes), parsed by
    expat with any DTD refused: no entity can be declared, so none can expand."""
    entry = by_name.get(name.casefold())
    if entry is None:
        return Problem(f"{name} is missing", f"{name} est absent")
    if entry.file_size > _MAX_XML_PART:
        return Problem(f"{name} is too large", f"{name} est trop grand")
    with archive.open(entry) as stream:
        data = stream.read(_MAX_XML_PART + 1)
    elements: list[tuple[str, dict[str, str]]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        elements.append((tag.rsplit("}", 1)[-1], attrs))

    def doctype(*_: object) -> None:
        raise _DtdRefused

    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except _DtdRefused:
        return Problem(f"{name} declares a DTD", f"{name} déclare une DTD")
    except expat.ExpatError:
        return Problem(f"{name} is not well-formed XML", f"{name} n'est pas du XML valide")
    return elements


def _part_name(uri: str) -> str:
    """An OPC part name or relationship target as the zip entry name it designates (casefolded,
    no leading slash, percent-decoding and `.`/`..` resolved from the package root)."""
    path = posixpath.normpath("/" + unquote(uri.strip()).lstrip("/"))
    return path.lstrip("/").casefold()


def _mib(n: int, unit: str = "MiB") -> str:
    return f"{n / (1024 * 1024):.0f} {unit}"
