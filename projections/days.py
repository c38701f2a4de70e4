"""The read models by effective day: every row of the status, audit and evaluation tables kept as the versions it
had as of each effective day, so that an answer "as of an effective date" is the same queries over the versions
valid that day, read from indexed tables, with no replay.

What a version holds. As of day D a read model is the fold, in log order, of every event in effect by D (see
`in_effect_from`). Each table `T` has a table `T_by_day` with T's columns and `day_from`/`day_to` days: the
row as of every day D with day_from <= D < day_to (no day_to: every later day).

How an event is applied. An event E is always the newest in log order, so for every day D on or after it takes
effect, the read model as of D becomes "as of D, then E". The fold's handler runs as of the event's day; the rows it
read stay the same until the first later day one of them changes, so its writes hold until then; from that day it
runs again on the rows as of that day, and so on. An event in effect from the latest day runs once; a back-dated
correction runs once per later day on which the rows it reads changed, and rewrites their versions from its day on.
The live tables are the same fold over every event: as of a day after all of them, the versions are the live rows
(tests compare both)."""

from __future__ import annotations

import bisect
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Column,
    Connection,
    Date,
    Index,
    Integer,
    Table,
    and_,
    bindparam,
    delete,
    select,
    text,
    tuple_,
)
from sqlalchemy.sql.schema import ColumnDefault

from ledger.events import CompanyRegistered
from projections.bulk import insert_rows
from projections.rows import Key, Row, Rows, key_of
from projections.schema import TABLES, key_columns, metadata

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from sqlalchemy import Engine

    from projections.facts import Fact
    from projections.folding import ReadModel

ALWAYS = date.min
"""The day from which a fact in effect whatever its date counts (a company's registration)."""

SUFFIX = "_by_day"
SUPERSEDED = "_superseded"
"""`T_by_day_superseded`: the versions of `T_by_day` that a later event replaced, each with the positions between
which it was the current one: the recorded axis (see `as_of_versions`)."""


def in_effect_from(fact: Fact) -> date:
    """The first day a fact counts as of: its effective date; a company's registration describes the company
    whatever its date (docs/figures.md, "Two time axes")."""
    return ALWAYS if fact.kind is CompanyRegistered else fact.effective_date


def day_table(name: str) -> Table:
    """T's table of versions by day (made once, beside T in the read models' metadata)."""
    found = TABLES.get(name + SUFFIX)
    if found is not None:
        return found
    live = TABLES[name]
    keys = key_columns(name)
    columns: list[Column[Any]] = [
        Column(c.name, c.type, primary_key=c.name in keys, nullable=c.nullable, autoincrement=False)
        for c in live.columns
    ]
    for column in columns:
        default = live.c[column.name].default
        if isinstance(default, ColumnDefault):
            column.default = ColumnDefault(default.arg)
    columns += [
        Column("day_from", Date, primary_key=True),
        Column("day_to", Date),
        Column("pos_from", Integer, nullable=False),  # the event that made this version the current one
    ]
    table = Table(name + SUFFIX, metadata, *columns)
    for i, index in enumerate(live.indexes):
        Index(f"ix_{table.name}_{i}", *[table.c[c.name] for c in index.columns])
    TABLES[table.name] = table
    _superseded_table(table)
    return table


def _superseded_table(versions: Table) -> Table:
    """The superseded versions of a by-day table: its columns, and `pos_to`, the event that replaced each."""
    columns: list[Column[Any]] = [
        Column(c.name, c.type, primary_key=c.primary_key or c.name == "pos_from", nullable=c.nullable,
               autoincrement=False)
        for c in versions.columns
    ]  # fmt: skip
    columns.append(Column("pos_to", Integer, nullable=False))
    table = Table(versions.name + SUPERSEDED, metadata, *columns)
    Index(f"ix_{table.name}_pos_to", table.c.pos_to)
    TABLES[table.name] = table
    return table


def day_tables(model: ReadModel) -> tuple[str, ...]:
    """The by-day tables of a read model kept by day, and their superseded versions (none for the others)."""
    if not model.by_day:
        return ()
    return tuple(name for t in model.tables for name in (day_table(t).name, day_table(t).name + SUPERSEDED))


Steps = list[tuple[date, "Row | None"]]
"""A row through the days: from each day on, the row (None: no row), until the next step."""

_MISSING = object()


