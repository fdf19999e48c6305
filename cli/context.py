"""The workspace for a command, opened lazily (importing the database layer costs time)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.workspace import Workspace


def workspace(*, create: bool = False) -> Workspace:
    """The configured workspace; only `db upgrade` may create its database (`create`)."""
    from services.workspace import open_workspace

    return open_workspace(create=create)
