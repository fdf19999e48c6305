"""`ghtflow mail-sink`: a local SMTP server that files what it receives in a Maildir."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from cli.output import console


def mail_sink(
    host: str = typer.Option("127.0.0.1", "--host", help="address to listen on"),
    port: int = typer.Option(8025, "--port", min=1, max=65535, help="port to listen on"),
    maildir: Path | None = typer.Option(
        None, "--maildir", help="where messages are filed (default $GHTFLOW_HOME/maildir)"
    ),
) -> None:
    """Receive e-mail on HOST:PORT and store each message in a Maildir, until interrupted."""
    from notifications.sink import MaildirError, start_sink
    from services.errors import InvalidInput
    from settings import get_settings

    folder = maildir or get_settings().home / "maildir"
    try:
        controller = start_sink(folder, host, port)
    except MaildirError as exc:
        raise InvalidInput(f"--maildir: {exc}") from None
    except (OSError, RuntimeError) as exc:
        raise InvalidInput(f"cannot listen on {host}:{port}: {exc}") from None
    console.print(
        f"mail sink listening on {host}:{port}, filing messages in {folder}", markup=False
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        stop.wait()
    finally:
        controller.stop()
        console.print("mail sink stopped", markup=False)
