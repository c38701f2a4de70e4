"""The projector: lag, positions advanced past ignored events, waiting for a position, two projectors on one store
never applying an event twice, and `run_forever` picking up new events. Each runs on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import Engine, func, select, update

from ledger.application import Ctx, Ledger
from ledger.commands import CorrectCompany, HoldForumMeeting, RegisterCompany
from projections import projector as projector_module
from projections.facts import Fact, fact_from
from projections.folding import ReadModel
from projections.projector import READ_MODELS, ConcurrentProjection, Projector, RebuildFailed
from projections.schema import TABLES, schemas
from storage.open import open_projector, views_engine
from storage.settings import StoreLocation
from tests.test_projection_properties import (
    NUMBERS,
    PREAMBLE,
    Driver,
    Step,
    assert_same_rows,
    facts_upto,
    head,
    pure_fold,
    sql_rows,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from projections.rows import Rows

CTX = Ctx(actor="coordinator@viken")

# A fixed history of some fifty events touching every read model.
HISTORY: list[Step] = [
    *PREAMBLE,
    ("register_company", 3, 3, 2),
    ("present", 0, 3, 1),
    ("join", 0, 3, 1),
    ("onboard", 0, 0, 1),
    ("participant", 0, 0, 1),
    ("participant", 0, 3, 2),
    ("module", 0, 0, 2),
    ("schedule", 0, 0, 2),
    ("enrol", 5, 0, 1),
    ("hold_session", 0, 0, 1),
    ("attend", 0, 0, 2),
    ("plan_activity", 0, 0, 1),
    ("hold_activity", 0, 0, 2),
    ("group", 0, 0, 1),
    ("add_to_group", 0, 0, 1),
    ("allocate", 0, 0, 3),
    ("allocate", 0, 1, 2),
    ("reallocate", 0, 5, 1),
    ("disburse", 0, 0, 1),
    ("spend", 0, 0, 1),
    ("reverse", 5, 0, 1),
    ("forum", 1, 0, 1),
]


@pytest.fixture
def projector(ledger: Ledger, store_url: str) -> Iterator[Projector]:
    projector = open_projector(ledger, store_url)
    yield projector
    projector.stop()
    projector.dispose()


def record(ledger: Ledger, steps: list[Step] = HISTORY) -> None:
    driver = Driver(ledger)
    driver.run(steps)
    assert driver.rejected == 0


def assert_matches_the_plain_fold(ledger: Ledger, projector: Projector) -> None:
    assert projector.positions() == dict.fromkeys(READ_MODELS, head(ledger))
    assert_same_rows(sql_rows(projector.engine), pure_fold(facts_upto(ledger)), "projected")


class StopAfterOneBatch(Exception):
    pass


def one_batch(projector: Projector) -> None:
    """Runs the projector for one committed batch (the progress callback fires after each batch)."""

    def stop(_position: int, _head: int) -> None:
        raise StopAfterOneBatch

    with pytest.raises(StopAfterOneBatch):
        projector.run_once(stop)


# --- lag -------------------------------------------------------------------------------------------------------


def test_lag_is_the_log_head_minus_each_read_models_position(ledger: Ledger, projector: Projector) -> None:
    record(ledger)
    everything = [f.position for f in facts_upto(ledger)]
    assert projector.lag() == dict.fromkeys(READ_MODELS, everything[-1])

    projector.batch_size = 7
    one_batch(projector)
    assert projector.positions() == dict.fromkeys(READ_MODELS, everything[6])
    assert projector.lag() == dict.fromkeys(READ_MODELS, everything[-1] - everything[6])

    projector.run_once()
    assert projector.lag() == dict.fromkeys(READ_MODELS, 0)
    ledger.handle(
        CTX, RegisterCompany(org_number=NUMBERS[4], name="Moss Plast AS", region="Viken", sector="plast", size="small")
    )
    assert projector.lag() == dict.fromkeys(READ_MODELS, head(ledger) - everything[-1])
    assert set(projector.lag().values()) == {len(facts_upto(ledger)) - len(everything)} == {1}


def test_a_projector_of_some_read_models_leaves_the_others_behind(ledger: Ledger, store_url: str) -> None:
    record(ledger)
    audit_only = open_projector(ledger, store_url, ["audit"])
    try:
        audit_only.run_once()
        lag = audit_only.lag()
        assert lag.pop("audit") == 0
        assert lag == dict.fromkeys(lag, head(ledger))
    finally:
        audit_only.dispose()


# --- ignored events ----------------------------------------------------------------------------------------------


def test_events_a_read_model_ignores_still_advance_its_position(ledger: Ledger, store_url: str) -> None:
    """Company registrations, corrections and idempotency receipts belong to no programme: the evaluation model
    writes no row for them, yet its position moves past them, so it never reads them again."""
    evaluation = open_projector(ledger, store_url, ["evaluation"])
    try:
        for i, number in enumerate(NUMBERS[:3]):
            keyed = Ctx(actor="registry", idempotency_key=f"register-{number}")
            ledger.handle(
                keyed, RegisterCompany(org_number=number, name=f"Firm {i}", region="Viken", sector="food", size="micro")
            )
            ledger.handle(
                CTX, CorrectCompany(org_number=number, name=f"Firm {i} AS", region="Viken", sector="food", size="small")
            )
        names = {f.name for f in facts_upto(ledger)}
        assert names == {"CompanyRegistered", "CommandAccepted", "CompanyDetailsCorrected"}

        assert evaluation.run_once() == len(facts_upto(ledger))
        assert evaluation.positions()["evaluation"] == head(ledger)
        assert all(rows == [] for rows in sql_rows(evaluation.engine, ["evaluation"]).values())
        assert evaluation.run_once() == 0  # nothing is read twice
    finally:
        evaluation.dispose()


# --- waiting for a position ----------------------------------------------------------------------------------------


def test_wait_for_says_whether_the_read_models_reached_a_position(ledger: Ledger, projector: Projector) -> None:
    record(ledger, PREAMBLE)
    written = head(ledger)
    assert projector.wait_for(written, timeout=0.1) is False  # nobody is projecting

    catching_up = threading.Thread(target=projector.run_once)
    catching_up.start()
    try:
        assert projector.wait_for(written, timeout=30) is True
    finally:
        catching_up.join()
    assert projector.wait_for(written, timeout=0) is True
    assert projector.wait_for(written + 1, timeout=0) is False


# --- two projectors ------------------------------------------------------------------------------------------------


def racing(model: ReadModel, rival: Projector) -> ReadModel:
    """The same read model, but the first time it folds a fact the rival projector runs and commits first."""
    raced = False

    def apply(fact: Fact, rows: Rows) -> None:
        nonlocal raced
        if not raced:
            raced = True
            rival.run_once()
        model.apply(fact, rows)

    return ReadModel(model.name, model.tables, apply, model.by_day)


def test_a_projector_overtaken_after_reading_its_batch_applies_none_of_it_again(
    ledger: Ledger, store_url: str, projector: Projector
) -> None:
    """The rival catches up between this projector's read of the log and its transaction."""
    record(ledger)
    rival = open_projector(ledger, store_url)
    raced = False

    def read_then_overtaken(mapper: Any, notification: Any, position: int) -> Fact:
        nonlocal raced
        if not raced:
            raced = True
            rival.run_once()
        return fact_from(mapper, notification, position)

    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(projector_module, "fact_from", read_then_overtaken)
            assert projector.run_once() == len(facts_upto(ledger))
        assert raced
        assert_matches_the_plain_fold(ledger, projector)
    finally:
        rival.dispose()


