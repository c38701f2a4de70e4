"""What every fold shares: a read model (its tables and its handlers, one per event class), the envelope a
handler receives, row helpers, and the programme an event belongs to.

A fold is pure: handlers read and write rows through `Rows` and nothing else, so the same fold runs in the live
projector, a rebuild and an as-of answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from ledger.events import (
    ActivityPlanned,
    CommandAccepted,
    CompanyDetailsCorrected,
    CompanyRegistered,
    ForumOpened,
    FundsOpened,
    LedgerEvent,
    ModuleOffered,
    NetworkGroupFormed,
    ProgrammeLaunched,
    ReportingOpened,
)
from projections.facts import Fact
from projections.rows import Row, Rows, blank
from projections.schema import key_columns

E = TypeVar("E", bound=LedgerEvent)

Apply = Callable[[Fact, Rows], "str | None"]
"""Folds a fact into the rows; returns the id of the programme whose answers it changed, `EVERY_PROGRAMME` when
it may change any programme's (a company's details corrected), or None."""

EVERY_PROGRAMME = "*"

CREATED_IN_A_PROGRAMME = (
    FundsOpened, ActivityPlanned, ForumOpened, ModuleOffered, NetworkGroupFormed, ReportingOpened
)  # fmt: skip
IN_NO_PROGRAMME = (CompanyRegistered, CompanyDetailsCorrected, CommandAccepted)
"""Aggregates created for a programme: their first event names it, their later events belong to it too."""


@dataclass(frozen=True)
class At:
    """The envelope of the event a handler folds: where it is in the log, whose it is, when and by whom."""

    position: int
    originator_id: str
    recorded_at: datetime
    effective_on: date  # the stated effective date, else the day it was recorded
    actor: str
    name: str  # the event's catalogue name (the audit shows it)
    programme_id: str

    @classmethod
    def of(cls, fact: Fact, programme_id: str) -> At:
        return cls(
            fact.position,
            fact.originator_id,
            fact.recorded_at,
            fact.effective_date,
            fact.actor,
            fact.name,
            programme_id,
        )


@dataclass(frozen=True)
class Shared:
    """The envelope of an event of no programme (a company's registration): where and when."""

    position: int
    effective_on: date


Handler = Callable[[E, At, Rows], None]
SharedHandler = Callable[[E, Shared, Rows], None]


class Fold:
    """A read model's handlers, one per event class. `on(EventClass)` registers the handler of a programme's
    event: it receives the typed event, its envelope and the rows. `on_shared(EventClass)` registers the handler
    of an event of no programme (a company's registration): the event, its position and day, and the rows.
    Events with no handler, and events of an aggregate whose programme the fold never saw (as of an effective
    date, say), change nothing.
    `owners` is the table where the read model remembers which programme each aggregate belongs to (each read
    model keeps its own, so it rebuilds alone)."""

    def __init__(self, owners: str) -> None:
        self.owners = owners
        self._handlers: dict[type[LedgerEvent], Handler[Any]] = {}
        self._shared: dict[type[LedgerEvent], SharedHandler[Any]] = {}

    def on(self, event_class: type[E]) -> Callable[[Handler[E]], Handler[E]]:
        def register(handler: Handler[E]) -> Handler[E]:
            if event_class in self._handlers:
                raise ValueError(f"{event_class.__name__} has a handler already")
            self._handlers[event_class] = handler
            return handler

        return register

    def on_shared(self, event_class: type[E]) -> Callable[[SharedHandler[E]], SharedHandler[E]]:
        def register(handler: SharedHandler[E]) -> SharedHandler[E]:
            if event_class in self._shared:
                raise ValueError(f"{event_class.__name__} has a handler already")
            self._shared[event_class] = handler
            return handler

        return register

    @property
    def handled(self) -> frozenset[type[LedgerEvent]]:
        """The event classes this fold handles."""
        return frozenset(self._handlers) | frozenset(self._shared)

    def __call__(self, fact: Fact, rows: Rows) -> str | None:
        programme_id = programme_of(fact, rows, self.owners)
        changed = None
        shared = self._shared.get(fact.kind)
        if shared is not None:
            shared(fact.event, Shared(fact.position, fact.effective_date), rows)
            # a new company is in no programme yet; corrected details show in every programme it is in
            changed = None if isinstance(fact.event, CompanyRegistered) else EVERY_PROGRAMME
        handler = self._handlers.get(fact.kind)
        if handler is not None and programme_id is not None:
            handler(fact.event, At.of(fact, programme_id), rows)
            changed = changed or programme_id
        return changed


@dataclass(frozen=True)
class ReadModel:
    name: str
    tables: tuple[str, ...]
    apply: Apply
    by_day: bool = False  # also kept as versions by effective day (projections/days.py)
    version: int = 1
    """The fold's version: raise it when the fold writes other rows from the same events, and the read model is
    rebuilt from the log when the ledger next starts (`Projector.rebuild_outdated`)."""


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
    """The programme an event belongs to: a programme's own events, or an aggregate created for a programme
    (remembered in the read model's owners table). Company events and idempotency receipts belong to none."""
    event = fact.event
    if isinstance(event, IN_NO_PROGRAMME):  # no need to look: a third of a projector's reads under load
        return None
    if isinstance(event, ProgrammeLaunched):
        rows.insert(owners, {"originator_id": fact.originator_id, "programme_id": fact.originator_id})
        return fact.originator_id
    if isinstance(event, CREATED_IN_A_PROGRAMME):
        rows.insert(owners, {"originator_id": fact.originator_id, "programme_id": event.programme_id})
        return event.programme_id
    owner = rows.get(owners, (fact.originator_id,))
    if owner is None:
        return None
    programme_id: str = owner["programme_id"]
    return programme_id


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())
