"""What every fold shares: a read model's description, row helpers, and the programme an event belongs to."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from projections.facts import Fact
from projections.rows import Row, Rows, blank
from projections.schema import key_columns

Apply = Callable[[Fact, Rows], None]


@dataclass(frozen=True)
class ReadModel:
    name: str
    tables: tuple[str, ...]
    apply: Apply


def bump(rows: Rows, table: str, key: dict[str, Any], **deltas: int) -> Row:
    """Add to counters of a row, creating it blank when missing."""
    row = rows.get(table, tuple(key[c] for c in key_columns(table))) or blank(table, **key)
    for name, delta in deltas.items():
        row[name] = (row.get(name) or 0) + delta
    rows.put(table, row)
    return row


def change(rows: Rows, table: str, key: tuple[Any, ...], **values: Any) -> Row | None:
    """Set columns of an existing row; a row the fold never saw is left alone."""
    row = rows.get(table, key)
    if row is None:
        return None
    row.update(values)
    rows.put(table, row)
    return row


def put_new(rows: Rows, table: str, **values: Any) -> Row:
    """A row for a new entity (a programme launched, an entry recorded): stored without looking it up."""
    row = blank(table, **values)
    rows.insert(table, row)
    return row


def programme_of(fact: Fact, rows: Rows, owners: str) -> str | None:
    """The programme an event belongs to: a programme's own events, or an aggregate created with a
    programme_id (remembered in the read model's owners table). Company events belong to none."""
    if fact.name == "ProgrammeLaunched":
        rows.insert(owners, {"originator_id": fact.originator_id, "programme_id": fact.originator_id})
        return fact.originator_id
    if fact.version == 1 and "programme_id" in fact.data:
        programme_id = str(fact.data["programme_id"])
        rows.insert(owners, {"originator_id": fact.originator_id, "programme_id": programme_id})
        return programme_id
    owner = rows.get(owners, (fact.originator_id,))
    return None if owner is None else owner["programme_id"]


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
