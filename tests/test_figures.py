"""Each published figure as docs/figures.md defines it, on histories where the earlier folds got it wrong:
ESF completeness, participant-hours against delivered hours, rounding once, stage dates as the earliest effective
date, a re-joining company counted once, time from joining to the first session, company size as it was. The
live answer is compared with the answer as of an effective date where the two used to disagree."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from ledger.commands import (
    AllocateFunds,
    AwardGrant,
    CorrectCompany,
    EnrolParticipants,
    FormNetworkGroup,
    HoldActivity,
    HoldSession,
    JoinCompany,
    OfferModule,
    PlanActivity,
    PresentCompany,
    RecordAttendance,
    RegisterParticipant,
    ReportExpenditure,
    ScheduleSession,
    WithdrawCompany,
)
from ledger.domain.programme import Programme
from projections.as_of import programme_as_of, store_as_of
from projections.evaluation.queries import costs, esf_indicators, funnel, participation
from projections.status.queries import list_programmes, programme_id_for, programme_status
from storage.open import open_projector
from tests.commands_given import CTX, DECISION, SLUG, launch, no_key, norwegian_org_numbers, register_company

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

    from ledger.application import Ledger
    from projections.projector import Projector

A, B, C = norwegian_org_numbers(3)


@pytest.fixture
def world(ledger: Ledger, store_url: str) -> Iterator[tuple[Ledger, Projector]]:
    launch(ledger, caps={})
    for number in (A, B, C):
        register_company(ledger, number, size="small")
    projector = open_projector(ledger, store_url)
    yield ledger, projector
    projector.stop()
    projector.dispose()


def answers(ledger: Ledger, projector: Projector, as_of: date | None = None) -> dict[str, Any]:
    """Status and evaluation figures, live or as of an effective date."""
    projector.run_once()
    engine: Engine = projector.engine
    with engine.connect() as db:
        programme_id = programme_id_for(db, SLUG)
    assert programme_id is not None
    if as_of is not None:
        engine = programme_as_of(ledger, projector.engine, programme_id, effective_on=as_of)
    with engine.connect() as db:
        return {
            "status": programme_status(db, programme_id),
            "funnel": funnel(db, programme_id),
            "participation": participation(db, programme_id),
            "costs": costs(db, programme_id),
            "esf": esf_indicators(db, programme_id),
        }


def join(ledger: Ledger, number: str, on: str) -> None:
    ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=number, effective_on=on))


def person(ledger: Ledger, number: str, on: str, **attributes: str) -> str:
    command = RegisterParticipant(programme=SLUG, org_number=number, target_group="employed", effective_on=on,
                                  **attributes)  # fmt: skip
    return ledger.handle(CTX, command).ids["participant_id"]


def session(ledger: Ledger, people: list[str], held_on: str, minutes: int = 55) -> None:
    module_id = ledger.handle(CTX, OfferModule(programme=SLUG, title="Lean", providers=["NMBU"], theme="lean",
                                               region="Viken", effective_on="2021-01-04")).ids["module_id"]  # fmt: skip
    session_id = ledger.handle(CTX, ScheduleSession(programme=SLUG, module_id=module_id, starts_on=held_on,
                                                    place="Moss", minutes=minutes,
                                                    effective_on="2021-01-04")).ids["session_id"]  # fmt: skip
    ledger.handle(CTX, EnrolParticipants(programme=SLUG, module_id=module_id, participant_ids=people,
                                         effective_on=held_on))  # fmt: skip
    ledger.handle(CTX, HoldSession(programme=SLUG, module_id=module_id, session_id=session_id, effective_on=held_on))
    attendance = [{"participant_id": p, "minutes": minutes} for p in people]
    ledger.handle(CTX, RecordAttendance(programme=SLUG, module_id=module_id, session_id=session_id,
                                        attendance=attendance, effective_on=held_on))  # fmt: skip


# 1 -----------------------------------------------------------------------------------------------------------


def test_given_a_participant_without_education_level_when_esf_indicators_asked_then_in_the_total_only(
    world: tuple[Ledger, Projector],
) -> None:
    ledger, projector = world
    join(ledger, A, "2021-02-01")
    full = {"gender": "female", "age_band": "30_54", "employment_status": "employed", "education_level": "isced_3_4"}
    person(ledger, A, "2021-03-01", **full)
    person(ledger, A, "2021-03-02", **{**full, "education_level": None})  # type: ignore[arg-type]
    (period,) = answers(ledger, projector)["esf"]
    assert (period.participants, period.complete) == (2, 1)
    for breakdown in (period.gender, period.age_band, period.employment_status, period.education_level):
        assert sum(breakdown.values()) == 1
    assert period.gender["female"] == 1


# 2 and 3 ------------------------------------------------------------------------------------------------------


def test_given_three_attendees_of_55_minutes_and_an_activity_for_8_when_asked_then_hours_are_participant_hours(
    world: tuple[Ledger, Projector],
) -> None:
    """3 x 55 minutes: 2.75 participant-hours (not 3 x 0.92 = 2.76), 0.92 delivered; an activity of 90 minutes
    for 8 people: 12 participant-hours, 1.5 delivered, and the 8 count as participants of the costs."""
    ledger, projector = world
    join(ledger, A, "2021-02-01")
    people = [person(ledger, A, "2021-03-01") for _ in range(3)]
    session(ledger, people, "2021-03-09")
    plan = PlanActivity(programme=SLUG, title="Forklift", kind="group", competence_area="logistics", region="Viken",
                        provider="AMU", planned_on="2021-04-01", effective_on="2021-03-01")  # fmt: skip
    activity_id = ledger.handle(CTX, plan).ids["activity_id"]
    ledger.handle(CTX, HoldActivity(programme=SLUG, activity_id=activity_id, minutes=90, participant_count=8,
                                    effective_on="2021-04-01"))  # fmt: skip
    grant = ledger.handle(CTX, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=100_000,
                                          decision=DECISION, effective_on="2021-02-01")).ids["grant_id"]  # fmt: skip
    allocation = ledger.handle(CTX, AllocateFunds(programme=SLUG, grant_id=grant, recipient_kind="provider",
                                                  recipient="AMU", amount=100_000, decision=DECISION,
                                                  effective_on="2021-02-01")).ids["allocation_id"]  # fmt: skip
    ledger.handle(CTX, ReportExpenditure(programme=SLUG, allocation_id=allocation, amount=100_000,
                                         period="2021-H1", effective_on="2021-05-01"))  # fmt: skip
    found = answers(ledger, projector)
    status = found["status"]
    assert (status.training.participant_hours, status.training.delivered_hours) == (2.75, 0.92)
    assert (status.activities.participant_hours, status.activities.delivered_hours) == (12.0, 1.5)
    assert status.activities.participants == 8
    spent = found["costs"]
    assert (spent.participants, spent.participant_hours) == (3 + 8, 14.75)
    assert spent.cost_per_participant_hour == round(100_000 * 60 / (165 + 720))  # 6,780 øre
    assert spent.cost_per_participant == round(100_000 / 11)
    assert sum(c.hours for c in found["participation"].region.values()) == 14.75


# 4 and 5 ------------------------------------------------------------------------------------------------------


def test_given_a_presentation_recorded_later_but_dated_earlier_when_asked_then_it_is_the_stage_date(
    world: tuple[Ledger, Projector],
) -> None:
    ledger, projector = world
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=A, effective_on="2021-02-20"))
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=A, effective_on="2021-02-10"))
    join(ledger, A, "2021-03-02")
    live = answers(ledger, projector)
    (company,) = live["status"].companies
    assert company.presented_on == date(2021, 2, 10)
    assert live["funnel"].median_days_presented_to_joined == 20
    then = answers(ledger, projector, as_of=date(2021, 3, 31))
    assert then["status"].companies == live["status"].companies


def test_given_a_company_that_withdrew_and_rejoined_when_asked_then_counted_once_with_its_withdrawal(
    world: tuple[Ledger, Projector],
) -> None:
    ledger, projector = world
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=A, effective_on="2021-03-01"))
    join(ledger, A, "2021-03-20")
    ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=A, reason="busy", effective_on="2021-06-01"))
    join(ledger, A, "2021-07-10")
    found = answers(ledger, projector)
    pipeline, stages = found["status"].pipeline, found["funnel"]
    assert (pipeline.joined, pipeline.withdrawn, pipeline.ever_joined) == (1, 0, 1)
    assert (stages.joined, stages.withdrawn, stages.median_days_presented_to_joined) == (1, 1, 19)
    (company,) = found["status"].companies
    assert (company.joined_on, company.withdrawn_on, company.stage) == (date(2021, 3, 20), date(2021, 6, 1), "joined")


def test_given_a_join_dated_before_the_presentation_when_asked_then_zero_days_not_negative(
    world: tuple[Ledger, Projector],
) -> None:
    ledger, projector = world
    join(ledger, A, "2021-03-01")
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=A, effective_on="2021-02-01"))
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=B, effective_on="2021-03-05"))
    join(ledger, B, "2021-03-01")  # joined before the presentation recorded for it
    found = answers(ledger, projector)
    assert found["funnel"].median_days_presented_to_joined == 14  # (28 + 0) / 2
    assert {c.org_number: c.stage for c in found["status"].companies} == {no_key(A): "joined", no_key(B): "presented"}


# 8 -----------------------------------------------------------------------------------------------------------


def test_given_companies_joined_when_their_people_first_attend_then_days_to_first_session_and_median(
    world: tuple[Ledger, Projector],
) -> None:
    ledger, projector = world
    join(ledger, A, "2021-03-01")
    join(ledger, B, "2021-03-10")
    join(ledger, C, "2021-03-10")
    first, second = person(ledger, A, "2021-03-02"), person(ledger, B, "2021-03-11")
    session(ledger, [first], "2021-03-15")
    session(ledger, [first, second], "2021-04-09")
    found = answers(ledger, projector)
    days = {c.org_number: (c.first_session_on, c.days_to_first_session) for c in found["status"].companies}
    assert days == {
        no_key(A): (date(2021, 3, 15), 14),
        no_key(B): (date(2021, 4, 9), 30),
        no_key(C): (None, None),
    }
    assert found["funnel"].median_days_joined_to_first_session == 22


# 9 -----------------------------------------------------------------------------------------------------------


def test_given_a_size_change_effective_2023_when_2021_figures_asked_then_the_size_of_2021_counts(
    world: tuple[Ledger, Projector],
) -> None:
    ledger, projector = world
    join(ledger, A, "2021-02-01")
    person(ledger, A, "2021-03-01")
    ledger.handle(CTX, CorrectCompany(org_number=A, name="Grown AS", region="Viken", sector="food", size="large",
                                      effective_on="2023-01-01"))  # fmt: skip
    found = answers(ledger, projector)
    (period,) = found["esf"]
    assert period.supported_smes == 1
    assert set(found["participation"].size) == {"small"}
    assert found["status"].companies[0].name == "Grown AS"
    # a correction dated back to the start changes the past
    ledger.handle(CTX, CorrectCompany(org_number=A, name="Grown AS", region="Viken", sector="food", size="large",
                                      effective_on="2020-06-01"))  # fmt: skip
    assert answers(ledger, projector)["esf"][0].supported_smes == 0


def test_given_a_stored_fact_dated_before_its_programmes_launch_when_read_as_of_a_day_between_then_no_programme_yet(
    world: tuple[Ledger, Projector], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stores written before the rule refused such facts may hold one (a network group formed before the launch):
    as of a day between the two, the programme does not exist yet and the list is empty, rather than a
    programme row made of the group's counters alone."""
    ledger, projector = world
    monkeypatch.setattr(Programme, "check_effective", lambda _self, _day: None)  # as the earlier version did
    ledger.handle(CTX, FormNetworkGroup(programme=SLUG, name="Vest", basis="geography", effective_on="2019-06-01"))
    projector.run_once()
    with store_as_of(ledger, effective_on=date(2019, 7, 1)).connect() as db:
        assert list_programmes(db) == []
    assert answers(ledger, projector, as_of=date(2019, 7, 1))["status"] is None
