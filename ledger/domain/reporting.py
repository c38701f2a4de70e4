"""A programme's reporting to its funders, one per programme: the reporting calendar, the periods closed (each
sealed at a log position), the simplified cost options (unit costs, flat rates, lump sums) and the payment claims
per grant and closed period (drafted; submitted; approved by someone other than who submitted it; paid, recorded
by someone other than who approved it).

What the options make eligible and what a claim asks for are figures of the claims read model
(projections/claims): they are computed from the attendance, completion and expenditure events of the whole
programme. This aggregate keeps what its rules need: the calendar, which periods are closed, which deliverables
are agreed and done, and each claim's state and who moved it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from ledger import periods
from ledger.domain import dated
from ledger.domain.base import LedgerAggregate, stable_id
from ledger.errors import NotFound, RuleViolated
from ledger.events import reporting as ev

if TYPE_CHECKING:
    from datetime import date


class Reporting(LedgerAggregate):
    TOPIC = "ledger:Reporting"

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:Reporting.Created"

    # the events it records (ledger/events): the library looks them up by name on the class
    ReportingOpened = ev.ReportingOpened
    ReportingCalendarSet = ev.ReportingCalendarSet
    UnitCostSet = ev.UnitCostSet
    FlatRateSet = ev.FlatRateSet
    LumpSumAgreed = ev.LumpSumAgreed
    DeliverableCompleted = ev.DeliverableCompleted
    PeriodClosed = ev.PeriodClosed
    ClaimDrafted = ev.ClaimDrafted
    ClaimSubmitted = ev.ClaimSubmitted
    ClaimApproved = ev.ClaimApproved
    ClaimPaid = ev.ClaimPaid

    @staticmethod
    def create_id(programme_id: Any) -> Any:
        return stable_id("reporting", programme_id)

    @event(ev.ReportingOpened)
    def __init__(self, programme_id: str, actor: str, effective_on: date | None) -> None:
        self.programme_id = programme_id
        self.frequency: str | None = None
        self.starts_on: date | None = None
        self.closed: list[str] = []  # names of the closed periods, in order
        self.closed_on: str | None = None  # the day the last closing took effect (closings take effect in order)
        self.deliverables: dict[str, dict[str, Any]] = {}  # deliverable_id -> {allocation_id, done}
        self.claims: dict[str, dict[str, Any]] = {}  # claim_id -> {grant_id, period, state, by: {step: actor}}

    # --- the calendar --------------------------------------------------------------------------------------

    def calendar(self) -> periods.Frequency:
        if self.frequency is None:
            raise RuleViolated("no_reporting_calendar", "the programme has no reporting calendar")
        return periods.Frequency(self.frequency)

    def next_to_close(self) -> periods.Period:
        frequency = self.calendar()
        assert self.starts_on is not None
        if not self.closed:
            return periods.period_of(self.starts_on, frequency)
        last = periods.named(self.closed[-1], frequency)
        assert last is not None
        return periods.following(last, frequency)

    def set_calendar(
        self, frequency: str, starts_on: date, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        if self.closed:
            raise RuleViolated(
                "calendar_fixed", f"period {self.closed[-1]} is closed: the calendar can no longer change"
            )
        self._calendar_set(
            frequency=frequency, starts_on=starts_on, decision=decision, actor=actor, effective_on=effective_on
        )

    @event(ev.ReportingCalendarSet)
    def _calendar_set(
        self, frequency: str, starts_on: date, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self.frequency, self.starts_on = frequency, starts_on

    def close_period(
        self, period: str, position: int, chain: str, sealed_at: str, actor: str, effective_on: date | None
    ) -> None:
        """Periods close in order, each on a day after it ended; the seal is the log's head when it is recorded."""
        frequency = self.calendar()
        wanted = periods.named(period, frequency)
        if wanted is None:
            raise RuleViolated("unknown_period", f"the {frequency.value} calendar has no period {period!r}")
        if period in self.closed:
            raise RuleViolated("period_closed", f"period {period} is closed already")
        due = self.next_to_close()
        if wanted != due:
            raise RuleViolated("period_out_of_order", f"period {due.name} is the next to close, not {period}")
        day = dated.effective(effective_on)
        if wanted.ends_on >= day:
            raise RuleViolated("period_not_ended", f"period {period} ends on {wanted.ends_on}", on=day)
        dated.require_not_before(day, self.closed_on, "effective_before_previous", "the last closing")
        self._period_closed(
            period=period,
            starts_on=wanted.starts_on,
            ends_on=wanted.ends_on,
            sealed_position=position,
            chain=chain,
            sealed_at=sealed_at,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.PeriodClosed)
    def _period_closed(
        self,
        period: str,
        starts_on: date,
        ends_on: date,
        sealed_position: int,
        chain: str,
        sealed_at: str,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.closed.append(period)
        self.closed_on = self.fact_on.isoformat()

    # --- simplified cost options ---------------------------------------------------------------------------

    def set_unit_cost(
        self,
        allocation_id: str,
        unit: str,
        module_id: str | None,
        rate: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._unit_cost_set(allocation_id=allocation_id, unit=unit, for_module_id=module_id, rate=rate,
                            decision=decision, actor=actor, effective_on=effective_on)  # fmt: skip

    @event(ev.UnitCostSet)
    def _unit_cost_set(
        self,
        allocation_id: str,
        unit: str,
        for_module_id: str | None,
        rate: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        pass  # the claims read model computes what it makes eligible

    def set_flat_rate(
        self,
        allocation_id: str,
        base_category: str,
        rate_bp: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._flat_rate_set(allocation_id=allocation_id, base_category=base_category, rate_bp=rate_bp,
                            decision=decision, actor=actor, effective_on=effective_on)  # fmt: skip

    @event(ev.FlatRateSet)
    def _flat_rate_set(
        self,
        allocation_id: str,
        base_category: str,
        rate_bp: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        pass  # the claims read model computes what it makes eligible

    def agree_lump_sum(
        self,
        deliverable_id: str,
        allocation_id: str,
        title: str,
        amount: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        if deliverable_id in self.deliverables:
            raise RuleViolated("deliverable_exists", f"deliverable {deliverable_id} already has a lump sum")
        self._lump_sum_agreed(deliverable_id=deliverable_id, allocation_id=allocation_id, title=title,
                              amount=amount, decision=decision, actor=actor, effective_on=effective_on)  # fmt: skip

    @event(ev.LumpSumAgreed)
    def _lump_sum_agreed(
        self,
        deliverable_id: str,
        allocation_id: str,
        title: str,
        amount: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.deliverables[deliverable_id] = {"allocation_id": allocation_id, "done": False, "on": self.fact_on}

    def complete_deliverable(self, deliverable_id: str, actor: str, effective_on: date | None, day: date) -> None:
        deliverable = self.deliverables.get(deliverable_id)
        if deliverable is None:
            raise NotFound("deliverable", deliverable_id, field="deliverable_id")
        if deliverable["done"]:
            raise RuleViolated("deliverable_done", f"deliverable {deliverable_id} is done already")
        if day < deliverable["on"]:
            raise RuleViolated(
                "effective_before_agreed", f"its lump sum was agreed on {deliverable['on']}, after {day}", on=day
            )
        self._deliverable_completed(deliverable_id=deliverable_id, actor=actor, effective_on=effective_on)

    @event(ev.DeliverableCompleted)
    def _deliverable_completed(self, deliverable_id: str, actor: str, effective_on: date | None) -> None:
        self.deliverables[deliverable_id]["done"] = True

    # --- claims --------------------------------------------------------------------------------------------

    def draft_claim(self, claim_id: str, grant_id: str, period: str, actor: str, effective_on: date | None) -> None:
        if claim_id in self.claims:
            raise RuleViolated("claim_exists", f"claim {claim_id} exists already")
        if period not in self.closed:
            raise RuleViolated("period_open", f"period {period} is not closed: its figures are not sealed yet")
        for claim in self.claims.values():
            if claim["grant_id"] == grant_id and claim["period"] == period:
                raise RuleViolated("claim_exists", f"grant {grant_id} has a claim for {period} already")
        self._claim_drafted(claim_id=claim_id, grant_id=grant_id, period=period, actor=actor, effective_on=effective_on)

    @event(ev.ClaimDrafted)
    def _claim_drafted(self, claim_id: str, grant_id: str, period: str, actor: str, effective_on: date | None) -> None:
        self.claims[claim_id] = {"grant_id": grant_id, "period": period, "state": "drafted", "by": {"drafted": actor}}

    def _claim(self, claim_id: str, state: str, step: str) -> dict[str, Any]:
        claim = self.claims.get(claim_id)
        if claim is None:
            raise NotFound("claim", claim_id, field="claim_id")
        if claim["state"] != state:
            raise RuleViolated(
                f"claim_{claim['state']}", f"claim {claim_id} is {claim['state']}: only a {state} claim is {step}"
            )
        return claim

    def submit_claim(self, claim_id: str, actor: str, effective_on: date | None) -> None:
        self._claim(claim_id, "drafted", "submitted")
        self._claim_submitted(claim_id=claim_id, actor=actor, effective_on=effective_on)

    @event(ev.ClaimSubmitted)
    def _claim_submitted(self, claim_id: str, actor: str, effective_on: date | None) -> None:
        self._step(claim_id, "submitted", actor)

    def approve_claim(self, claim_id: str, decision: dict[str, str], actor: str, effective_on: date | None) -> None:
        claim = self._claim(claim_id, "submitted", "approved")
        if claim["by"]["submitted"] == actor:
            raise RuleViolated(
                "same_person_submitted_and_approved", f"{actor} submitted claim {claim_id}: another person approves it"
            )
        self._claim_approved(claim_id=claim_id, decision=decision, actor=actor, effective_on=effective_on)

    @event(ev.ClaimApproved)
    def _claim_approved(self, claim_id: str, decision: dict[str, str], actor: str, effective_on: date | None) -> None:
        self._step(claim_id, "approved", actor)

    def pay_claim(self, claim_id: str, actor: str, effective_on: date | None) -> None:
        claim = self._claim(claim_id, "approved", "paid")
        if claim["by"]["approved"] == actor:
            raise RuleViolated(
                "same_person_approved_and_paid", f"{actor} approved claim {claim_id}: another person pays it"
            )
        self._claim_paid(claim_id=claim_id, actor=actor, effective_on=effective_on)

    @event(ev.ClaimPaid)
    def _claim_paid(self, claim_id: str, actor: str, effective_on: date | None) -> None:
        self._step(claim_id, "paid", actor)

    def _step(self, claim_id: str, state: str, actor: str) -> None:
        claim = self.claims[claim_id]
        claim["state"] = state
        claim["by"][state] = actor