def test_a_projector_overtaken_mid_batch_rolls_back_instead_of_applying_twice(
    ledger: Ledger, store_url: str, projector: Projector
) -> None:
    """Inside the batch's transaction the rival commits first; the conditional position update notices. (SQLite
    projectors take the write lock when the transaction begins, BEGIN IMMEDIATE, so there nobody can overtake
    mid-batch: the rival would wait for the lock held by the very thread that runs it.)"""
    if StoreLocation(store_url).kind == "sqlite":
        pytest.skip("SQLite projectors serialise on BEGIN IMMEDIATE: no overtaking inside a transaction")
    record(ledger)
    rival = open_projector(ledger, store_url)
    try:
        projector.models = [racing(projector.models[0], rival), *projector.models[1:]]
        with pytest.raises(ConcurrentProjection):
            projector.run_once()
        assert_matches_the_plain_fold(ledger, projector)
        assert projector.run_once() == 0
        assert_matches_the_plain_fold(ledger, projector)
    finally:
        rival.dispose()


def test_two_projectors_taking_turns_apply_every_event_once(
    ledger: Ledger, store_url: str, projector: Projector
) -> None:
    other = open_projector(ledger, store_url)
    try:
        projector.batch_size, other.batch_size = 4, 9
        driver = Driver(ledger)
        for i in range(0, len(HISTORY), 5):
            driver.run(HISTORY[i : i + 5])
            for turn in (projector, other, other, projector):
                if turn.lag() != dict.fromkeys(READ_MODELS, 0):
                    one_batch(turn)
        assert driver.rejected == 0
        while projector.lag() != dict.fromkeys(READ_MODELS, 0):
            one_batch(other)
        assert_matches_the_plain_fold(ledger, projector)
    finally:
        other.dispose()


def test_two_projectors_running_concurrently_apply_every_event_once(
    ledger: Ledger, store_url: str, projector: Projector
) -> None:
    other = open_projector(ledger, store_url)
    writing = threading.Event()
    writing.set()
    errors: list[BaseException] = []

    def project(p: Projector) -> None:
        p.batch_size = 3
        try:
            while writing.is_set() or any(p.lag().values()):
                try:
                    p.run_once()
                except ConcurrentProjection:
                    continue
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=project, args=(p,)) for p in (projector, other)]
    for thread in threads:
        thread.start()
    try:
        record(ledger)
    finally:
        writing.clear()
        for thread in threads:
            thread.join()
        other.dispose()
    assert errors == []
    assert_matches_the_plain_fold(ledger, projector)


