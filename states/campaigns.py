"""What makes a campaign well formed, on plain values: its code and name, its due dates, its
reminder offsets, and what a closed campaign refuses.

Each check returns the reason in one line, or None when the value may be used, so that the
services, the scenario loader (which adds the file's line) and the web forms refuse alike.
A due date is a deadline, not an event: it may lie in the future, but within a span that
makes sense for a campaign (no year 2999 typed for 2019, no year 1917 for 2017).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

CODE_MAX = 40  # Campaign.code is 40 wide
NAME_MAX = 200  # Campaign.name is 200 wide
FIRST_DUE_DAY = date(2000, 1, 1)  # GHTs date from 2016; earlier dates are typing mistakes
DUE_YEARS_AHEAD = 10  # a due date at most this many years after today
OFFSETS_MAX = 10  # reminders before one due date
OFFSET_MAX_DAYS = 366  # a reminder at most a year (and a day) before the date

_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def campaign_code(text: str) -> str:
    """A code as typed (`occ-2018 `) written as stored (`OCC-2018`)."""
    return text.strip().upper()


def code_problem(code: str) -> str | None:
    """Why `code` (already `campaign_code`) cannot name a campaign; None if it can."""
    if not code:
        return "a campaign needs a code, e.g. OCC-2018"
    if len(code) > CODE_MAX:
        return f"campaign code is too long: {len(code)} characters, at most {CODE_MAX}"
    if not _CODE.fullmatch(code):
        return (
            f"campaign code {code!r} may hold only letters, digits, '.', '_' and '-', "
            "and starts with a letter or a digit"
        )
    return None


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a campaign's name (empty, too long, a line break); None if it can."""
    if not name.strip():
        return "a campaign needs a name, e.g. 'Campagne GHT 2018'"
    if len(name) > NAME_MAX:
        return f"campaign name is too long: {len(name)} characters, at most {NAME_MAX}"
    if _CONTROL.search(name):
        return "campaign name: line break or control character"
    return None


def latest_due_day(today: date) -> date:
    """The latest due date a campaign may set on `today` (DUE_YEARS_AHEAD years on)."""
    try:
        return today.replace(year=today.year + DUE_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + DUE_YEARS_AHEAD, day=28)


def due_problem(doc_type: str, day: date, today: date, known_types: Iterable[str]) -> str | None:
    """Why `doc_type` cannot be due on `day` in a campaign; None if it can."""
    known = list(known_types)
    if doc_type not in known:
        return f"unknown document type {doc_type!r}; known: {', '.join(known)}"
    latest = latest_due_day(today)
    if not FIRST_DUE_DAY <= day <= latest:
        return (
            f"due date {day.isoformat()} of {doc_type} is not between "
            f"{FIRST_DUE_DAY.isoformat()} and {latest.isoformat()}"
        )
    return None


def offsets_problem(offsets: Sequence[int]) -> str | None:
    """Why these reminder offsets (days before a due date) cannot be used; None if they can."""
    if not offsets:
        return "give at least one reminder offset, e.g. 30,15,7,1"
    if len(offsets) > OFFSETS_MAX:
        return f"too many reminder offsets: {len(offsets)}, at most {OFFSETS_MAX}"
    for offset in offsets:
        if not 1 <= offset <= OFFSET_MAX_DAYS:
            return f"reminder offset {offset} is not between 1 and {OFFSET_MAX_DAYS} days"
    if len(set(offsets)) != len(offsets):
        return "a reminder offset is given twice"
    return None


def parse_offsets(text: str) -> tuple[int, ...]:
    """`30,15,7,1` as offsets, largest first; `ValueError` with the reason otherwise."""
    parts = [p.strip() for p in text.split(",")]
    if not all(p.isdigit() for p in parts):
        raise ValueError(f"reminders {text!r} must be days separated by commas, e.g. 30,15,7,1")
    offsets = tuple(int(p) for p in parts)
    problem = offsets_problem(offsets)
    if problem:
        raise ValueError(problem)
    return tuple(sorted(offsets, reverse=True))


def closed_refusal(code: str, closed_on: date | None, what: str) -> str | None:
    """Why a closed campaign refuses `what` (launch, move a date, close); None if it is open."""
    if closed_on is None:
        return None
    return f"campaign {code} was closed on {closed_on.isoformat()}: it cannot {what}"
