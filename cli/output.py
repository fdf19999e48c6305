r"""Printing for every command: Rich tables for people, stable JSON and CSV for programs.

What is printed is data, often written by someone else (a GHT's note sent through the API, a
name from the national list, an error message quoting a value): it is printed as plain text.
Rich markup (`[link=…]`) and emoji codes (`:100:`) are never interpreted, and control
characters (ESC sequences, OSC 8 hyperlinks, BEL, backspace, CR, bidirectional overrides) are
shown escaped (`\x1b`) instead of reaching the terminal. `plain` is that rule; the consoles
below apply it to every string they render, and the JSON and CSV printers to what they write.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from services.adapters.cells import safe_cell
from services.limits import ID_MAX

# C0 controls but newline, DEL, C1 controls (0x9b is a CSI on some terminals), and the
# invisible marks that reorder or hide text (bidirectional embeddings, overrides, isolates).
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_CONTROL_OR_NEWLINE = re.compile(_CONTROL.pattern[:-1] + "\n]")
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # json escapes C0


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    return repr(char)[1:-1] if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def escape_controls(text: str, *, newlines: bool = False) -> str:
    r"""`text` with its control characters written as escapes (`\x1b`, `\r`, `\u202e`); newlines
    are kept (a table cell wraps on them) unless `newlines` asks for one line."""
    return (_CONTROL_OR_NEWLINE if newlines else _CONTROL).sub(_escaped, text)


def plain(value: Any, *, one_line: bool = False) -> Text:
    """Data as a Rich `Text`: printed as is, no markup, no emoji, control characters escaped
    (with `one_line`, newlines too: an error is one line)."""
    return Text("" if value is None else escape_controls(str(value), newlines=one_line))


class PlainConsole(Console):
    """A console on which every string is `plain`: callers cannot turn markup or emoji back on
    for data by forgetting `markup=False`; styling is done with `Text` objects."""

    def render_str(self, text: str, **options: Any) -> Text:
        options |= {"markup": False, "emoji": False, "highlight": False}
        return super().render_str(escape_controls(text), **options)


console = PlainConsole(highlight=False, markup=False, emoji=False)
# one line per error
err_console = PlainConsole(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)


def print_error(message: str, *, prefix: str = "error: ") -> None:
    """One line on stderr: `error: MESSAGE`, the message's newlines and controls escaped."""
    err_console.print(plain(prefix + message, one_line=True))


class Format(StrEnum):
    """For a command whose output is one table: CSV is that table's rows."""

    table = "table"
    json = "json"
    csv = "csv"


class Shape(StrEnum):
    """For a command whose output is not one table (a document, a report): no CSV, which
    `--format csv` is then refused as a usage error rather than answered with JSON."""

    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="table, json or csv")
SHAPE_OPTION = typer.Option(Shape.table, "--format", "-f", help="table or json")
WIDE_OPTION = typer.Option(
    False, "--wide", help="every column of the table (it may then be wider than the terminal)"
)


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """`1 document`, `2 documents` (`nouns` for an irregular plural: `1 person`, `3 people`)."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def print_json(data: Any) -> None:
    """Indented for a terminal; compact when piped (Python's fast encoder only does compact,
    which matters for 100,000 documents)."""
    indent = 2 if sys.stdout.isatty() else None
    text = json.dumps(data, ensure_ascii=False, indent=indent)  # C0 controls come out escaped
    sys.stdout.write(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def print_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV that a spreadsheet opens without running anything (`services.adapters.cells.safe_cell`)
    and a terminal shows without obeying it (control characters escaped, newlines kept)."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([_csv_cell(c) for c in columns])
    writer.writerows([_csv_cell(v) for v in row] for row in rows)


def _csv_cell(value: Any) -> Any:
    return safe_cell(escape_controls(value) if isinstance(value, str) else value)


class FreeText(str):
    """The header of a column of free text (a name, a subject, a note): wrapped at words to fit
    the terminal, a word too long for the column folded onto the next line, never cut. A `str`,
    so that a list of headers mixes both kinds."""

    min_width: int | None
    max_width: int | None

    def __new__(
        cls, header: str, min_width: int | None = None, max_width: int | None = None
    ) -> FreeText:
        column = super().__new__(cls, header)
        column.min_width, column.max_width = min_width, max_width
        return column


def text(header: str, min_width: int | None = None, max_width: int | None = None) -> FreeText:
    """A free-text column; `min_width` keeps it readable when identifiers take the room."""
    return FreeText(header, min_width, max_width)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    """A table whose title, headers and cells are all `plain` text.

    A column named by a plain string holds what a user may have to retype (a FINESS, an
    e-mail address, an id, a date, a code, a state key): it stays on one line and the free-text
    columns (`text(...)`) give way first; `print_table` widens the output rather than cut one.
    Cells read the same everywhere: a boolean is yes/no, a list is comma-separated, None empty.
    """
    out = Table(
        title=None if title is None else plain(title), title_justify="left", header_style="bold"
    )
    for column in columns:
        if isinstance(column, FreeText):
            out.add_column(
                plain(str(column)),
                overflow="fold",
                min_width=column.min_width,
                max_width=column.max_width,
            )
        else:
            out.add_column(plain(column), no_wrap=True, overflow="fold")
    for row in rows:
        out.add_row(*(plain(cell_text(v)) for v in row))
    return out


def cell_text(value: Any) -> Any:
    """How a value reads in a table cell: yes/no, `a, b`, a date as YYYY-MM-DD."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def print_table(out: Table) -> None:
    """Print a table at the terminal's width, or wider when its identifier columns alone do
    not fit: a FINESS or an address is then whole on a long line, never cut or ellided."""
    needed = Measurement.get(console, console.options.update_width(10_000), out).minimum
    if needed <= console.width:
        console.print(out)
    else:
        PlainConsole(width=needed, highlight=False, markup=False, emoji=False).print(out)


def print_left_out(left_out: int, noun: str, how: str, *, stderr: bool = False) -> None:
    """The line under a shortened listing: how many rows are not shown, and why (on stderr
    under JSON or CSV, which stay parseable)."""
    if left_out:
        line = f"{plural(left_out, noun)} left out ({how})."
        (err_console if stderr else console).print(line, markup=False)


def row_id(noun: str) -> Callable[[str], int]:
    """A parser for an ID argument: not a number is a usage error (exit 2); a number no row can
    have gets the same answer as an absent row, `NOUN N does not exist` (exit 1), without
    asking the database."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise typer.BadParameter(f"{value!r} is not a valid integer") from None
        if not -ID_MAX <= number <= ID_MAX:
            from services.errors import NotFound

            raise NotFound(f"{noun} {number} does not exist")
        return number

    return parse


def parse_day(value: str | None) -> date | None:
    """`YYYY-MM-DD` within the plausible business days, or a usage error (exit 2); the
    services check the rest (e.g. not after today for an event or a sweep)."""
    from services.clock import check_plausible
    from services.errors import InvalidInput

    if value is None:
        return None
    try:
        return check_plausible(date.fromisoformat(value), "date")
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None
    except InvalidInput as exc:
        raise typer.BadParameter(str(exc)) from None
