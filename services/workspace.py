"""What every use case needs: the database, the file store, the procedures in force and their
workflow registry."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import make_url

from models.db import Database, sqlite_path
from services.adapters.files import FileStore
from services.errors import NotFound
from services.workflows import workflows_for
from settings import Settings, get_settings
from states.machine import WorkflowRegistry

if TYPE_CHECKING:
    from services.audit.chain import AuditKey
    from services.procedures.catalog import Procedures


@dataclass
class Workspace:
    settings: Settings
    db: Database
    files: FileStore
    workflows: WorkflowRegistry

    @cached_property
    def procedures(self) -> Procedures:
        """The procedures in force (`GHTFLOW_PROCEDURES`): the one `workflows` is built from,
        where each type finds its Word models and e-mail templates."""
        from services.procedures.catalog import procedures_for

        return procedures_for(self.settings)

    @cached_property
    def audit_key(self) -> AuditKey:
        """The key of the history's HMAC chain (read or created once per workspace)."""
        from services.audit.chain import configured_key

        return configured_key(self.settings)

    def close(self) -> None:
        self.db.dispose()


HOW_TO_POINT = "--home PATH, GHTFLOW_HOME or GHTFLOW_DATABASE_URL"


def database_source(settings: Settings) -> str:
    """Where the database's address came from, for a message."""
    if settings.database_url:
        return "GHTFLOW_DATABASE_URL"
    given = "GHTFLOW_HOME" in os.environ
    return f"GHTFLOW_HOME={settings.home}" + ("" if given else ", the default")


def database_label(settings: Settings) -> str:
    """The database a command used, for a message: the SQLite file's full path or the URL
    with its password masked, and where it came from."""
    url = settings.effective_database_url
    path = sqlite_path(url)
    shown = str(path.resolve()) if path is not None else make_url(url).render_as_string()
    return f"{shown} ({database_source(settings)})"


def open_workspace(settings: Settings | None = None, *, create: bool = False) -> Workspace:
    """Connect to the configured database (no query is sent until a use case runs).

    Only `ghtflow db upgrade` creates a database (`create=True`): a worker, a flow or a command
    started without `GHTFLOW_DATABASE_URL` would otherwise create an empty SQLite file under
    `./var` and fail later on a missing table, far from the cause."""
    settings = settings or get_settings()
    path = sqlite_path(settings.effective_database_url)
    if not create and path is not None and not path.is_file():
        raise NotFound(
            f"no database at {path.resolve()} ({database_source(settings)}): point ghtflow at "
            f"yours with {HOW_TO_POINT}, or create one with 'ghtflow db upgrade'"
        )
    return Workspace(
        settings=settings,
        db=Database(settings.effective_database_url),
        files=FileStore(settings.effective_files_dir, settings.max_file_bytes),
        workflows=workflows_for(settings),
    )
