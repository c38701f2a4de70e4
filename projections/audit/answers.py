"""The funders' answers: every money entry with running balances, the accounts, the budget lines, the
reconciliation that proves the books, and the money summary the status and the list show."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Literal

from ledger.values import RecipientKind
from projections.answers import Answer


class EntryKind(StrEnum):
    """What an audit entry records. A disbursement's kind is its DisbursementKind (advance or payment)."""

    GRANT = "grant"
    BUDGET_LINE = "budget_line"
    ALLOCATION = "allocation"
    REALLOCATION = "reallocation"
    ADVANCE = "advance"
    PAYMENT = "payment"
    EXPENDITURE = "expenditure"
    REVERSAL = "reversal"
    PAYMENT_CONTROL = "payment_control"
    PAYMENT_REQUEST = "payment_request"
    PAYMENT_APPROVAL = "payment_approval"
    PAYMENT_CANCELLATION = "payment_cancellation"
    PAYMENT_EXPIRY = "payment_expiry"
    PAYMENT_STOP = "payment_stop"
    PAYMENT_STOP_LIFT = "payment_stop_lift"
    REPAYMENT_CLAIM = "repayment_claim"
    REPAYMENT = "repayment"
    RETURN = "return"
    IN_KIND_RATE = "in_kind_rate"
    CASH_CONTRIBUTION = "cash_contribution"
    IN_KIND_CONTRIBUTION = "in_kind_contribution"


class PaymentState(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


MoneyEvent = Literal[
    "GrantAwarded",
    "BudgetLineSet",
    "FundsAllocated",
    "FundsReallocated",
    "FundsDisbursed",
    "ExpenditureReported",
    "EntryReversed",
    "PaymentControlSet",
    "PaymentRequested",
    "PaymentApproved",
    "PaymentConfirmed",
    "PaymentCancelled",
    "PaymentExpired",
    "PaymentsStopped",
    "PaymentStopLifted",
    "RepaymentClaimed",
    "RepaymentReceived",
    "UnusedFundsReturned",
    "InKindRateSet",
    "ContributionRecorded",
]


class Funds(Answer):
    """A programme's money in minor units: granted, allocated (= disbursed + outstanding), spent, and what
    remains to allocate."""

    granted: int
    allocated: int
    disbursed: int
    outstanding: int
    spent: int
    remaining: int
    pending: int
    repayment_due: int
    repaid: int
    co_financing_shortfall: int


class AuditEntry(Answer):
    """One money event. Accounts and balances are empty for entries that move nothing (budget lines,
    expenditure); the reversal links name the entry reversed and the entry reversing."""

    entry_id: str
    position: int
    programme_id: str
    event: MoneyEvent
    kind: EntryKind
    grant_id: str | None
    allocation_id: str | None
    from_account: str | None
    to_account: str | None
    amount: int
    from_balance: int | None
    to_balance: int | None
    funder: str | None
    recipient_kind: RecipientKind | None
    recipient: str | None
    category: str | None
    period: str | None
    decision_reference: str | None
    decision_body: str | None
    reason: str | None
    actor: str
    effective_on: date
    recorded_at: str  # ISO 8601 with the offset, as recorded
    reverses_entry_id: str | None
    reversed_by_entry_id: str | None
    payment_id: str | None


class Payment(Answer):
    """A payment by two people: requested (its amount reserved on the allocation), approved by one person,
    confirmed as paid by another (`ended_by`), or cancelled or expired."""

    payment_id: str
    position: int
    allocation_id: str
    grant_id: str | None
    recipient: str | None
    category: str | None
    kind: str
    amount: int
    state: PaymentState
    requested_by: str
    requested_on: date
    expires_on: date | None
    approved_by: str | None
    approved_on: date | None
    ended_by: str | None
    ended_on: date | None
    entry_id: str | None
    reason: str | None


class PaymentStop(Answer):
    """A funder's decision stopping payments from a grant or an allocation, and its lift (null while in force)."""

    stop_id: str
    position: int
    scope: str
    target_id: str
    reason: str
    stopped_by: str
    stopped_on: date
    decision_reference: str
    decision_body: str
    lifted_by: str | None
    lifted_on: date | None
    lift_decision_reference: str | None
    lift_decision_body: str | None


class CoFinancingPeriod(Answer):
    """One reporting period of a grant's co-financing (the periods its expenditure and contributions name)."""

    period: str
    spent: int
    cash: int
    in_kind: int
    contributed: int
    required: int
    shortfall: int


class CoFinancing(Answer):
    """A grant's required co-financing share against its contributions, in all and per reporting period."""

    grant_id: str
    funder: str
    share_bp: int
    spent: int
    cash: int
    in_kind: int
    contributed: int
    required: int
    shortfall: int
    periods: list[CoFinancingPeriod]


class RecipientFunds(Answer):
    """One recipient's money across its allocations: allocated (disbursed + outstanding), disbursed, spent, and
    what remains to be paid of it."""

    recipient_kind: RecipientKind | None
    recipient: str
    allocations: int
    allocated: int
    disbursed: int
    spent: int
    remaining: int
    pending: int


class Account(Answer):
    programme_id: str
    account: str  # kind:id, e.g. grant:<id>, allocation:<id>, funder:<name>, disbursed:<allocation id>
    balance: int
    credits: int
    debits: int


class ReconciledAccount(Answer):
    account: str
    balance: int
    from_entries: int
    balanced: bool


class Totals(Answer):
    granted: int
    allocated: int
    unallocated: int
    disbursed: int
    outstanding: int
    granted_equals_allocated_plus_unallocated: bool
    allocated_equals_disbursed_plus_outstanding: bool
    sum_of_balances: int


class Reconciliation(Answer):
    balanced: bool
    totals: Totals
    accounts: list[ReconciledAccount]


class FundingAudit(Answer):
    entries: list[AuditEntry]
    accounts: list[Account]
    budget_lines: dict[str, int]
    reconciliation: Reconciliation
    payments: list[Payment]
    payment_stops: list[PaymentStop]
    co_financing: list[CoFinancing]
    recipients: list[RecipientFunds]
