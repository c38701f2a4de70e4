"""Funds: a funder's grant, budget lines, allocations and reallocations by decision, payments, expenditure and
reversals. Every money command moves integer minor units and is recorded as one entry with its own id."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from ledger.commands.base import ProgrammeCommand, UnitOfWork
from ledger.domain.funds import Funds
from ledger.values import Amount, BasisPoints, Decision, DisbursementKind, Id, RecipientKind, ShortText, Text

MINOR = "integer minor units (øre, öre, cent)"


class FundsCommand(ProgrammeCommand):
    """A change to the programme's money: recorded on its Funds, in an open programme."""

    def funds(self, work: UnitOfWork) -> Funds:
        work.open_programme(self.programme_id)
        return work.change(Funds, uuid.UUID(str(Funds.create_id(self.programme_id))), "programme")


class AwardGrant(FundsCommand):
    """A funder's grant puts money at the programme's disposal."""

    command: ClassVar[str] = "award_grant"
    funder: Text = Field(examples=["Kompetanse Norge"])
    amount: Amount = Field(examples=[1_000_000_000], description=MINOR)
    decision: Decision
    co_financing_share_bp: BasisPoints = Field(0, examples=[5000], description="Required co-financing, basis points")
    grant_id: Id | None = Field(None, description="An id chosen by the caller; else a new one")

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id, grant_id = str(uuid.uuid4()), self.grant_id or str(uuid.uuid4())
        self.funds(work).award_grant(entry_id, grant_id, self.funder, self.amount, self.co_financing_share_bp,
                                     self.decision.as_dict(), work.actor, self.effective_on)  # fmt: skip
        return {"entry_id": entry_id, "grant_id": grant_id}


class SetBudgetLine(FundsCommand):
    """Set (replace) the budget line of a cost category; allocations to it may not exceed it."""

    command: ClassVar[str] = "set_budget_line"
    addresses: ClassVar[tuple[str, ...]] = ("programme", "category")
    category: Text = Field(examples=["education"])
    amount: Amount = Field(description=MINOR)
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        funds = self.funds(work)
        funds.set_budget_line(self.category, self.amount, self.decision.as_dict(), work.actor, self.effective_on)
        return {}


class AllocateFunds(FundsCommand):
    """Allocate from a grant to a recipient by a decision (never beyond the grant, nor the budget line)."""

    command: ClassVar[str] = "allocate_funds"
    grant_id: Id
    recipient_kind: RecipientKind = Field(examples=["provider"])
    recipient: Text = Field(examples=["Fagskolen i Viken"])
    amount: Amount = Field(description=MINOR)
    decision: Decision
    category: Text = Field("general", examples=["education"])
    allocation_id: Id | None = Field(None, description="An id chosen by the caller; else a new one")

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id, allocation_id = str(uuid.uuid4()), self.allocation_id or str(uuid.uuid4())
        self.funds(work).allocate(entry_id, allocation_id, self.grant_id, self.recipient_kind.value, self.recipient,
                                  self.category, self.amount, self.decision.as_dict(), work.actor,
                                  self.effective_on)  # fmt: skip
        return {"entry_id": entry_id, "allocation_id": allocation_id}


class ReallocateFunds(FundsCommand):
    """Move outstanding funds between allocations by a decision, with the reason."""

    command: ClassVar[str] = "reallocate_funds"
    from_allocation_id: Id
    to_allocation_id: Id
    amount: Amount = Field(description=MINOR)
    reason: Text
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id = str(uuid.uuid4())
        self.funds(work).reallocate(entry_id, self.from_allocation_id, self.to_allocation_id, self.amount,
                                    self.reason, self.decision.as_dict(), work.actor, self.effective_on)  # fmt: skip
        return {"entry_id": entry_id}


class DisburseFunds(FundsCommand):
    """Pay an advance or a payment (never beyond the allocation)."""

    command: ClassVar[str] = "disburse_funds"
    allocation_id: Id
    amount: Amount = Field(description=MINOR)
    kind: DisbursementKind = DisbursementKind.PAYMENT
    decision: Decision | None = None

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id = str(uuid.uuid4())
        decision = None if self.decision is None else self.decision.as_dict()
        self.funds(work).disburse(entry_id, self.allocation_id, self.amount, self.kind.value, decision, work.actor,
                                  self.effective_on)  # fmt: skip
        return {"entry_id": entry_id}


class ReportExpenditure(FundsCommand):
    """Report expenditure against an allocation for a period."""

    command: ClassVar[str] = "report_expenditure"
    allocation_id: Id
    amount: Amount = Field(description=MINOR)
    period: ShortText = Field(examples=["2021-H1"])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id = str(uuid.uuid4())
        self.funds(work).report_expenditure(entry_id, self.allocation_id, self.amount, self.period, work.actor,
                                            self.effective_on)  # fmt: skip
        return {"entry_id": entry_id}


class ReverseEntry(FundsCommand):
    """Reverse an earlier money entry by a decision: a new entry posts its movement back."""

    command: ClassVar[str] = "reverse_entry"
    entry_id: Id = Field(description="The money entry to reverse")
    reason: Text
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        new_entry = str(uuid.uuid4())
        self.funds(work).reverse(new_entry, self.entry_id, self.reason, self.decision.as_dict(), work.actor,
                                 self.effective_on)  # fmt: skip
        return {"entry_id": new_entry}
