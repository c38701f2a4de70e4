"""Reporting to funders: the calendar, closing a period (its report sealed), the simplified cost options (unit
costs, flat rates, lump sums and their deliverables) and the payment claims per grant and closed period."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import ClassVar

from pydantic import Field

from ledger.commands.base import ProgrammeCommand, UnitOfWork
from ledger.domain import dated
from ledger.domain.funds import Funds
from ledger.domain.module import CourseModule
from ledger.domain.reporting import Reporting
from ledger.errors import NotFound
from ledger.periods import Frequency
from ledger.values import Amount, BasisPoints, CostUnit, Count, Day, Decision, Id, ShortText, Text
from storage.chain import GENESIS, chained

MINOR = "integer minor units (øre, öre, cent)"


class ReportingCommand(ProgrammeCommand):
    """A change to the programme's reporting, in an open programme: its Reporting is opened by the first one."""

    def reporting(self, work: UnitOfWork) -> Reporting:
        work.open_programme(self.programme_id)
        reporting_id = uuid.UUID(str(Reporting.create_id(self.programme_id)))
        if work.exists(reporting_id):
            return work.change(Reporting, reporting_id, "programme")
        return work.add(Reporting(str(self.programme_id), work.actor, None))

    def funds(self, work: UnitOfWork) -> Funds:
        return work.read(Funds, uuid.UUID(str(Funds.create_id(self.programme_id))), "programme")

    def allocation(self, work: UnitOfWork, allocation_id: str) -> str:
        if allocation_id not in self.funds(work).allocations:
            raise NotFound("allocation", allocation_id, field="allocation_id")
        return allocation_id


class SetReportingCalendar(ReportingCommand):
    """By the funder's decision, the periods the programme reports and claims by, from the period holding
    `starts_on` (fixed once a period is closed)."""

    command: ClassVar[str] = "set_reporting_calendar"
    frequency: Frequency = Field(examples=["half_yearly"])
    starts_on: Day = Field(examples=["2019-07-01"])
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.reporting(work).set_calendar(self.frequency.value, self.starts_on, self.decision.as_dict(), work.actor,
                                          self.effective_on)  # fmt: skip
        return {}


class ClosePeriod(ReportingCommand):
    """Close the next period of the calendar, on a day after it ended: its report is sealed at the log's head when
    this is recorded (position, hash chain, time). Facts recorded later that take effect in it count in the next
    open period, as adjustments."""

    command: ClassVar[str] = "close_period"
    addresses: ClassVar[tuple[str, ...]] = ("programme", "period")
    period: ShortText = Field(examples=["2019-H2"])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        reporting = self.reporting(work)
        head = chained(work.ledger.recorder).chain_head()
        position, chain = (0, GENESIS) if head is None else (head.position, head.chain)
        sealed_at = datetime.now(UTC).isoformat()
        reporting.close_period(self.period, position, chain, sealed_at, work.actor, self.effective_on)
        return {"period": self.period, "sealed_position": str(position), "chain": chain}


class SetUnitCost(ReportingCommand):
    """By a decision, a unit cost on an allocation from its effective day: each participant-hour attended, or each
    module completed, in the programme's modules (or in one module) makes `rate` eligible. A rate of 0 ends it."""

    command: ClassVar[str] = "set_unit_cost"
    allocation_id: Id
    unit: CostUnit = Field(examples=["participant_hour"])
    rate: Count = Field(examples=[45_000], description="Per unit, " + MINOR)
    module_id: Id | None = Field(None, description="Only this module's units; else every module's")
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        reporting = self.reporting(work)
        self.allocation(work, self.allocation_id)
        if self.module_id is not None:
            module = work.read(CourseModule, uuid.UUID(self.module_id), "module")
            if module.programme_id != str(self.programme_id):
                raise NotFound("module", self.module_id, field="module_id")
        reporting.set_unit_cost(self.allocation_id, self.unit.value, self.module_id, self.rate,
                                self.decision.as_dict(), work.actor, self.effective_on)  # fmt: skip
        return {}


class SetFlatRate(ReportingCommand):
    """By a decision, a flat rate on an allocation from its effective day: `rate_bp` of the actual expenditure on
    the same grant's allocations of `base_category` (direct staff costs, say) is eligible. A rate of 0 ends it."""

    command: ClassVar[str] = "set_flat_rate"
    allocation_id: Id
    base_category: Text = Field(examples=["staff"])
    rate_bp: BasisPoints = Field(examples=[1500], description="Basis points of the base")
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        reporting = self.reporting(work)
        self.allocation(work, self.allocation_id)
        reporting.set_flat_rate(self.allocation_id, self.base_category, self.rate_bp, self.decision.as_dict(),
                                work.actor, self.effective_on)  # fmt: skip
        return {}


class AgreeLumpSum(ReportingCommand):
    """By a decision, a lump sum on an allocation for a deliverable: eligible, whole, when it is done."""

    command: ClassVar[str] = "agree_lump_sum"
    allocation_id: Id
    title: Text = Field(examples=["Competence plan for the cluster"])
    amount: Amount = Field(description=MINOR)
    decision: Decision
    deliverable_id: Id | None = Field(None, description="An id chosen by the caller; else a new one")

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        reporting = self.reporting(work)
        self.allocation(work, self.allocation_id)
        deliverable_id = self.deliverable_id or str(uuid.uuid4())
        reporting.agree_lump_sum(deliverable_id, self.allocation_id, self.title, self.amount,
                                 self.decision.as_dict(), work.actor, self.effective_on)  # fmt: skip
        return {"deliverable_id": deliverable_id}


class CompleteDeliverable(ReportingCommand):
    """Record a deliverable as done: its lump sum is eligible from that day."""

    command: ClassVar[str] = "complete_deliverable"
    addresses: ClassVar[tuple[str, ...]] = ("programme", "deliverable_id")
    deliverable_id: Id

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.reporting(work).complete_deliverable(self.deliverable_id, work.actor, self.effective_on,
                                                  dated.effective(self.effective_on))  # fmt: skip
        return {}


class DraftClaim(ReportingCommand):
    """Draft the payment claim of a grant for a closed period: its amounts are the period's sealed figures."""

    command: ClassVar[str] = "draft_claim"
    grant_id: Id
    period: ShortText = Field(examples=["2019-H2"])
    claim_id: Id | None = Field(None, description="An id chosen by the caller; else a new one")

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        reporting = self.reporting(work)
        if self.grant_id not in self.funds(work).grants:
            raise NotFound("grant", self.grant_id, field="grant_id")
        claim_id = self.claim_id or str(uuid.uuid4())
        reporting.draft_claim(claim_id, self.grant_id, self.period, work.actor, self.effective_on)
        return {"claim_id": claim_id}


class ClaimCommand(ReportingCommand):
    addresses: ClassVar[tuple[str, ...]] = ("programme", "claim_id")
    claim_id: Id


class SubmitClaim(ClaimCommand):
    """Submit a drafted claim to the funder."""

    command: ClassVar[str] = "submit_claim"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.reporting(work).submit_claim(self.claim_id, work.actor, self.effective_on)
        return {}


class ApproveClaim(ClaimCommand):
    """The funder approves a submitted claim by a decision (not the person who submitted it)."""

    command: ClassVar[str] = "approve_claim"
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.reporting(work).approve_claim(self.claim_id, self.decision.as_dict(), work.actor, self.effective_on)
        return {}


class PayClaim(ClaimCommand):
    """Record an approved claim as paid (not by the person who approved it)."""

    command: ClassVar[str] = "pay_claim"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.reporting(work).pay_claim(self.claim_id, work.actor, self.effective_on)
        return {}
