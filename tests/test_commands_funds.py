"""Money commands: grants, budget lines, allocations, reallocations, disbursements, expenditure reports and
reversals, in integer minor units, with money conserved and nothing allocated or paid beyond what is there."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ledger.application import Ctx, Ledger
from ledger.commands import (
    AllocateFunds,
    AwardGrant,
    CloseProgramme,
    Command,
    DisburseFunds,
    ReallocateFunds,
    ReportExpenditure,
    ReverseEntry,
    SetBudgetLine,
)
from ledger.domain.funds import Funds
from ledger.domain.programme import Programme
from ledger.errors import IdempotencyConflict, InvalidInput, NotFound, RuleViolated
from storage.open import open_ledger
from tests.commands_given import (
    ACTOR,
    CTX,
    DECISION,
    SLUG,
    allocation,
    event_names,
    grant,
    last_event,
    launch,
    not_found,
    position,
    rejected,
)

FUNDS_ID = Funds.create_id(Programme.create_id(SLUG))
FUNDER = "funder:Kompetanse Norge"


def funds(ledger: Ledger) -> Funds:
    return ledger.funds(SLUG)


def assert_conserved(ledger: Ledger) -> None:
    current = funds(ledger)
    assert sum(current.balances.values()) == 0
    assert all(amount >= 0 for account, amount in current.balances.items() if not account.startswith("funder:"))
    for allocation_id in current.allocations:
        assert current.spent(allocation_id) <= current.allocated_total(allocation_id)


def reallocate(ledger: Ledger, source: str, target: str, amount: int) -> Any:
    return ledger.handle(
        CTX,
        ReallocateFunds(
            programme=SLUG,
            from_allocation_id=source,
            to_allocation_id=target,
            amount=amount,
            reason="provider could not deliver",
            decision=DECISION,
        ),
    )


def disburse(ledger: Ledger, allocation_id: str, amount: int, kind: str = "payment") -> str:
    result = ledger.handle(CTX, DisburseFunds(programme=SLUG, allocation_id=allocation_id, amount=amount, kind=kind))
    return result.ids["entry_id"]


def spend(ledger: Ledger, allocation_id: str, amount: int) -> str:
    result = ledger.handle(
        CTX, ReportExpenditure(programme=SLUG, allocation_id=allocation_id, amount=amount, period="2021H1")
    )
    return result.ids["entry_id"]


def reverse(ledger: Ledger, entry_id: str) -> Any:
    return ledger.handle(CTX, ReverseEntry(programme=SLUG, entry_id=entry_id, reason="booked twice", decision=DECISION))


@pytest.fixture
def launched(ledger: Ledger) -> Ledger:
    launch(ledger)
    return ledger


@pytest.fixture
def sqlite_launched(sqlite_ledger: Ledger) -> Ledger:
    launch(sqlite_ledger)
    return sqlite_ledger


# --- award_grant ---------------------------------------------------------------------------------------------


def test_given_programme_when_grant_awarded_then_grant_holds_the_money_and_funder_owes_it(launched: Ledger) -> None:
    result = launched.handle(
        CTX,
        AwardGrant(
            programme=SLUG,
            funder="Kompetanse Norge",
            amount=10_000_000_00,
            decision=DECISION,
            co_financing_share_bp=2_500,
        ),
    )
    grant_id = result.ids["grant_id"]
    current = funds(launched)
    assert current.balance(f"grant:{grant_id}") == 10_000_000_00
    assert current.balance(FUNDER) == -10_000_000_00
    assert current.grants[grant_id] == {"funder": "Kompetanse Norge", "co_financing_share_bp": 2_500}
    event = last_event(launched, FUNDS_ID)
    assert type(event).__name__ == "GrantAwarded"
    assert (event.amount, event.decision, event.entry_id) == (10_000_000_00, DECISION, result.ids["entry_id"])
    assert_conserved(launched)


def test_given_grant_when_same_grant_id_awarded_again_then_rejected(launched: Ledger) -> None:
    grant_id = str(uuid.uuid4())
    launched.handle(CTX, AwardGrant(programme=SLUG, funder="ESF", amount=100, decision=DECISION, grant_id=grant_id))
    rejected(
        launched,
        lambda: launched.handle(
            CTX, AwardGrant(programme=SLUG, funder="ESF", amount=5, decision=DECISION, grant_id=grant_id)
        ),
        RuleViolated,
        rule="grant_exists",
        unchanged=[FUNDS_ID],
    )
    assert funds(launched).balance(f"grant:{grant_id}") == 100


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"funder": ""}, "funder"),
        ({"amount": 0}, "amount"),
        ({"amount": -100}, "amount"),
        ({"amount": 100.0}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": 10**15 + 1}, "amount"),
        ({"decision": {"reference": "x", "body": ""}}, "decision.body"),
        ({"co_financing_share_bp": 10_001}, "co_financing_share_bp"),
        ({"co_financing_share_bp": -1}, "co_financing_share_bp"),
        ({"grant_id": "grant-1"}, "grant_id"),
        ({"programme": "Bad Slug"}, "programme"),
    ],
)
def test_given_bad_input_when_grant_awarded_then_rejected_naming_the_field(
    sqlite_launched: Ledger, override: dict[str, object], field: str
) -> None:
    args: dict[str, Any] = {"programme": SLUG, "funder": "ESF", "amount": 100, "decision": DECISION, **override}
    rejected(sqlite_launched, lambda: sqlite_launched.handle(CTX, AwardGrant(**args)), InvalidInput, field=field)


def test_given_no_programme_when_grant_awarded_then_not_found(ledger: Ledger) -> None:
    not_found(
        ledger,
        lambda: ledger.handle(CTX, AwardGrant(programme="nowhere", funder="ESF", amount=1, decision=DECISION)),
        "programme",
    )


def test_given_grant_awarded_under_key_when_retried_then_money_counted_once(launched: Ledger) -> None:
    ctx = Ctx(actor=ACTOR, idempotency_key="grant-kn-2020")
    first = launched.handle(ctx, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=500, decision=DECISION))
    before = position(launched)
    again = launched.handle(ctx, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=500, decision=DECISION))
    assert again.replayed and again.ids == first.ids
    assert position(launched) == before
    assert funds(launched).balance(FUNDER) == -500
    with pytest.raises(IdempotencyConflict):
        launched.handle(ctx, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=501, decision=DECISION))
    assert funds(launched).balance(FUNDER) == -500


# --- set_budget_line ---------------------------------------------------------------------------------------------


def test_given_budget_line_when_allocations_fill_it_then_the_next_allocation_is_rejected(launched: Ledger) -> None:
    grant_id = grant(launched, 1_000)
    launched.handle(CTX, SetBudgetLine(programme=SLUG, category="teaching", amount=300, decision=DECISION))
    assert funds(launched).budget_lines == {"teaching": 300}
    allocation(launched, grant_id, 200, category="teaching")
    allocation(launched, grant_id, 100, category="teaching")
    rejected(
        launched,
        lambda: allocation(launched, grant_id, 1, category="teaching"),
        RuleViolated,
        rule="budget_line_exceeded",
        unchanged=[FUNDS_ID],
    )
    allocation(launched, grant_id, 400, category="travel")  # no line for travel
    assert funds(launched).allocated_in_category("teaching") == 300


def test_given_allocations_in_category_when_budget_line_set_below_them_then_rejected(launched: Ledger) -> None:
    grant_id = grant(launched, 1_000)
    allocation(launched, grant_id, 250, category="teaching")
    rejected(
        launched,
        lambda: launched.handle(CTX, SetBudgetLine(programme=SLUG, category="teaching", amount=249, decision=DECISION)),
        RuleViolated,
        rule="budget_line_below_allocated",
        unchanged=[FUNDS_ID],
    )
    launched.handle(CTX, SetBudgetLine(programme=SLUG, category="teaching", amount=250, decision=DECISION))
    assert funds(launched).budget_lines == {"teaching": 250}


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"category": ""}, "category"),
        ({"amount": 0}, "amount"),
        ({"amount": 2.5}, "amount"),
        ({"decision": 1}, "decision"),
    ],
)
def test_given_bad_input_when_budget_line_set_then_rejected_naming_the_field(
    sqlite_launched: Ledger, override: dict[str, object], field: str
) -> None:
    args: dict[str, Any] = {"programme": SLUG, "category": "teaching", "amount": 100, "decision": DECISION, **override}
    rejected(sqlite_launched, lambda: sqlite_launched.handle(CTX, SetBudgetLine(**args)), InvalidInput, field=field)


def test_given_closed_programme_when_budget_line_set_then_rejected(launched: Ledger) -> None:
    launched.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        launched,
        lambda: launched.handle(CTX, SetBudgetLine(programme=SLUG, category="t", amount=1, decision=DECISION)),
        RuleViolated,
        rule="programme_closed",
    )


# --- allocate_funds ------------------------------------------------------------------------------------------


def test_given_grant_when_funds_allocated_then_money_moves_from_grant_to_allocation(launched: Ledger) -> None:
    grant_id = grant(launched, 1_000)
    result = launched.handle(
        CTX,
        AllocateFunds(
            programme=SLUG,
            grant_id=grant_id,
            recipient_kind="provider",
            recipient="Fagskolen i Østfold",
            amount=600,
            decision=DECISION,
            category="teaching",
        ),
    )
    allocation_id = result.ids["allocation_id"]
    current = funds(launched)
    assert current.balance(f"grant:{grant_id}") == 400
    assert current.balance(f"allocation:{allocation_id}") == 600
    assert current.allocations[allocation_id] == {
        "grant_id": grant_id,
        "recipient_kind": "provider",
        "recipient": "Fagskolen i Østfold",
        "category": "teaching",
        "spent": 0,
    }
    event = last_event(launched, FUNDS_ID)
    assert type(event).__name__ == "FundsAllocated"
    assert (event.decision, event.actor) == (DECISION, ACTOR)
    assert_conserved(launched)


def test_given_grant_when_allocation_exceeds_what_is_left_then_rejected(launched: Ledger) -> None:
    grant_id = grant(launched, 1_000)
    allocation(launched, grant_id, 999)
    rejected(
        launched,
        lambda: allocation(launched, grant_id, 2),
        RuleViolated,
        rule="insufficient_grant_balance",
        unchanged=[FUNDS_ID],
    )
    allocation(launched, grant_id, 1)
    assert funds(launched).balance(f"grant:{grant_id}") == 0


def test_given_two_grants_when_allocating_then_each_grant_is_its_own_pot(launched: Ledger) -> None:
    first, second = grant(launched, 100), grant(launched, 100, funder="Viken county")
    rejected(launched, lambda: allocation(launched, first, 150), RuleViolated, rule="insufficient_grant_balance")
    allocation(launched, first, 100)
    allocation(launched, second, 100)
    assert_conserved(launched)


def test_given_unknown_grant_when_funds_allocated_then_rejected(launched: Ledger) -> None:
    rejected(
        launched,
        lambda: allocation(launched, str(uuid.uuid4()), 1),
        NotFound,
        field="grant_id",
        unchanged=[FUNDS_ID],
    )


def test_given_allocation_when_same_allocation_id_used_again_then_rejected(launched: Ledger) -> None:
    grant_id = grant(launched, 1_000)
    allocation_id = str(uuid.uuid4())
    args: dict[str, Any] = {
        "programme": SLUG,
        "grant_id": grant_id,
        "recipient_kind": "company",
        "recipient": "SEW Eurodrive",
        "amount": 10,
        "decision": DECISION,
        "allocation_id": allocation_id,
    }
    launched.handle(CTX, AllocateFunds(**args))
    rejected(
        launched,
        lambda: launched.handle(CTX, AllocateFunds(**args)),
        RuleViolated,
        rule="allocation_exists",
        unchanged=[FUNDS_ID],
    )


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"grant_id": "g"}, "grant_id"),
        ({"recipient_kind": "person"}, "recipient_kind"),
        ({"recipient": ""}, "recipient"),
        ({"category": ""}, "category"),
        ({"amount": 0}, "amount"),
        ({"amount": 12.5}, "amount"),
        ({"decision": None}, "decision"),
        ({"allocation_id": "a-1"}, "allocation_id"),
    ],
)
def test_given_bad_input_when_funds_allocated_then_rejected_naming_the_field(
    sqlite_launched: Ledger, override: dict[str, object], field: str
) -> None:
    args: dict[str, Any] = {
        "programme": SLUG,
        "grant_id": grant(sqlite_launched, 100),
        "recipient_kind": "provider",
        "recipient": "OsloMet",
        "amount": 10,
        "decision": DECISION,
        **override,
    }
    rejected(sqlite_launched, lambda: sqlite_launched.handle(CTX, AllocateFunds(**args)), InvalidInput, field=field)


# --- reallocate_funds ----------------------------------------------------------------------------------------


def test_given_two_allocations_when_reallocated_then_outstanding_money_moves_with_its_decision(
    launched: Ledger,
) -> None:
    grant_id = grant(launched, 1_000)
    source, _ = allocation(launched, grant_id, 600)
    target, _ = allocation(launched, grant_id, 100)
    reallocate(launched, source, target, 250)
    current = funds(launched)
    assert (current.allocated_total(source), current.allocated_total(target)) == (350, 350)
    event = last_event(launched, FUNDS_ID)
    assert type(event).__name__ == "FundsReallocated"
    assert (event.reason, event.decision) == ("provider could not deliver", DECISION)
    assert_conserved(launched)


def test_given_allocation_partly_disbursed_when_reallocating_more_than_outstanding_then_rejected(
    launched: Ledger,
) -> None:
    grant_id = grant(launched, 1_000)
    source, _ = allocation(launched, grant_id, 600)
    target, _ = allocation(launched, grant_id, 100)
    disburse(launched, source, 500)
    rejected(
        launched,
        lambda: reallocate(launched, source, target, 101),
        RuleViolated,
        rule="insufficient_allocation_balance",
        unchanged=[FUNDS_ID],
    )
    reallocate(launched, source, target, 100)
    assert funds(launched).balance(f"allocation:{source}") == 0


def test_given_expenditure_reported_when_reallocation_would_leave_less_than_spent_then_rejected(
    launched: Ledger,
) -> None:
    grant_id = grant(launched, 1_000)
    source, _ = allocation(launched, grant_id, 100)
    target, _ = allocation(launched, grant_id, 100)
    spend(launched, source, 80)
    rejected(
        launched,
        lambda: reallocate(launched, source, target, 21),
        RuleViolated,
        rule="reallocation_below_expenditure",
        unchanged=[FUNDS_ID],
    )
    reallocate(launched, source, target, 20)
    assert_conserved(launched)


def test_given_allocation_when_reallocated_to_itself_then_rejected(launched: Ledger) -> None:
    source, _ = allocation(launched, grant(launched, 100), 100)
    rejected(
        launched,
        lambda: reallocate(launched, source, source, 1),
        RuleViolated,
        rule="same_allocation",
        unchanged=[FUNDS_ID],
    )


@pytest.mark.parametrize("unknown_side", ["from", "to"])
def test_given_unknown_allocation_when_reallocated_then_rejected(launched: Ledger, unknown_side: str) -> None:
    known, _ = allocation(launched, grant(launched, 100), 100)
    unknown = str(uuid.uuid4())
    source, target = (unknown, known) if unknown_side == "from" else (known, unknown)
    rejected(
        launched,
        lambda: reallocate(launched, source, target, 1),
        NotFound,
        field=f"{unknown_side}_allocation_id",
        unchanged=[FUNDS_ID],
    )


def test_given_budget_line_full_when_reallocating_into_its_category_then_rejected(launched: Ledger) -> None:
    grant_id = grant(launched, 1_000)
    launched.handle(CTX, SetBudgetLine(programme=SLUG, category="teaching", amount=100, decision=DECISION))
    teaching, _ = allocation(launched, grant_id, 100, category="teaching")
    travel, _ = allocation(launched, grant_id, 100, category="travel")
    rejected(
        launched,
        lambda: reallocate(launched, travel, teaching, 1),
        RuleViolated,
        rule="budget_line_exceeded",
        unchanged=[FUNDS_ID],
    )
    other_teaching, _ = allocation(launched, grant_id, 1, category="travel")
    reallocate(launched, travel, other_teaching, 50)  # same category: no line to check
    reallocate(launched, teaching, travel, 40)  # out of the line frees room
    reallocate(launched, other_teaching, teaching, 40)
    assert funds(launched).allocated_in_category("teaching") == 100


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"from_allocation_id": "a"}, "from_allocation_id"),
        ({"to_allocation_id": 5}, "to_allocation_id"),
        ({"amount": -5}, "amount"),
        ({"reason": ""}, "reason"),
        ({"decision": {}}, "decision.reference"),
    ],
)
def test_given_bad_input_when_reallocated_then_rejected_naming_the_field(
    sqlite_launched: Ledger, override: dict[str, object], field: str
) -> None:
    args: dict[str, Any] = {
        "programme": SLUG,
        "from_allocation_id": str(uuid.uuid4()),
        "to_allocation_id": str(uuid.uuid4()),
        "amount": 5,
        "reason": "r",
        "decision": DECISION,
        **override,
    }
    rejected(sqlite_launched, lambda: sqlite_launched.handle(CTX, ReallocateFunds(**args)), InvalidInput, field=field)


# --- disburse_funds ------------------------------------------------------------------------------------------


def test_given_allocation_when_advance_and_payment_disbursed_then_outstanding_falls_and_total_stays(
    launched: Ledger,
) -> None:
    allocation_id, _ = allocation(launched, grant(launched, 1_000), 800)
    disburse(launched, allocation_id, 300, kind="advance")
    launched.handle(
        CTX, DisburseFunds(programme=SLUG, allocation_id=allocation_id, amount=200, kind="payment", decision=DECISION)
    )
    current = funds(launched)
    assert current.balance(f"allocation:{allocation_id}") == 300
    assert current.balance(f"disbursed:{allocation_id}") == 500
    assert current.allocated_total(allocation_id) == 800
    events = list(launched.events.get(FUNDS_ID))[-2:]
    assert [(e.kind, e.decision) for e in events] == [("advance", None), ("payment", DECISION)]
    assert_conserved(launched)


def test_given_allocation_when_disbursing_more_than_outstanding_then_rejected(launched: Ledger) -> None:
    allocation_id, _ = allocation(launched, grant(launched, 1_000), 800)
    disburse(launched, allocation_id, 700)
    rejected(
        launched,
        lambda: disburse(launched, allocation_id, 101),
        RuleViolated,
        rule="insufficient_allocation_balance",
        unchanged=[FUNDS_ID],
    )
    disburse(launched, allocation_id, 100)
    assert funds(launched).balance(f"allocation:{allocation_id}") == 0


def test_given_unknown_allocation_when_disbursed_then_rejected(launched: Ledger) -> None:
    rejected(
        launched,
        lambda: disburse(launched, str(uuid.uuid4()), 1),
        NotFound,
        field="allocation_id",
        unchanged=[FUNDS_ID],
    )


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"allocation_id": "x"}, "allocation_id"),
        ({"amount": 0}, "amount"),
        ({"kind": "loan"}, "kind"),
        ({"decision": "yes"}, "decision"),
    ],
)
def test_given_bad_input_when_disbursed_then_rejected_naming_the_field(
    sqlite_launched: Ledger, override: dict[str, object], field: str
) -> None:
    args: dict[str, Any] = {"programme": SLUG, "allocation_id": str(uuid.uuid4()), "amount": 5, **override}
    rejected(sqlite_launched, lambda: sqlite_launched.handle(CTX, DisburseFunds(**args)), InvalidInput, field=field)


# --- report_expenditure --------------------------------------------------------------------------------------


def test_given_allocation_when_expenditure_reported_then_spent_grows_and_balances_do_not_move(
    launched: Ledger,
) -> None:
    allocation_id, _ = allocation(launched, grant(launched, 1_000), 500)
    before = dict(funds(launched).balances)
    spend(launched, allocation_id, 200)
    spend(launched, allocation_id, 300)
    current = funds(launched)
    assert current.spent(allocation_id) == 500
    assert current.balances == before
    event = last_event(launched, FUNDS_ID)
    assert (type(event).__name__, event.period, event.amount) == ("ExpenditureReported", "2021H1", 300)


def test_given_allocation_when_expenditure_exceeds_what_is_allocated_then_rejected(launched: Ledger) -> None:
    allocation_id, _ = allocation(launched, grant(launched, 1_000), 500)
    spend(launched, allocation_id, 450)
    rejected(
        launched,
        lambda: spend(launched, allocation_id, 51),
        RuleViolated,
        rule="expenditure_exceeds_allocation",
        unchanged=[FUNDS_ID],
    )
    assert funds(launched).spent(allocation_id) == 450


def test_given_unknown_allocation_when_expenditure_reported_then_rejected(launched: Ledger) -> None:
    rejected(
        launched,
        lambda: spend(launched, str(uuid.uuid4()), 1),
        NotFound,
        field="allocation_id",
        unchanged=[FUNDS_ID],
    )


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"allocation_id": None}, "allocation_id"),
        ({"amount": -1}, "amount"),
        ({"period": ""}, "period"),
        ({"period": "x" * 41}, "period"),
    ],
)
def test_given_bad_input_when_expenditure_reported_then_rejected_naming_the_field(
    sqlite_launched: Ledger, override: dict[str, object], field: str
) -> None:
    args: dict[str, Any] = {
        "programme": SLUG,
        "allocation_id": str(uuid.uuid4()),
        "amount": 5,
        "period": "2021",
        **override,
    }
    rejected(sqlite_launched, lambda: sqlite_launched.handle(CTX, ReportExpenditure(**args)), InvalidInput, field=field)


# --- reverse_entry -------------------------------------------------------------------------------------------


def test_given_each_kind_of_entry_when_reversed_then_its_movement_is_posted_back(launched: Ledger) -> None:
    grant_result = launched.handle(
        CTX, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=1_000, decision=DECISION)
    )
    grant_id = grant_result.ids["grant_id"]
    source, allocation_entry = allocation(launched, grant_id, 500)
    target, _ = allocation(launched, grant_id, 100)
    reallocation_entry = reallocate(launched, source, target, 50).ids["entry_id"]
    disbursement_entry = disburse(launched, source, 200)
    expenditure_entry = spend(launched, source, 100)
    snapshots = [dict(funds(launched).balances)]
    for entry in (expenditure_entry, disbursement_entry, reallocation_entry):
        reverse(launched, entry)
        snapshots.append(dict(funds(launched).balances))
        assert_conserved(launched)
    current = funds(launched)
    assert current.spent(source) == 0
    assert current.balance(f"disbursed:{source}") == 0
    assert current.allocated_total(source) == 500
    assert current.allocated_total(target) == 100
    reverse(launched, allocation_entry)
    assert funds(launched).balance(f"grant:{grant_id}") == 900
    assert funds(launched).allocated_total(source) == 0
    event = last_event(launched, FUNDS_ID)
    assert (type(event).__name__, event.reversed_entry_id, event.reason) == (
        "EntryReversed",
        allocation_entry,
        "booked twice",
    )
    assert funds(launched).entries[allocation_entry]["reversed"] is True
    assert_conserved(launched)


def test_given_unallocated_grant_when_grant_reversed_then_funder_is_square_again(launched: Ledger) -> None:
    entry = launched.handle(CTX, AwardGrant(programme=SLUG, funder="ESF", amount=700, decision=DECISION)).ids[
        "entry_id"
    ]
    reverse(launched, entry)
    assert funds(launched).balance("funder:ESF") == 0
    assert_conserved(launched)


def test_given_reversed_entry_when_reversed_again_then_rejected(launched: Ledger) -> None:
    _, entry = allocation(launched, grant(launched, 100), 100)
    reverse(launched, entry)
    rejected(launched, lambda: reverse(launched, entry), RuleViolated, rule="already_reversed", unchanged=[FUNDS_ID])


def test_given_reversal_when_the_reversal_is_reversed_then_rejected(launched: Ledger) -> None:
    _, entry = allocation(launched, grant(launched, 100), 100)
    reversal = reverse(launched, entry).ids["entry_id"]
    rejected(
        launched, lambda: reverse(launched, reversal), RuleViolated, rule="reversal_of_reversal", unchanged=[FUNDS_ID]
    )


def test_given_unknown_entry_when_reversed_then_rejected(launched: Ledger) -> None:
    rejected(launched, lambda: reverse(launched, str(uuid.uuid4())), NotFound, field="entry_id", unchanged=[FUNDS_ID])


def test_given_allocated_grant_when_grant_reversed_then_rejected_because_the_money_is_gone(launched: Ledger) -> None:
    entry = launched.handle(CTX, AwardGrant(programme=SLUG, funder="ESF", amount=700, decision=DECISION)).ids
    allocation(launched, entry["grant_id"], 1)
    rejected(
        launched,
        lambda: reverse(launched, entry["entry_id"]),
        RuleViolated,
        rule="reversal_exceeds_balance",
        unchanged=[FUNDS_ID],
    )


def test_given_disbursed_allocation_when_allocation_reversed_then_rejected(launched: Ledger) -> None:
    allocation_id, entry = allocation(launched, grant(launched, 100), 100)
    disburse(launched, allocation_id, 1)
    rejected(
        launched, lambda: reverse(launched, entry), RuleViolated, rule="reversal_exceeds_balance", unchanged=[FUNDS_ID]
    )


def test_given_reallocated_money_disbursed_when_reallocation_reversed_then_rejected(launched: Ledger) -> None:
    grant_id = grant(launched, 1_000)
    source, _ = allocation(launched, grant_id, 100)
    target, _ = allocation(launched, grant_id, 100)
    entry = reallocate(launched, source, target, 50).ids["entry_id"]
    disburse(launched, target, 120)
    rejected(
        launched, lambda: reverse(launched, entry), RuleViolated, rule="reversal_exceeds_balance", unchanged=[FUNDS_ID]
    )


def test_given_expenditure_reported_when_allocation_reversed_then_rejected(launched: Ledger) -> None:
    allocation_id, entry = allocation(launched, grant(launched, 100), 100)
    spend(launched, allocation_id, 1)
    rejected(
        launched,
        lambda: reverse(launched, entry),
        RuleViolated,
        rule="reversal_below_expenditure",
        unchanged=[FUNDS_ID],
    )


def test_given_expenditure_on_reallocated_money_when_reallocation_reversed_then_rejected(launched: Ledger) -> None:
    grant_id = grant(launched, 1_000)
    source, _ = allocation(launched, grant_id, 100)
    target, _ = allocation(launched, grant_id, 100)
    entry = reallocate(launched, source, target, 50).ids["entry_id"]
    spend(launched, target, 120)
    rejected(
        launched,
        lambda: reverse(launched, entry),
        RuleViolated,
        rule="reversal_below_expenditure",
        unchanged=[FUNDS_ID],
    )


def test_given_budget_line_filled_again_when_reallocation_out_of_it_is_reversed_then_rejected(
    launched: Ledger,
) -> None:
    """Reversing a reallocation moves money back into the source's category; the budget line still holds."""
    grant_id = grant(launched, 1_000)
    launched.handle(CTX, SetBudgetLine(programme=SLUG, category="teaching", amount=100, decision=DECISION))
    teaching, _ = allocation(launched, grant_id, 100, category="teaching")
    travel, _ = allocation(launched, grant_id, 10, category="travel")
    entry = reallocate(launched, teaching, travel, 50).ids["entry_id"]
    allocation(launched, grant_id, 50, category="teaching")
    rejected(
        launched, lambda: reverse(launched, entry), RuleViolated, rule="budget_line_exceeded", unchanged=[FUNDS_ID]
    )
    assert funds(launched).allocated_in_category("teaching") == 100


