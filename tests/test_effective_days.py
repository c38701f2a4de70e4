"""The rules hold on every effective day, not only at the end of the log: a back-dated fact is checked on its own
day and on every later day already recorded. Effective dates in the future, or before a programme's launch, are
refused; refusals name the rule and the day on which it would break."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from ledger.commands import (
    AllocateFunds,
    AwardGrant,
    DisburseFunds,
    JoinCompany,
    PresentCompany,
    RegisterParticipant,
    ReportExpenditure,
    ReverseEntry,
    ReviseCap,
    WithdrawCompany,
)
from ledger.domain.programme import Programme
from ledger.errors import RuleViolated
from tests.commands_given import (
    CTX,
    DECISION,
    SLUG,
    launch,
    norwegian_org_numbers,
    register_company,
    rejected,
)

if TYPE_CHECKING:
    from ledger.application import Ledger
    from ledger.commands import Command

LAUNCHED = date(2020, 1, 1)  # the test programme's launch (tests/commands_given.launch)


def day(text: str) -> date:
    return date.fromisoformat(text)


def grant_on(ledger: Ledger, on: str, amount: int = 100_000) -> str:
    command = AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=amount, decision=DECISION, effective_on=on)
    return ledger.handle(CTX, command).ids["grant_id"]


def allocate_on(grant_id: str, on: str, amount: int) -> AllocateFunds:
    return AllocateFunds(programme=SLUG, grant_id=grant_id, recipient_kind="provider", recipient="Fagskolen",
                         amount=amount, decision=DECISION, effective_on=on)  # fmt: skip


def refused_on(ledger: Ledger, command: Command, rule: str, on: str) -> None:
    """Refused by the rule, naming the day it would break on; nothing written."""
    error = rejected(ledger, lambda: ledger.handle(CTX, command), RuleViolated, rule=rule)
    assert isinstance(error, RuleViolated)
    assert error.on == day(on), error.message
    assert on in error.message


@pytest.fixture
def programme(sqlite_ledger: Ledger) -> Ledger:
    launch(sqlite_ledger)
    return sqlite_ledger


# --- money ---------------------------------------------------------------------------------------------------


def test_given_a_grant_effective_in_march_when_an_allocation_is_dated_february_then_refused_naming_the_day(
    programme: Ledger,
) -> None:
    grant_id = grant_on(programme, "2021-03-01")
    refused_on(programme, allocate_on(grant_id, "2021-02-15", 60_000), "insufficient_grant_balance",
               "2021-02-15")  # fmt: skip
    programme.handle(CTX, allocate_on(grant_id, "2021-03-01", 60_000))


def test_given_an_allocation_in_april_when_a_payment_is_dated_march_then_refused_naming_the_day(
    programme: Ledger,
) -> None:
    grant_id = grant_on(programme, "2021-03-01")
    allocation_id = programme.handle(CTX, allocate_on(grant_id, "2021-04-01", 60_000)).ids["allocation_id"]
    payment = DisburseFunds(programme=SLUG, allocation_id=allocation_id, amount=10_000, kind="advance",
                            decision=DECISION, effective_on="2021-03-20")  # fmt: skip
    refused_on(programme, payment, "insufficient_allocation_balance", "2021-03-20")


def test_given_money_allocated_in_may_when_the_grant_is_reversed_as_of_april_then_refused_on_may(
    programme: Ledger,
) -> None:
    """Reversing the grant in April would leave May's allocation without the money it came from: the rule breaks
    on the allocation's day, which the refusal names."""
    entry = programme.handle(CTX, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=100_000,
                                             decision=DECISION, effective_on="2021-03-01"))  # fmt: skip
    programme.handle(CTX, allocate_on(entry.ids["grant_id"], "2021-05-01", 60_000))
    reversal = ReverseEntry(programme=SLUG, entry_id=entry.ids["entry_id"], reason="awarded twice",
                            decision=DECISION, effective_on="2021-04-01")  # fmt: skip
    refused_on(programme, reversal, "reversal_exceeds_balance", "2021-05-01")


def test_given_expenditure_in_july_when_an_earlier_dated_expenditure_would_pass_the_allocation_then_refused(
    programme: Ledger,
) -> None:
    """60,000 allocated in March, all of it spent in July: one more øre dated April fits in April (nothing was
    spent by then) and breaks in July, the day the refusal names."""
    grant_id = grant_on(programme, "2021-03-01")
    first = programme.handle(CTX, allocate_on(grant_id, "2021-03-01", 60_000)).ids["allocation_id"]
    programme.handle(CTX, ReportExpenditure(programme=SLUG, allocation_id=first, amount=60_000, period="2021-H2",
                                            effective_on="2021-07-01"))  # fmt: skip
    refused_on(
        programme,
        ReportExpenditure(programme=SLUG, allocation_id=first, amount=1, period="2021-H1", effective_on="2021-04-01"),
        "expenditure_exceeds_allocation",
        "2021-07-01",
    )


