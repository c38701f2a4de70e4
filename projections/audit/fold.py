"""The funding audit fold: one handler per money event. Each entry keeps the decision, the actor, the effective
and recorded times and the running balances of the two accounts it moved (double entry: what leaves one account
enters another); a reversal moves the original amount back and links both ways."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.events import (
    BudgetLineSet,
    ContributionRecorded,
    EntryReversed,
    ExpenditureReported,
    FundsAllocated,
    FundsDisbursed,
    FundsReallocated,
    GrantAwarded,
    InKindRateSet,
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
    UnusedFundsReturned,
)
from projections.audit.answers import EntryKind, PaymentState
from projections.folding import At, Fold, ReadModel, bump, change, put_new

if TYPE_CHECKING:
    from projections.rows import Row, Rows

OWNERS = "audit_owners"
ENTRIES = "audit_entries"
ACCOUNTS = "audit_accounts"
ALLOCATIONS = "audit_allocations"
GRANTS = "audit_grants"
BUDGET_LINES = "audit_budget_lines"
PAYMENTS = "audit_payments"
STOPS = "audit_payment_stops"
CONTRIBUTIONS = "audit_contributions"
CONTRIBUTION_KINDS = (EntryKind.CASH_CONTRIBUTION, EntryKind.IN_KIND_CONTRIBUTION)

fold = Fold(OWNERS)


def _post(rows: Rows, at: At, source: str, target: str, amount: int) -> tuple[int, int]:
    """Move an amount between two accounts; returns their balances afterwards."""
    key = {"programme_id": at.programme_id}
    src = bump(rows, ACCOUNTS, {**key, "account": source}, balance=-amount, debits=amount)
    dst = bump(rows, ACCOUNTS, {**key, "account": target}, balance=amount, credits=amount)
    return src["balance"], dst["balance"]


def _entry(
    rows: Rows,
    at: At,
    entry_id: str,
    kind: EntryKind,
    *,
    decision: dict[str, str] | None = None,
    reason: str | None = None,
    **values: Any,
) -> None:
    decision = decision or {}
    put_new(
        rows,
        ENTRIES,
        entry_id=entry_id,
        position=at.position,
        programme_id=at.programme_id,
        event=at.name,
        kind=kind.value,
        actor=at.actor,
        effective_on=at.effective_on,
        recorded_at=at.recorded_at.isoformat(),
        decision_reference=decision.get("reference"),
        decision_body=decision.get("body"),
        reason=reason,
        **values,
    )


def _movement(
    rows: Rows, at: At, entry_id: str, kind: EntryKind, source: str, target: str, amount: int, **values: Any
) -> None:
    """An entry that moves money between two accounts, with both balances after it."""
    from_balance, to_balance = _post(rows, at, source, target, amount)
    _entry(
        rows,
        at,
        entry_id,
        kind,
        from_account=source,
        to_account=target,
        amount=amount,
        from_balance=from_balance,
        to_balance=to_balance,
        **values,
    )


def _allocation(rows: Rows, at: At, allocation_id: str) -> Row:
    return rows.get(ALLOCATIONS, (at.programme_id, allocation_id)) or {}


@fold.on(GrantAwarded)
def grant_awarded(e: GrantAwarded, at: At, rows: Rows) -> None:
    put_new(
        rows,
        GRANTS,
        grant_id=e.grant_id,
        programme_id=at.programme_id,
        funder=e.funder,
        co_financing_share_bp=e.co_financing_share_bp,
    )
    _movement(
        rows,
        at,
        e.entry_id,
        EntryKind.GRANT,
        f"funder:{e.funder}",
        f"grant:{e.grant_id}",
        e.amount,
        decision=e.decision,
        grant_id=e.grant_id,
        funder=e.funder,
    )


@fold.on(BudgetLineSet)
def budget_line_set(e: BudgetLineSet, at: At, rows: Rows) -> None:
    """A budget line is a plan, not a movement: it has no accounts and no entry id of its own."""
    rows.put(BUDGET_LINES, {"programme_id": at.programme_id, "category": e.category, "amount": e.amount})
    _entry(
        rows,
        at,
        f"budget-line-{at.position}",
        EntryKind.BUDGET_LINE,
        decision=e.decision,
        amount=e.amount,
        category=e.category,
    )


@fold.on(FundsAllocated)
def funds_allocated(e: FundsAllocated, at: At, rows: Rows) -> None:
    recipient = {"recipient_kind": e.recipient_kind, "recipient": e.recipient, "category": e.category}
    put_new(
        rows, ALLOCATIONS, allocation_id=e.allocation_id, programme_id=at.programme_id, grant_id=e.grant_id, **recipient
    )
    _movement(
        rows,
        at,
        e.entry_id,
        EntryKind.ALLOCATION,
        f"grant:{e.grant_id}",
        f"allocation:{e.allocation_id}",
        e.amount,
        decision=e.decision,
        grant_id=e.grant_id,
        allocation_id=e.allocation_id,
        **recipient,
    )


@fold.on(FundsReallocated)
def funds_reallocated(e: FundsReallocated, at: At, rows: Rows) -> None:
    target = _allocation(rows, at, e.to_allocation_id)
    _movement(
        rows,
        at,
        e.entry_id,
        EntryKind.REALLOCATION,
        f"allocation:{e.from_allocation_id}",
        f"allocation:{e.to_allocation_id}",
        e.amount,
        decision=e.decision,
        reason=e.reason,
        allocation_id=e.to_allocation_id,
        recipient_kind=target.get("recipient_kind"),
        recipient=target.get("recipient"),
        category=target.get("category"),
    )


@fold.on(FundsDisbursed)
def funds_disbursed(e: FundsDisbursed, at: At, rows: Rows) -> None:
    allocation = _allocation(rows, at, e.allocation_id)
    _movement(
        rows,
        at,
        e.entry_id,
        EntryKind(e.kind),
        f"allocation:{e.allocation_id}",
        f"disbursed:{e.allocation_id}",
        e.amount,
        decision=e.decision,
        allocation_id=e.allocation_id,
        recipient=allocation.get("recipient"),
        category=allocation.get("category"),
    )


@fold.on(ExpenditureReported)
def expenditure_reported(e: ExpenditureReported, at: At, rows: Rows) -> None:
    """Spending is reported against an allocation; it moves no money between the ledger's accounts."""
    key = {"programme_id": at.programme_id, "allocation_id": e.allocation_id}
    allocation = bump(rows, ALLOCATIONS, key, spent=e.amount)
    _entry(
        rows,
        at,
        e.entry_id,
        EntryKind.EXPENDITURE,
        allocation_id=e.allocation_id,
        amount=e.amount,
        period=e.period,
        recipient=allocation.get("recipient"),
        category=allocation.get("category"),
    )


