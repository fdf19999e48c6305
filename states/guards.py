"""Guards named in workflow definitions: each says in plain words why an event is refused.

A guard reads only the `FireContext` (what the actor supplied and the business date) and the
type's timers; it returns `None` when satisfied or the reason for refusing.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from states.definition import Side, Timers


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


Guard = Callable[[FireContext, Timers], str | None]


def add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


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
    return None


GUARDS: dict[str, Guard] = {
    "file_attached": file_attached,
    "conformity_motives": conformity_motives,
    "respond_by_min_delay": respond_by_min_delay,
}