@pytest.mark.parametrize(
    ("override", "field"),
    [({"entry_id": "e-1"}, "entry_id"), ({"reason": " "}, "reason"), ({"decision": None}, "decision")],
)
def test_given_bad_input_when_entry_reversed_then_rejected_naming_the_field(
    sqlite_launched: Ledger, override: dict[str, object], field: str
) -> None:
    args: dict[str, Any] = {
        "programme": SLUG,
        "entry_id": str(uuid.uuid4()),
        "reason": "r",
        "decision": DECISION,
        **override,
    }
    rejected(sqlite_launched, lambda: sqlite_launched.handle(CTX, ReverseEntry(**args)), InvalidInput, field=field)


@pytest.mark.parametrize(
    "command",
    [SetBudgetLine, AllocateFunds, ReallocateFunds, DisburseFunds, ReportExpenditure, ReverseEntry],
)
def test_given_no_programme_when_money_command_runs_then_not_found(ledger: Ledger, command: type[Command]) -> None:
    some = str(uuid.uuid4())
    args: dict[str, dict[str, Any]] = {
        "set_budget_line": {"category": "c", "amount": 1, "decision": DECISION},
        "allocate_funds": {
            "grant_id": some,
            "recipient_kind": "provider",
            "recipient": "r",
            "amount": 1,
            "decision": DECISION,
        },
        "reallocate_funds": {
            "from_allocation_id": some,
            "to_allocation_id": str(uuid.uuid4()),
            "amount": 1,
            "reason": "r",
            "decision": DECISION,
        },
        "disburse_funds": {"allocation_id": some, "amount": 1},
        "report_expenditure": {"allocation_id": some, "amount": 1, "period": "p"},
        "reverse_entry": {"entry_id": some, "reason": "r", "decision": DECISION},
    }
    not_found(ledger, lambda: ledger.handle(CTX, command(programme="nowhere", **args[command.command])), "programme")