@fold.on(EntryReversed)
def entry_reversed(e: EntryReversed, at: At, rows: Rows) -> None:
    """Reverses an expenditure (spent goes back) or a movement (the amount moves back); links both entries."""
    original = rows.get(ENTRIES, (e.reversed_entry_id,))
    if original is None:
        return
    change(rows, ENTRIES, (e.reversed_entry_id,), reversed_by_entry_id=e.entry_id)
    link = {
        "reverses_entry_id": e.reversed_entry_id,
        "decision": e.decision,
        "reason": e.reason,
        **{k: original[k] for k in ("allocation_id", "grant_id", "recipient", "category")},
    }
    amount = original["amount"]
    if original["kind"] in CONTRIBUTION_KINDS:  # a memo of co-financing: no money moves back
        change(rows, CONTRIBUTIONS, (at.programme_id, e.reversed_entry_id), reversed=True)
        _entry(rows, at, e.entry_id, EntryKind.REVERSAL, amount=amount, **link)
    elif original["kind"] == EntryKind.EXPENDITURE:
        bump(
            rows,
            ALLOCATIONS,
            {"programme_id": at.programme_id, "allocation_id": original["allocation_id"]},
            spent=-amount,
        )
        _entry(rows, at, e.entry_id, EntryKind.REVERSAL, amount=amount, **link)
    else:
        source, target = original["to_account"], original["from_account"]
        _movement(rows, at, e.entry_id, EntryKind.REVERSAL, source, target, amount, **link)


# --- payments by two people: each step is an entry with its actor; only the confirmation moves money ------------


@fold.on(PaymentControlSet)
def payment_control_set(e: PaymentControlSet, at: At, rows: Rows) -> None:
    """The amount from which a payment needs two people: a rule set by a decision, not a movement."""
    _entry(
        rows,
        at,
        f"payment-control-{at.position}",
        EntryKind.PAYMENT_CONTROL,
        decision=e.decision,
        amount=e.single_step_below,
    )


