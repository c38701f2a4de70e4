"""What happens to a programme's money: grants, budget lines, allocations, payments, expenditure, reversals.

Amounts are integer minor units (øre, öre, cent); each money event carries its own entry id."""

from __future__ import annotations

from datetime import date

from ledger.domain.base import LedgerCreated, LedgerEvent

# --- Funds -----------------------------------------------------------------------------------------------


class FundsOpened(LedgerCreated):
    TOPIC = "ledger:FundsOpened"
    programme_id: str
    currency: str


class GrantAwarded(LedgerEvent):
    TOPIC = "ledger:GrantAwarded"
    entry_id: str
    grant_id: str
    funder: str
    amount: int
    co_financing_share_bp: int
    decision: dict[str, str]


class BudgetLineSet(LedgerEvent):
    TOPIC = "ledger:BudgetLineSet"
    category: str
    amount: int
    decision: dict[str, str]


class FundsAllocated(LedgerEvent):
    TOPIC = "ledger:FundsAllocated"
    entry_id: str
    allocation_id: str
    grant_id: str
    recipient_kind: str
    recipient: str
    category: str
    amount: int
    decision: dict[str, str]


class FundsReallocated(LedgerEvent):
    TOPIC = "ledger:FundsReallocated"
    entry_id: str
    from_allocation_id: str
    to_allocation_id: str
    amount: int
    reason: str
    decision: dict[str, str]


class FundsDisbursed(LedgerEvent):
    TOPIC = "ledger:FundsDisbursed"
    entry_id: str
    allocation_id: str
    amount: int
    kind: str
    decision: dict[str, str] | None


class ExpenditureReported(LedgerEvent):
    TOPIC = "ledger:ExpenditureReported"
    entry_id: str
    allocation_id: str
    amount: int
    period: str


class EntryReversed(LedgerEvent):
    TOPIC = "ledger:EntryReversed"
    entry_id: str
    reversed_entry_id: str
    reason: str
    decision: dict[str, str]


# --- payments by two people (a two-phase transfer: requested, approved, confirmed as paid) ---------------------


class PaymentControlSet(LedgerEvent):
    """From now on a payment of `single_step_below` or more is paid only through a request approved by one person
    and confirmed as paid by another; smaller payments may be paid in one step."""

    TOPIC = "ledger:PaymentControlSet"
    single_step_below: int
    decision: dict[str, str]


class PaymentRequested(LedgerEvent):
    """A payment is requested from an allocation: the amount is reserved (no longer available) until the payment
    is confirmed, cancelled or expires."""

    TOPIC = "ledger:PaymentRequested"
    payment_id: str
    allocation_id: str
    amount: int
    kind: str
    expires_on: date | None
    decision: dict[str, str] | None


class PaymentApproved(LedgerEvent):
    TOPIC = "ledger:PaymentApproved"
    payment_id: str


class PaymentConfirmed(LedgerEvent):
    """The payment was made: the reserved amount moves from the allocation to what it has disbursed, as the money
    entry `entry_id`."""

    TOPIC = "ledger:PaymentConfirmed"
    payment_id: str
    entry_id: str
    allocation_id: str
    amount: int
    kind: str


class PaymentCancelled(LedgerEvent):
    TOPIC = "ledger:PaymentCancelled"
    payment_id: str
    reason: str


class PaymentExpired(LedgerEvent):
    TOPIC = "ledger:PaymentExpired"
    payment_id: str


# --- sanctions: payment stops, repayment claims, repayments, unused funds returned -------------------------------


class PaymentsStopped(LedgerEvent):
    """A funder's decision stops every payment from a grant (its allocations) or from one allocation."""

    TOPIC = "ledger:PaymentsStopped"
    stop_id: str
    scope: str  # grant or allocation
    target_id: str
    reason: str
    decision: dict[str, str]


class PaymentStopLifted(LedgerEvent):
    TOPIC = "ledger:PaymentStopLifted"
    stop_id: str
    scope: str
    target_id: str
    decision: dict[str, str]


class RepaymentClaimed(LedgerEvent):
    """By a decision, the recipient of an allocation owes back money it was paid: from `disbursed:<allocation>`
    to `repayment_due:<allocation>`."""

    TOPIC = "ledger:RepaymentClaimed"
    entry_id: str
    allocation_id: str
    amount: int
    reason: str
    decision: dict[str, str]


class RepaymentReceived(LedgerEvent):
    """Money owed back is repaid: from `repayment_due:<allocation>` to `repaid:<grant>`."""

    TOPIC = "ledger:RepaymentReceived"
    entry_id: str
    allocation_id: str
    grant_id: str
    amount: int


class UnusedFundsReturned(LedgerEvent):
    """Unallocated money of a grant goes back to its funder by a decision: from `grant:<id>` to
    `funder:<name>`."""

    TOPIC = "ledger:UnusedFundsReturned"
    entry_id: str
    grant_id: str
    funder: str
    amount: int
    decision: dict[str, str]


# --- co-financing ------------------------------------------------------------------------------------------------


class InKindRateSet(LedgerEvent):
    """The value of one participant-hour contributed in kind to a grant's co-financing, from the day it takes
    effect, by a decision."""

    TOPIC = "ledger:InKindRateSet"
    grant_id: str
    rate_per_hour: int
    decision: dict[str, str]


class ContributionRecorded(LedgerEvent):
    """A co-financing contribution to a grant: cash, or participants' attended time in kind, valued at the rate in
    force on its day (`amount` = minutes x rate / 60, rounded half to even once)."""

    TOPIC = "ledger:ContributionRecorded"
    entry_id: str
    grant_id: str
    kind: str  # cash or in_kind
    amount: int
    participant_minutes: int | None
    rate_per_hour: int | None
    contributor: str
    period: str
