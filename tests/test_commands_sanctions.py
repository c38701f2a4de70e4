"""Sanctions by a funder's decision: payments stopped on a grant or an allocation (no payment passes while
stopped) and the stop lifted; a repayment claimed back from what was paid, the repayment received; unused funds
returned to the funder at the end. Each moves money between named accounts; money stays conserved."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ledger.application import Ctx, Ledger
from ledger.commands import (
    AllocateFunds,
    ApprovePayment,
    AwardGrant,
    ClaimRepayment,
    CloseProgramme,
    Command,
    ConfirmPayment,
    DisburseFunds,
    LiftPaymentStop,
    ReceiveRepayment,
    ReportExpenditure,
    RequestPayment,
    ReturnUnusedFunds,
    ReverseEntry,
    StopPayments,
)
from ledger.domain.funds import Funds
from ledger.domain.programme import Programme
from ledger.errors import InvalidInput, NotFound, RuleViolated
from tests.commands_given import CTX, DECISION, SLUG, event_names, last_event, launch, rejected

FUNDS_ID = Funds.create_id(Programme.create_id(SLUG))
FUNDER = "Kompetanse Norge"


@pytest.fixture
def funded(ledger: Ledger) -> tuple[Ledger, str, str]:
    """A grant of 1,000 and an allocation of 600 from it, both effective 2021-01-04."""
    launch(ledger)
    on: dict[str, Any] = {"decision": DECISION, "effective_on": "2021-01-04"}
    grant_id = ledger.handle(CTX, AwardGrant(programme=SLUG, funder=FUNDER, amount=1_000, **on)).ids["grant_id"]
    allocation_id = ledger.handle(
        CTX,
        AllocateFunds(programme=SLUG, grant_id=grant_id, recipient_kind="provider", recipient="NMBU", amount=600, **on),
    ).ids["allocation_id"]
    return ledger, grant_id, allocation_id


def stop(ledger: Ledger, scope: str, target_id: str, on: str | None = None) -> Any:
    command = StopPayments(
        programme=SLUG, scope=scope, target_id=target_id, reason="report overdue", decision=DECISION, effective_on=on
    )
    return ledger.handle(CTX, command)


def lift(ledger: Ledger, scope: str, target_id: str, on: str | None = None) -> Any:
    command = LiftPaymentStop(programme=SLUG, scope=scope, target_id=target_id, decision=DECISION, effective_on=on)
    return ledger.handle(CTX, command)


def pay(ledger: Ledger, allocation_id: str, amount: int, on: str | None = None) -> str:
    command = DisburseFunds(programme=SLUG, allocation_id=allocation_id, amount=amount, effective_on=on)
    return ledger.handle(CTX, command).ids["entry_id"]


def funds(ledger: Ledger) -> Funds:
    return ledger.funds(SLUG)


def assert_conserved(ledger: Ledger) -> None:
    current = funds(ledger)
    assert sum(current.balances.values()) == 0
    assert all(v >= 0 for account, v in current.balances.items() if not account.startswith("funder:"))


# --- payment stops -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["grant", "allocation"])
def test_given_payments_stopped_when_a_payment_is_made_then_rejected_until_the_stop_is_lifted(
    funded: tuple[Ledger, str, str], scope: str
) -> None:
    ledger, grant_id, allocation_id = funded
    target = grant_id if scope == "grant" else allocation_id
    stopped = stop(ledger, scope, target, "2021-03-01")
    event = last_event(ledger, FUNDS_ID)
    assert (type(event).__name__, event.stop_id, event.decision) == (
        "PaymentsStopped",
        stopped.ids["stop_id"],
        DECISION,
    )
    rejected(
        ledger, lambda: pay(ledger, allocation_id, 10, "2021-03-02"), RuleViolated, rule="payments_stopped",
        unchanged=[FUNDS_ID],
    )  # fmt: skip
    pay(ledger, allocation_id, 10, "2021-02-27")  # before the stop took effect
    lift(ledger, scope, target, "2021-04-01")
    rejected(ledger, lambda: pay(ledger, allocation_id, 10, "2021-03-31"), RuleViolated, rule="payments_stopped")
    pay(ledger, allocation_id, 10, "2021-04-01")
    assert event_names(ledger, FUNDS_ID)[-2:] == ["PaymentStopLifted", "FundsDisbursed"]
    assert funds(ledger).balance(f"disbursed:{allocation_id}") == 20


def test_given_payments_stopped_when_a_requested_payment_is_confirmed_then_rejected(
    funded: tuple[Ledger, str, str],
) -> None:
    ledger, _, allocation_id = funded
    command = RequestPayment(programme=SLUG, allocation_id=allocation_id, amount=100, effective_on="2021-02-01")
    payment_id = ledger.handle(CTX, command).ids["payment_id"]
    approver = Ctx(actor="attester@fremtid")
    ledger.handle(approver, ApprovePayment(programme=SLUG, payment_id=payment_id, effective_on="2021-02-02"))
    stop(ledger, "allocation", allocation_id, "2021-02-03")
    confirm = ConfirmPayment(programme=SLUG, payment_id=payment_id, effective_on="2021-02-04")
    rejected(ledger, lambda: ledger.handle(CTX, confirm), RuleViolated, rule="payments_stopped")
    lift(ledger, "allocation", allocation_id, "2021-02-10")
    ledger.handle(CTX, confirm.model_copy(update={"effective_on": None}))
    assert funds(ledger).payments[payment_id]["state"] == "paid"


def test_given_stop_on_one_allocation_when_another_is_paid_then_it_passes(funded: tuple[Ledger, str, str]) -> None:
    ledger, grant_id, allocation_id = funded
    other = ledger.handle(
        CTX,
        AllocateFunds(programme=SLUG, grant_id=grant_id, recipient_kind="provider", recipient="OsloMet", amount=100,
                      decision=DECISION, effective_on="2021-01-04"),
    ).ids["allocation_id"]  # fmt: skip
    stop(ledger, "allocation", allocation_id, "2021-03-01")
    pay(ledger, other, 50, "2021-03-02")


def test_given_payments_stopped_when_stopped_again_then_rejected(funded: tuple[Ledger, str, str]) -> None:
    ledger, grant_id, _ = funded
    stop(ledger, "grant", grant_id, "2021-03-01")
    rejected(
        ledger, lambda: stop(ledger, "grant", grant_id, "2021-03-05"), RuleViolated, rule="payments_already_stopped"
    )


def test_given_no_stop_when_lifted_then_rejected(funded: tuple[Ledger, str, str]) -> None:
    ledger, _, allocation_id = funded
    rejected(ledger, lambda: lift(ledger, "allocation", allocation_id), RuleViolated, rule="payments_not_stopped")


def test_given_a_payment_when_a_stop_is_dated_before_it_then_rejected_naming_its_day(
    funded: tuple[Ledger, str, str],
) -> None:
    ledger, grant_id, allocation_id = funded
    pay(ledger, allocation_id, 10, "2021-05-01")
    error = rejected(ledger, lambda: stop(ledger, "grant", grant_id, "2021-04-01"), RuleViolated,
                     rule="payment_after_stop")  # fmt: skip
    assert isinstance(error, RuleViolated) and str(error.on) == "2021-05-01"
    stop(ledger, "grant", grant_id, "2021-05-01")  # on the payment's own day: the payment was made before it
    rejected(ledger, lambda: pay(ledger, allocation_id, 10, "2021-05-01"), RuleViolated, rule="payments_stopped")


def test_given_a_stop_when_lifted_before_it_took_effect_then_rejected(funded: tuple[Ledger, str, str]) -> None:
    ledger, _, allocation_id = funded
    stop(ledger, "allocation", allocation_id, "2021-03-01")
    rejected(
        ledger, lambda: lift(ledger, "allocation", allocation_id, "2021-02-01"), RuleViolated,
        rule="effective_before_previous",
    )  # fmt: skip


@pytest.mark.parametrize("scope", ["grant", "allocation"])
def test_given_unknown_target_when_payments_stopped_then_not_found(funded: tuple[Ledger, str, str], scope: str) -> None:
    ledger, _, _ = funded
    error = rejected(ledger, lambda: stop(ledger, scope, str(uuid.uuid4())), NotFound, field="target_id")
    assert isinstance(error, NotFound) and error.what == scope


# --- repayment claims and repayments -------------------------------------------------------------------------


def claim(ledger: Ledger, allocation_id: str, amount: int, on: str | None = None) -> str:
    command = ClaimRepayment(programme=SLUG, allocation_id=allocation_id, amount=amount, reason="ineligible costs",
                             decision=DECISION, effective_on=on)  # fmt: skip
    return ledger.handle(CTX, command).ids["entry_id"]


def repay(ledger: Ledger, allocation_id: str, amount: int, on: str | None = None) -> str:
    command = ReceiveRepayment(programme=SLUG, allocation_id=allocation_id, amount=amount, effective_on=on)
    return ledger.handle(CTX, command).ids["entry_id"]


def test_given_payment_when_repayment_claimed_and_received_then_money_moves_through_named_accounts(
    funded: tuple[Ledger, str, str],
) -> None:
    ledger, grant_id, allocation_id = funded
    pay(ledger, allocation_id, 400, "2021-02-01")
    entry = claim(ledger, allocation_id, 150, "2021-06-01")
    event = last_event(ledger, FUNDS_ID)
    assert (type(event).__name__, event.entry_id, event.decision, event.reason) == (
        "RepaymentClaimed", entry, DECISION, "ineligible costs")  # fmt: skip
    current = funds(ledger)
    assert current.balance(f"disbursed:{allocation_id}") == 250
    assert current.balance(f"repayment_due:{allocation_id}") == 150
    repay(ledger, allocation_id, 100, "2021-07-01")
    current = funds(ledger)
    assert current.balance(f"repayment_due:{allocation_id}") == 50
    assert current.balance(f"repaid:{grant_id}") == 100
    assert_conserved(ledger)


def test_given_payment_when_more_than_was_paid_is_claimed_then_rejected(funded: tuple[Ledger, str, str]) -> None:
    ledger, _, allocation_id = funded
    pay(ledger, allocation_id, 400, "2021-02-01")
    rejected(ledger, lambda: claim(ledger, allocation_id, 401), RuleViolated, rule="repayment_exceeds_disbursed",
             unchanged=[FUNDS_ID])  # fmt: skip
    rejected(ledger, lambda: claim(ledger, allocation_id, 100, "2021-01-31"), RuleViolated,
             rule="repayment_exceeds_disbursed")  # fmt: skip


def test_given_paid_money_spent_when_a_repayment_is_claimed_then_rejected(funded: tuple[Ledger, str, str]) -> None:
    """What the recipient spent (reported expenditure) is not claimed back while the expenditure stands."""
    ledger, _, allocation_id = funded
    pay(ledger, allocation_id, 600, "2021-02-01")
    ledger.handle(CTX, ReportExpenditure(programme=SLUG, allocation_id=allocation_id, amount=500, period="2021-H1"))
    rejected(ledger, lambda: claim(ledger, allocation_id, 101), RuleViolated, rule="repayment_below_expenditure")
    claim(ledger, allocation_id, 100)


def test_given_claim_when_more_than_owed_is_repaid_then_rejected(funded: tuple[Ledger, str, str]) -> None:
    ledger, _, allocation_id = funded
    pay(ledger, allocation_id, 400, "2021-02-01")
    claim(ledger, allocation_id, 150, "2021-06-01")
    rejected(ledger, lambda: repay(ledger, allocation_id, 151), RuleViolated, rule="repayment_exceeds_claim")
    rejected(ledger, lambda: repay(ledger, allocation_id, 10, "2021-05-31"), RuleViolated,
             rule="repayment_exceeds_claim")  # fmt: skip


def test_given_claim_when_reversed_then_the_money_counts_as_paid_again(funded: tuple[Ledger, str, str]) -> None:
    ledger, _, allocation_id = funded
    pay(ledger, allocation_id, 400, "2021-02-01")
    entry = claim(ledger, allocation_id, 150, "2021-06-01")
    ledger.handle(CTX, ReverseEntry(programme=SLUG, entry_id=entry, reason="appeal upheld", decision=DECISION))
    assert funds(ledger).balance(f"disbursed:{allocation_id}") == 400
    assert_conserved(ledger)


# --- unused funds returned -----------------------------------------------------------------------------------


def test_given_unallocated_money_when_returned_then_it_goes_back_to_the_funder(funded: tuple[Ledger, str, str]) -> None:
    ledger, grant_id, _ = funded
    command = ReturnUnusedFunds(programme=SLUG, grant_id=grant_id, amount=400, decision=DECISION)
    entry = ledger.handle(CTX, command).ids["entry_id"]
    current = funds(ledger)
    assert current.balance(f"grant:{grant_id}") == 0
    assert current.balance(f"funder:{FUNDER}") == -600
    assert last_event(ledger, FUNDS_ID).entry_id == entry
    assert_conserved(ledger)


def test_given_allocated_money_when_more_than_unallocated_is_returned_then_rejected(
    funded: tuple[Ledger, str, str],
) -> None:
    ledger, grant_id, _ = funded
    command = ReturnUnusedFunds(programme=SLUG, grant_id=grant_id, amount=401, decision=DECISION)
    rejected(ledger, lambda: ledger.handle(CTX, command), RuleViolated, rule="insufficient_grant_balance",
             unchanged=[FUNDS_ID])  # fmt: skip


def test_given_unknown_grant_when_funds_returned_then_not_found(funded: tuple[Ledger, str, str]) -> None:
    ledger, _, _ = funded
    command = ReturnUnusedFunds(programme=SLUG, grant_id=str(uuid.uuid4()), amount=1, decision=DECISION)
    rejected(ledger, lambda: ledger.handle(CTX, command), NotFound, field="grant_id")


# --- input and programme -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("command", "fields", "field"),
    [
        (StopPayments, {"scope": "company", "target_id": str(uuid.uuid4()), "reason": "r", "decision": DECISION},
         "scope"),
        (StopPayments, {"scope": "grant", "target_id": "g", "reason": "r", "decision": DECISION}, "target_id"),
        (StopPayments, {"scope": "grant", "target_id": str(uuid.uuid4()), "decision": DECISION}, "reason"),
        (LiftPaymentStop, {"scope": "grant", "target_id": str(uuid.uuid4())}, "decision"),
        (ClaimRepayment, {"allocation_id": str(uuid.uuid4()), "amount": -1, "reason": "r", "decision": DECISION},
         "amount"),
        (ReceiveRepayment, {"allocation_id": str(uuid.uuid4()), "amount": "10"}, "amount"),
        (ReturnUnusedFunds, {"grant_id": str(uuid.uuid4()), "amount": 10**16, "decision": DECISION}, "amount"),
    ],
)  # fmt: skip
def test_given_bad_input_when_sanction_recorded_then_rejected_naming_the_field(
    command: type[Command], fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        command(programme=SLUG, **fields)
    assert caught.value.field == field


def test_given_closed_programme_when_sanctions_are_recorded_then_rejected(funded: tuple[Ledger, str, str]) -> None:
    ledger, grant_id, allocation_id = funded
    pay(ledger, allocation_id, 100, "2021-02-01")
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    for command in (
        lambda: stop(ledger, "grant", grant_id),
        lambda: claim(ledger, allocation_id, 10),
        lambda: ledger.handle(CTX, ReturnUnusedFunds(programme=SLUG, grant_id=grant_id, amount=1, decision=DECISION)),
    ):
        rejected(ledger, command, RuleViolated, rule="programme_closed", unchanged=[FUNDS_ID])
