"""Reading a file a user names on the command line (a scenario, a national list): a regular
file, read whole but never more than a bound, or one clear `InvalidInput` naming it.

`-` names standard input, as for most commands that read a file (`ghtflow load - < x.yaml`).

`Path.read_text` on `/dev/zero` or a FIFO never returns and on a directory raises a bare
`IsADirectoryError`; a 10 GB file would be read into memory before anything could refuse it.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from services.errors import InvalidInput

MAX_INPUT_BYTES = 20 * 1024 * 1024  # far above a region's scenario or the national list
STANDARD_INPUT = Path("-")


def is_standard_input(path: Path) -> bool:
    return path == STANDARD_INPUT


def check_input(path: Path, limit: int = MAX_INPUT_BYTES) -> int:
    """The size of `path`, a regular file of at most `limit` bytes, or `InvalidInput`
    (standard input, `-`, is checked as it is read: its size is not known before)."""
    if is_standard_input(path):
        return 0
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InvalidInput(f"{path}: file not found") from None
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InvalidInput(f"{path}: is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(f"{path}: not a regular file (a device, a pipe or a socket)")
    if info.st_size > limit:
        raise InvalidInput(f"{path}: {info.st_size} bytes; the limit is {limit} bytes")
    return info.st_size


def read_input(path: Path, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of `path`; refuses a missing, unreadable, special or oversized file."""
    if is_standard_input(path):
        data = sys.stdin.buffer.read(limit + 1)
        if len(data) > limit:
            raise InvalidInput(f"standard input: more than {limit} bytes; the limit is {limit}")
        return data
    check_input(path, limit)
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO since stat, open does not hang
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise InvalidInput(f"{path}: not a regular file")
            data = file.read(limit + 1)  # a file growing meanwhile is still bounded
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > limit:
        raise InvalidInput(f"{path}: more than {limit} bytes; the limit is {limit} bytes")
    return data
