"""Uploaded files, for the dashboard and the JSON API alike: size limit, a safe name, PDF or
Word only (judged from the content, never the name).

An upload is copied to a private temporary folder under a cleaned copy of its original name
(`services.adapters.files.clean_file_name`: no folders, no control characters, no leading dots, at
most 255 bytes; the name is kept for display only, the file store keeps content under its
SHA-256), checked, and handed to `services.lifecycle.fire.fire`, which checks it again like a file
given to the CLI and stores it only if the event is accepted.

Recognised content: `services.adapters.file_kinds` (the rule `fire` applies to every file). Anything
else (a text file renamed `.pdf`, an executable, a spreadsheet, a zip bomb…) is refused, with
the message in the caller's language: French for the dashboard, English for the API.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from services.adapters.file_kinds import document_kind, inspect, refusal_message
from services.adapters.files import clean_file_name
from services.errors import InvalidInput

_CHUNK = 1024 * 1024


def content_kind(path: Path) -> str | None:
    """ "pdf", "docx" or "doc" from the file's bytes (the rule `fire` applies too)."""
    return document_kind(path)


MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "doc": "application/msword",
}


def display_name(name: str | None) -> str:
    """The original file name made safe to store, show and serve (see `clean_file_name`)."""
    return clean_file_name(name)


@contextmanager
def received_file(
    source: BinaryIO, name: str | None, max_bytes: int, *, french: bool = True
) -> Iterator[Path]:
    """The upload as a checked file on disk (removed when the block ends).

    Refuses (`InvalidInput`, in French for the dashboard, in English for the API) an empty,
    oversized or non-PDF/Word file, reading at most one chunk past the limit."""
    shown = display_name(name)
    with tempfile.TemporaryDirectory(prefix="ghtflow-upload-") as folder:
        path = Path(folder) / shown
        size = 0
        with path.open("wb") as out:
            while chunk := source.read(_CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidInput(too_big(shown, max_bytes, french=french))
                out.write(chunk)
        if size == 0:
            raise InvalidInput(
                f"Le fichier « {shown} » est vide." if french else f"file {shown} is empty"
            )
        verdict = inspect(path)
        if verdict.kind is None:
            raise InvalidInput(refusal_message(shown, verdict.problem, french=french))
        yield path


def too_big(name: str, max_bytes: int, *, french: bool = True) -> str:
    if not french:
        return f"file {name} is larger than the limit of {max_bytes} bytes (GHTFLOW_MAX_FILE_BYTES)"
    return (
        f"Le fichier « {name} » dépasse la taille maximale de {_size(max_bytes)} : il est refusé."
    )


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} Mo".replace(".", ",")
    if n >= 1024:
        return f"{n / 1024:.0f} Ko"
    return f"{n} octets"


FORM_OVERHEAD = 64 * 1024  # room for the other fields of a form that carries a file


class _BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: no request body larger than a file plus its form is read, whether its
    size is announced (Content-Length) or not (chunked). Without it a multipart body is
    spooled whole to a temporary file before any handler can look at its size, so one
    request could fill the disk. Past the limit the answer is 413 `{"detail": ...}`; a
    handler that checks the announced length itself (the dashboard, which shows a page) runs
    first for bodies within reach of the limit."""

    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            detail = (
                f"the request is larger than {self.max_bytes} bytes "
                "(GHTFLOW_MAX_FILE_BYTES and its form)"
            )
            body = json.dumps({"detail": detail}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
