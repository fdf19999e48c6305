"""Configuration from `GHTFLOW_*` environment variables and an optional `.env` file.

Everything a run writes lives under one work directory (`GHTFLOW_HOME`, default `./var`) so
that the embedded default needs no set-up and a demo or a test can use a fresh folder.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """The one place where configuration is read (the database URL is shown only masked)."""

    model_config = SettingsConfigDict(env_prefix="GHTFLOW_", env_file=".env", extra="ignore")

    home: Path = Field(default=Path("var"), description="work directory for files and SQLite")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file HOME/ghtflow.db"
    )
    files_dir: Path | None = Field(
        default=None, description="content-addressed store of submitted files; default HOME/files"
    )
    max_file_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    # --- Word generation (issue 6) ---
    templates_dir: Path | None = Field(
        default=None,
        description="an agency's own .docx models; a file named like a built-in one replaces it",
    )

    @field_validator("templates_dir", mode="before")
    @classmethod
    def _no_blank_dir(cls, value: object) -> object:
        return value or None

    # --- end Word generation ---

    @field_validator("database_url")
    @classmethod
    def _no_blank_url(cls, value: str | None) -> str | None:
        return value or None

    @property
    def effective_database_url(self) -> str:
        """The URL to connect to: the configured one or the SQLite file under `home`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'ghtflow.db'}"

    @property
    def effective_files_dir(self) -> Path:
        return self.files_dir if self.files_dir is not None else self.home / "files"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process (tests build their own `Settings` instead)."""
    return Settings()