@fold.on(PaymentRequested)
def payment_requested(e: PaymentRequested, at: At, rows: Rows) -> None:
    allocation = _allocation(rows, at, e.allocation_id)
    about = {
        "allocation_id": e.allocation_id,
        "grant_id": allocation.get("grant_id"),
        "recipient": allocation.get("recipient"),
        "category": allocation.get("category"),
    }
    put_new(
        rows,
        PAYMENTS,
        payment_id=e.payment_id,
        programme_id=at.programme_id,
        position=at.position,
        kind=e.kind,
        amount=e.amount,
        state=PaymentState.PENDING.value,
        requested_by=at.actor,
        requested_on=at.effective_on,
        expires_on=e.expires_on,
        **about,
    )
    _entry(
        rows,
        at,
        f"payment-request-{at.position}",
        EntryKind.PAYMENT_REQUEST,
        decision=e.decision,
        amount=e.amount,
        payment_id=e.payment_id,
        **about,
    )


def _payment_step(rows: Rows, at: At, payment_id: str, kind: EntryKind, reason: str | None = None) -> None:
    """An approval, cancellation or expiry: an entry naming the payment, with its amount and allocation."""
    payment = rows.get(PAYMENTS, (at.programme_id, payment_id)) or {}
    about = {k: payment.get(k) for k in ("allocation_id", "grant_id", "recipient", "category")}
    _entry(
        rows,
        at,
        f"payment-{kind.value.removeprefix('payment_')}-{at.position}",
        kind,
        reason=reason,
        amount=payment.get("amount", 0),
        payment_id=payment_id,
        **about,
    )


def _payment_ended(rows: Rows, at: At, payment_id: str, state: PaymentState, **values: Any) -> None:
    change(
        rows,
        PAYMENTS,
        (at.programme_id, payment_id),
        state=state.value,
        ended_by=at.actor,
        ended_on=at.effective_on,
        **values,
    )


@fold.on(PaymentApproved)
def payment_approved(e: PaymentApproved, at: At, rows: Rows) -> None:
    change(rows, PAYMENTS, (at.programme_id, e.payment_id), approved_by=at.actor, approved_on=at.effective_on)
    _payment_step(rows, at, e.payment_id, EntryKind.PAYMENT_APPROVAL)


@fold.on(PaymentConfirmed)
def payment_confirmed(e: PaymentConfirmed, at: At, rows: Rows) -> None:
    """The money moves as a payment (or advance) entry made in two steps: the payment names who approved it."""
    _payment_ended(rows, at, e.payment_id, PaymentState.PAID, entry_id=e.entry_id)
    allocation = _allocation(rows, at, e.allocation_id)
    _movement(
        rows,
        at,
        e.entry_id,
        EntryKind(e.kind),
        f"allocation:{e.allocation_id}",
        f"disbursed:{e.allocation_id}",
        e.amount,
        allocation_id=e.allocation_id,
        grant_id=allocation.get("grant_id"),
        recipient=allocation.get("recipient"),
        category=allocation.get("category"),
        payment_id=e.payment_id,
    )


@fold.on(PaymentCancelled)
def payment_cancelled(e: PaymentCancelled, at: At, rows: Rows) -> None:
    _payment_ended(rows, at, e.payment_id, PaymentState.CANCELLED, reason=e.reason)
    _payment_step(rows, at, e.payment_id, EntryKind.PAYMENT_CANCELLATION, reason=e.reason)


@fold.on(PaymentExpired)
def payment_expired(e: PaymentExpired, at: At, rows: Rows) -> None:
    _payment_ended(rows, at, e.payment_id, PaymentState.EXPIRED)
    _payment_step(rows, at, e.payment_id, EntryKind.PAYMENT_EXPIRY)


# --- sanctions: stops and lifts are entries with their decisions; claims, repayments and returns move money ---------


def _target(scope: str, target_id: str) -> dict[str, str]:
    return {"grant_id": target_id} if scope == "grant" else {"allocation_id": target_id}


@fold.on(PaymentsStopped)
def payments_stopped(e: PaymentsStopped, at: At, rows: Rows) -> None:
    decision = {"decision_reference": e.decision.get("reference"), "decision_body": e.decision.get("body")}
    put_new(
        rows,
        STOPS,
        programme_id=at.programme_id,
        stop_id=e.stop_id,
        position=at.position,
        scope=e.scope,
        target_id=e.target_id,
        reason=e.reason,
        stopped_by=at.actor,
        stopped_on=at.effective_on,
        **decision,
    )
    _entry(
        rows,
        at,
        f"payment-stop-{at.position}",
        EntryKind.PAYMENT_STOP,
        decision=e.decision,
        reason=e.reason,
        amount=0,
        **_target(e.scope, e.target_id),
    )