class DayVersions:
    """The by-day tables of one transaction: versions read once per batch (and kept between batches, as
    `SqlRows` keeps rows), changed in memory, written back by `flush` as the difference to what was read.

    Both time axes. Each version carries the position of the event that made it current (`pos_from`); a
    version an event replaces is kept, with that event's position as its `pos_to`, in the superseded table. So
    the versions of every day as they stood after any event remain: as of position P and day D, a row is the
    version valid on D with pos_from <= P, current or superseded after P."""

    KEEP = 20_000

    def __init__(self) -> None:
        self.connection: Connection | None = None
        self._steps: dict[tuple[str, Key], Steps] = {}
        self._since: dict[tuple[str, Key], dict[date, int]] = {}  # pos_from of each current version, by day_from
        self._stored: dict[tuple[str, Key], dict[date, dict[str, Any]]] = {}  # the versions as the tables hold them
        self._dirty: set[tuple[str, Key]] = set()
        self._superseded: dict[str, list[dict[str, Any]]] = {}  # by table: versions replaced, not yet written
        # the versions, before it, of the rows the event being applied changes
        self._before: dict[tuple[str, Key], dict[date, tuple[Row, date | None]]] = {}
        self.empty = False  # the tables were just emptied (a rebuild): a row not in memory has no versions

    def bind(self, connection: Connection) -> DayVersions:
        self.connection = connection
        return self

    def forget(self) -> None:
        """Drop everything cached (after a rollback, or when another projector may have written)."""
        self._steps.clear()
        self._since.clear()
        self._stored.clear()
        self._dirty.clear()
        self._superseded.clear()
        self._before.clear()
        self.empty = False  # what is not in memory must be looked up again

    # --- applying an event -----------------------------------------------------------------------------------

    def apply(self, model: ReadModel, fact: Fact, live: Recorded | None = None) -> None:
        """Fold one fact into the model's versions of every day it is in effect (see the module's docstring).
        `live`: what the fold read and wrote folding the fact into the live rows. The versions from the last
        day on are the live rows, so when none of the rows it read changes after the fact's day, its writes
        there are the writes from that day on, and the handler need not run again."""
        first = in_effect_from(fact)
        if live is not None and all(self._next_change(address, first) is None for address in live.read):
            for address, row in live.writes.items():
                self._set(address, row, first, None)
            self._superseded_by(fact.position)
            return
        runs: list[tuple[date, date | None, dict[tuple[str, Key], Row | None]]] = []
        day: date | None = first
        while day is not None:
            view = _AsOfDay(self, day)
            model.apply(fact, view)
            until = min((c for c in (self._next_change(k, day) for k in view.read) if c is not None), default=None)
            runs.append((day, until, view.writes))
            day = until
        for start, end, writes in runs:  # all computed from the rows before the fact: now write them
            for address, row in writes.items():
                self._set(address, row, start, end)
        self._superseded_by(fact.position)

    def _superseded_by(self, position: int) -> None:
        """The event at `position` was applied: each version it replaced is superseded there, and each version it
        made is current from there."""
        for address, before in self._before.items():
            after = _spans(self._steps[address])
            since = self._since.setdefault(address, {})
            for day_from, (row, day_to) in before.items():
                now = after.get(day_from)
                if now is None or now[1] != day_to or (now[0] is not row and now[0] != row):
                    replaced = {**row, "day_from": day_from, "day_to": day_to, "pos_from": since.pop(day_from),
                                "pos_to": position}  # fmt: skip
                    self._superseded.setdefault(address[0], []).append(replaced)
            for day_from, (row, day_to) in after.items():
                then = before.get(day_from)
                if then is None or then[1] != day_to or (then[0] is not row and then[0] != row):
                    since[day_from] = position
        self._before.clear()

    def prefetch(self, addresses: Iterable[tuple[str, Key]]) -> None:
        """Read the versions of many rows at once (a query per table and 500 rows, not one per row): those a
        batch's live fold read and wrote, which its versions by day read and write too."""
        if self.empty:
            return
        missing: dict[str, list[Key]] = {}
        for table, key in addresses:
            if (table, key) not in self._steps:
                missing.setdefault(table, []).append(key)
        assert self.connection is not None
        for table, keys in missing.items():
            t = TABLES[table + SUFFIX]
            columns = [t.c[c] for c in key_columns(table)]
            found: dict[Key, list[Any]] = {key: [] for key in keys}
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                where = columns[0].in_([k[0] for k in chunk]) if len(columns) == 1 else tuple_(*columns).in_(chunk)
                for version in self.connection.execute(select(t).where(where)).mappings():
                    found[tuple(version[c.name] for c in columns)].append(version)
            for key, versions in found.items():
                self._remember((table, key), versions)

    def _load(self, address: tuple[str, Key]) -> Steps:
        steps = self._steps.get(address)
        if steps is not None:
            return steps
        if self.empty:
            self._steps[address], self._stored[address], self._since[address] = [], {}, {}
            return self._steps[address]
        table, key = address
        assert self.connection is not None
        t = TABLES[table + SUFFIX]
        condition = and_(*[t.c[c] == v for c, v in zip(key_columns(table), key, strict=True)])
        return self._remember(address, list(self.connection.execute(select(t).where(condition)).mappings()))

    def _remember(self, address: tuple[str, Key], versions: list[Any]) -> Steps:
        """Steps from a row's stored versions (current ones), in day order."""
        names = [c.name for c in TABLES[address[0] + SUFFIX].columns]
        stored = {v["day_from"]: {n: v[n] for n in names} for v in versions}
        steps: Steps = []
        for day_from in sorted(stored):
            version = stored[day_from]
            steps.append((day_from, {c.name: version[c.name] for c in TABLES[address[0]].columns}))
            if version["day_to"] is not None:
                steps.append((version["day_to"], None))
        steps = _normal(steps)
        self._steps[address] = steps
        self._stored[address] = stored
        self._since[address] = {day_from: v["pos_from"] for day_from, v in stored.items()}
        return steps

    def at(self, address: tuple[str, Key], day: date) -> Row | None:
        steps = self._load(address)
        i = bisect.bisect_right(steps, day, key=_day)
        return None if i == 0 else steps[i - 1][1]

    def _next_change(self, address: tuple[str, Key], day: date) -> date | None:
        steps = self._load(address)
        i = bisect.bisect_right(steps, day, key=_day)
        return steps[i][0] if i < len(steps) else None

    def _set(self, address: tuple[str, Key], row: Row | None, start: date, end: date | None) -> None:
        """The row from `start` until `end` (None: every later day); the steps outside are kept as they were."""
        steps = self._load(address)
        if address not in self._before:
            self._before[address] = _spans(steps)
        i = bisect.bisect_left(steps, start, key=_day)
        j = len(steps) if end is None else bisect.bisect_left(steps, end, key=_day)
        replacement: Steps = [(start, row)]
        if end is not None and not (j < len(steps) and steps[j][0] == end):
            replacement.append((end, steps[j - 1][1] if j > 0 else None))  # what held on `end` before
        steps[i:j] = replacement
        k = max(i, 1)  # a step repeating the one before it changes nothing: only next to the replacement
        while k < min(i + len(replacement) + 1, len(steps)):
            if steps[k][1] == steps[k - 1][1]:
                del steps[k]
            else:
                k += 1
        if steps and steps[0][1] is None:
            del steps[0]
        self._dirty.add(address)

    # --- writing back --------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Write the versions changed since they were read (current ones deleted, changed and new) and the
        versions superseded since."""
        assert self.connection is not None
        by_table: dict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = {}
        for address in self._dirty:
            table, key = address
            old = self._stored.get(address, {})
            since = self._since[address]
            new = {d: {**v, "pos_from": since[d]} for d, v in _versions(self._steps[address]).items()}
            gone, added = by_table.setdefault(table, ([], []))
            keys = dict(zip(key_columns(table), key, strict=True))
            for day_from, version in old.items():
                if new.get(day_from) != version:
                    gone.append({**{f"k_{c}": v for c, v in keys.items()}, "k_day_from": day_from})
            for day_from, version in new.items():
                if old.get(day_from) != version:
                    added.append(version)
            self._stored[address] = new
        for table, (gone, added) in by_table.items():
            t = TABLES[table + SUFFIX]
            if gone:
                names = [*key_columns(table), "day_from"]
                self.connection.execute(delete(t).where(and_(*[t.c[c] == bindparam(f"k_{c}") for c in names])), gone)
            insert_rows(self.connection, t, added)
        for table, replaced in self._superseded.items():
            insert_rows(self.connection, TABLES[table + SUFFIX + SUPERSEDED], replaced)
        self._superseded.clear()
        self._dirty.clear()
        if len(self._steps) > self.KEEP:
            self.forget()


class Recorded:
    """Rows (the live ones) that remember which rows a handler read and what it wrote."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.read: set[tuple[str, Key]] = set()
        self.writes: dict[tuple[str, Key], Row | None] = {}

    def get(self, table: str, key: Key) -> Row | None:
        self.read.add((table, key))
        return self.rows.get(table, key)

    def put(self, table: str, row: Row) -> None:
        self.writes[(table, key_of(table, row))] = dict(row)
        self.rows.put(table, row)

    def insert(self, table: str, row: Row) -> None:
        self.writes[(table, key_of(table, row))] = dict(row)
        self.rows.insert(table, row)

    def delete(self, table: str, key: Key) -> None:
        self.writes[(table, key)] = None
        self.rows.delete(table, key)


