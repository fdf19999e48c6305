"""What every use case needs: the database, the file store and the workflow registry."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from models.db import Database
from services.files import FileStore
from services.workflows import load_workflows
from settings import Settings, get_settings
from states.machine import WorkflowRegistry

if TYPE_CHECKING:
    from services.audit import AuditKey


@dataclass
class Workspace:
    settings: Settings
    db: Database
    files: FileStore
    workflows: WorkflowRegistry

    @cached_property
    def audit_key(self) -> AuditKey:
        """The key of the history's HMAC chain (read or created once per workspace)."""
        from services.audit import configured_key

        return configured_key(self.settings)

    def close(self) -> None:
        self.db.dispose()


def open_workspace(settings: Settings | None = None) -> Workspace:
    """Connect to the configured database (no query is sent until a use case runs)."""
    settings = settings or get_settings()
    return Workspace(
        settings=settings,
        db=Database(settings.effective_database_url),
        files=FileStore(settings.effective_files_dir, settings.max_file_bytes),
        workflows=load_workflows(),
    )
