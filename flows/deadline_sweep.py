"""Prefect flow: the daily deadline sweep, in batches of documents (never a task per document).

The decisions are `services.deadlines.sweep`'s and the loop is `services.deadlines.day`'s (the
one `ghtflow sweep` runs in its own process when no Prefect server is configured); this flow
runs each step as a task (plan, one task per id range, checkpoint, its e-mail), publishes a
markdown summary and a per-GHT table as artifacts and logs the counts. A document that cannot
be swept is in the result's `errors` and in the summary; a batch that fails as a whole (the
database refusing it) is reported the same way and the other batches still run.
Entry point for deployments: `flows/deadline_sweep.py:deadline_sweep`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from flows._workspace import flow_workspace
from services.audit.chain import Checkpoint, write_checkpoint
from services.audit.mail import CheckpointMail, mail_checkpoint
from services.clock import today
from services.deadlines.day import Progress, SweepSteps, sweep_day
from services.deadlines.sweep import (
    BATCH_SIZE,
    SWEEP_KINDS,
    NoticeKind,
    SweepReport,
    check_sweep_day,
    plan_batches,
    sweep_range,
)
from services.workspace import Workspace

# the summary's line for each of the sweep's kinds (models.outbox.SWEEP_KINDS)
KIND_LABELS = {
    NoticeKind.REMINDER: "Rappels avant échéance",
    NoticeKind.DUE_TODAY: "Échéances du jour",
    NoticeKind.OVERDUE: "Relances pour retard",
    NoticeKind.CONFORMITY_REMINDER: "Rappels de mise en conformité",
    NoticeKind.CONFORMITY_OVERDUE: "Délais de mise en conformité dépassés",
    NoticeKind.TACIT_APPROVAL: "Approbations tacites",
}


@task(name="plan-batches", cache_policy=NO_CACHE)
def plan(ws: Workspace, batch_size: int) -> list[tuple[int, int]]:
    return plan_batches(ws, batch_size)


@task(name="sweep-batch", cache_policy=NO_CACHE, task_run_name="documents {first_id}-{last_id}")
def sweep_batch(
    ws: Workspace, as_of: date, first_id: int, last_id: int, dry_run: bool
) -> SweepReport:
    return sweep_range(ws, as_of, first_id, last_id, dry_run)


def summary_markdown(report: SweepReport) -> str:
    mode = " (simulation : rien n'a été écrit)" if report.dry_run else ""
    lines = [
        f"# Balayage des échéances du {report.as_of.isoformat()}{mode}",
        "",
        f"{report.documents} documents examinés, {report.total} avis, "
        f"{report.already_sent} déjà envoyés auparavant.",
        "",
        "| avis | nombre |",
        "|---|---|",
        *(f"| {KIND_LABELS[k]} | {report.counts.get(k, 0)} |" for k in SWEEP_KINDS),
    ]
    if report.no_contact:
        lines += ["", f"{report.no_contact} avis sans destinataire (GHT sans contact)."]
    if report.errors:
        lines += [
            "",
            f"**{len(report.errors)} document(s) en erreur** (les autres ont été traités) :",
            "",
            "| document | GHT | motif |",
            "|---|---|---|",
            *(
                f"| {e['document_id'] or '—'} | {e['ght'] or '—'} | {_cell(e['reason'])} |"
                for e in report.errors
            ),
        ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    """Text inside a markdown table cell: one line, no column separator."""
    return " ".join(text.split()).replace("|", "\\|")


def per_ght_rows(report: SweepReport) -> list[dict[str, Any]]:
    return [
        {"ght": code, **{str(k): counts.get(k, 0) for k in SWEEP_KINDS}}
        for code, counts in sorted(report.per_ght.items())
    ]


@task(name="audit-checkpoint", cache_policy=NO_CACHE)
def audit_checkpoint(ws: Workspace) -> Checkpoint:
    """The day's checkpoint of the history (verified first), appended to the checkpoint file."""
    return write_checkpoint(ws)


@task(name="mail-checkpoint", cache_policy=NO_CACHE)
def mail_checkpoint_task(ws: Workspace, checkpoint: Checkpoint, as_of: date) -> CheckpointMail:
    """The checkpoint queued in the outbox for each region's direction (once a day)."""
    return mail_checkpoint(ws, checkpoint, as_of)


def mail_markdown(mail: dict[str, Any]) -> list[str]:
    """The lines of the checkpoint artifact about its e-mail to the regions' directions."""
    lines = [
        f"Envoi à la direction de chaque région : {mail['queued']} message(s) mis en file, "
        f"{mail['already']} déjà mis en file aujourd'hui."
    ]
    if mail["not_sent"]:
        lines += ["", "| région | non envoyé parce que |", "|---|---|"]
        lines += [f"| {n['region'] or '—'} | {_cell(n['reason'])} |" for n in mail["not_sent"]]
    return lines


def checkpoint_markdown(checkpoint: Checkpoint, mail: dict[str, Any] | None = None) -> str:
    return "\n".join(
        [
            "# Point de contrôle de l'historique",
            "",
            f"Tête de la chaîne : position {checkpoint.seq}, empreinte `{checkpoint.hash}` "
            f"({checkpoint.at}, clé {checkpoint.key_id}).",
            "",
            "À conserver hors de ce serveur, puis à comparer avec `ghtflow audit verify "
            "--against FICHIER` :",
            "",
            f"    {checkpoint.line()}",
            *(["", *mail_markdown(mail)] if mail is not None else []),
        ]
    )


@flow(name="deadline-sweep", log_prints=False)
def deadline_sweep(
    as_of: date | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    settings_overrides: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Sweep every document for `as_of` (default: today in Europe/Paris); `progress(done, total,
    step)` after each step (the CLI's progress bar; not recorded by Prefect)."""
    logger = get_run_logger()
    day = check_sweep_day(as_of or today())
    ws = flow_workspace(settings_overrides)
    steps = SweepSteps(plan, sweep_batch, audit_checkpoint, mail_checkpoint_task)
    try:
        swept = sweep_day(ws, day, dry_run, batch_size, steps, progress)
    finally:
        ws.close()
    report, checkpoint, mail = swept.report, swept.checkpoint, swept.mail
    create_markdown_artifact(summary_markdown(report), key="deadline-sweep-summary")
    if checkpoint is not None and mail is not None:
        create_markdown_artifact(checkpoint_markdown(checkpoint, mail), key="audit-checkpoint")
        logger.info("audit checkpoint: %s", checkpoint.line())
        logger.info(
            "checkpoint mail: %s queued, %s already queued today, %s not sent",
            mail["queued"],
            mail["already"],
            len(mail["not_sent"]),
        )
    rows = per_ght_rows(report)
    if rows:
        create_table_artifact(rows, key="deadline-sweep-per-ght")
    logger.info(
        "sweep %s%s: %s documents, %s notices %s, %s already sent, %s tacit approvals",
        day.isoformat(),
        " (dry run)" if dry_run else "",
        report.documents,
        report.total,
        dict(report.counts),
        report.already_sent,
        len(report.tacit_approvals),
    )
    for error in report.errors:
        logger.error(
            "document %s (%s) could not be swept: %s",
            error["document_id"],
            error["ght"],
            error["reason"],
        )
    return swept.result()
