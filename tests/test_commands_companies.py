"""Company commands: register (with Norwegian MOD11 and Swedish Luhn organisation numbers), present, join against
the cap, onboard, set goals, analyse needs, withdraw, complete."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from stdnum import luhn

from ledger.commands import (
    AnalyseCompanyNeeds,
    CloseProgramme,
    Command,
    CompleteCompany,
    HoldOnboarding,
    JoinCompany,
    PresentCompany,
    SetCompanyGoals,
    WithdrawCompany,
)
from ledger.domain.company import Company
from ledger.domain.programme import Programme
from ledger.errors import InvalidInput, NotFound, RuleViolated
from tests.commands_given import (
    CTX,
    DECISION,
    SLUG,
    event_names,
    joined_company,
    last_event,
    launch,
    no_key,
    norwegian_org_numbers,
    not_found,
    register_company,
    rejected,
    swedish_org_number,
)

if TYPE_CHECKING:
    from ledger.application import Ledger

PROGRAMME_ID = Programme.create_id(SLUG)
NUMBER = norwegian_org_numbers(1)[0]  # 923609016


# --- register_company and organisation numbers -------------------------------------------------------------


def test_given_valid_norwegian_number_when_company_registered_then_stored_with_country(ledger: Ledger) -> None:
    result = register_company(ledger, NUMBER, name="Trosterud Mekaniske Verksted", size="medium")
    company = ledger.company(NUMBER)
    assert result.ids == {"org_number": f"NO{NUMBER}"}
    assert result.id == str(Company.create_id(f"NO{NUMBER}"))
    assert (company.org_number, company.country, company.name, company.size) == (
        f"NO{NUMBER}",
        "NO",
        "Trosterud Mekaniske Verksted",
        "medium",
    )
    assert event_names(ledger, company.id) == ["CompanyRegistered"]


def test_given_valid_swedish_number_when_company_registered_then_stored_as_swedish(ledger: Ledger) -> None:
    number = swedish_org_number(0)
    digits = number.replace("-", "")
    assert luhn.is_valid(digits)
    register_company(ledger, number, name="Östgöta Mätteknik AB", region="Östergötland")
    company = ledger.company(number)
    assert (company.org_number, company.country) == (f"SE{digits}", "SE")
    assert ledger.company(f"SE{digits}").id == company.id


@pytest.mark.parametrize(
    "spelling",
    [NUMBER, f"{NUMBER[:3]} {NUMBER[3:6]} {NUMBER[6:]}", f"NO{NUMBER}", f"no {NUMBER}", f" {NUMBER} "],
)
def test_given_norwegian_number_in_any_spelling_when_registered_then_one_identity(
    sqlite_ledger: Ledger, spelling: str
) -> None:
    register_company(sqlite_ledger, spelling)
    assert sqlite_ledger.company(NUMBER).org_number == f"NO{NUMBER}"
    rejected(sqlite_ledger, lambda: register_company(sqlite_ledger, NUMBER), RuleViolated, rule="company_exists")


def test_given_registered_company_when_registered_again_then_rejected(ledger: Ledger) -> None:
    register_company(ledger, NUMBER)
    rejected(
        ledger,
        lambda: register_company(ledger, NUMBER, name="Other name"),
        RuleViolated,
        rule="company_exists",
        unchanged=[Company.create_id(f"NO{NUMBER}")],
    )
    assert ledger.company(NUMBER).name == "SEW Eurodrive"


def _bad_mod11(number: str) -> str:
    return number[:8] + str((int(number[8]) + 1) % 10)


def _bad_luhn(number: str) -> str:
    return number[:-1] + str((int(number[-1]) + 1) % 10)


@pytest.mark.parametrize(
    "bad",
    [
        _bad_mod11(NUMBER),  # wrong MOD11 check digit
        *(f"92360913{d}" for d in "05"),  # base 92360913 needs check digit 10: no valid number exists
        _bad_luhn(swedish_org_number(0)),  # wrong Luhn check digit
        "12345678",  # 8 digits: neither country
        "12345678901",  # 11 digits
        "NO" + swedish_org_number(0),  # a Swedish number claimed as Norwegian
        "SE" + NUMBER,  # a Norwegian number claimed as Swedish
        "92360901A",
        "",
    ],
)
def test_given_invalid_org_number_when_company_registered_then_rejected_naming_the_field(
    sqlite_ledger: Ledger, bad: str
) -> None:
    rejected(sqlite_ledger, lambda: register_company(sqlite_ledger, bad), InvalidInput, field="org_number")


def test_given_org_number_not_text_when_company_registered_then_rejected(sqlite_ledger: Ledger) -> None:
    number: Any = 923609016
    rejected(sqlite_ledger, lambda: register_company(sqlite_ledger, number), InvalidInput, field="org_number")


@pytest.mark.parametrize(
    ("override", "field"),
    [({"name": ""}, "name"), ({"region": None}, "region"), ({"sector": "   "}, "sector"), ({"size": "huge"}, "size")],
)
def test_given_bad_details_when_company_registered_then_rejected_naming_the_field(
    sqlite_ledger: Ledger, override: dict[str, Any], field: str
) -> None:
    rejected(sqlite_ledger, lambda: register_company(sqlite_ledger, NUMBER, **override), InvalidInput, field=field)


# --- present_company -----------------------------------------------------------------------------------------


def test_given_registered_company_when_presented_twice_then_presented_with_channels(ledger: Ledger) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER, channel="Teams"))
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER))
    programme = ledger.programme(SLUG)
    company = programme.companies[no_key(NUMBER)]
    assert (company["stage"], company["presentations"]) == ("presented", 2)
    assert programme.active_company_count == 0
    events = list(ledger.events.get(PROGRAMME_ID))[1:]
    assert [(type(e).__name__, e.org_number, e.channel) for e in events] == [
        ("CompanyPresented", no_key(NUMBER), "Teams"),
        ("CompanyPresented", no_key(NUMBER), "on site"),
    ]


def test_given_unregistered_company_when_presented_then_not_found(ledger: Ledger) -> None:
    launch(ledger)
    not_found(ledger, lambda: ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER)), "company")


def test_given_no_programme_when_company_presented_then_not_found(ledger: Ledger) -> None:
    register_company(ledger, NUMBER)
    not_found(ledger, lambda: ledger.handle(CTX, PresentCompany(programme="nowhere", org_number=NUMBER)), "programme")


def test_given_joined_company_when_presented_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER)),
        RuleViolated,
        rule="already_joined",
        unchanged=[PROGRAMME_ID],
    )


def test_given_bad_channel_when_company_presented_then_rejected_naming_the_field(ledger: Ledger) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER, channel="")),
        InvalidInput,
        field="channel",
    )


def test_given_closed_programme_when_company_presented_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER)),
        RuleViolated,
        rule="programme_closed",
        unchanged=[PROGRAMME_ID],
    )


# --- join_company ----------------------------------------------------------------------------------------------


def test_given_presented_company_when_it_joins_then_joined_and_counted(ledger: Ledger) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER, channel="Teams"))
    result = ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER))
    programme = ledger.programme(SLUG)
    assert result.version == 3 == programme.version
    assert programme.stage_of(no_key(NUMBER)) == "joined"
    assert programme.companies[no_key(NUMBER)]["presentations"] == 1
    assert programme.active_company_count == 1


def test_given_cap_reached_when_company_joins_then_rejected(ledger: Ledger) -> None:
    launch(ledger, caps={"companies": 2})
    first, second, third = norwegian_org_numbers(3)
    joined_company(ledger, first)
    joined_company(ledger, second)
    register_company(ledger, third)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=third)),
        RuleViolated,
        rule="company_cap_reached",
        unchanged=[PROGRAMME_ID],
    )
    assert ledger.programme(SLUG).stage_of(no_key(third)) is None


def test_given_cap_reached_when_a_company_withdraws_then_another_can_join(ledger: Ledger) -> None:
    launch(ledger, caps={"companies": 1})
    first, second = norwegian_org_numbers(2)
    joined_company(ledger, first)
    register_company(ledger, second)
    ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=first, reason="no capacity"))
    ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=second))
    programme = ledger.programme(SLUG)
    assert programme.active_company_count == 1
    assert programme.stage_of(no_key(first)) == "withdrawn"


def test_given_cap_reached_with_completed_company_then_completed_does_not_count_against_cap(ledger: Ledger) -> None:
    launch(ledger, caps={"companies": 1})
    first, second = norwegian_org_numbers(2)
    joined_company(ledger, first)
    ledger.handle(CTX, CompleteCompany(programme=SLUG, org_number=first))
    joined_company(ledger, second)
    assert ledger.programme(SLUG).active_company_count == 1


def test_given_zero_cap_when_company_joins_then_rejected(ledger: Ledger) -> None:
    launch(ledger, caps={"companies": 0})
    register_company(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER)),
        RuleViolated,
        rule="company_cap_reached",
    )


def test_given_no_cap_when_many_companies_join_then_all_accepted(sqlite_ledger: Ledger) -> None:
    launch(sqlite_ledger, caps={})
    for number in norwegian_org_numbers(5):
        joined_company(sqlite_ledger, number)
    assert sqlite_ledger.programme(SLUG).active_company_count == 5


@pytest.mark.parametrize("stage", ["joined", "onboarded", "completed"])
def test_given_company_already_in_programme_when_it_joins_again_then_rejected(ledger: Ledger, stage: str) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    if stage == "onboarded":
        ledger.handle(CTX, HoldOnboarding(programme=SLUG, org_number=NUMBER))
    if stage == "completed":
        ledger.handle(CTX, CompleteCompany(programme=SLUG, org_number=NUMBER))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER)),
        RuleViolated,
        rule="already_joined",
        unchanged=[PROGRAMME_ID],
    )


def test_given_withdrawn_company_when_it_joins_again_then_rejoined(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=NUMBER, reason="furloughs"))
    ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER))
    assert ledger.programme(SLUG).stage_of(no_key(NUMBER)) == "joined"


def test_given_unregistered_company_when_it_joins_then_not_found(ledger: Ledger) -> None:
    launch(ledger)
    not_found(ledger, lambda: ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER)), "company")


def test_given_no_programme_when_company_joins_then_not_found(ledger: Ledger) -> None:
    register_company(ledger, NUMBER)
    not_found(ledger, lambda: ledger.handle(CTX, JoinCompany(programme="nowhere", org_number=NUMBER)), "programme")


def test_given_invalid_number_when_company_joins_then_rejected_naming_the_field(ledger: Ledger) -> None:
    launch(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=_bad_mod11(NUMBER))),
        InvalidInput,
        field="org_number",
    )


def test_given_closed_programme_when_company_joins_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER)),
        RuleViolated,
        rule="programme_closed",
    )


def test_given_company_in_two_programmes_when_it_joins_both_then_each_counts_it(ledger: Ledger) -> None:
    launch(ledger)
    launch(ledger, slug="kongsberg", caps={"companies": 1})
    joined_company(ledger, NUMBER)
    ledger.handle(CTX, JoinCompany(programme="kongsberg", org_number=NUMBER))
    assert ledger.programme(SLUG).active_company_count == 1
    assert ledger.programme("kongsberg").active_company_count == 1


# --- hold_onboarding -------------------------------------------------------------------------------------------


def test_given_joined_company_when_onboarding_held_then_onboarded_and_still_counted(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    ledger.handle(CTX, HoldOnboarding(programme=SLUG, org_number=NUMBER))
    programme = ledger.programme(SLUG)
    assert programme.stage_of(no_key(NUMBER)) == "onboarded"
    assert programme.active_company_count == 1
    assert event_names(ledger, PROGRAMME_ID)[-1] == "OnboardingMeetingHeld"


def test_given_onboarded_company_when_onboarding_held_again_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    ledger.handle(CTX, HoldOnboarding(programme=SLUG, org_number=NUMBER))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, HoldOnboarding(programme=SLUG, org_number=NUMBER)),
        RuleViolated,
        rule="already_onboarded",
        unchanged=[PROGRAMME_ID],
    )


@pytest.mark.parametrize("stage", [None, "presented", "withdrawn"])
def test_given_company_not_active_when_onboarding_held_then_rejected(ledger: Ledger, stage: str | None) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    if stage == "presented":
        ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER))
    if stage == "withdrawn":
        ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER))
        ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=NUMBER, reason="x"))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, HoldOnboarding(programme=SLUG, org_number=NUMBER)),
        RuleViolated,
        rule="company_not_active",
        unchanged=[PROGRAMME_ID],
    )


def test_given_bad_number_or_programme_when_onboarding_held_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, HoldOnboarding(programme=SLUG, org_number="123")),
        InvalidInput,
        field="org_number",
    )
    not_found(ledger, lambda: ledger.handle(CTX, HoldOnboarding(programme="nowhere", org_number=NUMBER)), "programme")


# --- set_company_goals -----------------------------------------------------------------------------------------


def test_given_joined_company_when_goals_set_then_goals_recorded(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    ledger.handle(CTX, SetCompanyGoals(programme=SLUG, org_number=NUMBER, goals=["digital collaboration", "lean"]))
    assert ledger.programme(SLUG).companies[no_key(NUMBER)]["goals"] == ["digital collaboration", "lean"]
    assert last_event(ledger, PROGRAMME_ID).goals == ["digital collaboration", "lean"]


def test_given_presented_company_when_goals_set_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, SetCompanyGoals(programme=SLUG, org_number=NUMBER, goals=["x"])),
        RuleViolated,
        rule="company_not_active",
        unchanged=[PROGRAMME_ID],
    )


@pytest.mark.parametrize(("goals", "field"), [([], "goals"), (["ok", ""], "goals[1]"), ("lean", "goals")])
def test_given_bad_goals_when_goals_set_then_rejected_naming_the_field(
    ledger: Ledger, goals: object, field: str
) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, SetCompanyGoals(programme=SLUG, org_number=NUMBER, goals=goals)),
        InvalidInput,
        field=field,
    )


def test_given_no_programme_when_goals_set_then_not_found(ledger: Ledger) -> None:
    not_found(
        ledger,
        lambda: ledger.handle(CTX, SetCompanyGoals(programme="nowhere", org_number=NUMBER, goals=["x"])),
        "programme",
    )


# --- analyse_company_needs -------------------------------------------------------------------------------------


def test_given_presented_company_when_needs_analysed_then_competence_areas_recorded(ledger: Ledger) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER))
    ledger.handle(CTX, AnalyseCompanyNeeds(programme=SLUG, org_number=NUMBER, competence_areas=["Industry 4.0"]))
    assert ledger.programme(SLUG).companies[no_key(NUMBER)]["competence_areas"] == ["Industry 4.0"]
    assert event_names(ledger, PROGRAMME_ID)[-1] == "CompanyNeedsAnalysed"


def test_given_company_not_in_programme_when_needs_analysed_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, AnalyseCompanyNeeds(programme=SLUG, org_number=NUMBER, competence_areas=["robots"])),
        RuleViolated,
        rule="company_not_in_programme",
        unchanged=[PROGRAMME_ID],
    )


def test_given_bad_areas_when_needs_analysed_then_rejected_naming_the_field(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, AnalyseCompanyNeeds(programme=SLUG, org_number=NUMBER, competence_areas=[])),
        InvalidInput,
        field="competence_areas",
    )


def test_given_closed_programme_when_needs_analysed_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, AnalyseCompanyNeeds(programme=SLUG, org_number=NUMBER, competence_areas=["robots"])),
        RuleViolated,
        rule="programme_closed",
    )


# --- withdraw_company / complete_company ----------------------------------------------------------------------


def test_given_joined_company_when_it_withdraws_then_withdrawn_with_reason(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=NUMBER, reason="oil-price fall"))
    programme = ledger.programme(SLUG)
    assert programme.stage_of(no_key(NUMBER)) == "withdrawn"
    assert programme.active_company_count == 0
    assert last_event(ledger, PROGRAMME_ID).reason == "oil-price fall"


@pytest.mark.parametrize("command", [WithdrawCompany, CompleteCompany])
@pytest.mark.parametrize("stage", [None, "presented", "withdrawn", "completed"])
def test_given_company_not_active_when_withdrawn_or_completed_then_rejected(
    ledger: Ledger, command: type[Command], stage: str | None
) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    if stage == "presented":
        ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER))
    if stage in ("withdrawn", "completed"):
        ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER))
    if stage == "withdrawn":
        ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=NUMBER, reason="x"))
    if stage == "completed":
        ledger.handle(CTX, CompleteCompany(programme=SLUG, org_number=NUMBER))
    extra = {"reason": "again"} if command.command == "withdraw_company" else {}
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, org_number=NUMBER, **extra)),
        RuleViolated,
        rule="company_not_active",
        unchanged=[PROGRAMME_ID],
    )


def test_given_bad_reason_when_company_withdraws_then_rejected_naming_the_field(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=NUMBER, reason="")),
        InvalidInput,
        field="reason",
    )


def test_given_onboarded_company_when_completed_then_completed_and_no_longer_active(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    ledger.handle(CTX, HoldOnboarding(programme=SLUG, org_number=NUMBER))
    ledger.handle(CTX, CompleteCompany(programme=SLUG, org_number=NUMBER))
    programme = ledger.programme(SLUG)
    assert programme.stage_of(no_key(NUMBER)) == "completed"
    assert programme.active_company_count == 0
    assert event_names(ledger, PROGRAMME_ID)[-1] == "CompanyCompleted"


@pytest.mark.parametrize("command", [WithdrawCompany, CompleteCompany])
def test_given_closed_programme_when_company_withdrawn_or_completed_then_rejected(
    ledger: Ledger, command: type[Command]
) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    extra = {"reason": "x"} if command.command == "withdraw_company" else {}
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, org_number=NUMBER, **extra)),
        RuleViolated,
        rule="programme_closed",
    )


@pytest.mark.parametrize("command", [WithdrawCompany, CompleteCompany])
def test_given_no_programme_when_company_withdrawn_or_completed_then_not_found(
    ledger: Ledger, command: type[Command]
) -> None:
    extra = {"reason": "x"} if command.command == "withdraw_company" else {}
    not_found(ledger, lambda: ledger.handle(CTX, command(programme="nowhere", org_number=NUMBER, **extra)), "programme")


def test_given_unknown_company_when_looked_up_then_not_found(ledger: Ledger) -> None:
    with pytest.raises(NotFound) as caught:
        ledger.company(NUMBER)
    assert caught.value.what == "company"
