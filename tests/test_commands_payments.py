"""Payments by two people: a payment is requested (its amount reserved on the allocation), approved by one person
and confirmed as paid by another; below the programme's amount for one step it may be paid at once; a pending
payment is cancelled with a reason or expires. Given past events, when a command, then the events or the error."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ledger.application import Ctx, Ledger
from ledger.commands import (
    AllocateFunds,
    ApprovePayment,
    AwardGrant,
    CancelPayment,
    CloseProgramme,
    Command,
    ConfirmPayment,
    DisburseFunds,
    ExpirePayment,
    ReallocateFunds,
    RequestPayment,
    ReverseEntry,
    SetPaymentControl,
)
from ledger.domain.funds import Funds
from ledger.domain.programme import Programme
from ledger.errors import InvalidInput, NotFound, RuleViolated
from storage.open import open_ledger
from tests.commands_given import DECISION, SLUG, allocation, event_names, grant, last_event, launch, rejected

FUNDS_ID = Funds.create_id(Programme.create_id(SLUG))
CLERK = Ctx(actor="clerk@fremtid")  # requests
ATTESTER = Ctx(actor="attester@fremtid")  # approves
PAYER = Ctx(actor="payer@fremtid")  # confirms as paid


@pytest.fixture
def launched(ledger: Ledger) -> Ledger:
    launch(ledger)
    return ledger


@pytest.fixture
def allocated(launched: Ledger) -> tuple[Ledger, str]:
    """A grant of 1,000 with an allocation of 600 (both effective 2021-01-01), under a payment control: 100 or more
    needs two people."""
    on = {"effective_on": "2021-01-01", "decision": DECISION}
    grant_id = launched.handle(CLERK, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=1_000, **on))
    allocation_id = launched.handle(
        CLERK,
        AllocateFunds(programme=SLUG, grant_id=grant_id.ids["grant_id"], recipient_kind="provider",
                      recipient="OsloMet", amount=600, **on),
    ).ids["allocation_id"]  # fmt: skip
    launched.handle(CLERK, SetPaymentControl(programme=SLUG, single_step_below=100, decision=DECISION))
    return launched, allocation_id


def request(ledger: Ledger, allocation_id: str, amount: int, **extra: Any) -> str:
    command = RequestPayment(programme=SLUG, allocation_id=allocation_id, amount=amount, **extra)
    return ledger.handle(CLERK, command).ids["payment_id"]


def approve(ledger: Ledger, payment_id: str, ctx: Ctx = ATTESTER, **extra: Any) -> Any:
    return ledger.handle(ctx, ApprovePayment(programme=SLUG, payment_id=payment_id, **extra))


def confirm(ledger: Ledger, payment_id: str, ctx: Ctx = PAYER, **extra: Any) -> Any:
    return ledger.handle(ctx, ConfirmPayment(programme=SLUG, payment_id=payment_id, **extra))


def funds(ledger: Ledger) -> Funds:
    return ledger.funds(SLUG)


# --- the whole way: requested, approved, confirmed as paid --------------------------------------------------------


def test_given_allocation_when_payment_requested_approved_and_paid_by_two_people_then_money_is_disbursed(
    allocated: tuple[Ledger, str],
) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 400, kind="advance")
    assert funds(ledger).reserved_on(allocation_id) == 400
    assert funds(ledger).balance(f"allocation:{allocation_id}") == 600  # reserved, not yet moved
    approve(ledger, payment_id)
    paid = confirm(ledger, payment_id)
    current = funds(ledger)
    assert current.balance(f"allocation:{allocation_id}") == 200
    assert current.balance(f"disbursed:{allocation_id}") == 400
    assert current.reserved_on(allocation_id) == 0
    payment = current.payments[payment_id]
    assert (payment["state"], payment["requested_by"], payment["approved_by"]) == (
        "paid",
        CLERK.actor,
        ATTESTER.actor,
    )
    assert event_names(ledger, FUNDS_ID)[-3:] == ["PaymentRequested", "PaymentApproved", "PaymentConfirmed"]
    event = last_event(ledger, FUNDS_ID)
    assert (event.entry_id, event.amount, event.kind, event.actor) == (
        paid.ids["entry_id"],
        400,
        "advance",
        PAYER.actor,
    )
    assert sum(current.balances.values()) == 0


def test_given_payment_approved_when_the_approver_confirms_it_as_paid_then_rejected(
    allocated: tuple[Ledger, str],
) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 400)
    approve(ledger, payment_id)
    rejected(
        ledger,
        lambda: confirm(ledger, payment_id, ATTESTER),
        RuleViolated,
        rule="same_person_approved_and_paid",
        unchanged=[FUNDS_ID],
    )
    assert funds(ledger).payments[payment_id]["state"] == "pending"


def test_given_payment_requested_when_confirmed_without_approval_then_rejected(allocated: tuple[Ledger, str]) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 100)
    rejected(ledger, lambda: confirm(ledger, payment_id), RuleViolated, rule="payment_not_approved")


def test_given_payment_below_the_amount_for_one_step_when_confirmed_without_approval_then_paid(
    allocated: tuple[Ledger, str],
) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 99)
    confirm(ledger, payment_id, CLERK)
    assert funds(ledger).balance(f"disbursed:{allocation_id}") == 99


def test_given_payment_control_when_paid_in_one_step_at_or_above_its_amount_then_rejected(
    allocated: tuple[Ledger, str],
) -> None:
    ledger, allocation_id = allocated
    one_step = DisburseFunds(programme=SLUG, allocation_id=allocation_id, amount=100)
    rejected(ledger, lambda: ledger.handle(CLERK, one_step), RuleViolated, rule="two_person_payment_required")
    ledger.handle(CLERK, DisburseFunds(programme=SLUG, allocation_id=allocation_id, amount=99))
    assert funds(ledger).balance(f"disbursed:{allocation_id}") == 99


def test_given_payment_approved_when_approved_again_then_rejected(allocated: tuple[Ledger, str]) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 200)
    approve(ledger, payment_id)
    rejected(ledger, lambda: approve(ledger, payment_id, PAYER), RuleViolated, rule="payment_already_approved")


def test_given_payment_paid_when_confirmed_or_cancelled_again_then_rejected(allocated: tuple[Ledger, str]) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 200)
    approve(ledger, payment_id)
    confirm(ledger, payment_id)
    for command in (
        lambda: confirm(ledger, payment_id, CLERK),
        lambda: approve(ledger, payment_id, CLERK),
        lambda: ledger.handle(CLERK, CancelPayment(programme=SLUG, payment_id=payment_id, reason="late")),
    ):
        rejected(ledger, command, RuleViolated, rule="payment_not_pending", unchanged=[FUNDS_ID])


def test_given_unknown_payment_when_approved_then_not_found(allocated: tuple[Ledger, str]) -> None:
    ledger, _ = allocated
    error = rejected(ledger, lambda: approve(ledger, str(uuid.uuid4())), NotFound, field="payment_id")
    assert isinstance(error, NotFound) and error.what == "payment"


# --- the reservation: pending payments count against what is available ---------------------------------------------


def test_given_pending_payment_when_more_than_the_rest_is_requested_or_paid_then_rejected(
    allocated: tuple[Ledger, str],
) -> None:
    ledger, allocation_id = allocated
    request(ledger, allocation_id, 550)
    rejected(
        ledger,
        lambda: request(ledger, allocation_id, 51),
        RuleViolated,
        rule="insufficient_allocation_balance",
        unchanged=[FUNDS_ID],
    )
    rejected(
        ledger,
        lambda: ledger.handle(CLERK, DisburseFunds(programme=SLUG, allocation_id=allocation_id, amount=51)),
        RuleViolated,
        rule="insufficient_allocation_balance",
    )
    request(ledger, allocation_id, 50)


def test_given_pending_payment_when_its_money_is_reallocated_or_the_allocation_reversed_then_rejected(
    launched: Ledger,
) -> None:
    grant_id = grant(launched, 1_000)
    source, allocation_entry = allocation(launched, grant_id, 600)
    target, _ = allocation(launched, grant_id, 100)
    request(launched, source, 500)
    move = ReallocateFunds(
        programme=SLUG, from_allocation_id=source, to_allocation_id=target, amount=101, reason="r", decision=DECISION
    )
    rejected(launched, lambda: launched.handle(CLERK, move), RuleViolated, rule="insufficient_allocation_balance")
    back = ReverseEntry(programme=SLUG, entry_id=allocation_entry, reason="r", decision=DECISION)
    rejected(launched, lambda: launched.handle(CLERK, back), RuleViolated, rule="reversal_exceeds_balance")


def test_given_pending_payment_when_cancelled_with_a_reason_then_its_reservation_ends(
    allocated: tuple[Ledger, str],
) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 600)
    ledger.handle(CLERK, CancelPayment(programme=SLUG, payment_id=payment_id, reason="invoice withdrawn"))
    assert funds(ledger).reserved_on(allocation_id) == 0
    assert last_event(ledger, FUNDS_ID).reason == "invoice withdrawn"
    request(ledger, allocation_id, 600)
    rejected(ledger, lambda: approve(ledger, payment_id), RuleViolated, rule="payment_not_pending")


def test_given_payment_past_its_last_day_when_approved_or_paid_then_rejected_and_it_expires(
    allocated: tuple[Ledger, str],
) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 300, expires_on="2021-06-30", effective_on="2021-06-01")
    for command in (
        lambda: approve(ledger, payment_id, effective_on="2021-07-01"),
        lambda: confirm(ledger, payment_id, effective_on="2021-07-01"),
    ):
        rejected(ledger, command, RuleViolated, rule="payment_request_expired")
    early = ExpirePayment(programme=SLUG, payment_id=payment_id, effective_on="2021-06-30")
    rejected(ledger, lambda: ledger.handle(CLERK, early), RuleViolated, rule="payment_not_expired")
    ledger.handle(CLERK, ExpirePayment(programme=SLUG, payment_id=payment_id, effective_on="2021-07-01"))
    current = funds(ledger)
    assert current.payments[payment_id]["state"] == "expired"
    assert current.reserved_on(allocation_id) == 0


def test_given_payment_without_a_last_day_when_expired_then_rejected(allocated: tuple[Ledger, str]) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 300)
    expire = ExpirePayment(programme=SLUG, payment_id=payment_id)
    rejected(ledger, lambda: ledger.handle(CLERK, expire), RuleViolated, rule="payment_not_expired")


def test_given_request_when_it_expires_before_it_is_made_then_rejected(allocated: tuple[Ledger, str]) -> None:
    ledger, allocation_id = allocated
    rejected(
        ledger,
        lambda: request(ledger, allocation_id, 10, expires_on="2021-05-31", effective_on="2021-06-01"),
        RuleViolated,
        rule="expires_before_request",
    )


def test_given_request_when_approved_before_it_was_made_then_rejected(allocated: tuple[Ledger, str]) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 300, effective_on="2021-06-01")
    rejected(
        ledger,
        lambda: approve(ledger, payment_id, effective_on="2021-05-31"),
        RuleViolated,
        rule="effective_before_request",
    )


def test_given_back_dated_request_when_money_left_the_allocation_later_then_rejected_on_that_day(
    allocated: tuple[Ledger, str],
) -> None:
    """The reservation holds on every day from the request on: a back-dated request may not reserve money that a
    later-dated payment already took."""
    ledger, allocation_id = allocated
    later = request(ledger, allocation_id, 500, effective_on="2021-09-01")
    approve(ledger, later, effective_on="2021-09-01")
    confirm(ledger, later, effective_on="2021-09-02")
    error = rejected(
        ledger,
        lambda: request(ledger, allocation_id, 200, effective_on="2021-06-01"),
        RuleViolated,
        rule="insufficient_allocation_balance",
    )
    assert isinstance(error, RuleViolated) and str(error.on) == "2021-09-01"
    request(ledger, allocation_id, 100, effective_on="2021-06-01")


def test_given_confirmed_payment_when_its_entry_is_reversed_then_the_money_returns(
    allocated: tuple[Ledger, str],
) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 300)
    approve(ledger, payment_id)
    entry_id = confirm(ledger, payment_id).ids["entry_id"]
    ledger.handle(CLERK, ReverseEntry(programme=SLUG, entry_id=entry_id, reason="paid twice", decision=DECISION))
    assert funds(ledger).balance(f"allocation:{allocation_id}") == 600


# --- input and programme --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"allocation_id": "x", "amount": 1}, "allocation_id"),
        ({"allocation_id": str(uuid.uuid4()), "amount": 0}, "amount"),
        ({"allocation_id": str(uuid.uuid4()), "amount": 1.5}, "amount"),
        ({"allocation_id": str(uuid.uuid4()), "amount": 1, "kind": "gift"}, "kind"),
        ({"allocation_id": str(uuid.uuid4()), "amount": 1, "expires_on": "soon"}, "expires_on"),
    ],
)
def test_given_bad_input_when_payment_requested_then_rejected_naming_the_field(
    fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        RequestPayment(programme=SLUG, **fields)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("command", "fields", "field"),
    [
        (SetPaymentControl, {"single_step_below": 0, "decision": DECISION}, "single_step_below"),
        (SetPaymentControl, {"single_step_below": 10}, "decision"),
        (ApprovePayment, {"payment_id": "p"}, "payment_id"),
        (CancelPayment, {"payment_id": str(uuid.uuid4()), "reason": " "}, "reason"),
    ],
)
def test_given_bad_input_when_payment_step_runs_then_rejected_naming_the_field(
    command: type[Command], fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        command(programme=SLUG, **fields)
    assert caught.value.field == field


def test_given_unknown_allocation_when_payment_requested_then_not_found(allocated: tuple[Ledger, str]) -> None:
    ledger, _ = allocated
    rejected(ledger, lambda: request(ledger, str(uuid.uuid4()), 10), NotFound, field="allocation_id")


def test_given_closed_programme_when_a_payment_step_runs_then_rejected(allocated: tuple[Ledger, str]) -> None:
    ledger, allocation_id = allocated
    payment_id = request(ledger, allocation_id, 200)
    ledger.handle(CLERK, CloseProgramme(programme=SLUG, decision=DECISION))
    for command in (
        lambda: request(ledger, allocation_id, 1),
        lambda: approve(ledger, payment_id),
        lambda: ledger.handle(CLERK, CancelPayment(programme=SLUG, payment_id=payment_id, reason="r")),
    ):
        rejected(ledger, command, RuleViolated, rule="programme_closed", unchanged=[FUNDS_ID])


def test_given_payments_when_reloaded_from_a_fresh_ledger_then_reservations_are_the_same(store_url: str) -> None:
    first = open_ledger(store_url)
    launch(first)
    allocation_id, _ = allocation(first, grant(first, 1_000), 600)
    first.handle(CLERK, SetPaymentControl(programme=SLUG, single_step_below=100, decision=DECISION))
    paid = request(first, allocation_id, 200)
    approve(first, paid)
    confirm(first, paid)
    request(first, allocation_id, 300)
    expected = funds(first)
    first.close()
    second = open_ledger(store_url)
    try:
        reloaded = funds(second)
        assert (reloaded.payments, reloaded.reserved, reloaded.balances) == (
            expected.payments,
            expected.reserved,
            expected.balances,
        )
        assert reloaded.single_step_below == 100
    finally:
        second.close()
