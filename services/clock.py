"""Business dates: days in Europe/Paris, so that "today" is the agency's today.

Also the bounds every date a person types must respect before it reaches the database or date
arithmetic: no event and no sweep after today (a sweep dated in the future would approve
documents tacitly before their time), and no day so far away that adding a few months to it
leaves the calendar (`date.max` is 9999-12-31).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.errors import InvalidInput

PARIS = ZoneInfo("Europe/Paris")
# Plausible business days: wide enough for any replay or deadline, far enough from the limits
# of `date` that adding months or days to a stored date can never overflow.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)


def today() -> date:
    return datetime.now(PARIS).date()


def check_plausible(day: date, what: str) -> date:
    """`day` itself, or `InvalidInput` when it lies outside [EARLIEST_DAY, LATEST_DAY]."""
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise InvalidInput(
            f"{what} {day.isoformat()} is out of range "
            f"({EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()})"
        )
    return day


def check_not_after_today(day: date, what: str) -> date:
    """`day` itself, or `InvalidInput` when it is after today (Europe/Paris) or implausible:
    nothing that happens is dated in the future."""
    now = today()
    if day > now:
        raise InvalidInput(
            f"{what} {day.isoformat()} is after today ({now.isoformat()}); "
            "nothing can be dated in the future"
        )
    return check_plausible(day, what)
