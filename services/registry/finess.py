"""FINESS numbers: the one place that says whether a number is well formed.

A FINESS number has 9 characters: a 2-character department code (two digits, or `2A`/`2B`
for the two Corsican departments), 6 digits, and a check digit computed with the Luhn
formula over the 8 characters before it.

Corsica: the Luhn formula works on digits only. The sources we could search (ANS, the FINESS
site, public code) state no rule for `2A`/`2B`; the NIR's rule (2A → 19, 2B → 18) belongs to a
different, modulo-97 key. We apply the rule that follows from Corsica's numeric department code
before 1976, still the prefix of its postal codes: the key is computed with `2A` and `2B` read
as `20`. The substitution lives in `_CHECK_FORM` below, so a different official rule would be a
one-line change.
"""

from __future__ import annotations

import re

_SHAPE = re.compile(r"^(?:\d{2}|2A|2B)\d{7}$")
_CHECK_FORM = {"2A": "20", "2B": "20"}


def luhn_sum(digits: str) -> int:
    """The Luhn sum: from the right, every second digit doubled (minus 9 above 9)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total


def check_form(finess: str) -> str:
    """The digits the check digit is computed on (Corsican prefixes replaced)."""
    prefix = finess[:2]
    return _CHECK_FORM.get(prefix, prefix) + finess[2:]


def check_digit(first_eight: str) -> str:
    """The check digit that completes 8 characters into a valid FINESS number."""
    body = check_form(first_eight.upper())
    return str((10 - luhn_sum(body + "0") % 10) % 10)


def finess_problem(value: str) -> str | None:
    """Why `value` is not a FINESS number (one short English phrase), or None if it is one."""
    text = value.strip().upper()
    if not text:
        return "FINESS is empty"
    if len(text) != 9:
        return f"FINESS {text!r} has {len(text)} characters, not 9"
    if not _SHAPE.match(text):
        return (
            f"FINESS {text!r} must be a department code (2 digits, 2A or 2B) followed by 7 digits"
        )
    if luhn_sum(check_form(text)) % 10:
        return f"FINESS {text!r} has a wrong check digit (expected {check_digit(text[:8])})"
    return None


def normalize_finess(value: object) -> str:
    """The FINESS as text, upper-case; a spreadsheet number loses its leading zero, so an
    integer cell of 8 digits or fewer is padded back to 9 (`90991175` → `090991175`)."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):09d}"
    return str(value).strip().upper().replace(" ", "")


def is_finess(value: str) -> bool:
    return finess_problem(value) is None
