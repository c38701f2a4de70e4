"""The folds dispatch on the event catalogue's classes, never on names: every event a read model shows has its
handler, a stored event (recorded as the aggregate's own subclass of a catalogue class) reaches the handler of
its catalogue class with its typed fields and its envelope, and an event class has at most one handler per fold."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledger.events import (
    EVENTS,
    CommandAccepted,
    CompanyJoined,
    ContributionRecorded,
    ForumOpened,
    FundsOpened,
    InKindRateSet,
    LedgerEvent,
    PaymentApproved,
    PaymentCancelled,
    PaymentConfirmed,
    PaymentControlSet,
    PaymentExpired,
    PaymentRequested,
    PaymentsStopped,
    PaymentStopLifted,
    RepaymentClaimed,
    RepaymentReceived,
    ReportingOpened,
    UnusedFundsReturned,
    reporting,
)
from projections.audit.fold import fold as audit_fold
from projections.claims.fold import fold as claims_fold
from projections.evaluation.fold import fold as evaluation_fold
from projections.facts import Fact, facts_from
from projections.folding import At, Fold
from projections.rows import MemoryRows, Rows
from projections.status.fold import fold as status_fold
from storage.open import open_ledger

FIXTURE = Path(__file__).parent / "fixtures" / "store-v1" / "ledger.sqlite3"

NOTHING_TO_SHOW: set[type[LedgerEvent]] = {FundsOpened, ForumOpened, ReportingOpened, CommandAccepted}
"""Events no read model shows: they open an aggregate (whose later events show) or keep an idempotency receipt.
The integrity fold indexes every event alike, with no handlers."""


REPORTING = {cls for cls in vars(reporting).values() if isinstance(cls, type) and cls.__module__ == reporting.__name__}
SINCE_STORE_V1: set[type[LedgerEvent]] = {
    PaymentControlSet,
    PaymentRequested,
    PaymentApproved,
    PaymentConfirmed,
    PaymentCancelled,
    PaymentExpired,
    PaymentsStopped,
    PaymentStopLifted,
    RepaymentClaimed,
    RepaymentReceived,
    ReportingOpened,
    UnusedFundsReturned,
    InKindRateSet,
    ContributionRecorded,
    *REPORTING,
}
"""Events added after the earlier version wrote tests/fixtures/store-v1 (so it holds none of them)."""


@pytest.fixture(scope="module")
def stored_facts(tmp_path_factory: pytest.TempPathFactory) -> list[Fact]:
    """Every event of the store written by the earlier version (all 42 kinds), as facts."""
    path = tmp_path_factory.mktemp("handlers") / "ledger.sqlite3"
    shutil.copy(FIXTURE, path)
    ledger = open_ledger(f"sqlite:///{path}")
    try:
        notifications = ledger.recorder.select_notifications(start=0, limit=100_000)
        return list(facts_from(ledger.mapper, notifications))
    finally:
        ledger.close()


def test_every_event_a_read_model_shows_has_a_handler() -> None:
    handled = status_fold.handled | audit_fold.handled | evaluation_fold.handled | claims_fold.handled
    assert handled | NOTHING_TO_SHOW == set(EVENTS)
    assert not handled & NOTHING_TO_SHOW


def test_a_stored_event_is_a_fact_of_its_catalogue_class(stored_facts: list[Fact]) -> None:
    assert {fact.kind for fact in stored_facts} == set(EVENTS) - SINCE_STORE_V1
    for fact in stored_facts:
        assert isinstance(fact.event, fact.kind)
        assert fact.name == fact.kind.__name__ == type(fact.event).__name__
    assert any(type(fact.event) is not fact.kind for fact in stored_facts), "aggregates record their own subclasses"


def test_a_handler_gets_the_typed_event_and_its_envelope(stored_facts: list[Fact]) -> None:
    fold = Fold("view_owners")
    seen: list[tuple[str, At]] = []

    @fold.on(CompanyJoined)
    def joined(e: CompanyJoined, at: At, _: Rows) -> None:
        seen.append((e.org_number, at))

    rows = MemoryRows()
    for fact in stored_facts:
        fold(fact, rows)
    joins = [fact for fact in stored_facts if fact.kind is CompanyJoined]
    assert len(seen) == len(joins) > 0
    for (org_number, at), fact in zip(seen, joins, strict=True):
        assert org_number == fact.data["org_number"]
        assert (at.position, at.originator_id, at.actor) == (fact.position, fact.originator_id, fact.actor)
        assert (at.recorded_at, at.effective_on, at.name) == (fact.recorded_at, fact.effective_date, "CompanyJoined")
        assert at.programme_id == fact.originator_id  # a programme's own event


def test_an_event_class_has_one_handler_per_fold() -> None:
    fold = Fold("view_owners")
    fold.on(CompanyJoined)(lambda _e, _at, _rows: None)
    with pytest.raises(ValueError, match="CompanyJoined"):
        fold.on(CompanyJoined)(lambda _e, _at, _rows: None)
