"""A process that runs flows never creates a database: a real Prefect flow run (the session's
Prefect test server) in a process whose GHTFLOW_HOME is an empty folder and which has no
GHTFLOW_DATABASE_URL, as a worker started without its environment is, fails with the setting to
set and the database it tried, and leaves no file behind, neither in GHTFLOW_HOME nor in the
working folder."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from settings import NOT_SETTINGS

pytestmark = pytest.mark.flow


@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    """(home, working folder): both empty, GHTFLOW_HOME=home and no other GHTFLOW_* setting in
    the environment, nor a `.env` in the working folder."""
    for name in list(os.environ):
        if name.startswith("GHTFLOW_") and name not in NOT_SETTINGS:
            monkeypatch.delenv(name)
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir()
    cwd.mkdir()
    monkeypatch.setenv("GHTFLOW_HOME", str(home))
    monkeypatch.chdir(cwd)
    return home, cwd


def _flow(name: str) -> tuple[Any, dict[str, Any]]:
    """The flow named `name` and the parameters of a run (as its deployment passes them)."""
    if name == "deliver-outbox":
        from flows.deliver_outbox import deliver_outbox

        return deliver_outbox, {}
    if name == "deadline-sweep":
        from flows.deadline_sweep import deadline_sweep

        return deadline_sweep, {"as_of": date(2017, 12, 1)}
    from flows.generate_documents import generate_documents

    return generate_documents, {"doc_type": "chu_convention"}


def _failed_run(flow: Any, **parameters: Any) -> str:
    """Run `flow`; check that its run is recorded as failed on the server; its message."""
    from prefect.client.orchestration import get_client

    state = flow(**parameters, return_state=True)
    assert state.is_failed(), state
    with get_client(sync_client=True) as client:
        recorded = client.read_flow_run(state.state_details.flow_run_id)
    assert recorded.state is not None and recorded.state.is_failed(), recorded.state
    message = str(recorded.state.message)
    assert "\n" not in message, message
    return message


@pytest.mark.parametrize("name", ["deliver-outbox", "deadline-sweep", "generate-documents"])
def test_a_flow_run_without_database_fails_naming_the_setting_and_the_file(
    prefect_harness, worker, name
):
    home, cwd = worker
    flow, parameters = _flow(name)
    message = _failed_run(flow, **parameters)
    assert (
        f"no database at {home / 'ghtflow.db'} (GHTFLOW_HOME={home}): point ghtflow at yours "
        "with --home PATH, GHTFLOW_HOME or GHTFLOW_DATABASE_URL"
    ) in message, message
    assert list(home.iterdir()) == [] and list(cwd.iterdir()) == []


def test_a_database_url_naming_a_missing_file_is_not_created_either(
    prefect_harness, worker, monkeypatch, tmp_path
):
    home, cwd = worker
    missing = tmp_path / "elsewhere" / "app.db"
    monkeypatch.setenv("GHTFLOW_DATABASE_URL", f"sqlite:///{missing}")
    flow, parameters = _flow("deliver-outbox")
    message = _failed_run(flow, **parameters)
    assert f"no database at {missing} (GHTFLOW_DATABASE_URL): point ghtflow at" in message
    assert not missing.parent.exists()
    assert list(home.iterdir()) == [] and list(cwd.iterdir()) == []


def test_settings_overrides_naming_an_empty_home_create_nothing(prefect_harness, worker, tmp_path):
    """The parameters a test or an operator gives a run: the same refusal."""
    _home, cwd = worker
    other = tmp_path / "other-home"
    other.mkdir()
    flow, parameters = _flow("deadline-sweep")
    message = _failed_run(flow, **parameters, settings_overrides={"home": str(other)})
    assert f"no database at {other / 'ghtflow.db'} (GHTFLOW_HOME={other}): " in message
    assert list(other.iterdir()) == [] and list(cwd.iterdir()) == []
