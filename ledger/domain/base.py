"""What every ledger event carries: who recorded it and, where it differs from the recorded time, when it took
effect. The recorded time is the library's event timestamp."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, ClassVar

from eventsourcing.domain import Aggregate

from ledger.domain import dated

NAMESPACE = uuid.UUID("6f1c2b1e-8d7a-4f4e-9a51-2d7c0b8e5a10")


def stable_id(*parts: object) -> uuid.UUID:
    """Deterministic ids make uniqueness (one programme per slug, one company per number) a storage fact."""
    return uuid.uuid5(NAMESPACE, ":".join(str(p) for p in parts))


class LedgerAggregate(Aggregate):
    """Every aggregate declares a stable TOPIC: the library then registers its events' explicit topics at import,
    so stored events resolve in any process and code can move without orphaning history.

    While an event is applied, `fact_on` is the day it took effect (its effective date, else the day it was
    recorded), so rules that must hold on every day can date what the event changes; `began_on` is that day of
    the aggregate's first event."""

    fact_on: date
    began_on: date

    FOLLOWS_CREATION: ClassVar[str] = ""
    """What it is called, where none of its facts may take effect before it was created (a session scheduled in a
    module before the module was offered would, effective by a day between, belong to nothing)."""

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        if self.FOLLOWS_CREATION:
            began_on = getattr(self, "began_on", date.min)  # a snapshot of an earlier version did not keep it
            day = dated.effective(kwargs.get("effective_on"))
            since = f"the {self.FOLLOWS_CREATION} it belongs to"
            dated.require_not_before(day, began_on, "effective_before_created", since)
        super().trigger_event(event_class, **kwargs)

    class Event(Aggregate.Event):
        actor: str
        effective_on: date | None

        def mutate(self, aggregate: Any) -> Any:
            on = self.effective_on or self.timestamp.date()
            if aggregate is not None:
                aggregate.fact_on = on
            mutated = super().mutate(aggregate)
            if aggregate is None and mutated is not None:
                mutated.fact_on = mutated.began_on = on
            return mutated

    class Created(Event, Aggregate.Created):
        pass


LedgerEvent = LedgerAggregate.Event
LedgerCreated = LedgerAggregate.Created