# --- caps ----------------------------------------------------------------------------------------------------


def test_given_a_cap_of_one_when_a_join_is_dated_while_another_company_was_active_then_refused_on_that_day(
    sqlite_ledger: Ledger,
) -> None:
    """A joined in March and withdrew in June; B joined in July. At the end of the log one company is active, but
    a join dated April would make two on that day."""
    launch(sqlite_ledger, caps={"companies": 1})
    first, second, third = norwegian_org_numbers(3)
    for number in (first, second, third):
        register_company(sqlite_ledger, number)
    sqlite_ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=first, effective_on="2021-03-01"))
    sqlite_ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=first, reason="no time",
                                              effective_on="2021-06-01"))  # fmt: skip
    sqlite_ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=second, effective_on="2021-07-01"))
    refused_on(sqlite_ledger, JoinCompany(programme=SLUG, org_number=third, effective_on="2021-04-01"),
               "company_cap_reached", "2021-04-01")  # fmt: skip
    # dated before A joined, it is the only active company until A joins: then two
    refused_on(sqlite_ledger, JoinCompany(programme=SLUG, org_number=third, effective_on="2021-02-01"),
               "company_cap_reached", "2021-03-01")  # fmt: skip


def test_given_a_participant_cap_raised_in_june_when_a_registration_is_dated_before_then_refused(
    sqlite_ledger: Ledger,
) -> None:
    launch(sqlite_ledger, caps={"participants": 1})
    number = norwegian_org_numbers(1)[0]
    register_company(sqlite_ledger, number)
    sqlite_ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=number, effective_on="2021-02-01"))
    sqlite_ledger.handle(CTX, ReviseCap(programme=SLUG, name="participants", value=2, decision=DECISION,
                                        effective_on="2021-06-01"))  # fmt: skip

    def register(on: str) -> RegisterParticipant:
        return RegisterParticipant(programme=SLUG, org_number=number, target_group="employed", effective_on=on)

    sqlite_ledger.handle(CTX, register("2021-03-01"))
    refused_on(sqlite_ledger, register("2021-04-01"), "participant_cap_reached", "2021-04-01")
    sqlite_ledger.handle(CTX, register("2021-06-01"))


def test_given_two_companies_active_in_march_when_the_cap_is_set_to_one_from_march_then_refused_naming_the_day(
    sqlite_ledger: Ledger,
) -> None:
    launch(sqlite_ledger, caps={"companies": 2})
    first, second = norwegian_org_numbers(2)
    for number in (first, second):
        register_company(sqlite_ledger, number)
        sqlite_ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=number, effective_on="2021-03-01"))
    sqlite_ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=second, reason="closed down",
                                              effective_on="2021-05-01"))  # fmt: skip
    revise = ReviseCap(programme=SLUG, name="companies", value=1, decision=DECISION, effective_on="2021-04-01")
    refused_on(sqlite_ledger, revise, "cap_below_current", "2021-04-01")
    sqlite_ledger.handle(CTX, revise.model_copy(update={"effective_on": day("2021-05-01")}))


# --- which days a fact may take effect on --------------------------------------------------------------------


def test_given_a_launched_programme_when_a_fact_is_dated_before_its_launch_then_refused(programme: Ledger) -> None:
    number = norwegian_org_numbers(1)[0]
    register_company(programme, number)
    before = (LAUNCHED - timedelta(days=1)).isoformat()
    refused_on(programme, PresentCompany(programme=SLUG, org_number=number, effective_on=before),
               "effective_before_launch", before)  # fmt: skip


def test_given_a_programme_when_a_fact_is_dated_in_the_future_then_refused(programme: Ledger) -> None:
    later = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    refused_on(programme, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=1, decision=DECISION,
                                     effective_on=later), "effective_in_future", later)  # fmt: skip


def test_given_a_company_that_joined_in_march_when_a_presentation_is_dated_february_then_it_is_recorded(
    programme: Ledger,
) -> None:
    """A presentation found later may be dated back to before the joining (a day on which the company had not
    joined), but not to a day after it."""
    number = norwegian_org_numbers(1)[0]
    register_company(programme, number)
    programme.handle(CTX, JoinCompany(programme=SLUG, org_number=number, effective_on="2021-03-01"))
    programme.handle(CTX, PresentCompany(programme=SLUG, org_number=number, effective_on="2021-02-01"))
    refused_on(programme, PresentCompany(programme=SLUG, org_number=number, effective_on="2021-04-01"),
               "already_joined", "2021-04-01")  # fmt: skip
    state: Programme = programme.repository.get(Programme.create_id(SLUG))
    assert state.stage_of(next(iter(state.companies))) == "joined"
