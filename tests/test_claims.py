"""Reporting periods, simplified cost options and payment claims: given/when/then for each command and rejection,
then the claims answer: units x rate from the attendance and completion events, flat rates and lump sums, a sealed
period that later facts never change, and a late fact shown as an adjustment in the next claim."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from ledger.application import Ctx
from ledger.commands import (
    AgreeLumpSum,
    AllocateFunds,
    ApproveClaim,
    AwardGrant,
    ClosePeriod,
    CompleteDeliverable,
    DisburseFunds,
    DraftClaim,
    EnrolParticipants,
    HoldSession,
    OfferModule,
    PayClaim,
    RecordAttendance,
    RecordModuleCompletion,
    ReportExpenditure,
    ReverseEntry,
    ScheduleSession,
    SetFlatRate,
    SetReportingCalendar,
    SetUnitCost,
    SubmitClaim,
)
from ledger.errors import InvalidInput, LedgerError, NotFound, RuleViolated
from projections.claims.answers import Claim, Claims, Component
from projections.claims.queries import claims_as_of
from projections.status.queries import programme_id_for
from storage.open import open_projector
from tests.commands_given import (
    CTX,
    DECISION,
    SLUG,
    joined_company,
    launch,
    norwegian_org_number,
    participant,
    position,
    rejected,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ledger.application import Ledger
    from projections.projector import Projector

SUBMITTER, APPROVER, PAYER = Ctx(actor="coordinator@fremtid"), Ctx(actor="funder@esf"), Ctx(actor="treasury@esf")


class Given:
    """A programme with a grant and three allocations (education, staff, overhead), a module with a participant,
    and a half-yearly calendar from 2021."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        launch(ledger)
        self.grant_id = self.handle(AwardGrant(programme=SLUG, funder="ESF", amount=1_000_000, decision=DECISION,
                                               effective_on="2021-01-04"))["grant_id"]  # fmt: skip
        self.education, self.staff, self.overhead = (
            self.handle(AllocateFunds(programme=SLUG, grant_id=self.grant_id, recipient_kind="provider",
                                      recipient=f"NTNU {category}", amount=amount, decision=DECISION,
                                      category=category, effective_on="2021-01-04"))["allocation_id"]
            for category, amount in (("education", 600_000), ("staff", 200_000), ("overhead", 100_000))
        )  # fmt: skip
        company = norwegian_org_number(1)
        joined_company(ledger, company)
        self.participant = participant(ledger, company, effective_on="2021-01-04")
        self.module_id = self.handle(OfferModule(programme=SLUG, title="Lean", providers=["NTNU"], theme="lean",
                                                 region="Viken", effective_on="2021-01-04"))["module_id"]  # fmt: skip
        self.handle(EnrolParticipants(programme=SLUG, module_id=self.module_id, participant_ids=[self.participant],
                                      effective_on="2021-01-04"))  # fmt: skip
        self.handle(SetReportingCalendar(programme=SLUG, frequency="half_yearly", starts_on="2021-01-01",
                                         decision=DECISION, effective_on="2021-01-04"))  # fmt: skip

    def handle(self, command: Any, ctx: Ctx = CTX) -> dict[str, str]:
        return self.ledger.handle(ctx, command).ids

    def session(self, on: str, minutes: int, effective_on: str | None = None) -> None:
        """A session held on `on`, attended for `minutes` (recorded effective on the day, unless stated)."""
        session_id = self.handle(ScheduleSession(programme=SLUG, module_id=self.module_id, starts_on=on,
                                                 place="Moss", minutes=360, effective_on=on))["session_id"]  # fmt: skip
        self.handle(HoldSession(programme=SLUG, module_id=self.module_id, session_id=session_id, effective_on=on))
        self.handle(RecordAttendance(programme=SLUG, module_id=self.module_id, session_id=session_id,
                                     attendance=[{"participant_id": self.participant, "minutes": minutes}],
                                     effective_on=effective_on or on))  # fmt: skip

    def unit_cost(self, rate: int, unit: str = "participant_hour", on: str = "2021-01-04", **extra: Any) -> None:
        self.handle(SetUnitCost(programme=SLUG, allocation_id=self.education, unit=unit, rate=rate,
                                decision=DECISION, effective_on=on, **extra))  # fmt: skip

    def spend(self, allocation_id: str, amount: int, on: str) -> str:
        return self.handle(ReportExpenditure(programme=SLUG, allocation_id=allocation_id, amount=amount,
                                             period="2021-H1", effective_on=on))["entry_id"]  # fmt: skip

    def close(self, period: str) -> dict[str, str]:
        return self.handle(ClosePeriod(programme=SLUG, period=period))

    def claim(self, period: str = "2021-H1") -> str:
        return self.handle(DraftClaim(programme=SLUG, grant_id=self.grant_id, period=period))["claim_id"]


