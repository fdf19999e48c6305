"""Where the audit key comes from (no database): `GHTFLOW_AUDIT_KEY`, or the file
`$GHTFLOW_HOME/audit_key`, created with mode 0600 on first use and kept across restarts."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from services.audit.chain import AuditKey, configured_key
from settings import Settings

CONFIGURED = "the agency's audit key, from its secret store"


@pytest.fixture
def permissive_umask() -> Iterator[None]:
    """umask 000: a file created without an explicit mode would be world-readable."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


@pytest.fixture
def no_env_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No `GHTFLOW_AUDIT_KEY` in the environment, nor a `.env` file in the working folder."""
    monkeypatch.delenv("GHTFLOW_AUDIT_KEY", raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_the_key_file_is_created_once_with_mode_0600(tmp_path, no_env_key, permissive_umask):
    home = tmp_path / "home"  # not there yet: created with the key
    key = configured_key(Settings(home=home))
    path = home / "audit_key"
    assert _files(home) == [path]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(path.read_text().strip()) >= 40  # random, from `secrets`
    # a restart (new settings, same home) finds the same key; the file is not rewritten
    written = path.stat().st_mtime_ns
    assert configured_key(Settings(home=home)).id == key.id == AuditKey.of(path.read_text()).id
    assert path.stat().st_mtime_ns == written
    # another home, another key
    assert configured_key(Settings(home=tmp_path / "other")).id != key.id


def test_a_configured_key_wins_and_is_never_written(tmp_path, no_env_key):
    home = tmp_path / "home"
    key = configured_key(Settings(home=home, audit_key=SecretStr(CONFIGURED)))
    assert key.id == AuditKey.of(CONFIGURED).id
    assert _files(home) == []  # no key file created beside it
    # a key file already there (an earlier key) is neither used nor changed
    home.mkdir(exist_ok=True)
    (home / "audit_key").write_text("the key in the file\n")
    again = configured_key(Settings(home=home, audit_key=SecretStr(CONFIGURED)))
    assert again.id == key.id != AuditKey.of("the key in the file").id
    assert (home / "audit_key").read_text() == "the key in the file\n"
    assert _files(home) == [home / "audit_key"]


def test_ghtflow_audit_key_in_the_environment_wins_over_the_file(tmp_path, no_env_key):
    home = tmp_path / "home"
    home.mkdir()
    (home / "audit_key").write_text("the key in the file")
    no_env_key.setenv("GHTFLOW_AUDIT_KEY", CONFIGURED)
    settings = Settings(home=home)
    assert configured_key(settings).id == AuditKey.of(CONFIGURED).id
    assert (home / "audit_key").read_text() == "the key in the file"
    assert _files(home) == [home / "audit_key"]
    # the key is shown nowhere: not by the settings, nor by the key object
    assert CONFIGURED not in repr(settings) and CONFIGURED not in str(settings)
    assert CONFIGURED not in repr(configured_key(settings))
    no_env_key.delenv("GHTFLOW_AUDIT_KEY")
    assert configured_key(Settings(home=home)).id == AuditKey.of("the key in the file").id


def test_the_key_id_names_the_key_without_revealing_it():
    key = AuditKey.of(CONFIGURED)
    assert re.fullmatch(r"[0-9a-f]{16}", key.id)  # what the head row and checkpoints record
    assert key.id == AuditKey.of(CONFIGURED).id != AuditKey.of("another key").id
    assert CONFIGURED not in repr(key)
