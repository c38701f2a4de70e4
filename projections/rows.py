"""Where a fold writes: rows addressed by table and key. The same fold runs against memory (the plain fold the
tests compare with, and as-of answers) and against SQL (the live and rebuilt read models)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from projections.schema import TABLES, key_columns

Row = dict[str, Any]
Key = tuple[Any, ...]


class Rows(Protocol):
    def get(self, table: str, key: Key) -> Row | None: ...

    def put(self, table: str, row: Row) -> None: ...

    def delete(self, table: str, key: Key) -> None: ...


def key_of(table: str, row: Row) -> Key:
    return tuple(row[c] for c in key_columns(table))


def blank(table: str, **values: Any) -> Row:
    """A new row with every column present: counters at zero, everything else empty."""
    row: Row = {}
    for column in TABLES[table].columns:
        default = getattr(column.default, "arg", None)
        row[column.name] = default
    row.update(values)
    return row


class MemoryRows:
    """Rows in dictionaries: the plain fold."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Key, Row]] = {name: {} for name in TABLES}

    def get(self, table: str, key: Key) -> Row | None:
        row = self.tables[table].get(key)
        return None if row is None else dict(row)

    def put(self, table: str, row: Row) -> None:
        self.tables[table][key_of(table, row)] = dict(row)

    def delete(self, table: str, key: Key) -> None:
        self.tables[table].pop(key, None)

    def dump(self, tables: list[str]) -> dict[str, list[Row]]:
        return {t: sorted(self.tables[t].values(), key=lambda r: repr(key_of(t, r))) for t in tables}


_MISSING = object()


class SqlRows:
    """Rows in SQL, written back at the end of a batch. Reads go to the batch's cache first, so a batch of
    events touching the same rows costs one read and one write per row, and memory is bounded by the batch."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._cache: dict[str, dict[Key, Row | None]] = {}
        self._existed: dict[str, set[Key]] = {}
        self._dirty: dict[str, set[Key]] = {}

    def _load(self, table: str, key: Key) -> Row | None:
        cached = self._cache.setdefault(table, {}).get(key, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        t = TABLES[table]
        condition = and_(*[t.c[c] == v for c, v in zip(key_columns(table), key, strict=True)])
        found = self.connection.execute(select(t).where(condition)).mappings().first()
        row = None if found is None else dict(found)
        self._cache[table][key] = row
        if row is not None:
            self._existed.setdefault(table, set()).add(key)
        return row

    def get(self, table: str, key: Key) -> Row | None:
        row = self._load(table, key)
        return None if row is None else dict(row)

    def put(self, table: str, row: Row) -> None:
        key = key_of(table, row)
        self._load(table, key)
        self._cache[table][key] = dict(row)
        self._dirty.setdefault(table, set()).add(key)

    def delete(self, table: str, key: Key) -> None:
        self._load(table, key)
        self._cache[table][key] = None
        self._dirty.setdefault(table, set()).add(key)

    def flush(self) -> None:
        """Write every changed row: deletes, updates of rows that existed, inserts of new ones (executemany)."""
        for table, keys in self._dirty.items():
            t = TABLES[table]
            cols = key_columns(table)
            existed = self._existed.get(table, set())
            inserts, updates, deletes = [], [], []
            for key in keys:
                row = self._cache[table][key]
                if row is None:
                    if key in existed:
                        deletes.append(key)
                elif key in existed:
                    updates.append(row)
                else:
                    inserts.append(row)
            for key in deletes:
                self.connection.execute(delete(t).where(and_(*[t.c[c] == v for c, v in zip(cols, key, strict=True)])))
            if updates:
                statement = (
                    update(t)
                    .where(and_(*[t.c[c] == bindparam(f"k_{c}") for c in cols]))
                    .values({c.name: bindparam(f"v_{c.name}") for c in t.columns if c.name not in cols})
                )
                params = [
                    {**{f"k_{c}": r[c] for c in cols}, **{f"v_{n}": v for n, v in r.items() if n not in cols}}
                    for r in updates
                ]
                self.connection.execute(statement, params)
            if inserts:
                self.connection.execute(insert(t), inserts)
        self._cache.clear()
        self._existed.clear()
        self._dirty.clear()


def dump_sql(connection: Connection, tables: list[str]) -> dict[str, list[Row]]:
    """Every row of the given tables, in key order, as plain dicts (to compare with MemoryRows.dump)."""
    result: dict[str, list[Row]] = {}
    for name in tables:
        t = TABLES[name]
        rows = [dict(r) for r in connection.execute(select(t)).mappings()]
        result[name] = sorted(rows, key=lambda r: repr(key_of(name, r)))
    return result
