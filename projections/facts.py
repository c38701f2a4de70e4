"""A fact is a stored event as the read models see it: the typed event (a class of the catalogue in
`ledger.events`) with its envelope (position in the log, aggregate, when recorded and effective, who). Upcasting
has been applied. The plain `name`/`data` form is kept for the exported event stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol

from ledger.events import EVENTS, LedgerEvent
from storage.chain import event_digest

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from datetime import date, datetime

    from eventsourcing.persistence import ApplicationRecorder, Mapper, Notification, StoredEvent

_ENVELOPE = ("originator_id", "originator_version", "timestamp", "actor", "effective_on")
_CATALOGUE = frozenset(EVENTS)


class EventLog(Protocol):
    """What the read models need of the ledger: its stored events (recorder) and how to decode them (mapper)."""

    @property
    def recorder(self) -> ApplicationRecorder: ...

    @property
    def mapper(self) -> Mapper[Any]: ...


@dataclass(frozen=True)
class Fact:
    position: int
    event: LedgerEvent  # the decoded event: an instance of `kind`
    kind: type[LedgerEvent]  # its class in the catalogue, which folds dispatch on
    originator_id: str
    version: int
    recorded_at: datetime
    actor: str
    effective_on: date | None
    data: dict[str, Any] = field(default_factory=dict)
    digest: str = ""  # SHA-256 of the stored bytes, for the hash chain

    @property
    def name(self) -> str:
        """The event's name in the exported stream and the audit: its catalogue class's name."""
        return self.kind.__name__

    def as_record(self) -> dict[str, Any]:
        """The fact as one line of the exported event stream."""
        return {"position": self.position, "event": self.name, "aggregate_id": self.originator_id,
                "version": self.version, "recorded_at": self.recorded_at, "actor": self.actor,
                "effective_on": self.effective_on, "data": self.data}  # fmt: skip

    @property
    def effective_date(self) -> date:
        """When it took effect: the stated effective date, else the day it was recorded."""
        return self.effective_on or self.recorded_at.date()


@cache
def catalogue_class(decoded: type[Any]) -> type[LedgerEvent]:
    """The catalogue class of a decoded event. Aggregates record subclasses of the catalogue's classes (the
    library derives one per `@event` method), so the catalogue class is the first one found up the hierarchy."""
    for cls in decoded.__mro__:
        if cls in _CATALOGUE:
            found: type[LedgerEvent] = cls
            return found
    raise TypeError(f"{decoded.__qualname__} is not an event of the catalogue (ledger.events)")


def fact_from(mapper: Mapper[Any], stored: StoredEvent, position: int) -> Fact:
    event = mapper.to_domain_event(stored)
    assert isinstance(event, LedgerEvent)
    state = event.__dict__
    return Fact(
        position=position,
        event=event,
        kind=catalogue_class(type(event)),
        originator_id=str(state["originator_id"]),
        version=int(state["originator_version"]),
        recorded_at=state["timestamp"],
        actor=str(state.get("actor", "")),
        effective_on=state.get("effective_on"),
        data={k: v for k, v in state.items() if k not in _ENVELOPE},
        digest=event_digest(stored),
    )


def facts_from(mapper: Mapper[Any], notifications: Iterable[Notification]) -> Iterator[Fact]:
    for notification in notifications:
        yield fact_from(mapper, notification, notification.id)
