"""Configuration mistakes, as an operator meets them: an unknown GHTFLOW_* variable, and a
command that would read or send against a database that does not exist (never created)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.e2e.runner import GHTFLOW, OFFICER, director, env_for, ok, ok_json, one_line_error


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


def test_an_ehlo_name_that_cannot_be_sent_is_refused_at_start(fresh_home):
    """In one line naming the setting, by every command, not when a message is due (aiosmtplib
    refused it there: an internal error in the middle of a delivery run)."""
    pdf = fresh_home / "pmsp.pdf"
    pdf.write_bytes(b"%PDF-1.4 demo")
    ok(
        fresh_home,
        "documents",
        "fire",
        "9",
        "submit",
        "--actor",
        director("OCC-02"),
        "--file",
        pdf,
        "--as-of",
        "2017-10-16",
    )
    ok(
        fresh_home,
        "documents",
        "fire",
        "9",
        "request_conformity",
        "--actor",
        OFFICER,
        "--motive",
        "shared_care_project",
        "--respond-by",
        "2017-12-01",
        "--as-of",
        "2017-10-30",
    )
    for bad in ("ghtflow ars", "ghtflow.ars.example\r\nRSET", "[192.0.2.300]", "-ghtflow.example"):
        for command in (["outbox", "send"], ["outbox", "list"]):
            done = _run(fresh_home, *command, GHTFLOW_SMTP_HELO=bad)
            message = one_line_error(done)
            assert message.startswith("error: GHTFLOW_SMTP_HELO: "), message
            assert "is not a host name" in message, message
    (queued,) = ok_json(fresh_home, "outbox", "list")
    assert (queued["state"], queued["attempts"]) == ("pending", 0)
    for good in ("ghtflow.ars.example.org", "[192.0.2.10]", "[IPv6:2001:db8::1]", "worker-1"):
        done = _run(fresh_home, "outbox", "list", GHTFLOW_SMTP_HELO=good)
        assert done.returncode == 0, (good, done.stderr)
