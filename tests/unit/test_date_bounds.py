"""Date arithmetic on stored dates never raises near the ends of the calendar, and the
respond-by guard has an upper bound as well as a lower one."""

from __future__ import annotations

from datetime import date

from states.definition import Side, Timers
from states.guards import FireContext, add_days, add_months, respond_by_min_delay


def test_add_months_and_add_days_saturate_instead_of_raising():
    assert add_months(date(9999, 12, 31), 2) == date.max
    assert add_months(date(9999, 11, 30), 1) == date(9999, 12, 30)
    assert add_months(date(1, 1, 31), -1) == date.min
    assert add_months(date(2017, 1, 31), 1) == date(2017, 2, 28)
    assert add_days(date.max, 1) == date.max and add_days(date.min, -7) == date.min
    assert add_days(date(2017, 12, 31), 1) == date(2018, 1, 1)


def test_respond_by_is_at_most_twelve_months_after_the_request():
    def reason(respond_by: date) -> str | None:
        context = FireContext(Side.AGENCY, date(2017, 10, 30), respond_by=respond_by)
        return respond_by_min_delay(context, Timers())

    assert reason(date(2018, 10, 30)) is None
    assert reason(date(2018, 10, 31)) == (
        "respond-by date 2018-10-31 is more than 12 months after 2017-10-30; "
        "latest allowed: 2018-10-30"
    )
    assert reason(date(9999, 12, 31)) is not None
