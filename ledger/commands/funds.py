"""Funds: a funder's grant, budget lines, allocations and reallocations by decision, payments (in one step, or by
two people: requested, approved, confirmed as paid; cancelled or expired), expenditure and reversals. Every money
command moves integer minor units and is recorded as one entry with its own id."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from ledger.commands.base import ProgrammeCommand, UnitOfWork
from ledger.domain.funds import Funds
from ledger.values import (
    Amount,
    BasisPoints,
    Day,
    Decision,
    DisbursementKind,
    Id,
    ParticipantMinutes,
    RecipientKind,
    ShortText,
    StopScope,
    Text,
)

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
    """Pay an advance or a payment in one step (never beyond what the allocation has available); under a payment
    control, only an amount below its amount for one step."""

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


# --- payments by two people ----------------------------------------------------------------------------------


class SetPaymentControl(FundsCommand):
    """By a decision, require two people for every payment of `single_step_below` or more: a request approved by
    one person and confirmed as paid by another. Smaller payments may still be paid in one step."""

    command: ClassVar[str] = "set_payment_control"
    single_step_below: Amount = Field(examples=[5_000_000], description="Payments below it may be paid in one step; "
                                      + MINOR)  # fmt: skip
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.funds(work).set_payment_control(self.single_step_below, self.decision.as_dict(), work.actor,
                                             self.effective_on)  # fmt: skip
        return {}


class RequestPayment(FundsCommand):
    """Request a payment from an allocation: the amount is reserved (it counts against what the allocation has
    available) until the payment is confirmed as paid, cancelled or expires."""

    command: ClassVar[str] = "request_payment"
    allocation_id: Id
    amount: Amount = Field(description=MINOR)
    kind: DisbursementKind = DisbursementKind.PAYMENT
    expires_on: Day | None = Field(None, description="The last day it may be approved or paid", examples=["2021-12-31"])
    decision: Decision | None = None
    payment_id: Id | None = Field(None, description="An id chosen by the caller; else a new one")

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        payment_id = self.payment_id or str(uuid.uuid4())
        decision = None if self.decision is None else self.decision.as_dict()
        self.funds(work).request_payment(payment_id, self.allocation_id, self.amount, self.kind.value,
                                         self.expires_on, decision, work.actor, self.effective_on)  # fmt: skip
        return {"payment_id": payment_id}


class PaymentCommand(FundsCommand):
    """A step of a requested payment, named by its id (in the path of the API)."""

    addresses: ClassVar[tuple[str, ...]] = ("programme", "payment_id")
    payment_id: Id


class ApprovePayment(PaymentCommand):
    """Approve (attest) a requested payment; another person must confirm it as paid."""

    command: ClassVar[str] = "approve_payment"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.funds(work).approve_payment(self.payment_id, work.actor, self.effective_on)
        return {}


class ConfirmPayment(PaymentCommand):
    """Confirm a requested payment as paid: approved by another person (or below the amount for one step)."""

    command: ClassVar[str] = "confirm_payment"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id = str(uuid.uuid4())
        self.funds(work).confirm_payment(entry_id, self.payment_id, work.actor, self.effective_on)
        return {"entry_id": entry_id}


class CancelPayment(PaymentCommand):
    """Cancel a pending payment, with the reason: its reservation ends."""

    command: ClassVar[str] = "cancel_payment"
    reason: Text

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.funds(work).cancel_payment(self.payment_id, self.reason, work.actor, self.effective_on)
        return {}


class ExpirePayment(PaymentCommand):
    """Record that a pending payment's request ran out (effective after its `expires_on`): its reservation ends."""

    command: ClassVar[str] = "expire_payment"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.funds(work).expire_payment(self.payment_id, work.actor, self.effective_on)
        return {}


# --- sanctions: payment stops, repayment claims, repayments, unused funds returned -----------------------------


class StopPayments(FundsCommand):
    """A funder's decision stops payments from a grant (every allocation made from it) or from one allocation:
    no payment passes while stopped."""

    command: ClassVar[str] = "stop_payments"
    scope: StopScope = Field(examples=["allocation"])
    target_id: Id = Field(description="The grant's or the allocation's id")
    reason: Text
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        stop_id = str(uuid.uuid4())
        self.funds(work).stop_payments(stop_id, self.scope.value, self.target_id, self.reason,
                                       self.decision.as_dict(), work.actor, self.effective_on)  # fmt: skip
        return {"stop_id": stop_id}


