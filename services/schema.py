"""`upgrade_database`: create or upgrade the schema with the Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import migrations
from models import Database

MIGRATIONS = Path(migrations.__file__).resolve().parent


def _config() -> Config:
    """Alembic's configuration, made here rather than read from `migrations/alembic.ini` (kept
    for developers running `alembic` by hand): the scripts are found wherever the `migrations`
    package is installed, and no file outside it is needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade_database(db: Database) -> tuple[str | None, str]:
    """Upgrade to the newest revision; returns (revision before, revision after)."""
    config = _config()
    with db.engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, head_revision()


def head_revision() -> str:
    """The newest revision among the migrations shipped with this code."""
    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