@pytest.fixture
def given(ledger: Ledger) -> Given:
    return Given(ledger)


@pytest.fixture
def projector(given: Given, store_url: str) -> Iterator[Projector]:
    running = open_projector(given.ledger, store_url)
    yield running
    running.stop()
    running.dispose()


def refused(ledger: Ledger, command: Any, error: type[LedgerError], name: str, ctx: Ctx = CTX) -> None:
    """The command is refused for the rule (or the field) `name`, and nothing is written."""
    if error is RuleViolated:
        rejected(ledger, lambda: ledger.handle(ctx, command), error, rule=name)
    else:
        rejected(ledger, lambda: ledger.handle(ctx, command), error, field=name)


def claims(projector: Projector, up_to: int | None = None, effective_by: str | None = None) -> Claims:
    projector.run_once()
    with projector.engine.connect() as db:
        programme_id = programme_id_for(db, SLUG)
        assert programme_id is not None
        day = None if effective_by is None else date.fromisoformat(effective_by)
        return claims_as_of(db, programme_id, SLUG, up_to, day)


def claim_for(answer: Claims, period: str) -> Claim:
    return next(c for c in answer.claims if c.period == period)


# --- the commands --------------------------------------------------------------------------------------------


def test_given_no_calendar_when_a_period_is_closed_then_refused(ledger: Ledger) -> None:
    launch(ledger)
    refused(ledger, ClosePeriod(programme=SLUG, period="2021-H1"), RuleViolated, "no_reporting_calendar")


def test_given_a_calendar_when_periods_are_closed_then_in_order_once_each_and_only_when_ended(given: Given) -> None:
    refused(given.ledger, ClosePeriod(programme=SLUG, period="2021-H2"), RuleViolated, "period_out_of_order")
    refused(given.ledger, ClosePeriod(programme=SLUG, period="2021-Q1"), RuleViolated, "unknown_period")
    head = position(given.ledger)
    sealed = given.close("2021-H1")
    assert sealed["sealed_position"] == str(head)
    refused(given.ledger, ClosePeriod(programme=SLUG, period="2021-H1"), RuleViolated, "period_closed")
    refused(given.ledger, SetReportingCalendar(programme=SLUG, frequency="monthly", starts_on="2021-01-01",
                                                decision=DECISION), RuleViolated, "calendar_fixed")  # fmt: skip
    this_year = date.today().year
    ledger = given.ledger
    for year in range(2021, this_year + 1):
        for half in ("H1", "H2") if year > 2021 else ("H2",):
            ends = date(year, 6, 30) if half == "H1" else date(year, 12, 31)
            command = ClosePeriod(programme=SLUG, period=f"{year}-{half}")
            if ends >= date.today():
                refused(ledger, command, RuleViolated, "period_not_ended")
                return
            ledger.handle(CTX, command)


def test_given_a_period_name_out_of_bounds_when_closing_then_the_field_is_named() -> None:
    with pytest.raises(InvalidInput) as refused:
        ClosePeriod(programme=SLUG, period="x" * 41)
    assert refused.value.field == "period"


def test_given_an_unknown_allocation_when_a_unit_cost_is_set_then_refused(given: Given) -> None:
    command = SetUnitCost(programme=SLUG, allocation_id="00000000-0000-4000-8000-000000000000",
                          unit="participant_hour", rate=100, decision=DECISION)  # fmt: skip
    refused(given.ledger, command, NotFound, "allocation_id")


