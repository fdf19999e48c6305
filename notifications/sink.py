"""A development SMTP server (aiosmtpd) that files every message it receives in a Maildir.

For the demo and for trying ghtflow without a relay: `ghtflow mail-sink` runs it, the tests
start it on a free loopback port. Each message lands as one file under `MAILDIR/new/`, which
any mail client (mutt -f, Thunderbird's Maildir import) or a text editor opens.
"""

from __future__ import annotations

import mailbox
import socket
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class MaildirHandler:
    """aiosmtpd handler: each accepted message is added to the Maildir as received."""

    def __init__(self, maildir: Path) -> None:
        self.path = maildir
        self.maildir = mailbox.Maildir(maildir, create=True)
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        self.maildir.add(content if isinstance(content, bytes) else str(content).encode())
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
