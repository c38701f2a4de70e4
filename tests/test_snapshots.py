"""Answers as of a log position from a programme's (or every programme's) last snapshot and the events after it
(projections/snapshots.py) are those of folding the history up to the position: over random histories, projector
batch sizes and snapshot intervals, on SQLite and PostgreSQL; after a rebuild too."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from projections.as_of import fold_into_memory, programme_as_of, programme_facts, store_as_of, store_at
from projections.audit.queries import funding_audit
from projections.catalogue.queries import catalogue
from projections.evaluation.queries import evaluation
from projections.projector import READ_MODELS
from projections.schema import snapshots
from projections.status.queries import list_programmes, programme_id_for, programme_status
from tests.test_projection_properties import (
    SLUGS,
    Driver,
    Step,
    head,
    histories,
    opened,
    postgres_store,
    sqlite_store,
)

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ledger.application import Ledger
    from projections.projector import Projector


def answers(engine: Engine, programme_id: str) -> tuple[object, ...]:
    with engine.connect() as db:
        return programme_status(db, programme_id), funding_audit(db, programme_id), evaluation(db, programme_id)


def snapshot_count(projector: Projector) -> int:
    with projector.engine.connect() as db:
        return int(db.execute(select(func.count()).select_from(snapshots)).scalar() or 0)


def check_every_position(ledger: Ledger, projector: Projector, positions: list[int]) -> None:
    for position in positions:  # every programme: the list and the catalogue
        from_snapshots, replayed = store_at(ledger, projector.engine, position), store_as_of(ledger, position)
        try:
            with from_snapshots.connect() as one, replayed.connect() as other:
                assert list_programmes(one) == list_programmes(other), position
                assert catalogue(one, None, None, None) == catalogue(other, None, None, None), position
        finally:
            from_snapshots.dispose()
            replayed.dispose()
    for slug in SLUGS:
        with projector.engine.connect() as db:
            programme_id = programme_id_for(db, slug)
        if programme_id is None:
            continue
        for position in positions:
            from_snapshot = programme_as_of(ledger, projector.engine, programme_id, position=position)
            replayed = fold_into_memory(programme_facts(ledger, projector.engine, programme_id, position))
            try:
                assert answers(from_snapshot, programme_id) == answers(replayed, programme_id), (slug, position)
            finally:
                from_snapshot.dispose()
                replayed.dispose()


def run_history(url: str, history: list[Step], batch: int, every: int, data: st.DataObject) -> None:
    with opened(url, batch_size=batch) as (ledger, projector):
        projector.snapshot_every = every
        Driver(ledger).run(history)
        projector.run_once()
        last = head(ledger)
        positions = sorted(set(data.draw(st.lists(st.integers(0, last), min_size=1, max_size=4), label="positions")))
        assert snapshot_count(projector) > 0, "a history this long has snapshots at these intervals"
        check_every_position(ledger, projector, [*positions, last])
        projector.rebuild(list(READ_MODELS))
        check_every_position(ledger, projector, positions)


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
BATCHES = st.integers(1, 9)
INTERVALS = st.integers(1, 6)


@SETTINGS
@given(history=histories(min_size=12), batch=BATCHES, every=INTERVALS, data=st.data())
def test_as_of_a_position_from_a_snapshot_is_the_fold_of_the_history_sqlite(
    history: list[Step], batch: int, every: int, data: st.DataObject
) -> None:
    with sqlite_store() as url:
        run_history(url, history, batch, every, data)


@pytest.mark.postgres
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(history=histories(min_size=12), batch=BATCHES, every=INTERVALS, data=st.data())
def test_as_of_a_position_from_a_snapshot_is_the_fold_of_the_history_postgres(
    postgres_server: str, history: list[Step], batch: int, every: int, data: st.DataObject
) -> None:
    with postgres_store(postgres_server) as url:
        run_history(url, history, batch, every, data)