def test_given_a_lump_sum_when_its_deliverable_is_done_twice_then_the_second_is_refused(given: Given) -> None:
    agreed = given.handle(AgreeLumpSum(programme=SLUG, allocation_id=given.education, title="Competence plan",
                                       amount=5_000, decision=DECISION, effective_on="2021-02-01"))  # fmt: skip
    done = CompleteDeliverable(programme=SLUG, deliverable_id=agreed["deliverable_id"], effective_on="2021-01-15")
    refused(given.ledger, done, RuleViolated, "effective_before_agreed")
    given.handle(CompleteDeliverable(programme=SLUG, deliverable_id=agreed["deliverable_id"],
                                     effective_on="2021-05-01"))  # fmt: skip
    refused(given.ledger, CompleteDeliverable(programme=SLUG, deliverable_id=agreed["deliverable_id"]),
             RuleViolated, "deliverable_done")  # fmt: skip


def test_given_an_open_period_when_a_claim_is_drafted_then_refused_until_it_is_closed(given: Given) -> None:
    refused(given.ledger, DraftClaim(programme=SLUG, grant_id=given.grant_id, period="2021-H1"), RuleViolated,
             "period_open")  # fmt: skip
    given.close("2021-H1")
    unknown = DraftClaim(programme=SLUG, grant_id="00000000-0000-4000-8000-000000000000", period="2021-H1")
    refused(given.ledger, unknown, NotFound, "grant_id")
    given.claim()
    refused(given.ledger, DraftClaim(programme=SLUG, grant_id=given.grant_id, period="2021-H1"), RuleViolated,
             "claim_exists")  # fmt: skip


def test_given_a_claim_when_one_person_submits_and_approves_or_approves_and_pays_then_refused(given: Given) -> None:
    given.close("2021-H1")
    claim_id = given.claim()
    refused(given.ledger, ApproveClaim(programme=SLUG, claim_id=claim_id, decision=DECISION), RuleViolated,
             "claim_drafted", ctx=APPROVER)  # fmt: skip
    given.handle(SubmitClaim(programme=SLUG, claim_id=claim_id), SUBMITTER)
    refused(given.ledger, ApproveClaim(programme=SLUG, claim_id=claim_id, decision=DECISION), RuleViolated,
             "same_person_submitted_and_approved", ctx=SUBMITTER)  # fmt: skip
    given.handle(ApproveClaim(programme=SLUG, claim_id=claim_id, decision=DECISION), APPROVER)
    refused(given.ledger, PayClaim(programme=SLUG, claim_id=claim_id), RuleViolated, "same_person_approved_and_paid",
            ctx=APPROVER)  # fmt: skip
    given.handle(PayClaim(programme=SLUG, claim_id=claim_id), PAYER)
    refused(given.ledger, PayClaim(programme=SLUG, claim_id=claim_id), RuleViolated, "claim_paid", ctx=SUBMITTER)


# --- the answers ---------------------------------------------------------------------------------------------


def test_given_a_unit_cost_when_participants_attend_then_units_times_rate_as_of_any_moment(
    given: Given, projector: Projector
) -> None:
    given.unit_cost(600)  # per participant-hour
    given.session("2021-03-10", 95)
    first = position(given.ledger)
    given.session("2021-04-12", 50)
    given.unit_cost(900, on="2021-04-01")  # a new rate from April, recorded later
    given.handle(RecordModuleCompletion(programme=SLUG, module_id=given.module_id,
                                        participant_id=given.participant, effective_on="2021-05-02"))  # fmt: skip
    given.unit_cost(2_000, unit="completed_module", module_id=given.module_id)
    h1 = claim_for(claims(projector), "2021-H1")
    units = {(line.basis, line.rate): (line.units, line.amount) for line in h1.lines}
    assert units == {
        ("participant_hour", 600): (95, 950),  # 95 x 600 / 60
        ("participant_hour", 900): (50, 750),
        (f"completed_module {given.module_id}", 2_000): (1, 2_000),
    }
    assert h1.unit_costs == h1.eligible == 3_700
    earlier = claim_for(claims(projector, up_to=first), "2021-H1")
    assert [(line.units, line.amount) for line in earlier.lines] == [(95, 950)]
    by_march = claim_for(claims(projector, effective_by="2021-03-31"), "2021-H1")
    assert by_march.unit_costs == 950


def test_given_half_minutes_when_valued_then_rounded_half_to_even_once_per_line(
    given: Given, projector: Projector
) -> None:
    given.unit_cost(3)  # 3 per hour: 10 minutes are worth 0.5
    given.session("2021-03-10", 10)
    given.session("2021-03-11", 10)
    given.session("2021-03-12", 10)
    (line,) = claim_for(claims(projector), "2021-H1").lines
    assert (line.units, line.amount) == (30, 2)  # 1.5 rounds to 2, not 3 x round(0.5) = 0


