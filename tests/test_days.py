"""Answers as of an effective date from the read models' versions by day (projections/days.py) are those of
folding, in log order, every event in effect by that day: over random histories with back-dated facts, projector
batch sizes, on SQLite and PostgreSQL, after a rebuild too; and as of a day after every fact they are the live
answers. The same on the recorded axis: as of a log position, and of a position and a day together, the versions
(current and superseded) give the answers of folding the events recorded up to the position (in effect by the
day)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from projections.as_of import programme_as_of, store_as_of
from projections.audit.queries import funding_audit
from projections.catalogue.queries import catalogue
from projections.days import as_of_day, as_of_versions, day_table
from projections.evaluation.queries import evaluation
from projections.projector import READ_MODELS
from projections.status.queries import list_programmes, programme_id_for, programme_status
from tests.test_projection_properties import DAYS, SLUGS, Driver, Step, histories, opened, postgres_store, sqlite_store

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from ledger.application import Ledger
    from projections.projector import Projector


def answers_on(db: Connection, programme_id: str) -> tuple[object, ...]:
    return programme_status(db, programme_id), funding_audit(db, programme_id), evaluation(db, programme_id)


def answers(engine: Engine, programme_id: str) -> tuple[object, ...]:
    with engine.connect() as db:
        return answers_on(db, programme_id)


def check_every_day(ledger: Ledger, projector: Projector, days: list[date]) -> None:
    views = projector.reader  # a reader, as the API is: the writer engine takes the write lock per transaction
    for day in days:
        replayed = store_as_of(ledger, effective_on=day)
        try:
            with as_of_day(views, day) as by_day, replayed.connect() as folded:
                assert list_programmes(by_day) == list_programmes(folded), day
                assert catalogue(by_day, None, None, None) == catalogue(folded, None, None, None), day
        finally:
            replayed.dispose()
    for slug in SLUGS:
        with views.connect() as db:
            programme_id = programme_id_for(db, slug)
        if programme_id is None:
            continue
        for day in days:
            replayed = programme_as_of(ledger, views, programme_id, effective_on=day)
            try:
                with as_of_day(views, day) as by_day:
                    assert answers_on(by_day, programme_id) == answers(replayed, programme_id), (slug, day)
            finally:
                replayed.dispose()
        with as_of_day(views, date.max - timedelta(days=1)) as by_day, views.connect() as live:
            assert answers_on(by_day, programme_id) == answers_on(live, programme_id), (slug, "after every fact")


def check_positions(ledger: Ledger, projector: Projector, moments: list[tuple[int, date | None]]) -> None:
    views = projector.reader
    for position, day in moments:
        replayed = store_as_of(ledger, position=position, effective_on=day)
        try:
            with as_of_versions(views, day=day, position=position) as stood, replayed.connect() as folded:
                assert list_programmes(stood) == list_programmes(folded), (position, day)
                assert catalogue(stood, None, None, None) == catalogue(folded, None, None, None), (position, day)
                for slug in SLUGS:
                    programme_id = programme_id_for(folded, slug)
                    if programme_id is not None:
                        assert answers_on(stood, programme_id) == answers_on(folded, programme_id), (slug, position)
        finally:
            replayed.dispose()


def versions(projector: Projector) -> int:
    with projector.engine.connect() as db:
        table = day_table("view_programmes")
        return int(db.execute(select(func.count()).select_from(table)).scalar() or 0)


def run_history(url: str, history: list[Step], batch: int, data: st.DataObject) -> None:
    with opened(url, batch_size=batch) as (ledger, projector):
        Driver(ledger).run(history)
        projector.run_once()
        assert versions(projector) > 0
        chosen = data.draw(st.lists(st.sampled_from(DAYS), min_size=1, max_size=4, unique=True), label="days")
        days = sorted({*chosen, DAYS[0] - timedelta(days=1), DAYS[-1]})
        check_every_day(ledger, projector, days)
        head = ledger.recorder.max_notification_id() or 0
        positions = data.draw(st.lists(st.integers(0, head), min_size=1, max_size=3, unique=True), label="positions")
        moments: list[tuple[int, date | None]] = [(p, None) for p in positions]
        moments += [(p, data.draw(st.sampled_from(DAYS), label="day")) for p in positions]
        check_positions(ledger, projector, moments)
        projector.rebuild(list(READ_MODELS))
        check_every_day(ledger, projector, days[:2])
        check_positions(ledger, projector, [moments[0], moments[-1]])


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
BATCHES = st.integers(1, 9)


@SETTINGS
@given(history=histories(min_size=12), batch=BATCHES, data=st.data())
def test_as_of_an_effective_date_from_the_versions_is_the_fold_of_what_was_in_effect_sqlite(
    history: list[Step], batch: int, data: st.DataObject
) -> None:
    with sqlite_store() as url:
        run_history(url, history, batch, data)


@pytest.mark.postgres
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(history=histories(min_size=12), batch=BATCHES, data=st.data())
def test_as_of_an_effective_date_from_the_versions_is_the_fold_of_what_was_in_effect_postgres(
    postgres_server: str, history: list[Step], batch: int, data: st.DataObject
) -> None:
    with postgres_store(postgres_server) as url:
        run_history(url, history, batch, data)
