"""Where a fold writes: rows addressed by table and key. The same fold runs against memory (the plain fold the
tests compare with, and as-of answers) and against SQL (the live and rebuilt read models)."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Connection, and_, delete, select

from projections.bulk import insert_rows, update_rows
from projections.schema import TABLES, key_columns

Row = dict[str, Any]
Key = tuple[Any, ...]


class Rows(Protocol):
    def get(self, table: str, key: Key) -> Row | None: ...

    def put(self, table: str, row: Row) -> None: ...

    def insert(self, table: str, row: Row) -> None:
        """Put a row the fold knows to be new (no look-up needed)."""

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

    insert = put

    def delete(self, table: str, key: Key) -> None:
        self.tables[table].pop(key, None)

    def dump(self, tables: list[str]) -> dict[str, list[Row]]:
        return {t: sorted(self.tables[t].values(), key=lambda r: repr(key_of(t, r))) for t in tables}


_MISSING = object()


class SqlRows:
    """Rows in SQL, written back at the end of each batch (executemany). A batch reads each row at most once;
    rows it wrote are kept (up to KEEP rows) for the next batch, so hot rows are not read again. The projector
    drops what is kept whenever another writer may have changed the tables (see `forget`)."""

    KEEP = 20_000
    COLD = frozenset({"integrity_events", "audit_entries"})  # append-only: written once, rarely read again

    def __init__(self, connection: Connection | None = None) -> None:
        self.connection = connection
        self._batch: dict[str, dict[Key, Row | None]] = {}
        self._in_db: dict[str, dict[Key, bool]] = {}  # whether the row existed in SQL when the batch began
        self._dirty: dict[str, set[Key]] = {}
        self._kept: dict[str, dict[Key, Row | None]] = {}
        self._kept_count = 0

    def bind(self, connection: Connection) -> SqlRows:
        self.connection = connection
        return self

    def forget(self) -> None:
        """Drop everything cached: after a rollback, or when another projector may have written."""
        self._batch.clear()
        self._in_db.clear()
        self._dirty.clear()
        self._kept.clear()
        self._kept_count = 0

    def _load(self, table: str, key: Key) -> Row | None:
        batch = self._batch.setdefault(table, {})
        cached = batch.get(key, _MISSING)
        if cached is not _MISSING:
            return cached  # type: ignore[return-value]
        kept = self._kept.get(table, {}).get(key, _MISSING)
        if kept is not _MISSING:
            row = None if kept is None else dict(kept)  # type: ignore[call-overload]
        else:
            assert self.connection is not None
            t = TABLES[table]
            condition = and_(*[t.c[c] == v for c, v in zip(key_columns(table), key, strict=True)])
            found = self.connection.execute(select(t).where(condition)).mappings().first()
            row = None if found is None else dict(found)
        batch[key] = row
        self._in_db.setdefault(table, {})[key] = row is not None
        return row

    def get(self, table: str, key: Key) -> Row | None:
        row = self._load(table, key)
        return None if row is None else dict(row)

    def put(self, table: str, row: Row) -> None:
        key = key_of(table, row)
        self._load(table, key)
        self._batch[table][key] = dict(row)
        self._dirty.setdefault(table, set()).add(key)

    def insert(self, table: str, row: Row) -> None:
        key = key_of(table, row)
        batch = self._batch.setdefault(table, {})
        if key not in batch:
            self._in_db.setdefault(table, {})[key] = False
        batch[key] = dict(row)
        self._dirty.setdefault(table, set()).add(key)

    def delete(self, table: str, key: Key) -> None:
        self._load(table, key)
        self._batch[table][key] = None
        self._dirty.setdefault(table, set()).add(key)

    def flush(self) -> None:
        """Write every changed row: deletes, updates of rows that existed, inserts of new ones."""
        assert self.connection is not None
        for table, keys in self._dirty.items():
            t = TABLES[table]
            cols = key_columns(table)
            existed = self._in_db.get(table, {})
            inserts, updates, deletes = [], [], []
            for key in keys:
                row = self._batch[table][key]
                if row is None:
                    if existed.get(key):
                        deletes.append(key)
                elif existed.get(key):
                    updates.append(row)
                else:
                    inserts.append(row)
            for key in deletes:
                self.connection.execute(delete(t).where(and_(*[t.c[c] == v for c, v in zip(cols, key, strict=True)])))
            update_rows(self.connection, t, updates)
            insert_rows(self.connection, t, inserts)
        self._keep()
        self._batch.clear()
        self._in_db.clear()
        self._dirty.clear()

    def _keep(self) -> None:
        for table, rows in self._batch.items():
            if table in self.COLD:
                continue
            kept = self._kept.setdefault(table, {})
            for key, row in rows.items():
                if key not in kept:
                    self._kept_count += 1
                kept[key] = row
        if self._kept_count > self.KEEP:
            self._kept.clear()
            self._kept_count = 0


def dump_sql(connection: Connection, tables: list[str]) -> dict[str, list[Row]]:
    """Every row of the given tables, in key order, as plain dicts (to compare with MemoryRows.dump)."""
    result: dict[str, list[Row]] = {}
    for name in tables:
        t = TABLES[name]
        rows = [dict(r) for r in connection.execute(select(t)).mappings()]
        result[name] = sorted(rows, key=lambda r: repr(key_of(name, r)))
    return result
