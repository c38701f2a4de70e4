"""Many rows written with one driver `executemany` per table and statement, without SQLAlchemy's per-row
parameter handling (most of what writing a rebuild's rows cost): each value passes its column type's own bind
processor, so what is stored is what `insert(table)` or `update(table)` would store, and the rows reach the
driver as tuples."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.sql.schema import ColumnDefault

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Column, Connection, Table

Prepared = tuple[str, list[tuple[str, Any, Any]]]  # the statement; each parameter's column, processor, default

_PREPARED: dict[tuple[str, str | None, str, str], Prepared] = {}


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (each a dict of column -> value; a missing column takes its default)."""
    if rows:
        _execute(connection, _prepared(connection, table, "insert"), rows)


def update_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Update rows by their key: every other column takes the row's value."""
    if rows:
        _execute(connection, _prepared(connection, table, "update"), rows)


def _execute(connection: Connection, prepared: Prepared, rows: Sequence[dict[str, Any]]) -> None:
    sql, parameters = prepared
    params = [
        tuple(
            (process(value) if process is not None and value is not None else value)
            for name, process, default in parameters
            for value in (row.get(name, default),)
        )
        for row in rows
    ]
    connection.exec_driver_sql(sql, params)


def _prepared(connection: Connection, table: Table, kind: str) -> Prepared:
    dialect = connection.dialect
    schema = (connection.get_execution_options().get("schema_translate_map") or {}).get(None)
    key = (dialect.name, schema, table.name, kind)
    found = _PREPARED.get(key)
    if found is not None:
        return found
    quote = dialect.identifier_preparer.quote
    name = f"{quote(schema)}.{quote(table.name)}" if schema else quote(table.name)
    marker = "?" if dialect.paramstyle == "qmark" else "%s"

    def parameter(column: Column[Any]) -> tuple[str, Any, Any]:
        default = column.default.arg if isinstance(column.default, ColumnDefault) else None
        return column.name, column.type.bind_processor(dialect), default

    if kind == "insert":
        columns = list(table.columns)
        names = ", ".join(quote(c.name) for c in columns)
        sql = f"INSERT INTO {name} ({names}) VALUES ({', '.join([marker] * len(columns))})"
    else:
        keys = [c for c in table.columns if c.primary_key]
        columns = [c for c in table.columns if not c.primary_key]
        assignments = ", ".join(f"{quote(c.name)} = {marker}" for c in columns)
        where = " AND ".join(f"{quote(c.name)} = {marker}" for c in keys)
        sql = f"UPDATE {name} SET {assignments} WHERE {where}"
        columns += keys
    found = _PREPARED[key] = (sql, [parameter(c) for c in columns])
    return found
