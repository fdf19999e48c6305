"""Guards named in workflow definitions: each says in plain words why an event is refused.

A guard reads only the `FireContext` (what the actor supplied and the business date) and the
type's timers; it returns `None` when satisfied or the reason for refusing.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from states.definition import ALL_CRITERIA_MET, CRITERION_ASSESSED, Side, Timers

# A conformity request gives the GHT at least the type's minimum delay to answer, and at most
# this: a respond-by date years away is a typing mistake (or an attempt to park a document).
CONFORMITY_RESPONSE_MAX_MONTHS = 12


@dataclass(frozen=True)
class FireContext:
    """What comes with an event: who acts, on which business day, and the event's data."""

    actor_side: Side
    as_of: date
    motives: tuple[str, ...] = ()
    known_motives: frozenset[str] = field(default_factory=frozenset)
    note: str | None = None
    respond_by: date | None = None
    has_file: bool = False
    criterion: str | None = None  # the criterion of the grid an `assess` event judges
    met: bool | None = None  # its verdict
    known_criteria: tuple[str, ...] = ()  # the type's assessment grid
    criteria_met: frozenset[str] = field(default_factory=frozenset)  # latest verdicts: met
    criteria_not_met: frozenset[str] = field(default_factory=frozenset)  # latest: not met


Guard = Callable[[FireContext, Timers], str | None]


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb).

    Saturates at `date.max` / `date.min` instead of raising: a stored date near the end of the
    calendar (a bad row from before dates were bounded) must not break a sweep or a page."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days(day: date, days: int) -> date:
    """`day + timedelta(days=days)`, saturating at `date.max` / `date.min` (see `add_months`)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def file_attached(context: FireContext, timers: Timers) -> str | None:
    return None if context.has_file else "a file is required"


def conformity_motives(context: FireContext, timers: Timers) -> str | None:
    if not context.motives:
        known = ", ".join(sorted(context.known_motives)) or "none defined"
        return f"at least one motive is required; known motives: {known}"
    unknown = [m for m in context.motives if m not in context.known_motives]
    if unknown:
        known = ", ".join(sorted(context.known_motives)) or "none defined"
        return f"unknown motive {', '.join(unknown)}; known motives: {known}"
    return None


def respond_by_min_delay(context: FireContext, timers: Timers) -> str | None:
    months = timers.conformity_response_min_months
    earliest = add_months(context.as_of, months)
    if context.respond_by is None:
        return f"a respond-by date is required, on or after {earliest.isoformat()}"
    if context.respond_by < earliest:
        return (
            f"respond-by date {context.respond_by.isoformat()} is less than {months} month(s) "
            f"after {context.as_of.isoformat()}; earliest allowed: {earliest.isoformat()}"
        )
    latest = add_months(context.as_of, CONFORMITY_RESPONSE_MAX_MONTHS)
    if context.respond_by > latest:
        return (
            f"respond-by date {context.respond_by.isoformat()} is more than "
            f"{CONFORMITY_RESPONSE_MAX_MONTHS} months after {context.as_of.isoformat()}; "
            f"latest allowed: {latest.isoformat()}"
        )
    return None


def note_given(context: FireContext, timers: Timers) -> str | None:
    """A decision that must say why (a refusal is motivated): the note carries the reasons."""
    return (
        None if context.note and context.note.strip() else "a note giving the reasons is required"
    )


def criterion_assessed(context: FireContext, timers: Timers) -> str | None:
    """One verdict on one criterion of the type's grid."""
    known = ", ".join(context.known_criteria) or "none defined"
    if context.criterion is None:
        return f"a criterion is required; criteria: {known}"
    if context.criterion not in context.known_criteria:
        return f"unknown criterion {context.criterion!r}; criteria: {known}"
    if context.met is None:
        return f"say whether criterion {context.criterion!r} is met or not"
    return None


def all_criteria_met(context: FireContext, timers: Timers) -> str | None:
    """Every criterion of the grid assessed, and met (its latest verdict)."""
    not_met = [c for c in context.known_criteria if c in context.criteria_not_met]
    pending = [
        c
        for c in context.known_criteria
        if c not in context.criteria_met and c not in context.criteria_not_met
    ]
    reasons = []
    if not_met:
        reasons.append(f"not met: {', '.join(not_met)}")
    if pending:
        reasons.append(f"not assessed: {', '.join(pending)}")
    return f"every criterion must be met ({'; '.join(reasons)})" if reasons else None


GUARDS: dict[str, Guard] = {
    "file_attached": file_attached,
    "conformity_motives": conformity_motives,
    "respond_by_min_delay": respond_by_min_delay,
    "note_given": note_given,
    CRITERION_ASSESSED: criterion_assessed,
    ALL_CRITERIA_MET: all_criteria_met,
}
