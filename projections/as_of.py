"""Any read model as of a past moment, by the same fold: the events up to a log position (or a recorded time)
or with an effective date up to a day are folded into a throw-away in-memory database with the read models'
tables, and the same queries answer from it.

For one programme only that programme's events are read (through the event index), plus those of the companies
it deals with, so the cost does not grow with other programmes' events. As of a position the fold starts from the
programme's last snapshot (projections/snapshots.py). The API answers as of an effective date from the versions by
day (projections/days.py), not from here: the fold of what was in effect by a day is what they are tested against,
and what provenance opens into events."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import Engine, Select, create_engine, or_, select
from sqlalchemy.pool import StaticPool

from ledger.domain.company import Company
from projections import snapshots
from projections.days import in_effect_from
from projections.facts import EventLog, Fact, fact_from, facts_from
from projections.projector import READ_MODELS
from projections.rows import SqlRows
from projections.schema import event_index, metadata, programme_companies

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import date, datetime

AS_OF_MODELS = ("status", "audit", "evaluation")


def memory_views() -> Engine:
    """A fresh in-memory SQLite database with every read model table."""
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    return engine


def fold_into(engine: Engine, facts: Iterable[Fact], models: Iterable[str] = AS_OF_MODELS) -> Engine:
    """Fold facts into an in-memory database of `memory_views` (more facts may follow later)."""
    chosen = [READ_MODELS[name] for name in models]
    batch: list[Fact] = []

    def flush() -> None:
        with engine.begin() as db:
            rows = SqlRows(db)
            for fact in batch:
                for model in chosen:
                    model.apply(fact, rows)
            rows.flush()
        batch.clear()

    for fact in facts:
        batch.append(fact)
        if len(batch) >= 1000:
            flush()
    flush()
    return engine


def fold_into_memory(facts: Iterable[Fact], models: Iterable[str] = AS_OF_MODELS) -> Engine:
    """Fold facts into a fresh in-memory SQLite database with every read model table."""
    return fold_into(memory_views(), facts, models)


def position_at(views: Engine, recorded_at: datetime) -> int:
    """The last log position recorded at or before a time."""
    with views.connect() as db:
        found = db.execute(
            select(event_index.c.position)
            .where(event_index.c.recorded_at <= recorded_at.isoformat())
            .order_by(event_index.c.position.desc())
            .limit(1)
        ).scalar()
    return int(found or 0)


def programme_facts(
    ledger: EventLog,
    views: Engine,
    programme_id: str,
    upto: int | None = None,
    after: int = 0,
    effective_by: date | None = None,
) -> list[Fact]:
    """One programme's facts recorded after `after` up to `upto` (and, given `effective_by`, in effect by that
    day), and its companies' (all up to `upto`), in log order, read per aggregate: only the versions needed."""
    own = _indexed(upto).where(event_index.c.programme_id == programme_id, event_index.c.position > after)
    if effective_by is not None:  # the index knows each event's effective date: read only those in effect
        own = own.where(or_(event_index.c.effective_on <= effective_by, event_index.c.effective_on.is_(None)))
    with views.connect() as db:
        located = [(r.originator_id, r.version, r.position) for r in db.execute(own)]
        org_numbers = [
            r.org_number
            for r in db.execute(
                select(programme_companies.c.org_number).where(programme_companies.c.programme_id == programme_id)
            )
        ]
        company_ids = [str(Company.create_id(n)) for n in org_numbers]
        if company_ids:
            located += [
                (r.originator_id, r.version, r.position)
                for r in db.execute(_indexed(upto).where(event_index.c.originator_id.in_(company_ids)))
            ]
    positions: dict[tuple[str, int], int] = {(originator_id, version): p for originator_id, version, p in located}
    versions: dict[str, tuple[int, int]] = {}  # aggregate -> (lowest, highest) version needed
    for originator_id, version in positions:
        low, high = versions.get(originator_id, (version, version))
        versions[originator_id] = (min(low, version), max(high, version))
    facts: list[Fact] = []
    for originator_id, (low, high) in versions.items():
        for stored in ledger.recorder.select_events(UUID(originator_id), gt=low - 1, lte=high):
            position = positions.get((originator_id, stored.originator_version))
            if position is not None:
                facts.append(fact_from(ledger.mapper, stored, position))
    facts.sort(key=lambda f: f.position)
    return facts


