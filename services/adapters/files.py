"""Submitted and generated files, stored once under their SHA-256 (`files/ab/abcdef…`).

A submitted file is never stored before the event that records it is committed: `stage`
copies it (size-limited, regular files only) to a temporary file inside the store's folder
(same filesystem), the caller checks it and commits its event, and only then `Staged.promote`
moves it into place with one atomic rename. A refused event leaves nothing behind; a crash
between the commit and the rename leaves a temporary file, which `collect_garbage`
(`ghtflow files gc`) puts in place when a row references its content, or removes otherwise,
together with the blobs no row references.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from services.errors import InvalidInput

if TYPE_CHECKING:
    from services.workspace import Workspace

_CHUNK = 1024 * 1024
TEMP_PREFIX = ".incoming-"
NAME_MAX_BYTES = 255  # what every common filesystem allows for one name, and what we store
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Characters never kept in a file name: separators, characters Windows refuses, quotes, and
# every control or invisible formatting character (e.g. U+202E, which reverses how the
# extension reads). They become "_" so that the name stays recognisable.
_UNSAFE = re.compile(r"[/\\:*?\"<>|]")
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    name: str
    size: int


def clean_file_name(name: str | None, default: str = "document") -> str:
    """The name a file is stored, shown and served under: its last path component, without
    control, invisible or separator characters, no leading dots (never `.`, `..` or hidden),
    at most 255 bytes in UTF-8 with its extension kept. Safe as a single path component and
    in a Content-Disposition header."""
    text = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join("_" if unicodedata.category(c) in _INVISIBLE else c for c in text)
    text = _UNSAFE.sub("_", text).strip().lstrip(".").rstrip(". ").strip()
    if not text.strip("_"):
        return default
    return _bounded(text, NAME_MAX_BYTES)


def _bounded(name: str, limit: int) -> str:
    """`name` cut to `limit` UTF-8 bytes at a character boundary, its extension kept."""
    if len(name.encode("utf-8")) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension.encode("utf-8")) > 16:
        stem, extension = name, ""
    suffix = f".{extension}" if extension else ""
    room = limit - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(". ")
    return (cut or "document") + suffix


@dataclass
class Staged:
    """A submitted file copied into the store's folder under a temporary name, waiting for
    the event that records it: `promote` after the commit, otherwise it is removed."""

    file: StoredFile
    path: Path
    target: Path
    kept: bool = field(default=False)

    def promote(self) -> None:
        """Move the file into place (atomic; the same content twice is one blob). From the
        first line on, the temporary file is the only copy of a committed file: if the move
        fails it stays for `files gc` to put in place, it is never removed."""
        self.kept = True
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.path.replace(self.target)


@dataclass(frozen=True)
class GcReport:
    """What `collect_garbage` did (or would do with `dry_run`)."""

    removed: list[Path]
    restored: list[Path]
    kept_recent: int
    freed_bytes: int
    dry_run: bool

    def as_json(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "removed": [str(p) for p in self.removed],
            "restored": [str(p) for p in self.restored],
            "kept_recent": self.kept_recent,
            "freed_bytes": self.freed_bytes,
        }


class FileStore:
    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def folder_for(self, sha256: str) -> Path:
        """The folder `path_of(sha256)` lands in, created if needed."""
        return self._make(self.path_of(sha256).parent)

    def _make(self, folder: Path) -> Path:
        """`folder` created inside the store, or `InvalidInput` naming the setting: a store
        that points at a file or an unwritable place is a configuration mistake, said in one
        line (not an internal error)."""
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidInput(self._unusable("a file is in the way, not a folder")) from None
        except OSError as exc:
            raise InvalidInput(self._unusable(exc.strerror or type(exc).__name__)) from None
        return folder

    def _unusable(self, reason: str) -> str:
        return f"the file store {self.root} cannot be used ({reason}): check GHTFLOW_FILES_DIR"

    @contextmanager
    def stage(self, source: Path, name: str | None = None) -> Iterator[Staged]:
        """`source` copied under a temporary name in the store (removed when the block ends
        unless promoted). Refuses, without reading more than the limit: a missing,
        unreadable, empty or oversized file, and anything but a regular file (a directory,
        a device such as /dev/zero, a FIFO)."""
        shown = clean_file_name(name if name is not None else source.name)
        self._make(self.root)
        with _open_regular(source) as src:
            size = os.fstat(src.fileno()).st_size
            if size > self.max_bytes:
                raise InvalidInput(self._too_big(shown, size))
            fd, tmp_name = tempfile.mkstemp(dir=self.root, prefix=TEMP_PREFIX)
            tmp = Path(tmp_name)
            staged: Staged | None = None
            try:
                digest = hashlib.sha256()
                copied = 0
                with os.fdopen(fd, "wb") as out:
                    # read at most one byte past the limit: the file may grow while we copy
                    while chunk := src.read(min(_CHUNK, self.max_bytes + 1 - copied)):
                        copied += len(chunk)
                        if copied > self.max_bytes:
                            raise InvalidInput(self._too_big(shown, copied))
                        digest.update(chunk)
                        out.write(chunk)
                if copied == 0:
                    raise InvalidInput(f"file is empty: {source}")
                sha = digest.hexdigest()
                staged = Staged(StoredFile(sha, shown, copied), tmp, self.path_of(sha))
                yield staged
            finally:
                if not (staged and staged.kept):
                    tmp.unlink(missing_ok=True)

    def put_bytes(self, data: bytes) -> str:
        """Store `data` under its SHA-256 (atomically; the same content lands on the same name)
        and give the hash. For bytes ghtflow made or checked itself: no size limit applies."""
        sha = hashlib.sha256(data).hexdigest()
        target = self.path_of(sha)
        if target.is_file() and target.stat().st_size == len(data):
            os.utime(target)  # reused: a fresh date keeps a concurrent `files gc` off it
            return sha
        fd, tmp = tempfile.mkstemp(dir=self.folder_for(sha), prefix=TEMP_PREFIX)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            Path(tmp).replace(target)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return sha

    def collect_garbage(
        self, referenced: set[str], *, dry_run: bool = False, min_age_seconds: float = 3600
    ) -> GcReport:
        """Remove blobs whose hash is not in `referenced` and leftover temporary files; a
        temporary file whose content is referenced but missing is put in place instead.
        Files younger than `min_age_seconds` are kept: an upload may be between its commit
        and its rename. Anything else in the folder is not ours and is left alone."""
        removed: list[Path] = []
        restored: list[Path] = []
        kept_recent = 0
        freed = 0
        now = time.time()
        for path in self._entries():
            info = path.lstat()
            if not stat.S_ISREG(info.st_mode):
                continue
            if now - info.st_mtime < min_age_seconds:
                kept_recent += 1
                continue
            if path.name.startswith(TEMP_PREFIX):
                sha = _sha256_of(path)
                target = self.path_of(sha)
                if sha in referenced and not target.is_file():
                    if not dry_run:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        path.replace(target)
                    restored.append(target)
                    continue
            elif path.name in referenced:
                continue
            if not dry_run:
                path.unlink(missing_ok=True)
            removed.append(path)
            freed += info.st_size
        return GcReport(removed, restored, kept_recent, freed, dry_run)

    def _entries(self) -> Iterator[Path]:
        """Blobs (`ab/ab…` with 64 hex digits) and temporary files, in a stable order."""
        if not self.root.is_dir():
            return
        for top in sorted(self.root.iterdir()):
            if top.name.startswith(TEMP_PREFIX):
                yield top
            elif len(top.name) == 2 and top.is_dir() and not top.is_symlink():
                for path in sorted(top.iterdir()):
                    if path.name.startswith(TEMP_PREFIX) or (
                        _SHA256.fullmatch(path.name) and path.name[:2] == top.name
                    ):
                        yield path

    def _too_big(self, name: str, size: int) -> str:
        return (
            f"file {name} is {size} bytes; the limit is {self.max_bytes} bytes "
            "(GHTFLOW_MAX_FILE_BYTES)"
        )


def referenced_hashes(ws: Workspace) -> set[str]:
    """Every SHA-256 a row points to: document versions, generated files, regions' logos and
    the attachments of outbox messages (read from the store when they are sent)."""
    from sqlalchemy import select

    from models import DocumentVersion, OutboxMessage, Region
    from models.db import table_of
    from models.generated import GeneratedFile

    versions, generated = table_of(DocumentVersion), table_of(GeneratedFile)
    outbox = table_of(OutboxMessage)
    hashes: set[str] = set()
    with ws.db.reading() as session:
        for column in (versions.c.file_hash, generated.c.file_hash, table_of(Region).c.logo_hash):
            hashes.update(h for h in session.execute(select(column)).scalars() if h)
        for attachments in session.execute(select(outbox.c.attachments)).scalars():
            hashes.update(a["hash"] for a in attachments or () if a.get("hash"))
    return hashes


def collect_garbage(ws: Workspace, *, dry_run: bool = False) -> GcReport:
    """`ghtflow files gc`: remove what no row references (see `FileStore.collect_garbage`).

    The references are read first, then the folder: a file stored meanwhile is younger than
    the grace period and kept."""
    return ws.files.collect_garbage(referenced_hashes(ws), dry_run=dry_run)


@contextmanager
def _open_regular(source: Path) -> Iterator[io.FileIO]:
    """`source` opened for reading if it is a regular file, or `InvalidInput` saying why.

    Opened without blocking (a FIFO with no writer would hang `open`) and judged on the open
    descriptor, so that what is checked is what is read."""
    try:
        fd = os.open(source, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InvalidInput(f"file not found: {source}") from None
    except PermissionError:
        raise InvalidInput(f"file {source} cannot be read (permission denied)") from None
    except OSError as exc:
        if exc.errno == errno.EISDIR:
            raise InvalidInput(f"{source} is a folder, not a file") from None
        raise InvalidInput(f"file {source} cannot be read ({exc.strerror})") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InvalidInput(f"{source} is a folder, not a file")
        if not stat.S_ISREG(mode):
            raise InvalidInput(f"{source} is not a regular file (a device, FIFO or socket)")
    except BaseException:
        os.close(fd)
        raise
    with io.FileIO(fd, "rb") as stream:
        yield stream


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
