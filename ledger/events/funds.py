"""What happens to a programme's money: grants, budget lines, allocations, payments, expenditure, reversals.

Amounts are integer minor units (øre, öre, cent); each money event carries its own entry id."""

from __future__ import annotations

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
