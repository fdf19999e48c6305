"""Reading the ministry's national GHT list (XLSX, or CSV with `;` or `,` in UTF-8 or
Windows-1252) into rows keyed by the list's column names, each with its line number.

Headers are matched whatever their case, accents and spacing (`Dénomination  GHT` is
`DENOMINATION GHT`); the header row is the first of the first ten that names every column, so a
title line above the table is skipped. Extra columns are ignored.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.adapters.input_files import check_input, is_standard_input, read_input
from services.errors import InvalidInput

REGION = "REGION"
GHT_NAME = "DENOMINATION GHT"
GHT_CODE = "CODE GHT"
FINESS = "FINESS"
CATEGORY = "CATEGORIE"
NAME = "DENOMINATION ETABLISSEMENT"
COMMUNE = "COMMUNE"
POSTAL_CODE = "CODE POSTAL"
COLUMNS = (REGION, GHT_NAME, GHT_CODE, FINESS, CATEGORY, NAME, COMMUNE, POSTAL_CODE)
# a spreadsheet reads these as numbers and drops their leading zero (FINESS 090991175 of
# Ariège becomes 90991175, postal code 09000 becomes 9000), in the XLSX it saves and in the
# CSV it exports: one rule for both formats gives the zero back to digits one short of their
# width (a department code is 01 to 95: only one zero can have gone), and nothing else
WIDTHS = {FINESS: 9, POSTAL_CODE: 5}
_DIGITS = re.compile(r"[0-9]+")
_HEADER_SEARCH = 10
MAX_ROWS = 100_000  # the national list has about 1,500 rows
MAX_COLUMNS = 200  # cells beyond are not read (a sheet may claim 16,384 columns)


@dataclass(frozen=True)
class RawRow:
    line: int  # 1-based line of the CSV file or row of the sheet
    values: dict[str, Any]  # column name (as in COLUMNS) -> cell value (str, int, None…)


def header_key(text: object) -> str:
    """`Dénomination  ght ` → `DENOMINATION GHT`."""
    decomposed = unicodedata.normalize("NFKD", str(text or ""))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    cleaned = "".join(c if c.isalnum() else " " for c in plain)
    return " ".join(cleaned.split())


def read_list(path: Path, sheet: str | None = None) -> list[RawRow]:
    """Every non-empty row under the header, with its line number in the file.

    A regular file of at most 20 MiB and `MAX_ROWS` rows; anything else is one `InvalidInput`
    naming the file (and the line when there is one)."""
    check_input(path)
    raw: bytes | None = None
    if is_standard_input(path):  # no name to tell: an XLSX file is a ZIP archive
        raw = read_input(path)
        suffix = ".xlsx" if raw.startswith(b"PK\x03\x04") else ".csv"
    else:
        suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        lines = _xlsx_lines(path, sheet, raw)
    elif suffix in {".csv", ".txt"}:
        if sheet is not None:
            raise InvalidInput(f"{path}: --sheet applies to XLSX files only")
        lines = _csv_lines(path, read_input(path) if raw is None else raw)
    else:
        raise InvalidInput(f"{path}: expected an .xlsx or .csv file")
    return _rows(path, lines)


def _rows(path: Path, lines: list[tuple[int, list[Any]]]) -> list[RawRow]:
    for index, (_line, cells) in enumerate(lines[:_HEADER_SEARCH]):
        keys = [header_key(c) for c in cells]
        if all(column in keys for column in COLUMNS):
            positions = {column: keys.index(column) for column in COLUMNS}
            rows = []
            for line, row in lines[index + 1 :]:
                if all(c is None or str(c).strip() == "" for c in row):
                    continue
                values = {
                    column: row[pos] if pos < len(row) else None
                    for column, pos in positions.items()
                }
                for column, width in WIDTHS.items():
                    values[column] = restore_zero(values[column], width)
                rows.append(RawRow(line, values))
            return rows
    first = lines[0][1] if lines else []
    found = [header_key(c) for c in first if header_key(c)]
    missing = [c for c in COLUMNS if c not in found]
    raise InvalidInput(
        f"{path}: no header row with the columns {', '.join(COLUMNS)}; "
        f"missing {', '.join(missing)} (first row has: {', '.join(found) or 'nothing'})"
    )


def _delimiter(text: str) -> str:
    """`;` or `,`: the one that splits a line among the first ten into every column (a title
    line above the header says nothing: 'Liste des GHT; mise à jour du 1er juillet'); when no
    line does, the one the first line holds most of (the header error then says what it read)."""
    head = text.splitlines()[:_HEADER_SEARCH]
    for line in head:
        for delimiter in (";", ","):
            keys = {header_key(c) for c in next(csv.reader([line], delimiter=delimiter), [])}
            if keys.issuperset(COLUMNS):
                return delimiter
    first = next((line for line in head if line.strip()), "")
    return ";" if first.count(";") >= first.count(",") else ","


def restore_zero(value: Any, width: int) -> Any:
    """A cell of digits (a number, or text) one short of `width` with its leading zero back,
    as text; any other cell as it is (the import then says what is wrong with it)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        digits = value.strip()
        return "0" + digits if len(digits) == width - 1 else digits
    return value


def _csv_lines(path: Path, raw: bytes) -> list[tuple[int, list[Any]]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    lines: list[tuple[int, list[Any]]] = []
    read_so_far = 0
    try:
        for cells in reader:
            # a record starts on the line after the previous one ended (quoted cells may span)
            lines.append((read_so_far + 1, list(cells[:MAX_COLUMNS])))
            read_so_far = reader.line_num
            _check_count(path, len(lines))
    except csv.Error as exc:  # e.g. a cell over the csv module's field limit (128 KiB)
        raise InvalidInput(f"{path}: line {read_so_far + 1}: not readable as CSV ({exc})") from None
    return lines


def _check_count(path: Path, rows: int) -> None:
    if rows > MAX_ROWS:
        raise InvalidInput(f"{path}: more than {MAX_ROWS} rows; is this the national list?")


def _xlsx_lines(path: Path, sheet: str | None, raw: bytes | None) -> list[tuple[int, list[Any]]]:
    # imported only when an XLSX is read (it costs ~0.2 s); openpyxl ships no type hints
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        source = path if raw is None else io.BytesIO(raw)
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InvalidInput(f"{path}: not a readable XLSX file ({first})") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise InvalidInput(
                f"{path}: no sheet {sheet!r}; sheets: {', '.join(workbook.sheetnames)}"
            )
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        lines: list[tuple[int, list[Any]]] = []
        try:
            rows = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
            for number, cells in enumerate(rows, start=1):
                lines.append((number, list(cells)))
                _check_count(path, number)
        except InvalidInput:
            raise
        except Exception as exc:  # a damaged sheet fails while it is read, not when opened
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise InvalidInput(
                f"{path}: row {len(lines) + 1}: not a readable XLSX sheet ({first})"
            ) from None
        return lines
    finally:
        workbook.close()
