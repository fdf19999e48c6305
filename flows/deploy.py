"""Registering ghtflow's scheduled deployments on a Prefect server (`ghtflow deploy`).

- `deadline-sweep/daily`: every day at 06:00 Europe/Paris (`Cron(..., timezone=...)`: a plain
  `cron=` string would be UTC);
- `deliver-outbox/every-5-minutes`: every five minutes.

Both are bound to a work pool of type `process` (created if missing) and point at the folder
that holds the `flows` package (a checkout, or the `site-packages` of an installed wheel):
start `prefect worker start --pool POOL` on every host that has the same code at the same path
and the `GHTFLOW_*` environment (database, SMTP relay).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import cast
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import WorkPoolCreate
from prefect.exceptions import ObjectAlreadyExists
from prefect.flows import Flow
from prefect.schedules import Cron, Interval

ROOT = Path(__file__).resolve().parent.parent  # entrypoints below are relative to it
TIMEZONE = "Europe/Paris"
SWEEP_CRON = "0 6 * * *"
DELIVERY_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class Registered:
    flow: str
    deployment: str
    id: UUID
    schedule: str


def ensure_work_pool(name: str) -> bool:
    """Create the `process` work pool `name` unless it exists; True if it was created."""
    with get_client(sync_client=True) as client:
        try:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
        except ObjectAlreadyExists:
            return False
    return True


def register_deployments(pool: str, source: Path = ROOT) -> list[Registered]:
    """Register (or update) both deployments on the server named by `PREFECT_API_URL`."""
    ensure_work_pool(pool)
    plans = [
        (
            "flows/deadline_sweep.py:deadline_sweep",
            "daily",
            Cron(SWEEP_CRON, timezone=TIMEZONE),
            f"cron {SWEEP_CRON} {TIMEZONE}",
        ),
        (
            "flows/deliver_outbox.py:deliver_outbox",
            "every-5-minutes",
            Interval(DELIVERY_EVERY, timezone=TIMEZONE),
            "every 5 minutes",
        ),
    ]
    registered = []
    for entrypoint, name, schedule, described in plans:
        flow = cast(
            "Flow[..., object]", Flow.from_source(source=str(source), entrypoint=entrypoint)
        )
        deployment_id = flow.deploy(
            name=name,
            work_pool_name=pool,
            schedules=[schedule],
            build=False,
            push=False,
            print_next_steps=False,
            ignore_warnings=True,
            tags=["ghtflow"],
        )
        registered.append(Registered(flow.name, name, cast(UUID, deployment_id), described))
    return registered
