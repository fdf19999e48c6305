"""Dates and amounts in French, as an agency writes them in a letter.

babel knows the month names and the number format; the ordinal « 1er » for the first day of a
month is a French typographic rule babel does not apply, so it is added here, once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

LOCALE = "fr_FR"


def french_date(day: date) -> str:
    """« 1er décembre 2017 », « 2 janvier 2018 »."""
    text = format_date(day, "d MMMM y", locale=LOCALE)
    if day.day == 1:
        return "1er" + text[1:]
    return text


def french_date_short(day: date) -> str:
    """« 01/12/2017 », for tables where the long form is too wide."""
    return format_date(day, "dd/MM/y", locale=LOCALE)


def french_amount(amount: Decimal | int | float, currency: str | None = "EUR") -> str:
    """« 1 234 567,89 € » (narrow no-break spaces as babel writes them); no currency: a number."""
    if currency is None:
        return format_decimal(amount, locale=LOCALE)
    return format_currency(amount, currency, locale=LOCALE)