def test_given_a_flat_rate_and_a_lump_sum_when_claimed_then_a_share_of_the_base_and_the_sum_when_done(
    given: Given, projector: Projector
) -> None:
    given.handle(SetFlatRate(programme=SLUG, allocation_id=given.overhead, base_category="staff", rate_bp=1_500,
                             decision=DECISION, effective_on="2021-01-04"))  # fmt: skip
    given.spend(given.staff, 10_001, "2021-04-01")
    given.spend(given.education, 7_000, "2021-04-01")  # not the base
    agreed = given.handle(AgreeLumpSum(programme=SLUG, allocation_id=given.education, title="Competence plan",
                                       amount=5_000, decision=DECISION, effective_on="2021-02-01"))  # fmt: skip
    h1 = claim_for(claims(projector), "2021-H1")
    assert (h1.actual, h1.flat_rates, h1.lump_sums) == (17_001, 1_500, 0)  # 10,001 x 15 % = 1,500.15
    given.handle(CompleteDeliverable(programme=SLUG, deliverable_id=agreed["deliverable_id"],
                                     effective_on="2021-08-01"))  # fmt: skip
    answer = claims(projector)
    assert claim_for(answer, "2021-H1").lump_sums == 0
    assert claim_for(answer, "2021-H2").lump_sums == 5_000


def test_given_a_closed_period_when_a_late_fact_takes_effect_in_it_then_the_sealed_claim_stands_and_the_next_adjusts(
    given: Given, projector: Projector
) -> None:
    given.unit_cost(600)
    given.handle(SetFlatRate(programme=SLUG, allocation_id=given.overhead, base_category="staff", rate_bp=1_000,
                             decision=DECISION, effective_on="2021-01-04"))  # fmt: skip
    given.session("2021-03-10", 60)
    given.spend(given.staff, 10_000, "2021-04-01")
    given.handle(DisburseFunds(programme=SLUG, allocation_id=given.education, amount=3_000, kind="advance",
                               effective_on="2021-02-01"))  # fmt: skip
    given.close("2021-H1")
    sealed = claim_for(claims(projector), "2021-H1")
    assert (sealed.actual, sealed.unit_costs, sealed.flat_rates, sealed.eligible) == (10_000, 600, 1_000, 11_600)
    assert (sealed.advances_paid, sealed.advances_cleared, sealed.payable) == (3_000, 3_000, 8_600)

    late = given.spend(given.staff, 2_000, "2021-06-15")  # recorded after 2021-H1 closed, effective inside it
    given.session("2021-05-20", 30)
    given.spend(given.staff, 500, "2021-09-01")  # 2021-H2's own
    answer = claims(projector)
    assert claim_for(answer, "2021-H1") == sealed
    h2 = claim_for(answer, "2021-H2")
    adjustments = sorted((line.component, line.amount) for line in h2.lines if line.adjustment)
    assert adjustments == [(Component.ACTUAL, 2_000), (Component.FLAT_RATE, 200), (Component.UNIT_COST, 300)]
    assert all(line.origin_period == "2021-H1" for line in h2.lines if line.adjustment)
    assert h2.adjustments == 2_500
    assert (h2.actual, h2.eligible, h2.payable) == (2_500, 2_500 + 300 + 250, 3_050)
    late_line = next(line for line in h2.lines if line.adjustment and line.component == Component.ACTUAL)
    assert late_line.positions == [position_of(given.ledger, late)]

    given.close("2021-H2")
    reversal = given.handle(ReverseEntry(programme=SLUG, entry_id=late, reason="not eligible", decision=DECISION,
                                         effective_on="2021-06-20"))  # fmt: skip
    answer = claims(projector)
    assert claim_for(answer, "2021-H1") == sealed
    assert claim_for(answer, "2021-H2") == h2.model_copy(update={"closed": True,
        "sealed_position": claim_for(answer, "2021-H2").sealed_position,
        "sealed_chain": claim_for(answer, "2021-H2").sealed_chain})  # fmt: skip
    h1_2022 = claim_for(answer, "2022-H1")
    assert sorted((line.component, line.amount) for line in h1_2022.lines) == [
        (Component.ACTUAL, -2_000),
        (Component.FLAT_RATE, -200),
    ]
    assert h1_2022.payable == -2_200  # owed back
    assert reversal["entry_id"]


