"""Core statements compiled once per dialect and run as their SQL text, for the hot path.

`fire` runs four statements per event; through `Connection.execute`, SQLAlchemy looks each one
up in its compiled cache, builds its parameters and sets up a result for every call, which on
SQLite costs more than the statement itself (about 20 µs against 2-10 µs measured here). The
statements stay written once, in Core, on the tables; `Precompiled` compiles one for the
connection's dialect the first time it is used, keeps its text, its parameter order and its
type conversions (SQLite stores dates as text), and then:

- `execute` runs a write through `Connection.exec_driver_sql`: same transaction, same error
  translation (an `IntegrityError` is SQLAlchemy's), rowcount as usual;
- `first` runs a read on the DBAPI cursor of the same connection and converts the columns as
  SQLAlchemy would (dates, datetimes), without building a `Result` for one row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _ForDialect:
    sql: str
    names: tuple[str, ...] | None  # positional parameter order; None: named parameters
    binds: Mapping[str, Processor]  # name -> conversion of a bound value (None: as it is)
    fixed: Mapping[str, Any]  # values the statement carries itself (`version_id + 1`, `LIMIT 1`)
    results: tuple[Processor, ...]  # per selected column


def _compile(statement: Any, dialect: Dialect, column_keys: Sequence[str] | None) -> _ForDialect:
    compiled: SQLCompiler = statement.compile(
        dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None
    )
    binds = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for name, bind in compiled.binds.items()
    }
    fixed = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    columns = getattr(statement, "selected_columns", ())
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None) for column in columns
    )
    positions = getattr(compiled, "positiontup", None)
    return _ForDialect(
        compiled.string,
        tuple(positions) if positions is not None else None,
        binds,
        fixed,
        results,
    )


class Precompiled:
    """One Core statement, compiled per dialect on first use (see the module's docstring)."""

    def __init__(self, statement: Executable, column_keys: Sequence[str] | None = None) -> None:
        """`column_keys`: the columns an INSERT is given (the others take their defaults)."""
        self.statement = statement
        self.column_keys = column_keys
        self._compiled: dict[str, _ForDialect] = {}

    def _for(self, conn: Connection) -> _ForDialect:
        dialect = conn.dialect
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(
                self.statement, dialect, self.column_keys
            )
        return found

    @staticmethod
    def _parameters(compiled: _ForDialect, values: Mapping[str, Any]) -> Any:
        def value(name: str) -> Any:
            processor = compiled.binds.get(name)
            raw = values[name] if name in values else compiled.fixed[name]
            return raw if processor is None or raw is None else processor(raw)

        if compiled.names is not None:
            return tuple(value(name) for name in compiled.names)
        return {name: value(name) for name in compiled.binds}

    def execute(self, conn: Connection, values: Mapping[str, Any]) -> int:
        """Run a write in the connection's transaction; the number of rows it touched."""
        compiled = self._for(conn)
        result = conn.exec_driver_sql(compiled.sql, self._parameters(compiled, values))
        return result.rowcount

    def first(self, conn: Connection, values: Mapping[str, Any]) -> Sequence[Any] | None:
        """The first row of a read, its columns converted as SQLAlchemy would, or None."""
        compiled = self._for(conn)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, self._parameters(compiled, values))
            row = cursor.fetchone()
        finally:
            cursor.close()
        if row is None:
            return None
        return tuple(
            value if processor is None or value is None else processor(value)
            for processor, value in zip(compiled.results, row, strict=True)
        )
