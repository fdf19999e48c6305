"""Uploaded files: size limit, PDF or Word only (judged from the content, never the name).

An upload is copied to a private temporary folder under a cleaned copy of its original name
(the name is kept for display only: the file store keeps content under its SHA-256), checked,
and handed to `services.lifecycle.fire`, which stores it like a file given to the CLI.

Recognised content (`services.file_kinds`, the rule the JSON API applies too):
- PDF: starts with `%PDF-`;
- Word (.docx): a zip archive that contains `word/document.xml`;
- legacy Word (.doc): an OLE compound file (`D0 CF 11 E0 A1 B1 1A E1`).
Anything else (a text file renamed `.pdf`, an executable, a spreadsheet…) is refused.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from services.errors import InvalidInput
from services.file_kinds import document_kind

_CHUNK = 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def content_kind(path: Path) -> str | None:
    """ "pdf", "docx" or "doc" from the file's bytes (the rule the API applies too)."""
    return document_kind(path)


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
}


def display_name(name: str | None) -> str:
    """The original file name without folders or control characters (for display only)."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip(" .")
    return cleaned[:200] or "document"


@contextmanager
def received_file(source: BinaryIO, name: str | None, max_bytes: int) -> Iterator[Path]:
    """The upload as a checked file on disk (removed when the block ends).

    Refuses (`InvalidInput`, French message) an empty, oversized or non-PDF/Word file."""
    shown = display_name(name)
    with tempfile.TemporaryDirectory(prefix="ghtflow-upload-") as folder:
        path = Path(folder) / shown
        size = 0
        with path.open("wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidInput(too_big(shown, max_bytes))
                out.write(chunk)
        if size == 0:
            raise InvalidInput(f"Le fichier « {shown} » est vide.")
        if content_kind(path) is None:
            raise InvalidInput(
                f"Le fichier « {shown} » n'est ni un PDF ni un document Word "
                "(le contenu est vérifié, pas le nom) : il est refusé."
            )
        yield path


def too_big(name: str, max_bytes: int) -> str:
    return (
        f"Le fichier « {name} » dépasse la taille maximale de {_size(max_bytes)} : il est refusé."
    )


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} Mo".replace(".", ",")
    if n >= 1024:
        return f"{n / 1024:.0f} Ko"
    return f"{n} octets"
