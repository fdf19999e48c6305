"""A development SMTP server (aiosmtpd) that files every message it receives in a Maildir.

For the demo and for trying ghtflow without a relay: `ghtflow mail-sink` runs it, the tests
start it on a free loopback port. Each message lands as one file under `MAILDIR/new/`, which
any mail client (mutt -f, Thunderbird's Maildir import) or a text editor opens.

The folder may already exist (empty, or a Maildir from an earlier run): its `tmp`, `new` and
`cur` sub-folders are created if missing, and a folder where nothing can be filed is refused
before the server listens. A message that cannot be filed later (disk full, folder removed) is
answered 451: a transient failure, so the sender keeps it and tries again, never a 5xx that
would make it give the message up.
"""

from __future__ import annotations

import mailbox
import os
import socket
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

SUBFOLDERS = ("tmp", "new", "cur")


class MaildirError(Exception):
    """The folder given for the Maildir cannot hold one (said in one line)."""


def open_maildir(path: Path) -> mailbox.Maildir:
    """The Maildir at `path`, its sub-folders created (`mailbox.Maildir(create=True)` makes
    them only when `path` itself is new); `MaildirError` if nothing can be filed there."""
    if path.exists() and not path.is_dir():
        raise MaildirError(f"{path} is a file, not a folder: give a folder for the Maildir")
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        for sub in SUBFOLDERS:
            (path / sub).mkdir(mode=0o700, exist_ok=True)
        probe = path / "tmp" / f".ghtflow-probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise MaildirError(f"cannot file messages in {path}: {reason}") from None
    return mailbox.Maildir(path, create=True)


class MaildirHandler:
    """aiosmtpd handler: each accepted message is added to the Maildir as received."""

    def __init__(self, maildir: Path) -> None:
        self.path = maildir
        self.maildir = open_maildir(maildir)
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        try:
            self.maildir.add(content if isinstance(content, bytes) else str(content).encode())
        except (OSError, mailbox.Error) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            return f"451 4.3.0 Cannot file the message in {self.path} ({reason}): try again"
        self.received += 1
        return "250 2.0.0 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (bind to port 0 and read what the OS chose)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def start_sink(maildir: Path, host: str = "127.0.0.1", port: int = 8025) -> Controller:
    """Start the sink in a background thread; call `.stop()` on the result to end it."""
    controller = Controller(MaildirHandler(maildir), hostname=host, port=port, ready_timeout=10)
    controller.start()
    return controller


def count_messages(maildir: Path) -> int:
    """Messages filed so far (new and already read)."""
    return sum(
        1 for sub in ("new", "cur") if (maildir / sub).is_dir() for _ in (maildir / sub).iterdir()
    )
