"""Secrets that must live outside the database: a configured value, or a random key kept in a
file of the work directory (created once, mode 0600), so that the embedded default needs no
set-up and a restart keeps the same key."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from services.adapters.input_files import read_input
from services.errors import InvalidInput

KEY_FILE_MAX = 4096  # a key is a few dozen characters


def home_secret(home: Path, file_name: str, configured: SecretStr | None, variable: str) -> str:
    """`configured` when set, else the content of HOME/`file_name`, created on first use."""
    if configured is not None:
        return configured.get_secret_value()
    path = Path(home) / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return read_key_file(path, variable)


def read_key_file(path: Path, variable: str) -> str:
    """The key in `path` (surrounding blanks ignored); a missing, empty or special file (a
    device, a pipe: `/dev/zero` never ends) or one larger than a key can be is refused."""
    try:
        key = read_input(path, KEY_FILE_MAX).decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InvalidInput(f"the key file {path} is not text") from None
    if not key:
        raise InvalidInput(f"{path} is empty: delete it or set {variable}")
    return key


def replace_key_file(path: Path, key: str) -> None:
    """Write `key` to `path` (mode 0600) through a temporary file, so no reader sees half."""
    temporary = path.with_name(f".{path.name}.new")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)