# --- running ---------------------------------------------------------------------------------------------------


def test_run_forever_picks_up_new_events_until_stopped(ledger: Ledger, store_url: str, projector: Projector) -> None:
    """On PostgreSQL the next poll is an hour away, so only the store's notification can wake the projector; on
    SQLite it polls. `stop()` is noticed at the next wake-up, so on PostgreSQL one more command wakes it."""
    postgres = StoreLocation(store_url).kind == "postgres"
    failures: list[BaseException] = []

    def run() -> None:
        try:
            projector.run_forever(poll_interval=3600 if postgres else 0.05)
        except BaseException as error:
            failures.append(error)

    record(ledger, PREAMBLE)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert projector.wait_for(head(ledger), timeout=30)
        written = ledger.handle(
            CTX,
            RegisterCompany(
                org_number=NUMBERS[4], name="Trosterud Mekaniske Verksted", region="Oslo", sector="metal", size="small"
            ),
        )
        assert projector.wait_for(written.position, timeout=30), "run_forever did not pick up the new event"
        assert projector.lag() == dict.fromkeys(READ_MODELS, 0)
    finally:
        projector.stop()
        if postgres:
            ledger.handle(
                CTX, HoldForumMeeting(programme="alpha", title="Wake-up", sectors=["industry"], format="Teams")
            )
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert failures == []
    projector.run_once()
    assert_matches_the_plain_fold(ledger, projector)


def _rows_of(reader: Engine, name: str) -> dict[str, int]:
    """How many rows each of a read model's tables holds, read on a connection of its own (as a reader would)."""
    with reader.connect() as db:
        return {table: db.execute(select(func.count()).select_from(TABLES[table])).scalar_one()
                for table in READ_MODELS[name].tables}  # fmt: skip


def test_a_rebuild_is_invisible_until_done_and_a_failed_one_leaves_the_read_model_as_it_was(
    ledger: Ledger, projector: Projector, store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = views_engine(store_url)
    record(ledger)
    projector.run_once()
    before, positions_before = _rows_of(reader, "status"), projector.positions()
    failing_at = (ledger.recorder.max_notification_id() or 0) - 3
    seen_while_rebuilding: list[dict[str, int]] = []

    status = READ_MODELS["status"]

    def fails_late(fact: Fact, rows: Any) -> None:
        if fact.position == failing_at:
            raise ValueError("a fold that cannot apply this event")
        status.apply(fact, rows)

    monkeypatch.setitem(READ_MODELS, "status", ReadModel("status", status.tables, fails_late, status.by_day))
    small = Projector(ledger, projector.engine, ["status"], batch_size=5)
    with pytest.raises(RebuildFailed) as failed:
        small.rebuild("status", lambda *_: seen_while_rebuilding.append(_rows_of(reader, "status")))
    assert (failed.value.position, failed.value.error) == (
        failing_at,
        "ValueError: a fold that cannot apply this event",
    )
    assert len(seen_while_rebuilding) >= 3 and all(seen == before for seen in seen_while_rebuilding), (
        "a reader sees the previous read model while the rebuild runs"
    )
    assert _rows_of(reader, "status") == before and projector.positions() == positions_before
    assert projector.stalls() == []

    monkeypatch.setitem(READ_MODELS, "status", status)
    assert small.rebuild("status") == ledger.recorder.max_notification_id()
    assert _rows_of(reader, "status") == before and projector.positions() == positions_before


# --- read models built by an earlier version ---------------------------------------------------------------------


def built_by_an_earlier_version(projector: Projector, change: str) -> None:
    """What an earlier version of the ledger left: the status read model's fold of another version (its recorded
    fingerprint differs and a row is not what this fold writes), or one of its tables of another shape."""
    with projector.engine.begin() as db:
        db.execute(update(schemas).where(schemas.c.read_model == "status").values(fingerprint="an earlier fold"))
        db.execute(update(TABLES["view_programmes"]).values(name="as an earlier fold wrote it"))
        if change == "shape":
            TABLES["view_programmes_by_day_superseded"].drop(db)


@pytest.mark.parametrize("change", ["fold", "shape"])
def test_a_read_model_built_by_an_earlier_version_is_rebuilt_at_start_up(
    ledger: Ledger, projector: Projector, store_url: str, change: str
) -> None:
    record(ledger)
    projector.run_once()
    built_by_an_earlier_version(projector, change)

    started = open_projector(ledger, store_url)
    try:
        assert started.outdated == {"status": change}
        assert started.reshaping == ({"status"} if change == "shape" else set())
        with started.reader.connect() as db:  # until it is rebuilt, readers see the previous rows
            assert db.execute(select(TABLES["view_programmes"].c.name)).scalars().all() != []
        started.run_once()
        assert (started.outdated, started.reshaping, started.rebuilding) == ({}, set(), {})
        assert_matches_the_plain_fold(ledger, started)
        again = open_projector(ledger, store_url)
        try:
            assert again.outdated == {}
        finally:
            again.dispose()
    finally:
        started.dispose()
