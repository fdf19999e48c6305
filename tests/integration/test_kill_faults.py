"""Real `ghtflow` processes killed with SIGKILL at random points, on SQLite and PostgreSQL.

- A sweep killed while it queues notices and approves documents tacitly, then run again to
  completion: no notice twice (the database's unique key), the keyed history verifies, every
  document approved once, and every queued message delivered exactly once.
- Three `outbox send` racing against a slow sink, each killed at a random point; their claims
  are made to run out (instead of waiting for the lease) and a last `outbox send` finishes.
  Reconciliation at the sink by (Message-ID, recipient): every queued message reached every
  recipient exactly once, except at most one repeat per killed sender, with the same bytes.

The random points come from `KILL_FAULTS_SEED` (a fixed default); a failure names the seed,
so that `KILL_FAULTS_SEED=N pytest …` replays it.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from models import Document, Event, Ght, OutboxMessage, Region, utcnow
from services.audit.chain import verify_chain
from services.deadlines.sweep import sweep_deadlines
from services.lifecycle.fire import fire
from services.mail.delivery import deliver_due
from services.mail.outbox import list_messages
from tests.integration.helpers import GHTFLOW_CLI, a_file, cli_env, director, reconcile

SEED = int(os.environ.get("KILL_FAULTS_SEED", "20171201"))
SUBMITTED_ON = date(2017, 10, 16)
SWEEP_DAY = date(2017, 12, 18)  # two months after SUBMITTED_ON: PMSPs are approved tacitly


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> random.Random:
    """The random points of one test, from the seed (every assertion names the seed)."""
    return random.Random(f"{SEED}/{request.node.name}")


def _start(
    ws: Any, home: Path, *args: str, env: dict[str, str] | None = None, **settings: str
) -> subprocess.Popen[str]:
    """`ghtflow ARGS` started on the test's database; `env`: extra variables (not settings)."""
    return subprocess.Popen(
        [*GHTFLOW_CLI, *args],
        env=cli_env(ws, home, **settings) | (env or {}),
        cwd=home,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_when(
    process: subprocess.Popen[str], reached: Callable[[], bool], jitter: float, limit: float = 30
) -> bool:
    """SIGKILL `process` `jitter` seconds after `reached()` holds; False if it ended first."""
    deadline = time.monotonic() + limit
    while not reached() and process.poll() is None:
        assert time.monotonic() < deadline, "the point to kill at was never reached"
        time.sleep(0.005)
    time.sleep(jitter)
    if process.poll() is not None:
        return False
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    return process.returncode == -signal.SIGKILL


def _finish(process: subprocess.Popen[str], what: str) -> str:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, (what, process.returncode, out, err, f"seed {SEED}")
    assert "Traceback" not in err
    return out


def _lease_runs_out(ws: Any) -> int:
    """The claims of the killed senders expire now (instead of in 10 minutes)."""
    with ws.db.writing() as conn:
        return int(
            conn.execute(
                update(OutboxMessage)
                .where(col(OutboxMessage.claimed_until).is_not(None))
                .values(claimed_until=utcnow() - timedelta(seconds=1))
            ).rowcount
        )


def _count(ws: Any, statement: Any) -> int:
    with ws.db.reading() as session:
        return int(session.exec(statement).one()[0])


# --- a sweep killed -----------------------------------------------------------------------------


def _submit_the_pmsp_drafts(ws: Any, tmp_path: Path) -> list[int]:
    """Every PMSP still in draft is submitted on SUBMITTED_ON: SWEEP_DAY approves them
    tacitly, one transaction each (an event in the history and an e-mail)."""
    with ws.db.reading() as session:
        drafts = list(
            session.exec(
                select(col(Document.id), col(Ght.code))
                .join(Ght, col(Ght.id) == col(Document.ght_id))
                .where(col(Document.doc_type) == "pmsp", col(Document.state) == "draft")
                .order_by(col(Document.id))
            )
        )
    for doc, code in drafts:
        fire(ws, doc, "submit", director(code), file=a_file(tmp_path), as_of=SUBMITTED_ON)
    return [int(doc) for doc, _ in drafts]


def _writes(ws: Any) -> Callable[[], int]:
    """What the sweep has committed so far: queued messages and tacit approvals."""
    messages = select(func.count()).select_from(OutboxMessage)
    approvals = select(func.count()).select_from(Event).where(col(Event.name) == "tacit_approve")
    return lambda: _count(ws, messages) + _count(ws, approvals)


@pytest.mark.flow
def test_a_sweep_killed_then_run_again_queues_each_notice_once(
    prefect_harness, mail_ws, smtp_sink, tmp_path, rng
):
    from prefect.settings import PREFECT_API_URL

    ws = mail_ws
    pmsps = _submit_the_pmsp_drafts(ws, tmp_path)
    planned = sweep_deadlines(ws, SWEEP_DAY, dry_run=True)
    assert sorted(planned.tacit_approvals) == pmsps and len(pmsps) >= 5
    assert planned.counts["tacit_approval"] == len(pmsps)  # its e-mail is one of the notices
    # the command's sweep also mails the day's audit checkpoint to each region's direction
    with ws.db.reading() as session:
        checkpoint_mails = int(
            session.exec(
                select(func.count()).select_from(Region).where(col(Region.direction_email) != "")
            ).one()[0]
        )
    mails = planned.total + checkpoint_mails
    expected_writes = mails + len(pmsps)  # and each approval is an event
    writes = _writes(ws)
    target = rng.randint(0, expected_writes - 1)
    api = {"PREFECT_API_URL": str(PREFECT_API_URL.value())}
    sweep = ["sweep", "--as-of", SWEEP_DAY.isoformat()]

    killed = _start(ws, tmp_path, *sweep, env=api)
    was_killed = _kill_when(killed, lambda: writes() >= target, rng.uniform(0, 0.05))
    at_kill = writes()
    context = f"seed {SEED}: killed={was_killed} after {at_kill}/{expected_writes} writes"

    _finish(_start(ws, tmp_path, *sweep, env=api), context)
    assert writes() == expected_writes, context
    notice = (  # the database's unique key of a notice
        col(OutboxMessage.document_id),
        col(OutboxMessage.kind),
        col(OutboxMessage.stage),
        col(OutboxMessage.due_date),
    )
    keys = select(*notice, func.count()).group_by(*notice)
    with ws.db.reading() as session:
        per_notice = list(session.exec(keys))
        approvals = list(
            session.exec(select(col(Event.document_id)).where(col(Event.name) == "tacit_approve"))
        )
        states = {session.get(Document, doc).state for doc in pmsps}
    assert len(per_notice) == mails, context
    assert all(row[-1] == 1 for row in per_notice), context
    assert sorted(doc for (doc,) in approvals) == pmsps and states == {"approved"}, context
    report = verify_chain(ws)
    assert report.intact, (context, report.problem)
    assert sweep_deadlines(ws, SWEEP_DAY).total == 0  # a third sweep finds everything queued

    assert deliver_due(ws).sent == mails, context
    assert reconcile(ws, smtp_sink.handler) == {"sent": mails}, context
    print(context)  # shown with -s: where the kill landed


# --- three senders killed -----------------------------------------------------------------------


def _received(received: list[Any], count: int) -> Callable[[], bool]:
    """The sink has kept `count` messages (whichever sender sent them)."""
    return lambda: len(received) >= count


def test_three_senders_killed_lose_nothing_and_repeat_at_most_one_each(
    mail_ws, smtp_sink, tmp_path, rng
):
    ws = mail_ws
    sweep_deadlines(ws, date(2017, 12, 1))
    sweep_deadlines(ws, date(2018, 1, 15))
    queued = len(list_messages(ws))
    assert queued > 3 * 20  # each sender has a claim's worth to send
    # every DATA is slow: half before the message is kept (a kill then leaves nothing at the
    # sink), half after (a kill then leaves it delivered but not recorded: the one repeat)
    smtp_sink.handler.data_script = ["slow:0.03", "slow-after:0.03"] * queued
    received = smtp_sink.handler.received
    senders = [_start(ws, tmp_path, "outbox", "send", smtp_port=str(smtp_sink.port)) for _ in "abc"]
    points = sorted(rng.randint(0, queued - 10) for _ in senders)
    killed = 0
    for sender, point in zip(senders, points, strict=True):
        killed += _kill_when(sender, _received(received, point), rng.uniform(0, 0.04))
    context = f"seed {SEED}: kill points {points}, {killed} killed"
    assert killed >= 1, context

    _lease_runs_out(ws)
    last = _start(ws, tmp_path, "outbox", "send", smtp_port=str(smtp_sink.port))
    _finish(last, context)
    assert reconcile(ws, smtp_sink.handler, max_repeated=killed) == {"sent": queued}, context
    repeats = len(smtp_sink.handler.received) - len({m["Message-ID"] for m in smtp_sink.messages})
    print(f"{context}; {repeats} repeated")  # shown with -s: where the kills landed
    assert all(m["claimed_until"] is None for m in list_messages(ws)), context