class _AsOfDay:
    """The rows as of one day, for one run of a handler: what it read (to know until when its writes hold) and
    what it wrote (applied once every run is computed)."""

    def __init__(self, versions: DayVersions, day: date) -> None:
        self.versions = versions
        self.day = day
        self.read: set[tuple[str, Key]] = set()
        self.writes: dict[tuple[str, Key], Row | None] = {}

    def get(self, table: str, key: Key) -> Row | None:
        address = (table, key)
        written = self.writes.get(address, _MISSING)
        if written is not _MISSING:
            return None if written is None else dict(written)  # type: ignore[call-overload]
        self.read.add(address)
        row = self.versions.at(address, self.day)
        return None if row is None else dict(row)

    def put(self, table: str, row: Row) -> None:
        self.writes[(table, key_of(table, row))] = dict(row)

    insert = put

    def delete(self, table: str, key: Key) -> None:
        self.writes[(table, key)] = None


def _day(step: tuple[date, Row | None]) -> date:
    return step[0]


def _normal(steps: Steps) -> Steps:
    """Steps in day order (of two on one day the later), without a step that changes nothing and without a
    leading "no row"."""
    by_day: dict[date, Row | None] = {}
    for day, row in steps:
        by_day[day] = row
    merged: Steps = []
    for day, row in by_day.items():
        if (merged and merged[-1][1] == row) or (not merged and row is None):
            continue
        merged.append((day, row))
    return merged


