"""The claims fold: every event a claim is computed from becomes one row of `claim_facts`, as it was recorded. The
rows are never changed: a claim as of any moment (a log position, an effective day) is computed from the rows up to
it (projections/claims/figures.py), so the live answer and every past one come from one definition.

What the columns hold, by event:

| event                  | columns                                                                          |
|------------------------|----------------------------------------------------------------------------------|
| GrantAwarded           | grant_id, label = funder                                                         |
| FundsAllocated         | allocation_id, grant_id, kind = category, label = recipient                      |
| ExpenditureReported    | allocation_id, ref = entry, amount                                               |
| FundsDisbursed         | allocation_id, ref = entry, kind = advance or payment, amount                    |
| PaymentConfirmed       | the same, for a payment by two people                                            |
| EntryReversed          | ref = the reversal's entry, reverses = the reversed entry                        |
| AttendanceRecorded     | module_id, ref = participant, units = minutes                                    |
| ModuleCompleted        | module_id, ref = participant, units = 1                                          |
| ReportingCalendarSet   | kind = frequency, starts_on                                                      |
| UnitCostSet            | allocation_id, module_id (null: every module), kind = unit, amount = rate        |
| FlatRateSet            | allocation_id, label = base category, units = basis points                       |
| LumpSumAgreed          | ref = deliverable, allocation_id, label = title, amount                          |
| DeliverableCompleted   | ref = deliverable                                                                |
| PeriodClosed           | label = period, starts_on, ends_on, sealed_position, chain                       |
| ClaimDrafted           | ref = claim, grant_id, label = period                                            |
| ClaimSubmitted/...Paid | ref = claim                                                                      |

Every row also has the event's position, effective day, recorded time, actor and decision (where it has one)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger.events import (
    AttendanceRecorded,
    ClaimApproved,
    ClaimDrafted,
    ClaimPaid,
    ClaimSubmitted,
    DeliverableCompleted,
    EntryReversed,
    ExpenditureReported,
    FlatRateSet,
    FundsAllocated,
    FundsDisbursed,
    GrantAwarded,
    LumpSumAgreed,
    ModuleCompleted,
    PaymentConfirmed,
    PeriodClosed,
    ReportingCalendarSet,
    UnitCostSet,
)
from projections.folding import At, Fold, ReadModel, put_new

if TYPE_CHECKING:
    from projections.rows import Rows

OWNERS = "claim_owners"
FACTS = "claim_facts"

fold = Fold(OWNERS)


def _fact(rows: Rows, at: At, decision: dict[str, str] | None = None, **columns: Any) -> None:
    put_new(
        rows,
        FACTS,
        programme_id=at.programme_id,
        position=at.position,
        event=at.name,
        effective_on=at.effective_on,
        recorded_at=at.recorded_at.isoformat(),
        actor=at.actor,
        decision_reference=(decision or {}).get("reference"),
        decision_body=(decision or {}).get("body"),
        **columns,
    )


@fold.on(GrantAwarded)
def grant_awarded(e: GrantAwarded, at: At, rows: Rows) -> None:
    _fact(rows, at, e.decision, grant_id=e.grant_id, label=e.funder)


@fold.on(FundsAllocated)
def funds_allocated(e: FundsAllocated, at: At, rows: Rows) -> None:
    _fact(rows, at, e.decision, allocation_id=e.allocation_id, grant_id=e.grant_id, kind=e.category,
          label=e.recipient)  # fmt: skip


@fold.on(ExpenditureReported)
def expenditure_reported(e: ExpenditureReported, at: At, rows: Rows) -> None:
    _fact(rows, at, allocation_id=e.allocation_id, ref=e.entry_id, amount=e.amount)


@fold.on(FundsDisbursed)
def funds_disbursed(e: FundsDisbursed, at: At, rows: Rows) -> None:
    _fact(rows, at, e.decision, allocation_id=e.allocation_id, ref=e.entry_id, kind=e.kind, amount=e.amount)


@fold.on(PaymentConfirmed)
def payment_confirmed(e: PaymentConfirmed, at: At, rows: Rows) -> None:
    _fact(rows, at, allocation_id=e.allocation_id, ref=e.entry_id, kind=e.kind, amount=e.amount)


@fold.on(EntryReversed)
def entry_reversed(e: EntryReversed, at: At, rows: Rows) -> None:
    _fact(rows, at, e.decision, ref=e.entry_id, reverses=e.reversed_entry_id, label=e.reason)


@fold.on(AttendanceRecorded)
def attendance_recorded(e: AttendanceRecorded, at: At, rows: Rows) -> None:
    _fact(rows, at, module_id=at.originator_id, ref=e.participant_id, units=e.minutes)


@fold.on(ModuleCompleted)
def module_completed(e: ModuleCompleted, at: At, rows: Rows) -> None:
    _fact(rows, at, module_id=at.originator_id, ref=e.participant_id, units=1)


@fold.on(ReportingCalendarSet)
def calendar_set(e: ReportingCalendarSet, at: At, rows: Rows) -> None:
    _fact(rows, at, e.decision, kind=e.frequency, starts_on=e.starts_on)


@fold.on(UnitCostSet)
def unit_cost_set(e: UnitCostSet, at: At, rows: Rows) -> None:
    _fact(rows, at, e.decision, allocation_id=e.allocation_id, module_id=e.for_module_id, kind=e.unit, amount=e.rate)


@fold.on(FlatRateSet)
def flat_rate_set(e: FlatRateSet, at: At, rows: Rows) -> None:
    _fact(rows, at, e.decision, allocation_id=e.allocation_id, label=e.base_category, units=e.rate_bp)


@fold.on(LumpSumAgreed)
def lump_sum_agreed(e: LumpSumAgreed, at: At, rows: Rows) -> None:
    _fact(rows, at, e.decision, ref=e.deliverable_id, allocation_id=e.allocation_id, label=e.title,
          amount=e.amount)  # fmt: skip


@fold.on(DeliverableCompleted)
def deliverable_completed(e: DeliverableCompleted, at: At, rows: Rows) -> None:
    _fact(rows, at, ref=e.deliverable_id)


@fold.on(PeriodClosed)
def period_closed(e: PeriodClosed, at: At, rows: Rows) -> None:
    _fact(rows, at, label=e.period, starts_on=e.starts_on, ends_on=e.ends_on, sealed_position=e.sealed_position,
          chain=e.chain)  # fmt: skip


@fold.on(ClaimDrafted)
def claim_drafted(e: ClaimDrafted, at: At, rows: Rows) -> None:
    _fact(rows, at, ref=e.claim_id, grant_id=e.grant_id, label=e.period)


@fold.on(ClaimSubmitted)
def claim_submitted(e: ClaimSubmitted, at: At, rows: Rows) -> None:
    _fact(rows, at, ref=e.claim_id)


@fold.on(ClaimApproved)
def claim_approved(e: ClaimApproved, at: At, rows: Rows) -> None:
    _fact(rows, at, e.decision, ref=e.claim_id)


@fold.on(ClaimPaid)
def claim_paid(e: ClaimPaid, at: At, rows: Rows) -> None:
    _fact(rows, at, ref=e.claim_id)


READ_MODEL = ReadModel("claims", (OWNERS, FACTS), fold)