def _indexed(upto: int | None) -> Select[tuple[str, int, int]]:
    query = select(event_index.c.originator_id, event_index.c.version, event_index.c.position)
    return query if upto is None else query.where(event_index.c.position <= upto)


def programme_as_of(
    ledger: EventLog,
    views: Engine,
    programme_id: str,
    *,
    position: int | None = None,
    recorded_at: datetime | None = None,
    effective_on: date | None = None,
) -> Engine:
    """The read models of one programme as they were: at a log position, at a recorded time, or as of an
    effective date (everything known now that took effect on or before that day)."""
    if recorded_at is not None:
        position = position_at(views, recorded_at)
    if effective_on is not None:
        facts = programme_facts(ledger, views, programme_id, position, effective_by=effective_on)
        facts = [f for f in facts if in_effect(f, effective_on)]  # its companies' too
        return fold_into_memory(facts)
    return programme_at(ledger, views, programme_id, position)


def programme_at(ledger: EventLog, views: Engine, programme_id: str, position: int | None) -> Engine:
    """The programme's read models at a log position (None: the head): its last snapshot at or before it and
    the programme's events after the snapshot (projections/snapshots.py)."""
    upto = position if position is not None else (ledger.recorder.max_notification_id() or 0)
    with views.connect() as db:
        found = snapshots.last_at_or_before(db, programme_id, upto)
    memory = memory_views()
    after = 0
    if found is not None:
        after, copied = found
        with memory.begin() as db:
            snapshots.restore(db, copied)
    return fold_into(memory, programme_facts(ledger, views, programme_id, upto, after))


def store_at(ledger: EventLog, views: Engine, position: int) -> Engine:
    """Every programme's read models at a log position, each from its last snapshot at or before it and its
    events after that (the companies' events once): the cost follows the programmes' rows and tails, not the log."""
    with views.connect() as db:
        launched = [
            r.programme_id
            for r in db.execute(
                select(event_index.c.programme_id).where(
                    event_index.c.originator_id == event_index.c.programme_id,
                    event_index.c.version == 1,
                    event_index.c.position <= position,
                )
            )
        ]
    memory = memory_views()
    tails: dict[int, Fact] = {}
    for programme_id in launched:
        with views.connect() as db:
            found = snapshots.last_at_or_before(db, programme_id, position)
        after = 0
        if found is not None:
            after, copied = found
            with memory.begin() as db:
                snapshots.restore(db, copied)
        tails.update((f.position, f) for f in programme_facts(ledger, views, programme_id, position, after))
    return fold_into(memory, [tails[p] for p in sorted(tails)], AS_OF_MODELS)


def in_effect(fact: Fact, day: date) -> bool:
    """A fact counts as of an effective day if it took effect by then (`in_effect_from`)."""
    return in_effect_from(fact) <= day


def store_as_of(
    ledger: EventLog,
    position: int | None = None,
    models: Iterable[str] = AS_OF_MODELS,
    effective_on: date | None = None,
) -> Engine:
    """Every programme's read models as they were at a log position (reads the log up to it), or as of an
    effective date (every event known now that took effect on or before it)."""
    if position is None:
        position = ledger.recorder.max_notification_id() or 0

    def upto() -> Iterable[Fact]:
        start = 0
        while start < position:
            batch = ledger.recorder.select_notifications(
                start=start, limit=1000, stop=position, inclusive_of_start=False
            )
            if not batch:
                return
            for fact in facts_from(ledger.mapper, batch):
                if effective_on is None or in_effect(fact, effective_on):
                    yield fact
            start = batch[-1].id

    return fold_into_memory(upto(), models)
