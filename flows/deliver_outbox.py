"""Prefect flow: deliver the outbox messages whose turn has come (scheduled every 5 minutes).

The work is `services.mail.delivery.deliver_due`, which `ghtflow outbox send` also calls directly.
Entry point for deployments: `flows/deliver_outbox.py:deliver_outbox`.

When due messages could not be sent because of the SMTP session (relay down, TLS,
authentication, relay denied), the reason is logged as an error and the flow run fails, so the
Prefect UI and its notifications show it instead of a green run.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from flows._workspace import flow_workspace
from services.mail.delivery import DeliveryReport, deliver_due
from services.workspace import Workspace


@task(name="deliver-due", cache_policy=NO_CACHE)
def deliver(ws: Workspace, limit: int | None) -> DeliveryReport:
    return deliver_due(ws, limit=limit)


@flow(name="deliver-outbox")
def deliver_outbox(
    limit: int | None = None, settings_overrides: dict[str, Any] | None = None
) -> dict[str, Any]:
    logger = get_run_logger()
    ws = flow_workspace(settings_overrides)
    try:
        report = deliver(ws, limit)
    finally:
        ws.close()
    create_markdown_artifact(
        f"# Envoi des courriels\n\n{report.sent} envoyés, {report.retry_later} à réessayer, "
        f"{report.failed} en échec, {report.refused_recipients} destinataires refusés"
        + (f"\n\nServeur SMTP : {report.connection_error}" if report.connection_error else ""),
        key="deliver-outbox-summary",
    )
    logger.info("outbox delivery: %s", report.summary())
    for line in report.notes():
        (logger.error if report.undelivered else logger.warning)("%s", line)
    if report.undelivered:
        raise DeliveryFailed(f"due messages could not be sent: {report.connection_error}")
    return report.as_dict()


class DeliveryFailed(RuntimeError):
    """Raised to fail the flow run; the messages themselves stay pending."""
