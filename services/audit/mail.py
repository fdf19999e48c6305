"""The daily e-mail of the audit checkpoint to each region's direction: the copy the agency keeps.

The checkpoint file sits on the server, beside the database: whoever can rewrite both could
rewrite the history unseen. A copy of each day's head sent to the region's direction leaves
the server, and `ghtflow audit verify --against FILE` compares the history with it later.

The message goes through the outbox like every notice (same transaction, Message-ID fixed when
queued, per-recipient delivery and retries). Its key is (region, `audit_checkpoint`, `daily`,
the sweep's day), unique in the database: a second sweep of the same day, or two sweeps racing,
queue nothing more. A region without a direction address (a national-list import creates them
so) or with an address that breaks the rule gets no message; that is reported, never fatal.
`GHTFLOW_MAIL_CC`, when set, replaces the direction's address here as for every copy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from i18n import french_date
from models import NoticeKind, Region, utcnow
from models.db import table_of
from notifications.addresses import InvalidAddress, parse_address
from notifications.render import render_notice
from services.audit.chain import Checkpoint
from services.clock import PARIS
from services.errors import InvalidInput
from services.mail.addresses import copy_override, sender_of
from services.mail.outbox import OUTBOX, insert_messages, pending_row
from services.workspace import Workspace
from settings import Settings

STAGE = "daily"
_REGION = table_of(Region)


@dataclass
class CheckpointMail:
    """What became of the day's checkpoint mail, region by region (by code)."""

    queued: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # queued by an earlier sweep of the day
    not_sent: dict[str, str] = field(default_factory=dict)  # region -> why

    def as_dict(self) -> dict[str, Any]:
        return {
            "queued": len(self.queued),
            "already": len(self.already),
            "not_sent": [{"region": r, "reason": why} for r, why in sorted(self.not_sent.items())],
        }


def checkpoint_time(checkpoint: Checkpoint) -> str:
    """« 1er décembre 2017 à 06:00:12 »: the checkpoint's instant, Europe/Paris."""
    at = datetime.fromisoformat(checkpoint.at).astimezone(PARIS)
    return f"{french_date(at.date())} à {at:%H:%M:%S}"


def _recipients(direction: str, override: list[str], code: str) -> list[str]:
    """The direction's address (or GHTFLOW_MAIL_CC's); `InvalidAddress` says why none."""
    if override:
        return override
    if not direction:
        raise InvalidAddress(
            f"region {code} has no direction e-mail (set it with 'ghtflow regions set-direction')"
        )
    return [parse_address(direction, f"direction_email of region {code}")]


def queue_checkpoint_mail(
    conn: Connection, settings: Settings, checkpoint: Checkpoint, as_of: date
) -> CheckpointMail:
    """Queue, on `conn` (the caller's transaction), the checkpoint mail of `as_of` to each
    region's direction; the regions that had it already and those that cannot get it."""
    result = CheckpointMail()
    regions = conn.execute(
        select(
            _REGION.c.id,
            _REGION.c.code,
            _REGION.c.name,
            _REGION.c.agency_name,
            _REGION.c.direction_email,
        ).order_by(_REGION.c.code)
    ).all()
    try:
        sender = sender_of(settings)
        override = copy_override(settings)
    except InvalidInput as exc:  # the settings refuse every message alike
        result.not_sent = {code: str(exc) for _, code, *_ in regions}
        return result
    sent_before = set(
        conn.execute(
            select(OUTBOX.c.region_id).where(
                OUTBOX.c.kind == NoticeKind.AUDIT_CHECKPOINT.value,
                OUTBOX.c.stage == STAGE,
                OUTBOX.c.due_date == as_of,
            )
        ).scalars()
    )
    context = {
        "day": as_of,
        "seq": checkpoint.seq,
        "hash": checkpoint.hash,
        "key_id": checkpoint.key_id,
        "at": checkpoint_time(checkpoint),
        "line": checkpoint.line(),
    }
    for region_id, code, name, agency, direction in regions:
        if region_id in sent_before:
            result.already.append(code)
            continue
        try:
            to = _recipients(direction, override, code)
        except InvalidAddress as exc:
            result.not_sent[code] = str(exc)
            continue
        rendered = render_notice(
            NoticeKind.AUDIT_CHECKPOINT,
            {**context, "region_name": name, "agency_name": agency},
        )
        now = utcnow()
        row = pending_row(
            kind=NoticeKind.AUDIT_CHECKPOINT.value,
            stage=STAGE,
            due_date=as_of,
            as_of=as_of,
            sender=sender,
            to=to,
            cc=[],
            rendered=rendered,
            now=now,
            region_id=region_id,
        )
        (result.queued if insert_messages(conn, [row]) else result.already).append(code)
    return result


def mail_checkpoint(ws: Workspace, checkpoint: Checkpoint, as_of: date) -> CheckpointMail:
    """`queue_checkpoint_mail` in a transaction of its own (the sweep's last step)."""
    with ws.db.writing() as conn:
        return queue_checkpoint_mail(conn, ws.settings, checkpoint, as_of)
