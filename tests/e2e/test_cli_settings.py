"""Configuration mistakes, as an operator meets them: an unknown GHTFLOW_* variable, and a
command that would read or send against a database that does not exist (never created)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.runner import GHTFLOW, env_for, one_line_error


def _run(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(GHTFLOW), *args],
        env=env_for(home) | env,
        cwd=home,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_an_unknown_variable_is_refused_with_the_closest_known_name(loaded_home):
    done = _run(loaded_home, "outbox", "list", GHTFLOW_SMTP_PASWORD="x")
    assert one_line_error(done) == (
        "error: unknown setting GHTFLOW_SMTP_PASWORD; did you mean GHTFLOW_SMTP_PASSWORD?"
    )


def test_reading_or_sending_never_creates_a_database(tmp_path):
    home = tmp_path / "worker"
    for command in (["outbox", "send"], ["outbox", "list"], ["documents", "list"]):
        done = _run(tmp_path, *command, GHTFLOW_HOME=str(home))
        message = one_line_error(done)
        assert f"no database at {home / 'ghtflow.db'}" in message, message
        assert "GHTFLOW_DATABASE_URL" in message
    assert not (home / "ghtflow.db").exists()
    missing = tmp_path / "elsewhere" / "app.db"
    done = _run(tmp_path, "outbox", "send", GHTFLOW_DATABASE_URL=f"sqlite:///{missing}")
    assert f"no database at {missing}" in one_line_error(done)
    assert not missing.exists()


def test_a_files_dir_that_is_a_file_is_refused(loaded_home, tmp_path):
    regular = tmp_path / "files"
    regular.write_text("not a folder")
    done = _run(loaded_home, "documents", "list", GHTFLOW_FILES_DIR=str(regular))
    assert one_line_error(done) == f"error: GHTFLOW_FILES_DIR: {regular} is a file, not a folder"