@fold.on(PaymentStopLifted)
def payment_stop_lifted(e: PaymentStopLifted, at: At, rows: Rows) -> None:
    change(
        rows,
        STOPS,
        (at.programme_id, e.stop_id),
        lifted_by=at.actor,
        lifted_on=at.effective_on,
        lift_decision_reference=e.decision.get("reference"),
        lift_decision_body=e.decision.get("body"),
    )
    _entry(
        rows,
        at,
        f"payment-stop-lift-{at.position}",
        EntryKind.PAYMENT_STOP_LIFT,
        decision=e.decision,
        amount=0,
        **_target(e.scope, e.target_id),
    )


def _about(rows: Rows, at: At, allocation_id: str) -> dict[str, Any]:
    allocation = _allocation(rows, at, allocation_id)
    return {
        "allocation_id": allocation_id,
        "grant_id": allocation.get("grant_id"),
        "recipient": allocation.get("recipient"),
        "category": allocation.get("category"),
    }


@fold.on(RepaymentClaimed)
def repayment_claimed(e: RepaymentClaimed, at: At, rows: Rows) -> None:
    _movement(
        rows,
        at,
        e.entry_id,
        EntryKind.REPAYMENT_CLAIM,
        f"disbursed:{e.allocation_id}",
        f"repayment_due:{e.allocation_id}",
        e.amount,
        decision=e.decision,
        reason=e.reason,
        **_about(rows, at, e.allocation_id),
    )


@fold.on(RepaymentReceived)
def repayment_received(e: RepaymentReceived, at: At, rows: Rows) -> None:
    _movement(
        rows,
        at,
        e.entry_id,
        EntryKind.REPAYMENT,
        f"repayment_due:{e.allocation_id}",
        f"repaid:{e.grant_id}",
        e.amount,
        **_about(rows, at, e.allocation_id),
    )


@fold.on(UnusedFundsReturned)
def unused_funds_returned(e: UnusedFundsReturned, at: At, rows: Rows) -> None:
    _movement(
        rows,
        at,
        e.entry_id,
        EntryKind.RETURN,
        f"grant:{e.grant_id}",
        f"funder:{e.funder}",
        e.amount,
        decision=e.decision,
        grant_id=e.grant_id,
        funder=e.funder,
    )


# --- co-financing: the in-kind rate by decision, contributions as memo entries -----------------------------------


@fold.on(InKindRateSet)
def in_kind_rate_set(e: InKindRateSet, at: At, rows: Rows) -> None:
    _entry(
        rows,
        at,
        f"in-kind-rate-{at.position}",
        EntryKind.IN_KIND_RATE,
        decision=e.decision,
        amount=e.rate_per_hour,
        grant_id=e.grant_id,
    )


@fold.on(ContributionRecorded)
def contribution_recorded(e: ContributionRecorded, at: At, rows: Rows) -> None:
    kind = EntryKind.CASH_CONTRIBUTION if e.kind == "cash" else EntryKind.IN_KIND_CONTRIBUTION
    grant = rows.get(GRANTS, (at.programme_id, e.grant_id)) or {}
    put_new(
        rows,
        CONTRIBUTIONS,
        programme_id=at.programme_id,
        entry_id=e.entry_id,
        position=at.position,
        grant_id=e.grant_id,
        kind=e.kind,
        amount=e.amount,
        participant_minutes=e.participant_minutes,
        rate_per_hour=e.rate_per_hour,
        contributor=e.contributor,
        period=e.period,
        effective_on=at.effective_on,
        reversed=False,
    )
    _entry(
        rows,
        at,
        e.entry_id,
        kind,
        reason=e.contributor,
        amount=e.amount,
        grant_id=e.grant_id,
        funder=grant.get("funder"),
        period=e.period,
    )


READ_MODEL = ReadModel(
    "audit",
    (OWNERS, ENTRIES, ACCOUNTS, ALLOCATIONS, GRANTS, BUDGET_LINES, PAYMENTS, STOPS, CONTRIBUTIONS),
    fold,
    by_day=True,
)
