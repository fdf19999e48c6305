"""What kind of document a submitted file is, judged from its bytes, never from its name.

Only PDF and Word files are accepted from a browser or the API: a renamed executable or image
is refused before it reaches the file store.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from services.errors import InvalidInput

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .doc (Compound File Binary)
ACCEPTED = "PDF or Word (.docx, .doc)"


def document_kind(path: Path) -> str | None:
    """ "pdf", "docx", "doc", or None when the content is none of them."""
    with path.open("rb") as stream:
        head = stream.read(1024)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(_OLE2):
        return "doc"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                if "word/document.xml" in archive.namelist():
                    return "docx"
        except zipfile.BadZipFile:
            return None
    return None


def check_document_file(path: Path, display_name: str) -> str:
    """The kind of the file, or `InvalidInput` naming it."""
    kind = document_kind(path)
    if kind is None:
        raise InvalidInput(
            f"file {display_name} is not a {ACCEPTED} document (judged from its content)"
        )
    return kind
