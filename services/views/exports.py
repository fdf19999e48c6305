"""The regional summary ("bilan") as files the agency opens in a spreadsheet: CSV and XLSX.

Both are built from `services.views.reports.bilan`, so a download says exactly what
`ghtflow report bilan` says. Headers and labels are in French (agency staff read them).

- CSV: one row per document as it stood on the date (the finest table; every count can be
  pivoted from it), `;`-separated with a UTF-8 byte order mark, which is what a French Excel
  opens correctly by double-click.
- XLSX: one sheet per table of the bilan: « Synthèse » (documents per type and state, totals),
  « Par GHT » (each GHT's documents by type, the state's label in each cell) and « Documents »
  (the CSV's rows).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]  # (ships no type hints)
from openpyxl.styles import Alignment, Font  # type: ignore[import-untyped]
from openpyxl.utils import get_column_letter  # type: ignore[import-untyped]
from openpyxl.worksheet.worksheet import Worksheet  # type: ignore[import-untyped]

from i18n import french_date_short
from services.adapters.cells import safe_cell, safe_row
from services.views.reports import Bilan, bilan
from services.workspace import Workspace

DOCUMENT_HEADERS = (
    "Date du bilan",
    "Code GHT",
    "GHT",
    "N° du document",
    "Type",
    "Type de document",
    "État",
    "Libellé de l'état",
)
_BOM = "\ufeff"


def bilan_csv(ws: Workspace, as_of: date, region_id: int | None = None) -> str:
    """The bilan's documents as `;`-separated text (with a BOM), one row per document (of
    `region_id` only, when given)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row(DOCUMENT_HEADERS))
    writer.writerows(safe_row(row) for row in _document_rows(ws, bilan(ws, as_of, region_id)))
    return _BOM + out.getvalue()


def bilan_xlsx(ws: Workspace, as_of: date, region_id: int | None = None) -> bytes:
    """The bilan as a workbook: « Synthèse », « Par GHT » and « Documents » sheets (of
    `region_id` only, when given)."""
    result = bilan(ws, as_of, region_id)
    day = french_date_short(result.as_of)
    book = Workbook()
    summary = book.active
    assert summary is not None
    summary.title = "Synthèse"
    _summary_sheet(ws, summary, result, day)
    _by_ght_sheet(ws, book.create_sheet("Par GHT"), result, day)
    documents = book.create_sheet("Documents")
    _write_table(documents, DOCUMENT_HEADERS, list(_document_rows(ws, result)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _document_rows(ws: Workspace, result: Bilan) -> Iterator[list[Any]]:
    day = result.as_of.isoformat()
    labels = {t: ws.workflows.definition(t).label for t in ws.workflows.types}
    for line in result.ghts:
        for d in line.documents:
            yield [
                day,
                line.code,
                line.name,
                d["id"],
                d["type"],
                labels[d["type"]],
                d["state"],
                d["state_label"],
            ]


def _summary_sheet(ws: Workspace, sheet: Worksheet, result: Bilan, day: str) -> None:
    """Per type: its label, each state with its label and count, and a total line."""
    _cell(sheet, 1, 1, f"Bilan régional au {day}").font = Font(bold=True, size=13)
    rows: list[list[Any]] = []
    for doc_type, states in result.counts.items():
        definition = ws.workflows.definition(doc_type)
        for state, count in states.items():
            rows.append([definition.label, doc_type, definition.label_of(state), state, count])
        rows.append([definition.label, doc_type, "Total", "", sum(states.values())])
    _write_table(
        sheet, ("Type de document", "Type", "État", "Code de l'état", "Nombre"), rows, first_row=3
    )
    for row in sheet.iter_rows(min_row=4):
        if row[2].value == "Total":
            for cell in row:
                cell.font = Font(bold=True)


def _by_ght_sheet(ws: Workspace, sheet: Worksheet, result: Bilan, day: str) -> None:
    """One line per GHT, one column per document type present, the state's label in each cell
    (several documents of one type: their labels joined by « ; »)."""
    types = [t for t, states in result.counts.items() if sum(states.values())]
    headers = ["Code GHT", "GHT", *(ws.workflows.definition(t).label for t in types)]
    rows = []
    for line in result.ghts:
        cells: dict[str, list[str]] = {t: [] for t in types}
        for d in line.documents:
            cells[d["type"]].append(d["state_label"])
        rows.append([line.code, line.name, *("; ".join(cells[t]) or "—" for t in types)])
    _cell(sheet, 1, 1, f"Documents par GHT au {day}").font = Font(bold=True, size=13)
    _write_table(sheet, headers, rows, first_row=3)


def _write_table(
    sheet: Worksheet, headers: Sequence[str], rows: list[list[Any]], first_row: int = 1
) -> None:
    """Bold frozen header, rows, a filter, and columns wide enough for their text."""
    for column, header in enumerate(headers, start=1):
        cell = _cell(sheet, first_row, column, header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for offset, row in enumerate(rows, start=1):
        for column, value in enumerate(row, start=1):
            _cell(sheet, first_row + offset, column, value)
    sheet.freeze_panes = sheet.cell(row=first_row + 1, column=1)
    last = get_column_letter(len(headers))
    sheet.auto_filter.ref = f"A{first_row}:{last}{first_row + max(len(rows), 1)}"
    for column, header in enumerate(headers, start=1):
        values = [len(str(r[column - 1])) for r in rows if r[column - 1] is not None]
        width = max([len(header), *values]) + 2
        sheet.column_dimensions[get_column_letter(column)].width = min(width, 60)


def _cell(sheet: Worksheet, row: int, column: int, value: Any) -> Any:
    """Every cell of the workbook is written here: text is neutralised by `safe_cell` and
    stored as a string cell, never as a formula (openpyxl takes any text starting with `=`
    for one); numbers stay numbers."""
    cell = sheet.cell(row=row, column=column, value=safe_cell(value))
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
