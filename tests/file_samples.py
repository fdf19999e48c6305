"""Files to submit in tests: the smallest real Word package, and its hostile look-alikes."""

from __future__ import annotations

import io
import struct
import zipfile

PDF = b"%PDF-1.4\n% projet medical partage\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
OLE = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600
WORD_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" Type="http://schemas.openxmlformats.org'
    '/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
)


def docx(
    text: str = "Projet médical partagé",
    *,
    content_types: str | None = None,
    rels: str | None = RELS,
    document: bool = True,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A minimal Word package (what Word itself opens); parts can be replaced or left out."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            content_types if content_types is not None else _CONTENT_TYPES.format(main=WORD_MAIN),
        )
        if rels is not None:
            archive.writestr("_rels/.rels", rels)
        if document:
            archive.writestr("word/document.xml", DOCUMENT.format(text=text))
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def content_types(main: str = WORD_MAIN) -> str:
    return _CONTENT_TYPES.format(main=main)


def with_declared_size(archive: bytes, entry: str, size: int) -> bytes:
    """`archive` whose central directory claims that `entry` expands to `size` bytes (a zip
    bomb's directory, without having to write gigabytes)."""
    data = bytearray(archive)
    name = entry.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46 : at + 46 + name_len]) == name:
            struct.pack_into("<I", data, at + 24, size)
            return bytes(data)
        at = data.find(b"PK\x01\x02", at + 4)
    raise KeyError(entry)
