"""Submitted files, stored once under their SHA-256 (`files/ab/abcdef…`), size-limited.

A file is stored before the transaction that records it; if that transaction fails the file
stays as an unreferenced blob, which is harmless (same content, same name) and never served.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from services.errors import InvalidInput

_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    name: str
    size: int


class FileStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def store(self, source: Path) -> StoredFile:
        """Copy `source` into the store; refuses missing, empty or oversized files."""
        if not source.is_file():
            raise InvalidInput(f"file not found: {source}")
        size = source.stat().st_size
        if size == 0:
            raise InvalidInput(f"file is empty: {source}")
        if size > self.max_bytes:
            raise InvalidInput(
                f"file {source.name} is {size} bytes; the limit is {self.max_bytes} bytes "
                "(GHTFLOW_MAX_FILE_BYTES)"
            )
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            target = self.path_of(sha)
            target.parent.mkdir(parents=True, exist_ok=True)
            Path(tmp_name).replace(target)
        finally:
            Path(tmp_name).unlink(missing_ok=True)
        return StoredFile(sha256=sha, name=source.name, size=size)
