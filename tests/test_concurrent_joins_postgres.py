"""Companies join a capped programme at the same time, from threads and from separate processes each with its own
ledger: the cap holds, every accepted join is stored, and every refusal says the cap was reached."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from typing import Any

import pytest

from ledger.application import Ctx, Ledger
from ledger.commands import JoinCompany
from ledger.domain.programme import Programme
from ledger.errors import RuleViolated
from storage.open import open_ledger
from tests.commands_given import launch, norwegian_org_numbers, register_company

CAP = 5
COMPANIES = norwegian_org_numbers(12)
SLUG = "fremtid"


def _join(ledger: Ledger, number: str) -> str:
    """Joins one company; returns 'joined' or the rule that refused it."""
    try:
        ledger.handle(Ctx(actor=f"coordinator-{number}"), JoinCompany(programme=SLUG, org_number=number))
    except RuleViolated as error:
        return error.rule
    return "joined"


def _join_in_threads(ledger: Ledger, numbers: list[str], barrier: Any | None = None) -> list[str]:
    """One thread per company, all sharing `ledger`, released together (after `barrier`, if given)."""
    ledger.programme(SLUG)  # warm up the connections and the cache before the race starts
    if barrier is not None:
        barrier.wait(timeout=60)
    start = threading.Barrier(len(numbers))
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def worker(number: str) -> None:
        try:
            start.wait(timeout=60)
            outcomes.append(_join(ledger, number))
        except BaseException as error:  # surfaced below: a thread's exception must fail the test
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert len(outcomes) == len(numbers)
    return outcomes


def _process(url: str, numbers: list[str], barrier: Any) -> list[str]:
    """A separate process with its own ledger, joining its companies from several threads."""
    ledger = open_ledger(url)
    try:
        return _join_in_threads(ledger, numbers, barrier)
    finally:
        ledger.close()


def _race_ledgers(url: str, ledgers: int) -> list[str]:
    """`ledgers` ledgers in this process (each with its own cache and pool), each joining from several threads."""
    opened = [open_ledger(url) for _ in range(ledgers)]
    barrier = threading.Barrier(ledgers)
    results: list[list[str]] = [[] for _ in opened]

    def run(i: int) -> None:
        results[i] = _join_in_threads(opened[i], COMPANIES[i::ledgers], barrier)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(ledgers)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for ledger in opened:
            ledger.close()
    return [outcome for outcomes in results for outcome in outcomes]


def _given_programme(url: str) -> None:
    ledger = open_ledger(url)
    try:
        launch(ledger, slug=SLUG, caps={"companies": CAP})
        for number in COMPANIES:
            register_company(ledger, number)
    finally:
        ledger.close()


def _assert_cap_held(url: str, outcomes: list[str]) -> None:
    ledger = open_ledger(url)
    try:
        events = list(ledger.events.get(Programme.create_id(SLUG)))
        joined = [e.org_number for e in events if type(e).__name__ == "CompanyJoined"]
        assert Counter(outcomes) == {"joined": CAP, "company_cap_reached": len(COMPANIES) - CAP}, (outcomes, joined)
        assert len(joined) == CAP == len(set(joined))
        programme: Any = ledger.repository.get(Programme.create_id(SLUG), version=2**31)
        assert programme.active_company_count == CAP
        assert programme.version == 1 + CAP
    finally:
        ledger.close()


@pytest.mark.postgres
@pytest.mark.parametrize("ledgers", [1, 3], ids=["one-ledger-12-threads", "three-ledgers-4-threads-each"])
def test_given_cap_when_threads_join_concurrently_on_postgres_then_cap_holds(postgres_url: str, ledgers: int) -> None:
    _given_programme(postgres_url)
    _assert_cap_held(postgres_url, _race_ledgers(postgres_url, ledgers))


@pytest.mark.postgres
def test_given_cap_when_processes_join_concurrently_on_postgres_then_cap_holds(postgres_url: str) -> None:
    """Four processes (spawned, each opening its own ledger) with three threads each."""
    _given_programme(postgres_url)
    processes = 4
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(processes)
        with context.Pool(processes) as pool:
            batches = pool.starmap(
                _process, [(postgres_url, COMPANIES[i::processes], barrier) for i in range(processes)], chunksize=1
            )
    _assert_cap_held(postgres_url, [outcome for batch in batches for outcome in batch])


@pytest.mark.parametrize("ledgers", [1, 3], ids=["one-ledger-12-threads", "three-ledgers-4-threads-each"])
def test_given_cap_when_threads_join_concurrently_on_sqlite_then_cap_holds(sqlite_url: str, ledgers: int) -> None:
    _given_programme(sqlite_url)
    _assert_cap_held(sqlite_url, _race_ledgers(sqlite_url, ledgers))
