"""Refusals from use cases; each message is one line meant for the person who acted."""

from __future__ import annotations

from states.errors import Refusal as Refusal  # the edges catch it from here


class ServiceError(Refusal):
    """Base of every user-facing refusal from `services/` (the CLI prints it, exit code 1)."""


class NotFound(ServiceError):
    pass


class PermissionDenied(ServiceError):
    pass


class Conflict(ServiceError):
    """Someone else changed the document first; reload and try again."""


class InvalidInput(ServiceError):
    """Bad input: a file, an option or a value that cannot be used."""


class ScenarioError(InvalidInput):
    """A scenario file is malformed; the message names the file and the line."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line = path, line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