def _spans(steps: Steps) -> dict[date, tuple[Row, date | None]]:
    """The versions of steps as (row, day_to) by day_from, sharing the steps' rows (which are never changed in
    place: a step's row is replaced, not updated)."""
    found: dict[date, tuple[Row, date | None]] = {}
    for i, (day, row) in enumerate(steps):
        if row is not None:
            found[day] = (row, steps[i + 1][0] if i + 1 < len(steps) else None)
    return found


def _versions(steps: Steps) -> dict[date, dict[str, Any]]:
    """The stored versions of steps: each step with a row, valid until the next step."""
    found: dict[date, dict[str, Any]] = {}
    for i, (day, row) in enumerate(steps):
        if row is not None:
            until = steps[i + 1][0] if i + 1 < len(steps) else None
            found[day] = {**row, "day_from": day, "day_to": until}
    return found


# --- answering as of a day ----------------------------------------------------------------------------------


@contextmanager
def as_of_day(views: Engine, day: date) -> Iterator[Connection]:
    """A connection on which the read models' tables are the versions valid on `day` (see `as_of_versions`)."""
    with as_of_versions(views, day=day) as db:
        yield db


@contextmanager
def as_of_versions(views: Engine, day: date | None = None, position: int | None = None) -> Iterator[Connection]:
    """A connection on which the read models' tables are as they were: as of an effective day (the versions valid
    that day; None: the latest, after every fact), as they stood at a log position (None: now), or both. Each
    table kept by day is a temporary view of the same name over its versions, and the connection's statements
    name the temporary schema. The answers' queries read only tables kept by day, and answer unchanged."""
    with views.connect() as db:
        live_schema = (db.get_execution_options().get("schema_translate_map") or {}).get(None)
        quote = db.dialect.identifier_preparer.quote
        temporary = "pg_temp" if db.dialect.name == "postgresql" else "temp"
        where = f"{quote(live_schema)}." if live_schema else ("main." if temporary == "temp" else "")
        # a date object's own text and integers: nothing a client wrote
        valid = "day_to IS NULL" if day is None else (
            f"day_from <= '{day.isoformat()}' AND (day_to IS NULL OR day_to > '{day.isoformat()}')"
        )  # fmt: skip
        created: list[str] = []
        with db.begin():
            for versions in [t for name, t in TABLES.items() if name.endswith(SUFFIX)]:
                name = versions.name.removesuffix(SUFFIX)
                columns = ", ".join(quote(c.name) for c in TABLES[name].columns)
                source = f"SELECT {columns} FROM {where}{quote(versions.name)} WHERE {valid}"
                if position is not None:
                    at = int(position)
                    superseded = quote(versions.name + SUPERSEDED)
                    source = (
                        f"{source} AND pos_from <= {at} UNION ALL SELECT {columns} FROM {where}{superseded} "
                        f"WHERE pos_to > {at} AND pos_from <= {at} AND {valid}"
                    )
                db.execute(text(f"CREATE TEMPORARY VIEW {quote(name)} AS {source}"))
                created.append(name)
        try:
            yield db.execution_options(schema_translate_map={None: temporary})
        finally:
            if db.in_transaction():
                db.rollback()
            with db.begin():
                for name in created:
                    db.execute(text(f"DROP VIEW IF EXISTS {temporary}.{quote(name)}"))
