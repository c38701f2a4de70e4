"""A programme's reporting to its funders: the calendar, the closed periods, the simplified cost options and the
payment claims (the Reporting aggregate)."""

from __future__ import annotations

from datetime import date

from ledger.domain.base import LedgerCreated, LedgerEvent


class ReportingOpened(LedgerCreated):
    TOPIC = "ledger:ReportingOpened"
    programme_id: str


class ReportingCalendarSet(LedgerEvent):
    """The funder's reporting calendar: `frequency` (monthly, quarterly, half_yearly, cpr) from the period that
    holds `starts_on`."""

    TOPIC = "ledger:ReportingCalendarSet"
    frequency: str
    starts_on: date
    decision: dict[str, str]


class UnitCostSet(LedgerEvent):
    """A simplified cost option by decision: from its effective day, each unit (a participant-hour attended, a
    module completed) in the programme's modules, or in one module (`for_module_id`), makes `rate` eligible on an
    allocation. A rate of 0 ends it."""

    TOPIC = "ledger:UnitCostSet"
    allocation_id: str
    unit: str  # participant_hour or completed_module
    for_module_id: str | None  # None: every module of the programme
    rate: int
    decision: dict[str, str]


class FlatRateSet(LedgerEvent):
    """A flat rate by decision: from its effective day, `rate_bp` of the actual expenditure reported on the same
    grant's allocations of `base_category` is eligible on an allocation. A rate of 0 ends it."""

    TOPIC = "ledger:FlatRateSet"
    allocation_id: str
    base_category: str
    rate_bp: int
    decision: dict[str, str]


class LumpSumAgreed(LedgerEvent):
    """A lump sum by decision: `amount` becomes eligible on an allocation, whole, on the day the deliverable is
    done."""

    TOPIC = "ledger:LumpSumAgreed"
    deliverable_id: str
    allocation_id: str
    title: str
    amount: int
    decision: dict[str, str]


class DeliverableCompleted(LedgerEvent):
    TOPIC = "ledger:DeliverableCompleted"
    deliverable_id: str


class PeriodClosed(LedgerEvent):
    """A period's report is sealed: it holds what the log held at `sealed_position` (its hash chain `chain`, at
    `sealed_at`). Facts recorded later that take effect in it show as adjustments in the next open period."""

    TOPIC = "ledger:PeriodClosed"
    period: str
    starts_on: date
    ends_on: date
    sealed_position: int
    chain: str
    sealed_at: str


class ClaimDrafted(LedgerEvent):
    """A payment claim on a grant for a closed period: its amounts are that period's sealed figures."""

    TOPIC = "ledger:ClaimDrafted"
    claim_id: str
    grant_id: str
    period: str


class ClaimSubmitted(LedgerEvent):
    TOPIC = "ledger:ClaimSubmitted"
    claim_id: str


class ClaimApproved(LedgerEvent):
    TOPIC = "ledger:ClaimApproved"
    claim_id: str
    decision: dict[str, str]


class ClaimPaid(LedgerEvent):
    TOPIC = "ledger:ClaimPaid"
    claim_id: str