class LiftPaymentStop(FundsCommand):
    """Lift the payment stop on a grant or an allocation, by a decision."""

    command: ClassVar[str] = "lift_payment_stop"
    scope: StopScope = Field(examples=["allocation"])
    target_id: Id = Field(description="The grant's or the allocation's id")
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.funds(work).lift_payment_stop(self.scope.value, self.target_id, self.decision.as_dict(), work.actor,
                                           self.effective_on)  # fmt: skip
        return {}


class ClaimRepayment(FundsCommand):
    """By a decision, claim back from the recipient money paid on an allocation and not spent: it is owed."""

    command: ClassVar[str] = "claim_repayment"
    allocation_id: Id
    amount: Amount = Field(description=MINOR)
    reason: Text
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id = str(uuid.uuid4())
        self.funds(work).claim_repayment(entry_id, self.allocation_id, self.amount, self.reason,
                                         self.decision.as_dict(), work.actor, self.effective_on)  # fmt: skip
        return {"entry_id": entry_id}


class ReceiveRepayment(FundsCommand):
    """Record money owed back as repaid (never more than is owed on the allocation)."""

    command: ClassVar[str] = "receive_repayment"
    allocation_id: Id
    amount: Amount = Field(description=MINOR)

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id = str(uuid.uuid4())
        self.funds(work).receive_repayment(entry_id, self.allocation_id, self.amount, work.actor, self.effective_on)
        return {"entry_id": entry_id}


class ReturnUnusedFunds(FundsCommand):
    """By a decision, return unallocated money of a grant to its funder (at the end of the programme)."""

    command: ClassVar[str] = "return_unused_funds"
    grant_id: Id
    amount: Amount = Field(description=MINOR)
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id = str(uuid.uuid4())
        self.funds(work).return_unused_funds(entry_id, self.grant_id, self.amount, self.decision.as_dict(),
                                             work.actor, self.effective_on)  # fmt: skip
        return {"entry_id": entry_id}


# --- co-financing ------------------------------------------------------------------------------------------------


class SetInKindRate(FundsCommand):
    """By a decision, the value of one participant-hour contributed in kind to a grant's co-financing, from the day
    it takes effect (the Swedish ESF counts only participants' actual time)."""

    command: ClassVar[str] = "set_in_kind_rate"
    grant_id: Id
    rate_per_hour: Amount = Field(examples=[35_000], description="Per participant-hour, " + MINOR)
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.funds(work).set_in_kind_rate(self.grant_id, self.rate_per_hour, self.decision.as_dict(), work.actor,
                                          self.effective_on)  # fmt: skip
        return {}


class RecordCashContribution(FundsCommand):
    """A co-financing contribution in cash to a grant, for a reporting period."""

    command: ClassVar[str] = "record_cash_contribution"
    grant_id: Id
    amount: Amount = Field(description=MINOR)
    contributor: Text = Field(examples=["Region Östergötland"])
    period: ShortText = Field(examples=["2019-H2"])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id = str(uuid.uuid4())
        self.funds(work).record_contribution(entry_id, self.grant_id, "cash", self.amount, None, self.contributor,
                                             self.period, work.actor, self.effective_on)  # fmt: skip
        return {"entry_id": entry_id}


class RecordInKindContribution(FundsCommand):
    """A co-financing contribution in kind to a grant: participants' attended time, valued at the grant's in-kind
    rate in force on its day (minutes x rate / 60, rounded half to even)."""

    command: ClassVar[str] = "record_in_kind_contribution"
    grant_id: Id
    participant_minutes: ParticipantMinutes = Field(examples=[12_000])
    contributor: Text = Field(examples=["SEW Eurodrive"])
    period: ShortText = Field(examples=["2019-H2"])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        entry_id = str(uuid.uuid4())
        self.funds(work).record_contribution(entry_id, self.grant_id, "in_kind", None, self.participant_minutes,
                                             self.contributor, self.period, work.actor, self.effective_on)  # fmt: skip
        return {"entry_id": entry_id}
