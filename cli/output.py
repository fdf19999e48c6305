"""Printing for every command: Rich tables for people, stable JSON and CSV for programs."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import date
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)  # one line per error


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="table, json or csv")


def print_json(data: Any) -> None:
    """Indented for a terminal; compact when piped (Python's fast encoder only does compact,
    which matters for 100,000 documents)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")


def print_csv(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    out = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*("" if v is None else str(v) for v in row))
    return out


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
