"""How ghtflow runs Prefect: its home under the work directory, no telemetry, no heartbeat.

Call `prepare_prefect` before the first `import prefect` of a process (the CLI does it in the
commands that run a flow): Prefect reads its settings from the environment when imported.
Without `PREFECT_API_URL`, flows run in Prefect's ephemeral mode (a temporary local server on
a SQLite database under `$GHTFLOW_HOME/prefect`); with it, runs are recorded on that server.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import ParamSpec, TypeVar

from settings import Settings

P = ParamSpec("P")
R = TypeVar("R")

_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    # the temporary server runs in this process: its own housekeeping (events it could not
    # flush on a loaded machine) is not the user's business and never reaches the terminal
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    # nor the client's shutdown notes ("EventsWorker - Still processing items")
    "PREFECT_LOGGING_LOGGERS_PREFECT__INTERNAL_LEVEL": "ERROR",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    # a flow started from the CLI waits for its temporary server rather than failing early
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def prepare_prefect(settings: Settings) -> Path:
    """Set Prefect's environment (values already set by the user win) and return its home."""
    home = Path(os.environ.get("PREFECT_HOME") or (settings.home / "prefect")).resolve()
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
