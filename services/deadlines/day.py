"""A day's whole sweep, as `ghtflow sweep` and the `deadline-sweep` flow both run it.

Batch after batch (`plan_batches`, `sweep_range`): a batch that fails as a whole (the database
refusing it) is one of the sweep's errors and the next batches still run. Then, unless it is a
dry run, the history's checkpoint (`write_checkpoint`) and its e-mail to each region's direction
(`mail_checkpoint`); a failure of that e-mail is one more error, the checkpoint stays written.

The steps are parameters (`SweepSteps`) so that the flow runs each one as a Prefect task and
the command line calls the services themselves in its own process, with no Prefect start-up:
one loop, so both give the same counts, errors and result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.audit.chain import Checkpoint, write_checkpoint
from services.audit.mail import CheckpointMail, mail_checkpoint
from services.clock import today
from services.deadlines.sweep import (
    BATCH_SIZE,
    SweepReport,
    check_sweep_day,
    plan_batches,
    sweep_range,
)
from services.workspace import Workspace

# (steps done, steps in all, the step now begun), for a progress bar
Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class SweepSteps:
    """How each step runs: by default the services in this process."""

    plan: Callable[[Workspace, int], list[tuple[int, int]]] = plan_batches
    batch: Callable[[Workspace, date, int, int, bool], SweepReport] = sweep_range
    checkpoint: Callable[[Workspace], Checkpoint] = write_checkpoint
    mail: Callable[[Workspace, Checkpoint, date], CheckpointMail] = mail_checkpoint


@dataclass(frozen=True)
class DaySweep:
    """The sweep's report, and the checkpoint with its e-mail's counts (None in a dry run)."""

    report: SweepReport
    checkpoint: Checkpoint | None
    mail: dict[str, Any] | None

    def result(self) -> dict[str, Any]:
        """The stable JSON shape of `ghtflow sweep --format json` and of the flow's result."""
        entry = None
        if self.checkpoint is not None and self.mail is not None:
            entry = {
                "seq": self.checkpoint.seq,
                "hash": self.checkpoint.hash,
                "at": self.checkpoint.at,
                "line": self.checkpoint.line(),
                "mail": self.mail,
            }
        return {**self.report.as_dict(), "checkpoint": entry}


def sweep_day(
    ws: Workspace,
    as_of: date | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    steps: SweepSteps | None = None,
    progress: Progress | None = None,
) -> DaySweep:
    """Sweep every document for `as_of` (default today), then write the day's checkpoint."""
    steps = steps or SweepSteps()
    day = check_sweep_day(as_of or today())
    report = SweepReport(as_of=day, dry_run=dry_run)
    batches = steps.plan(ws, batch_size)
    total = len(batches) + (0 if dry_run else 1)
    for done, (first_id, last_id) in enumerate(batches):
        if progress is not None:
            progress(done, total, f"documents {first_id}-{last_id}")
        try:
            report.merge(steps.batch(ws, day, first_id, last_id, dry_run))
        except Exception as exc:  # the whole batch failed: say so, sweep the next ones
            report.fail(None, None, f"documents {first_id}-{last_id}: {_first_line(exc)}")
    if dry_run:
        return DaySweep(report, None, None)
    if progress is not None:
        progress(len(batches), total, "audit checkpoint")
    checkpoint = steps.checkpoint(ws)
    try:
        mail = steps.mail(ws, checkpoint, day).as_dict()
    except Exception as exc:  # the database refusing it: the checkpoint itself is written
        reason = _first_line(exc)
        report.fail(None, None, f"checkpoint mail: {reason}")
        mail = {"queued": 0, "already": 0, "not_sent": [{"region": None, "reason": reason}]}
    if progress is not None:
        progress(total, total, "done")
    return DaySweep(report, checkpoint, mail)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
