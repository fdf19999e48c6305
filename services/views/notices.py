"""What a queued message is, in words a person reads: its kind and stage are keys (`overdue`,
`J+1/r4`) that make each notice unique in the outbox; `outbox list` and the sweep's dry run
print them as `overdue, day 8` or `conformity reminder, 7 days before`."""

from __future__ import annotations

import re

KINDS = {
    "reminder": "reminder",
    "due_today": "due today",
    "overdue": "overdue",
    "conformity_request": "conformity request",
    "conformity_reminder": "conformity reminder",
    "conformity_overdue": "conformity overdue",
    "tacit_approval": "tacit approval",
    "audit_checkpoint": "audit checkpoint",
    "campaign_launch": "campaign launch",
    "procedure_notice": "event notice",
}
# J-30, J0, J+8, each with /r<request> for a conformity request's notices; other stages
# (`request-5`, `event-7`, `c2/g17`, `daily`) only keep a notice unique and say nothing more
_DAYS = re.compile(r"J(?P<sign>[-+]?)(?P<days>\d+)(?:/r\d+)?")


def stage_text(stage: str) -> str | None:
    """`J-30` → `30 days before`, `J+8` → `day 8`, `J0` → `on the day`; None for a stage
    that is only a key."""
    if days := _DAYS.fullmatch(stage):
        n = int(days["days"])
        if days["sign"] == "-":
            return f"{n} day{'s' if n != 1 else ''} before"
        return f"day {n}" if days["sign"] == "+" else "on the day"
    return None


def notice_text(kind: str, stage: str) -> str:
    """The kind and its stage in one phrase: `overdue, day 8`, `reminder, 30 days before`."""
    label = KINDS.get(kind, kind.replace("_", " "))
    when = stage_text(stage)
    return label if when is None or kind == "due_today" else f"{label}, {when}"