def position_of(ledger: Ledger, entry_id: str) -> int:
    """The log position of the event that recorded a money entry."""
    for notification in ledger.recorder.select_notifications(1, position(ledger)):
        if entry_id.encode() in notification.state:
            return int(notification.id)
    raise AssertionError(entry_id)


def test_given_a_claim_when_it_moves_through_its_steps_then_the_answer_names_who_took_each(
    given: Given, projector: Projector
) -> None:
    given.spend(given.staff, 1_000, "2021-04-01")
    given.close("2021-H1")
    claim_id = given.claim()
    given.handle(SubmitClaim(programme=SLUG, claim_id=claim_id), SUBMITTER)
    given.handle(ApproveClaim(programme=SLUG, claim_id=claim_id, decision=DECISION), APPROVER)
    given.handle(PayClaim(programme=SLUG, claim_id=claim_id), PAYER)
    h1 = claim_for(claims(projector), "2021-H1")
    assert h1.claim_id == claim_id
    assert h1.state == "paid"
    assert [(s.step, s.actor) for s in h1.steps] == [
        ("drafted", CTX.actor), ("submitted", SUBMITTER.actor), ("approved", APPROVER.actor), ("paid", PAYER.actor)
    ]  # fmt: skip
    assert h1.steps[2].decision_reference == DECISION["reference"]


def test_given_a_closing_dated_on_or_before_its_periods_end_then_refused(given: Given) -> None:
    given.handle(ClosePeriod(programme=SLUG, period="2021-H1", effective_on="2021-08-01"))
    early = ClosePeriod(programme=SLUG, period="2021-H2", effective_on="2021-07-15")
    refused(given.ledger, early, RuleViolated, "period_not_ended")
    given.handle(ClosePeriod(programme=SLUG, period="2021-H2", effective_on="2022-01-03"))
    refused(given.ledger, ClosePeriod(programme=SLUG, period="2022-H1", effective_on="2021-12-31"), RuleViolated,
            "period_not_ended")  # fmt: skip


def test_given_a_closing_on_a_late_day_when_the_next_is_dated_earlier_then_refused(given: Given) -> None:
    given.handle(ClosePeriod(programme=SLUG, period="2021-H1", effective_on="2022-03-01"))
    refused(given.ledger, ClosePeriod(programme=SLUG, period="2021-H2", effective_on="2022-02-01"), RuleViolated,
            "effective_before_previous")  # fmt: skip


def test_given_ids_already_used_or_unknown_when_reporting_then_refused_naming_them(given: Given) -> None:
    agreed = given.handle(AgreeLumpSum(programme=SLUG, allocation_id=given.education, title="Plan", amount=10,
                                       decision=DECISION, effective_on="2021-02-01"))  # fmt: skip
    again = AgreeLumpSum(programme=SLUG, allocation_id=given.education, title="Plan", amount=10, decision=DECISION,
                         deliverable_id=agreed["deliverable_id"])  # fmt: skip
    refused(given.ledger, again, RuleViolated, "deliverable_exists")
    unknown = CompleteDeliverable(programme=SLUG, deliverable_id="00000000-0000-4000-8000-000000000001")
    refused(given.ledger, unknown, NotFound, "deliverable_id")
    given.close("2021-H1")
    claim_id = given.claim()
    twice = DraftClaim(programme=SLUG, grant_id=given.grant_id, period="2021-H1", claim_id=claim_id)
    refused(given.ledger, twice, RuleViolated, "claim_exists")
    nothing = SubmitClaim(programme=SLUG, claim_id="00000000-0000-4000-8000-000000000002")
    refused(given.ledger, nothing, NotFound, "claim_id")


def test_given_another_programmes_module_when_a_unit_cost_names_it_then_unknown_here(given: Given) -> None:
    launch(given.ledger, slug="other", name="Another programme")
    elsewhere = given.handle(OfferModule(programme="other", title="Welding", providers=["Fagskolen"], theme="weld",
                                         region="Viken"))["module_id"]  # fmt: skip
    command = SetUnitCost(programme=SLUG, allocation_id=given.education, unit="participant_hour", rate=100,
                          module_id=elsewhere, decision=DECISION)  # fmt: skip
    refused(given.ledger, command, NotFound, "module_id")
