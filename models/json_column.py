"""A JSON column that reads back a value edited into unreadable text instead of failing.

SQLite keeps JSON as text, so a row edited by hand (`motives = 'not json'`) makes every query
that selects the column raise while the driver decodes it: one such row would stop a page, the
calendar or the whole sweep. Such a value reads back as `UnreadableJSON`, the stored text, and
the readers show it as it is (see `services/adapters/stored.py`). PostgreSQL refuses text that is
not JSON in a `json` column, but a value of the wrong shape (`42` for a list) can be stored on
both: the readers check shapes too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UnreadableJSON(str):
    """The raw text of a JSON column that does not parse."""


class TolerantJSON(TypeDecorator[Any]):
    """`JSON`, whose reading turns a decoding error into `UnreadableJSON(raw text)`."""

    impl = JSON
    cache_ok = True

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        decode = super().result_processor(dialect, coltype)
        if decode is None:
            return None

        def read(value: Any) -> Any:
            try:
                return decode(value)
            except ValueError:  # json.JSONDecodeError, UnicodeDecodeError
                return UnreadableJSON(value if isinstance(value, str) else repr(value))

        return read
