"""What every use case needs: the database, the file store and the workflow registry."""

from __future__ import annotations

from dataclasses import dataclass

from models.db import Database
from services.files import FileStore
from services.workflows import load_workflows
from settings import Settings, get_settings
from states.machine import WorkflowRegistry


@dataclass
class Workspace:
    settings: Settings
    db: Database
    files: FileStore
    workflows: WorkflowRegistry

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
