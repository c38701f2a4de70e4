"""Group commit: commands that arrive while a group is being committed share the next transaction (one commit, one
fsync); a group that fails on a concurrent write is checked again command by command, and a command queued on top
of it goes with it. The first commit is held open here, so the grouping does not depend on timing."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

import pytest

from bootstrap import open_ledger
from ledger.application import Ctx, Ledger
from ledger.commands import JoinCompany, LaunchProgramme, RegisterCompany
from ledger.errors import LedgerError, RuleViolated
from tests.test_projection_properties import norwegian_numbers

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

CTX = Ctx(actor="coordinator@group")
NUMBERS = norwegian_numbers(12)


def company(n: int) -> RegisterCompany:
    return RegisterCompany(org_number=NUMBERS[n], name=f"Company {n}", region="Viken", sector="metal", size="small")


class HeldFirstCommit:
    """Holds the ledger's first group commit open until released, and counts the commits."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.record = ledger._record
        self.entered = threading.Event()
        self.release = threading.Event()
        self.commits: list[int] = []
        ledger._record = self._held  # type: ignore[method-assign,assignment]

    def _held(self, processing: Any) -> Any:
        if not self.entered.is_set():
            self.entered.set()
            self.release.wait(30)
        self.commits.append(len(processing.events))
        return self.record(processing)


def run_concurrently(
    ledger: Ledger, commands: Sequence[Callable[..., Any]], held: HeldFirstCommit, meanwhile: Callable[[], Any] = list
) -> list[Any]:
    """Run the first command (its commit is held), queue the others behind it, do `meanwhile`, then release."""
    results: list[Any] = [None] * len(commands)

    def run(i: int) -> None:
        try:
            results[i] = commands[i]()
        except LedgerError as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(commands))]
    threads[0].start()
    assert held.entered.wait(30), "the first command reached its commit"
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 30
    while len(ledger._queue) < len(commands) - 1 and time.monotonic() < deadline:
        time.sleep(0.001)
    meanwhile()
    held.release.set()
    for thread in threads:
        thread.join(30)
    return results


@pytest.fixture
def ledger(store_url: str) -> Any:
    ledger = open_ledger(store_url)
    yield ledger
    ledger.close()


def test_commands_waiting_for_a_commit_share_the_next_one(ledger: Ledger) -> None:
    held = HeldFirstCommit(ledger)
    commands = [lambda n=n: ledger.handle(CTX, company(n)) for n in range(9)]
    results = run_concurrently(ledger, commands, held)
    assert held.commits == [1, 8], "the first commit alone, then the eight waiting commands in one"
    assert len({r.position for r in results[1:]}) == 1 and results[1].position > results[0].position
    for n in range(9):
        assert ledger.company(NUMBERS[n]).name == f"Company {n}"
    assert ledger.recorder.max_notification_id() == 9


def test_a_group_that_fails_on_a_concurrent_write_is_checked_again_command_by_command(
    ledger: Ledger, store_url: str
) -> None:
    """While the group waits, another process joins two companies, filling the programme's cap but one: the
    group's commit fails on the programme's version, each command is checked again, and the cap refuses the join
    that no longer fits."""
    ledger.handle(CTX, LaunchProgramme(slug="group", name="Group", owner="Cluster", funders=["Kompetanse Norge"],
                                       starts_on="2021-01-01", ends_on="2026-12-31", currency="NOK",
                                       caps={"companies": 3}))  # fmt: skip
    for n in range(6):
        ledger.handle(CTX, company(n))

    def other_process_joins() -> None:
        other = open_ledger(store_url)
        try:
            other.handle(CTX, JoinCompany(programme="group", org_number=NUMBERS[0]))
            other.handle(CTX, JoinCompany(programme="group", org_number=NUMBERS[1]))
        finally:
            other.close()

    held = HeldFirstCommit(ledger)
    commands = [
        lambda: ledger.handle(CTX, company(6)),
        *(lambda n=n: ledger.handle(CTX, JoinCompany(programme="group", org_number=NUMBERS[n])) for n in (2, 3)),
    ]
    results = run_concurrently(ledger, commands, held, other_process_joins)
    joined = [r for r in results[1:] if not isinstance(r, LedgerError)]
    refused = [r for r in results[1:] if isinstance(r, RuleViolated)]
    assert len(joined) == 1 and len(refused) == 1 and refused[0].rule == "company_cap_reached", results
    assert len(held.commits) >= 3, "the group failed on the other process's joins and was committed again"
    assert ledger.company(NUMBERS[6]).name == "Company 6", "the command the conflict did not concern is stored"
