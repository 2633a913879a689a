"""Connections to a CDM database (DuckDB or PostgreSQL), and its tables' names in any case."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import attrs

from dmt_timeline.errors import InvalidValueError, quoted

OMOP_EXTRA: Final = 'pip install "dmt-timeline[omop]"'


def _duckdb() -> Any:
    try:
        import duckdb  # noqa: PLC0415 - an optional extra, imported on use
    except ImportError:
        raise ImportError(f"reading a CDM in DuckDB needs duckdb: {OMOP_EXTRA}") from None
    return duckdb


def _psycopg() -> Any:
    try:
        import psycopg  # noqa: PLC0415 - an optional extra, imported on use
    except ImportError:
        raise ImportError(f"reading a CDM in PostgreSQL needs psycopg: {OMOP_EXTRA}") from None
    return psycopg


def _ident(name: str) -> str:
    """A quoted SQL identifier (the same syntax in DuckDB and PostgreSQL)."""
    return '"' + name.replace('"', '""') + '"'


@attrs.define
class Database:
    """One open CDM database: how to run a query on it, and whether to close it after."""

    connection: Any
    dialect: str  # "duckdb" or "postgresql"
    owned: bool

    @property
    def param(self) -> str:
        return "?" if self.dialect == "duckdb" else "%s"

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query, as tuples."""
        if self.dialect == "duckdb":
            return list(self.connection.execute(sql, list(params)).fetchall())
        with self.connection.cursor() as cursor:
            cursor.execute(sql, list(params))
            return list(cursor.fetchall())

    def arrow(self, sql: str, params: Sequence[Any], names: Sequence[str], types: Sequence[Any]) -> Any:
        """A query's rows as a pyarrow Table with the given column names and types."""
        import pyarrow as pa  # noqa: PLC0415 - the omop extra brings it

        schema = pa.schema(list(zip(names, types, strict=True)))
        if self.dialect == "duckdb":
            relation = self.connection.sql(sql, params=list(params))
            # duckdb 1.4 renamed arrow() (a Table before) to to_arrow_table().
            fetch = getattr(relation, "to_arrow_table", None) or relation.arrow
            table = fetch()
            return table.rename_columns(list(names)).cast(schema)
        rows = self.rows(sql, params)
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        return pa.table([pa.array(list(c), t) for c, t in zip(columns, types, strict=True)], schema=schema)

    def close(self) -> None:
        if self.owned:
            self.connection.close()


def open_database(source: Any) -> Database:
    """A :class:`Database` from a DuckDB file path (or ``"duckdb:<path>"``), a
    ``postgresql://`` URL, or an open DuckDB or psycopg connection (left open).

    Raises:
        InvalidValueError: a source that is none of these, or a file that does not exist.
    """
    if isinstance(source, str | os.PathLike):
        text = os.fspath(source)
        if text.startswith(("postgresql://", "postgres://")):
            psycopg = _psycopg()
            connection = failure = None
            try:
                connection = psycopg.connect(text)
            except psycopg.Error as exc:
                # The driver's message may quote the URL (and a password in it): name the kind only.
                failure = type(exc).__name__
            if connection is None:
                raise InvalidValueError(f"OMOP CDM: cannot connect to the PostgreSQL server ({failure})")
            return Database(connection, "postgresql", owned=True)
        path = Path(text.removeprefix("duckdb:"))
        if not path.is_file():
            raise InvalidValueError(f"OMOP CDM: no DuckDB file at {quoted(str(path))}")
        return Database(_duckdb().connect(str(path), read_only=True), "duckdb", owned=True)
    module = type(source).__module__.split(".")[0]
    if module in {"duckdb", "_duckdb"}:
        return Database(source, "duckdb", owned=False)
    if module == "psycopg":
        return Database(source, "postgresql", owned=False)
    raise InvalidValueError(
        "OMOP CDM: expected a DuckDB file path, 'duckdb:<path>', a postgresql:// URL, or an open "
        f"DuckDB or psycopg connection, not a {type(source).__name__}"
    )


@attrs.frozen
class Names:
    """The real (quoted) names of a schema's tables and columns, found case-insensitively."""

    schema: str
    tables: dict[str, tuple[str, dict[str, str]]]

    def table(self, name: str) -> str:
        """``"schema"."TABLE"`` of a CDM table.

        Raises:
            InvalidValueError: naming the table and schema when it is missing.
        """
        found = self.tables.get(name)
        if found is None:
            raise InvalidValueError(f"OMOP CDM: table {name} not found in schema {quoted(self.schema)}")
        return f"{_ident(self.schema)}.{_ident(found[0])}"

    def has(self, name: str) -> bool:
        return name in self.tables

    def column(self, table: str, name: str) -> str:
        """The quoted real name of one column.

        Raises:
            InvalidValueError: naming the table and column when it is missing.
        """
        found = self.tables.get(table)
        if found is None or name not in found[1]:
            raise InvalidValueError(
                f"OMOP CDM: column {table}.{name} not found in schema {quoted(self.schema)}"
            )
        return _ident(found[1][name])

    def has_column(self, table: str, name: str) -> bool:
        return table in self.tables and name in self.tables[table][1]


def names_of(db: Database, schema: str | None) -> Names:
    """The tables and columns of ``schema`` (the connection's current schema by default).

    Raises:
        InvalidValueError: when the schema holds no table.
    """
    if schema is None:
        schema = str(db.rows("SELECT current_schema()")[0][0])
    p = db.param
    rows = db.rows(
        "SELECT table_schema, table_name, column_name FROM information_schema.columns "
        f"WHERE lower(table_schema) = lower({p}) AND table_catalog = current_database()",
        [schema],
    )
    if not rows:
        raise InvalidValueError(f"OMOP CDM: schema {quoted(schema)} holds no table")
    real_schema = str(rows[0][0])
    tables: dict[str, tuple[str, dict[str, str]]] = {}
    for _, table, column in rows:
        entry = tables.setdefault(str(table).lower(), (str(table), {}))
        entry[1][str(column).lower()] = str(column)
    return Names(real_schema, tables)
