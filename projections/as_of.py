"""Any read model as of a past moment, by the fold: the events up to a log position (or a recorded time) or with
an effective date up to a day are folded into a throw-away in-memory database with the read models' tables, and
the same queries answer from it.

The API does not answer from here: it answers as of a position, a time or a date from the stored versions
(projections/days.py), by query. The fold of the events up to a moment is the definition those are tested
against, and what the revision report and provenance walk event by event. For one programme only that
programme's events are read (through the event index), plus those of the companies it deals with, so the cost
does not grow with other programmes' events."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from sqlalchemy import Engine, Select, create_engine, insert, or_, select
from sqlalchemy.pool import StaticPool

from ledger.domain.company import Company
from projections.days import SUFFIX, as_of_versions, in_effect_from
from projections.facts import EventLog, Fact, fact_from, facts_from
from projections.projector import READ_MODELS
from projections.rows import SqlRows
from projections.schema import TABLES, event_index, metadata, programme_companies

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
    upto = position if position is not None else (ledger.recorder.max_notification_id() or 0)
    return fold_into_memory(programme_facts(ledger, views, programme_id, upto))


def programme_rows_at(views: Engine, programme_id: str, position: int) -> Engine:
    """An in-memory database holding the programme's rows of the read models kept by day, and every company's,
    as they stood at a log position: copied from the stored versions (no replay), to fold later events into."""
    memory = memory_views()
    with as_of_versions(views, position=position) as db, memory.begin() as copy:
        for name in [n for n in TABLES if n.endswith(SUFFIX)]:
            live = TABLES[name.removesuffix(SUFFIX)]
            query = select(live)
            if "programme_id" in live.c:
                query = query.where(live.c.programme_id == programme_id)
            rows = [dict(r) for r in db.execute(query).mappings()]
            if rows:
                copy.execute(insert(live), rows)
    return memory


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
