"""A fact is a stored event as the read models see it: its position in the log, its name, the aggregate it
belongs to, when it was recorded and took effect, who recorded it, and its data. Upcasting has been applied."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from eventsourcing.persistence import Mapper, Notification, StoredEvent

_ENVELOPE = ("originator_id", "originator_version", "timestamp", "actor", "effective_on")


@dataclass(frozen=True)
class Fact:
    position: int
    name: str
    originator_id: str
    version: int
    recorded_at: datetime
    actor: str
    effective_on: date | None
    data: dict[str, Any] = field(default_factory=dict)
    digest: str = ""  # SHA-256 of the stored bytes, for the hash chain

    def as_record(self) -> dict[str, Any]:
        """The fact as one line of the exported event stream."""
        return {"position": self.position, "event": self.name, "aggregate_id": self.originator_id,
                "version": self.version, "recorded_at": self.recorded_at, "actor": self.actor,
                "effective_on": self.effective_on, "data": self.data}  # fmt: skip

    @property
    def effective_date(self) -> date:
        """When it took effect: the stated effective date, else the day it was recorded."""
        return self.effective_on or self.recorded_at.date()


def fact_from(mapper: Mapper[Any], stored: StoredEvent, position: int) -> Fact:
    event = mapper.to_domain_event(stored)
    state = event.__dict__
    return Fact(
        position=position,
        name=type(event).__name__,
        originator_id=str(state["originator_id"]),
        version=int(state["originator_version"]),
        recorded_at=state["timestamp"],
        actor=str(state.get("actor", "")),
        effective_on=state.get("effective_on"),
        data={k: v for k, v in state.items() if k not in _ENVELOPE},
        digest=stored_event_digest(stored).hex(),
    )


def facts_from(mapper: Mapper[Any], notifications: Iterable[Notification]) -> Iterator[Fact]:
    for notification in notifications:
        yield fact_from(mapper, notification, notification.id)


def stored_event_digest(stored: StoredEvent) -> bytes:
    """The bytes of a stored event that the hash chain covers: identity, version, topic and state."""
    digest = hashlib.sha256()
    for part in (str(stored.originator_id), str(stored.originator_version), stored.topic):
        digest.update(part.encode())
        digest.update(b"\x00")
    digest.update(bytes(stored.state))
    return digest.digest()
