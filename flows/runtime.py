"""How ghtflow runs Prefect: its home under the work directory, no telemetry, no heartbeat.

Call `prepare_prefect` before the first `import prefect` of a process (the CLI does it in the
commands that run a flow): Prefect reads its settings from the environment when imported.
Without `PREFECT_API_URL`, a flow runs in Prefect's ephemeral mode (a temporary local server on
a SQLite database under `$GHTFLOW_HOME/prefect`, 10-30 s to start); with it, runs are recorded
on that server. `ghtflow sweep` and `generate --all` therefore run their flow only when a server
is configured (`prefect_api_url`), and otherwise call the same services in their own process.

Nothing here imports Prefect at module level: the CLI asks `prefect_api_url` first.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from settings import Settings

if TYPE_CHECKING:
    from prefect import Flow

P = ParamSpec("P")
R = TypeVar("R")

_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # a temporary server (a flow run without PREFECT_API_URL: tests, benchmarks) runs in this
    # process: its housekeeping (events it could not flush on a loaded machine) stays quiet
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    # nor the client's shutdown notes ("EventsWorker - Still processing items", logged to the
    # root logger): Prefect's console and debug handlers print nothing below CRITICAL, while a
    # configured server still receives the runs' logs (its `api` handler)
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_HANDLERS_DEBUG_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    # such a flow waits for its temporary server rather than failing early on a loaded machine
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def prefect_home(settings: Settings) -> Path:
    """Prefect's home for ghtflow: `PREFECT_HOME` when set, else `$GHTFLOW_HOME/prefect`."""
    return Path(os.environ.get("PREFECT_HOME") or (settings.home / "prefect")).resolve()


def prefect_api_url(settings: Settings) -> str | None:
    """The Prefect server runs are recorded on, without importing Prefect: `PREFECT_API_URL`
    from the environment, else from the active profile of Prefect's home (`PREFECT_PROFILE`,
    else the file's `active`), as Prefect itself would read it; None for the ephemeral mode."""
    url = os.environ.get("PREFECT_API_URL", "").strip()
    if url:
        return url
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or prefect_home(settings) / "profiles.toml")
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active") or "ephemeral"
    profile = profiles.get("profiles", {}).get(active, {})
    url = str(profile.get("PREFECT_API_URL", "") if isinstance(profile, dict) else "").strip()
    return url or None


def prepare_prefect(settings: Settings) -> Path:
    """Set Prefect's environment (values already set by the user win) and return its home."""
    home = prefect_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    for name, value in _DEFAULTS.items():
        os.environ.setdefault(name, value)
    return home


def run_flow(flow: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a flow in this process with the heartbeat off (it costs ~1 s per run otherwise)."""
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        return flow(*args, **kwargs)


def run_recorded(
    announce: Callable[[str], None], flow: Flow[P, R], *args: P.args, **kwargs: P.kwargs
) -> R:
    """Run a flow as `run_flow` does, on the configured server, and `announce` the run's name
    (also when it fails) before its result is returned or its exception raised."""
    from prefect.client.orchestration import get_client
    from prefect.settings import (
        PREFECT_API_URL,
        PREFECT_FLOWS_HEARTBEAT_FREQUENCY,
        temporary_settings,
    )

    with temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        state = flow(*args, return_state=True, **kwargs)
    run_id = state.state_details.flow_run_id
    if run_id is not None:
        with get_client(sync_client=True) as client:
            name = client.read_flow_run(run_id).name
        announce(f"recorded as Prefect flow run {name} on {PREFECT_API_URL.value()}")
    return state.result()
