"""Configuration from `GHTFLOW_*` environment variables and an optional `.env` file.

Everything a run writes lives under one work directory (`GHTFLOW_HOME`, default `./var`) so
that the embedded default needs no set-up and a demo or a test can use a fresh folder.

A `GHTFLOW_*` variable (in the environment or the `.env` file) that names no setting is refused
with the closest known name: a typo such as `GHTFLOW_SMTP_PASWORD` would otherwise be silently
ignored and the default used instead.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "GHTFLOW_"
_HOST_LABEL = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
# variables read elsewhere than here: by the tests and the benchmarks
NOT_SETTINGS = frozenset(
    {
        "GHTFLOW_REQUIRE_POSTGRES",
        "GHTFLOW_REQUIRE_PDF",
        "GHTFLOW_TEST_POSTGRES",
        "GHTFLOW_REQUIRE_BROWSER",
        "GHTFLOW_CHROMIUM",
        "GHTFLOW_AXE_SCREENSHOTS",
        "GHTFLOW_BENCH_STATIC",
    }
)


class SettingsError(Exception):
    """A configuration mistake, said in one line (not a `ValueError`: pydantic would wrap it
    in a multi-line validation report)."""


def unknown_variables(names: Iterable[str], known: Iterable[str]) -> str | None:
    """The refusal for the first `GHTFLOW_*` name that is not a setting, or None."""
    known = sorted({*known, *NOT_SETTINGS})
    for name in sorted(set(names)):
        if not name.upper().startswith(PREFIX) or name.upper() in known:
            continue
        close = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else f"; known: {', '.join(known)}"
        return f"unknown setting {name}{hint}"
    return None


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
    workflows_dir: Path | None = Field(
        default=None,
        description="folder of further workflow definitions (YAML); same type replaces built-in",
    )
    procedures: str | None = Field(
        default=None,
        description=f"procedure folders, separated by {os.pathsep!r} as in PATH; a procedure "
        "named like a built-in one replaces it",
    )
    # --- registry ---
    categories_file: Path | None = Field(
        default=None, description="extra category -> kind entries for the national list import"
    )

    # --- e-mail: SMTP relay, sender, copies, retries ---
    smtp_host: str = Field(default="127.0.0.1", description="SMTP relay (the mail sink in dev)")
    smtp_port: int = Field(default=8025, gt=0, lt=65536)
    smtp_starttls: bool = Field(
        default=False, description="older spelling of GHTFLOW_SMTP_TLS=starttls"
    )
    smtp_tls: Literal["starttls", "implicit", "none"] | None = Field(
        default=None,
        description="starttls (587), implicit (465) or none; default: none, or starttls when "
        "GHTFLOW_SMTP_STARTTLS is true",
    )
    smtp_ca_file: Path | None = Field(
        default=None, description="PEM file of the CA(s) trusted for the relay's certificate"
    )
    smtp_helo: str | None = Field(
        default=None,
        description="name given in EHLO; default: this host's qualified name, or its address "
        "as [192.0.2.10] when it has none",
    )
    smtp_username: str | None = Field(default=None, description="SMTP AUTH user, if any")
    smtp_password: SecretStr | None = Field(default=None, description="never printed")
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    mail_from: str = Field(
        default="ARS Occitanie <ne-pas-repondre@ars-occitanie.example.org>",
        description="From: of every message (its domain also names the Message-IDs)",
    )
    mail_cc: str | None = Field(
        default=None,
        description="copy address(es), comma-separated; replaces the region's direction e-mail",
    )
    mail_retry_base_seconds: int = Field(default=60, gt=0, description="first retry delay")
    mail_retry_max_seconds: int = Field(default=3600, gt=0, description="longest retry delay")
    mail_max_attempts: int = Field(default=10, gt=0, description="then a message is failed")
    mail_batch_size: int = Field(default=500, gt=0, description="messages per SMTP connection")

    @field_validator("smtp_username", "mail_cc", "smtp_helo", "smtp_ca_file", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return value or None

    @field_validator("smtp_tls", mode="before")
    @classmethod
    def _tls_mode(cls, value: object) -> object:
        return (value.strip().lower() or None) if isinstance(value, str) else value

    # --- Word generation ---
    templates_dir: Path | None = Field(
        default=None,
        description="an agency's own .docx models; a file named like a built-in one replaces it",
    )

    @field_validator("templates_dir", mode="before")
    @classmethod
    def _no_blank_dir(cls, value: object) -> object:
        return value or None

    # --- web dashboard ---
    secret_key: SecretStr | None = Field(
        default=None,
        description="signs session cookies; default: a random key kept in HOME/secret_key (0600)",
    )

    secure_cookies: bool = Field(
        default=False,
        description="mark the session cookie Secure (sent over HTTPS only): set it behind TLS",
    )

    trusted_proxies: str | None = Field(
        default=None,
        description="comma-separated addresses of the reverse proxies whose X-Forwarded-For "
        "names the client (sign-in attempts are counted per client address)",
    )

    @field_validator("secret_key", mode="before")
    @classmethod
    def _blank_secret(cls, value: object) -> object:
        return value or None

    # --- audit trail ---
    audit_key: SecretStr | None = Field(
        default=None,
        description="HMAC key of the history; default: a random key kept in HOME/audit_key (0600)",
    )
    audit_checkpoints: Path | None = Field(
        default=None,
        description="append-only file of chain heads; default HOME/audit-checkpoints.jsonl",
    )

    @field_validator("audit_key", "audit_checkpoints", mode="before")
    @classmethod
    def _blank_audit(cls, value: object) -> object:
        return value or None

    @property
    def effective_audit_checkpoints(self) -> Path:
        if self.audit_checkpoints is not None:
            return self.audit_checkpoints
        return self.home / "audit-checkpoints.jsonl"

    @model_validator(mode="before")
    @classmethod
    def _no_unknown_variables(cls, data: Any) -> Any:
        env_file = cls.model_config.get("env_file")
        names = set(os.environ)
        if isinstance(env_file, str) and Path(env_file).is_file():
            names |= set(dotenv_values(env_file))
        refusal = unknown_variables(names, (f"{PREFIX}{n.upper()}" for n in cls.model_fields))
        if refusal:
            raise SettingsError(refusal)
        return data

    @property
    def effective_smtp_tls(self) -> str:
        if self.smtp_tls is not None:
            return self.smtp_tls
        return "starttls" if self.smtp_starttls else "none"

    @field_validator("smtp_ca_file")
    @classmethod
    def _ca_file_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise SettingsError(f"GHTFLOW_SMTP_CA_FILE: no file at {value}")
        return value

    @field_validator("smtp_helo")
    @classmethod
    def _helo_is_a_host(cls, value: str | None) -> str | None:
        """A host name or an address literal (RFC 5321 4.1.3): said at start, not by the first
        delivery run that has mail to send."""
        if value is None or is_ehlo_name(value):
            return value
        raise SettingsError(
            f"GHTFLOW_SMTP_HELO: {value!r} is not a host name (ghtflow.ars.example.org) "
            "nor an address literal ([192.0.2.10], [IPv6:2001:db8::1])"
        )

    @field_validator("files_dir")
    @classmethod
    def _files_dir_is_a_folder(cls, value: Path | None) -> Path | None:
        if value is not None and value.exists() and not value.is_dir():
            raise SettingsError(f"GHTFLOW_FILES_DIR: {value} is a file, not a folder")
        return value

    @field_validator("database_url")
    @classmethod
    def _no_blank_url(cls, value: str | None) -> str | None:
        return value or None

    @field_validator("procedures", mode="before")
    @classmethod
    def _blank_procedures(cls, value: object) -> object:
        return value or None

    @property
    def procedure_dirs(self) -> tuple[Path, ...]:
        """The folders of `GHTFLOW_PROCEDURES`, in order (empty entries left out)."""
        if not self.procedures:
            return ()
        return tuple(Path(p) for p in self.procedures.split(os.pathsep) if p.strip())

    @model_validator(mode="after")
    def _procedure_folders_exist(self) -> Settings:
        for folder in self.procedure_dirs:
            if not folder.is_dir():
                raise SettingsError(f"GHTFLOW_PROCEDURES: no folder at {folder}")
        return self

    @property
    def effective_database_url(self) -> str:
        """The URL to connect to: the configured one or the SQLite file under `home`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'ghtflow.db'}"

    @property
    def effective_files_dir(self) -> Path:
        return self.files_dir if self.files_dir is not None else self.home / "files"


def is_ehlo_name(value: str) -> bool:
    """A domain (dot-separated labels of letters, digits and inner hyphens) or an address
    literal, `[192.0.2.10]` or `[IPv6:2001:db8::1]`."""
    if value.startswith("[") and value.endswith("]"):
        inner = value[1:-1]
        try:
            if inner[:5].lower() == "ipv6:":
                ipaddress.IPv6Address(inner[5:])
            else:
                ipaddress.IPv4Address(inner)
        except ValueError:
            return False
        return True
    labels = value.split(".")
    return len(value) <= 253 and all(_HOST_LABEL.fullmatch(label) for label in labels)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process (tests build their own `Settings` instead)."""
    return Settings()
