"""What every use case needs: the database, the file store, the procedures in force and their
workflow registry."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

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


def open_workspace(settings: Settings | None = None, *, create: bool = False) -> Workspace:
    """Connect to the configured database (no query is sent until a use case runs).

    Only `ghtflow db upgrade` creates a database (`create=True`): a worker, a flow or a command
    started without `GHTFLOW_DATABASE_URL` would otherwise create an empty SQLite file under
    `./var` and fail later on a missing table, far from the cause."""
    settings = settings or get_settings()
    url = settings.effective_database_url
    path = sqlite_path(url)
    if not create and path is not None and not path.is_file():
        setting = (
            "GHTFLOW_DATABASE_URL" if settings.database_url else "GHTFLOW_DATABASE_URL (unset)"
        )
        raise NotFound(
            f"no database at {path} ({setting}; GHTFLOW_HOME={settings.home}): set "
            "GHTFLOW_DATABASE_URL to the application's database, or create one with "
            "'ghtflow db upgrade'"
        )
    return Workspace(
        settings=settings,
        db=Database(settings.effective_database_url),
        files=FileStore(settings.effective_files_dir, settings.max_file_bytes),
        workflows=workflows_for(settings),
    )
