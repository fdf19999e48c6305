"""The audit key on a real history, on SQLite and PostgreSQL: `GHTFLOW_AUDIT_KEY` takes
precedence over the key file and is written nowhere (no file under GHTFLOW_HOME, no row of the
database); the file is created with mode 0600 when no key is configured; a history verified
under another key fails in one line that names both keys by their ids, never by their text."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import inspect, text

from services.audit.chain import AuditKey, verify_chain, write_checkpoint
from services.lifecycle.fire import fire
from services.scenario.load import load_scenario
from services.workspace import Workspace, open_workspace
from tests.conftest import SCENARIO
from tests.integration.helpers import a_file, director, document_id

CONFIGURED = "the agency's audit key, from its secret store"
IN_FILE = "an earlier key, left in the work directory"


def _history(ws: Workspace, tmp_path: Path) -> None:
    """The scenario (39 events), a submission with its file and a checkpoint."""
    load_scenario(ws, SCENARIO)
    pmsp = document_id(ws, "OCC-02", "pmsp")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    fire(ws, pmsp, "submit", director("OCC-02"), file=a_file(uploads), as_of=date(2017, 10, 16))
    write_checkpoint(ws)


def _database_text(ws: Workspace) -> str:
    """Every row of every table, as text."""
    with ws.db.engine.connect() as conn:
        tables = inspect(conn).get_table_names()
        return "\n".join(
            repr(conn.execute(text(f'SELECT * FROM "{table}"')).all()) for table in tables
        )


def _head_key_id(ws: Workspace) -> str:
    with ws.db.engine.connect() as conn:
        return str(conn.execute(text("SELECT key_id FROM audithead")).scalar_one())


def _files_containing(folder: Path, secret: str) -> list[Path]:
    return [
        path
        for path in folder.rglob("*")
        if path.is_file() and secret.encode() in path.read_bytes()
    ]


def test_ghtflow_audit_key_wins_over_the_file_and_is_written_nowhere(ws, tmp_path):
    home = ws.settings.home
    (home / "audit_key").write_text(IN_FILE)
    ws.settings = ws.settings.model_copy(update={"audit_key": SecretStr(CONFIGURED)})
    _history(ws, tmp_path)
    report = verify_chain(ws)
    assert report.intact, report.problem
    assert (report.events, report.checkpoints) == (40, 1)
    configured_id = AuditKey.of(CONFIGURED).id
    assert _head_key_id(ws) == configured_id
    assert f'"key_id":"{configured_id}"' in ws.settings.effective_audit_checkpoints.read_text()
    assert (home / "audit_key").read_text() == IN_FILE  # neither used nor replaced
    # the SQLite file and its journal, the stored file, the checkpoints: not a byte of the key
    assert (home / "files").is_dir() and _files_containing(home, CONFIGURED) == []
    database = _database_text(ws)
    assert configured_id in database and CONFIGURED not in database


def test_a_history_verified_under_another_key_fails_naming_both_ids(ws, tmp_path):
    ws.settings = ws.settings.model_copy(update={"audit_key": SecretStr(CONFIGURED)})
    _history(ws, tmp_path)
    (ws.settings.home / "audit_key").write_text(IN_FILE)
    # the same database and home without GHTFLOW_AUDIT_KEY: the file's key is used
    other = open_workspace(ws.settings.model_copy(update={"audit_key": None}))
    try:
        report = verify_chain(other)
    finally:
        other.close()
    assert not report.intact
    problem = report.problem or ""
    assert "\n" not in problem
    assert problem == (
        f"the history is chained under another audit key (id {AuditKey.of(CONFIGURED).id}) "
        f"than the configured one (id {AuditKey.of(IN_FILE).id}); "
        "set GHTFLOW_AUDIT_KEY or HOME/audit_key to that key"
    )
    assert CONFIGURED not in problem and IN_FILE not in problem


def test_without_a_configured_key_the_file_is_created_0600_and_stays_out_of_the_database(
    ws, tmp_path
):
    assert ws.settings.audit_key is None
    key_file = ws.settings.home / "audit_key"
    assert not key_file.exists()
    _history(ws, tmp_path)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    secret = key_file.read_text()
    assert _head_key_id(ws) == AuditKey.of(secret).id
    assert secret not in _database_text(ws)
    assert _files_containing(ws.settings.home, secret) == [key_file]
    assert verify_chain(ws).intact
