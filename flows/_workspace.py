"""The workspace a flow works on: the process's settings, or test overrides.

Flows take `settings_overrides` (non-secret settings such as `database_url` or `smtp_port`)
so that a test can point a flow at its own database and SMTP sink; a deployment passes none
and reads `GHTFLOW_*` from the worker's environment. Secrets never go through parameters
(Prefect records them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.workspace import Workspace, open_workspace
from settings import Settings

_SECRET = {"smtp_password", "secret_key", "audit_key"}


def flow_workspace(overrides: Mapping[str, Any] | None) -> Workspace:
    if not overrides:  # read now, not cached: a worker's environment is the run's
        return open_workspace(Settings())
    refused = _SECRET & set(overrides)
    if refused:
        raise ValueError(f"secrets are not flow parameters: {', '.join(sorted(refused))}")
    return open_workspace(Settings(**dict(overrides)))