def test_given_closed_programme_when_money_is_moved_then_every_money_command_is_rejected(launched: Ledger) -> None:
    grant_id = grant(launched, 1_000)
    allocation_id, entry = allocation(launched, grant_id, 100)
    other, _ = allocation(launched, grant_id, 100)
    launched.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    for command in (
        lambda: allocation(launched, grant_id, 1),
        lambda: reallocate(launched, allocation_id, other, 1),
        lambda: disburse(launched, allocation_id, 1),
        lambda: spend(launched, allocation_id, 1),
        lambda: reverse(launched, entry),
    ):
        rejected(launched, command, RuleViolated, rule="programme_closed", unchanged=[FUNDS_ID])


def test_given_money_history_when_reloaded_from_a_fresh_ledger_then_balances_are_the_same(store_url: str) -> None:

    first = open_ledger(store_url)
    launch(first)
    grant_id = grant(first, 1_000)
    source, _ = allocation(first, grant_id, 600)
    target, _ = allocation(first, grant_id, 200)
    reallocate(first, source, target, 100)
    disburse(first, source, 300)
    spend(first, target, 250)
    expected = funds(first)
    first.close()
    second = open_ledger(store_url)
    try:
        reloaded = funds(second)
        assert reloaded.balances == expected.balances
        assert reloaded.allocations == expected.allocations
        assert reloaded.entries == expected.entries
        assert event_names(second, FUNDS_ID) == [
            "FundsOpened",
            "GrantAwarded",
            "FundsAllocated",
            "FundsAllocated",
            "FundsReallocated",
            "FundsDisbursed",
            "ExpenditureReported",
        ]
    finally:
        second.close()
