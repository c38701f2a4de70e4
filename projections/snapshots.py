"""Snapshots of one programme's read models, so that an answer as of a log position folds only a short tail.

Every `SNAPSHOT_EVERY` events of a programme the projector copies the programme's rows of the status, audit and
evaluation tables, in the transaction that folded them, into `view_snapshots` with the position they stand at. An
answer as of position P loads the last snapshot at or before P into an in-memory database and folds the events of
the programme recorded after it, up to P: its cost follows the programme's rows and the tail, not the history.
The companies' tables are shared by all programmes and are not copied: their few events are folded from the log."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Date, delete, insert, select

from projections.schema import TABLES, snapshots

if TYPE_CHECKING:
    from sqlalchemy import Connection

SNAPSHOT_EVERY = 500
"""Events of a programme between two of its snapshots: the longest tail an as-of-position answer folds."""

SNAPSHOT_MODELS = ("status", "audit", "evaluation")
"""The read models a snapshot holds (they must all stand at its position)."""

SHARED = frozenset({"view_companies", "view_company_versions"})
"""Tables of no programme: their rows come from the companies' events, folded from the log."""


def snapshot_tables(models: dict[str, tuple[str, ...]]) -> list[str]:
    """The tables a snapshot copies: those of the snapshot models, less the companies' shared ones."""
    return [t for name in SNAPSHOT_MODELS for t in models[name] if t not in SHARED]


def take(db: Connection, tables: list[str], programme_id: str, position: int) -> None:
    """Copy the programme's rows of `tables`, as they stand in this transaction, as its snapshot at `position`."""
    copied: dict[str, list[dict[str, Any]]] = {}
    for name in tables:
        table = TABLES[name]  # every snapshot table names its programme
        found = db.execute(select(table).where(table.c.programme_id == programme_id)).mappings()
        copied[name] = [{str(k): v for k, v in row.items()} for row in found]  # column names subclass str
    db.execute(delete(snapshots).where(snapshots.c.programme_id == programme_id, snapshots.c.position == position))
    rows = orjson.dumps(copied, default=_plain).decode()
    db.execute(insert(snapshots).values(programme_id=programme_id, position=position, rows=rows))


def last_at_or_before(db: Connection, programme_id: str, position: int) -> tuple[int, dict[str, list[Any]]] | None:
    """The programme's last snapshot at or before a position: (its position, table -> rows), or None."""
    found = db.execute(
        select(snapshots.c.position, snapshots.c.rows)
        .where(snapshots.c.programme_id == programme_id, snapshots.c.position <= position)
        .order_by(snapshots.c.position.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    return int(found.position), orjson.loads(found.rows)


def last_position(db: Connection, programme_id: str) -> int:
    found = db.execute(
        select(snapshots.c.position)
        .where(snapshots.c.programme_id == programme_id)
        .order_by(snapshots.c.position.desc())
    ).first()
    return 0 if found is None else int(found.position)


def restore(db: Connection, copied: dict[str, list[dict[str, Any]]]) -> None:
    """Insert a snapshot's rows into an (empty, in-memory) database of the read models' tables."""
    for name, rows in copied.items():
        if not rows:
            continue
        table = TABLES[name]
        days = [c.name for c in table.columns if isinstance(c.type, Date)]
        for row in rows:
            for column in days:
                if row.get(column) is not None:
                    row[column] = date.fromisoformat(row[column])
        db.execute(insert(table), rows)


def forget_all(db: Connection) -> None:
    """Drop every snapshot: the read models they copy were rebuilt or changed shape."""
    db.execute(delete(snapshots))


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} in a read model row")
