"""Programme commands (launch, revise cap or target, close), and what every command shares: the actor and the
effective date stored on the events, idempotency keys, and the expected version."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from ledger.application import Ctx, Ledger
from ledger.commands import AwardGrant, CloseProgramme, JoinCompany, ReviseCap, ReviseTarget
from ledger.domain.funds import Funds
from ledger.domain.programme import Programme
from ledger.errors import IdempotencyConflict, InvalidInput, NotFound, RuleViolated, VersionConflict
from storage.open import open_ledger
from tests.commands_given import (
    ACTOR,
    CTX,
    DECISION,
    SLUG,
    event_names,
    joined_company,
    last_event,
    launch,
    norwegian_org_numbers,
    participant,
    position,
    register_company,
    rejected,
)

PROGRAMME_ID = Programme.create_id(SLUG)


# --- launch_programme --------------------------------------------------------------------------------------


def test_given_nothing_when_programme_launched_then_programme_funds_and_forum_are_recorded(ledger: Ledger) -> None:
    before = position(ledger)
    result = launch(ledger)
    programme = ledger.programme(SLUG)
    assert result.id == str(PROGRAMME_ID)
    assert result.version == 1
    assert result.ids == {"programme": SLUG}
    assert not result.replayed
    assert position(ledger) == before + 3 == result.position  # programme, funds and forum in one save
    assert (programme.name, programme.owner, programme.currency) == ("FREMtid for kompetanse", "Matindustrien", "NOK")
    assert (programme.starts_on, programme.ends_on) == (date(2021, 3, 1), date(2024, 6, 30))
    assert programme.caps == {"companies": 40}
    assert programme.targets == {"companies": 40}
    assert programme.funders == ["Kompetanse Norge"]
    assert programme.closed is False
    assert ledger.funds(SLUG).currency == "NOK"
    assert event_names(ledger, PROGRAMME_ID) == ["ProgrammeLaunched"]


def test_given_launched_programme_when_same_slug_launched_again_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    rejected(ledger, lambda: launch(ledger, name="Another"), RuleViolated, rule="programme_exists")


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"slug": "Not A Slug"}, "slug"),
        ({"slug": "x"}, "slug"),
        ({"name": "  "}, "name"),
        ({"owner": 7}, "owner"),
        ({"funders": []}, "funders"),
        ({"funders": ["Kompetanse Norge", ""]}, "funders[1]"),
        ({"starts_on": "2021-13-01"}, "starts_on"),
        ({"ends_on": "soon"}, "ends_on"),
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"currency": "USD"}, "currency"),
        ({"regions": "Viken"}, "regions"),
        ({"themes": [""]}, "themes[0]"),
        ({"caps": {"sessions": 3}}, "caps.sessions"),
        ({"caps": {"companies": -1}}, "caps.companies"),
        ({"caps": {"companies": 1.5}}, "caps.companies"),
        ({"caps": [40]}, "caps"),
        ({"targets": {"bananas": 3}}, "targets.bananas"),
        ({"targets": {"activities": True}}, "targets.activities"),
    ],
)
def test_given_bad_input_when_programme_launched_then_rejected_naming_the_field(
    sqlite_ledger: Ledger, override: dict[str, Any], field: str
) -> None:
    rejected(sqlite_ledger, lambda: launch(sqlite_ledger, **override), InvalidInput, field=field)


@pytest.mark.parametrize(
    ("ctx_args", "field"),
    [
        ({"actor": ""}, "actor"),
        ({"actor": "x" * 201}, "actor"),
        ({"actor": "a", "expected_version": 0}, "expected_version"),
        ({"actor": "a", "idempotency_key": " "}, "idempotency_key"),
    ],
)
def test_given_bad_context_when_command_built_then_rejected_naming_the_field(
    ctx_args: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Ctx(**ctx_args)
    assert caught.value.field == field


# --- revise_cap / revise_target ----------------------------------------------------------------------------


def test_given_programme_when_cap_revised_then_new_cap_and_decision_recorded(ledger: Ledger) -> None:
    launch(ledger)
    result = ledger.handle(CTX, ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION))
    assert result.version == 2
    assert ledger.programme(SLUG).caps == {"companies": 45}
    event = last_event(ledger, PROGRAMME_ID)
    assert type(event).__name__ == "CapRevised"
    assert (event.name, event.value, event.decision) == ("companies", 45, DECISION)


def test_given_programme_without_participant_cap_when_cap_set_then_it_applies(ledger: Ledger) -> None:
    launch(ledger)
    ledger.handle(CTX, ReviseCap(programme=SLUG, name="participants", value=0, decision=DECISION))
    assert ledger.programme(SLUG).caps == {"companies": 40, "participants": 0}


def test_given_three_joined_companies_when_cap_revised_below_three_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    for number in norwegian_org_numbers(3):
        joined_company(ledger, number)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, ReviseCap(programme=SLUG, name="companies", value=2, decision=DECISION)),
        RuleViolated,
        rule="cap_below_current",
        unchanged=[PROGRAMME_ID],
    )
    ledger.handle(CTX, ReviseCap(programme=SLUG, name="companies", value=3, decision=DECISION))
    assert ledger.programme(SLUG).caps["companies"] == 3


def test_given_two_participants_when_participant_cap_revised_below_two_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    number = norwegian_org_numbers(1)[0]
    joined_company(ledger, number)
    participant(ledger, number)
    participant(ledger, number)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, ReviseCap(programme=SLUG, name="participants", value=1, decision=DECISION)),
        RuleViolated,
        rule="cap_below_current",
        unchanged=[PROGRAMME_ID],
    )


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"name": "activities", "value": 3, "decision": DECISION}, "name"),
        ({"name": "companies", "value": -1, "decision": DECISION}, "value"),
        ({"name": "companies", "value": "40", "decision": DECISION}, "value"),
        ({"name": "companies", "value": 40, "decision": None}, "decision"),
        ({"name": "companies", "value": 40, "decision": {"reference": "x"}}, "decision.body"),
        ({"name": "companies", "value": 40, "decision": {"body": "Board"}}, "decision.reference"),
        ({"name": "companies", "value": 40, "decision": DECISION, "programme": "NO"}, "programme"),
    ],
)
def test_given_bad_input_when_cap_revised_then_rejected_naming_the_field(
    sqlite_ledger: Ledger, args: dict[str, object], field: str
) -> None:
    launch(sqlite_ledger)
    full = {"programme": SLUG, **args}
    rejected(sqlite_ledger, lambda: sqlite_ledger.handle(CTX, ReviseCap(**full)), InvalidInput, field=field)


def test_given_no_programme_when_cap_revised_then_not_found(ledger: Ledger) -> None:
    error = rejected(
        ledger,
        lambda: ledger.handle(CTX, ReviseCap(programme="nowhere", name="companies", value=3, decision=DECISION)),
        NotFound,
    )
    assert isinstance(error, NotFound) and error.what == "programme"


def test_given_programme_when_target_revised_then_target_recorded(ledger: Ledger) -> None:
    launch(ledger)
    ledger.handle(CTX, ReviseTarget(programme=SLUG, name="training_hours", value=12_000, decision=DECISION))
    assert ledger.programme(SLUG).targets == {"companies": 40, "training_hours": 12_000}
    assert event_names(ledger, PROGRAMME_ID)[-1] == "TargetRevised"


def test_given_targets_when_target_revised_below_current_count_then_accepted_because_targets_are_not_caps(
    ledger: Ledger,
) -> None:
    launch(ledger)
    joined_company(ledger, norwegian_org_numbers(1)[0])
    ledger.handle(CTX, ReviseTarget(programme=SLUG, name="companies", value=0, decision=DECISION))
    assert ledger.programme(SLUG).targets["companies"] == 0


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"name": "bananas", "value": 3, "decision": DECISION}, "name"),
        ({"name": "sessions", "value": -3, "decision": DECISION}, "value"),
        ({"name": "sessions", "value": 3, "decision": "board"}, "decision"),
    ],
)
def test_given_bad_input_when_target_revised_then_rejected_naming_the_field(
    sqlite_ledger: Ledger, args: dict[str, object], field: str
) -> None:
    launch(sqlite_ledger)
    rejected(
        sqlite_ledger,
        lambda: sqlite_ledger.handle(CTX, ReviseTarget(programme=SLUG, **args)),
        InvalidInput,
        field=field,
    )


def test_given_no_programme_when_target_revised_then_not_found(ledger: Ledger) -> None:
    rejected(
        ledger,
        lambda: ledger.handle(CTX, ReviseTarget(programme="nowhere", name="sessions", value=3, decision=DECISION)),
        NotFound,
    )


# --- close_programme ---------------------------------------------------------------------------------------


def test_given_open_programme_when_closed_then_closed_by_decision(ledger: Ledger) -> None:
    launch(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    assert ledger.programme(SLUG).closed is True
    event = last_event(ledger, PROGRAMME_ID)
    assert type(event).__name__ == "ProgrammeClosed"
    assert event.decision == DECISION


def test_given_closed_programme_when_closed_again_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION)),
        RuleViolated,
        rule="programme_closed",
        unchanged=[PROGRAMME_ID],
    )


def test_given_closed_programme_when_cap_or_target_revised_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, ReviseCap(programme=SLUG, name="companies", value=50, decision=DECISION)),
        RuleViolated,
        rule="programme_closed",
    )
    rejected(
        ledger,
        lambda: ledger.handle(CTX, ReviseTarget(programme=SLUG, name="companies", value=50, decision=DECISION)),
        RuleViolated,
        rule="programme_closed",
    )


def test_given_closed_programme_when_money_moved_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=10, decision=DECISION)),
        RuleViolated,
        rule="programme_closed",
        unchanged=[Funds.create_id(PROGRAMME_ID)],
    )


def test_given_bad_decision_when_programme_closed_then_rejected_naming_the_field(sqlite_ledger: Ledger) -> None:
    launch(sqlite_ledger)
    rejected(
        sqlite_ledger,
        lambda: sqlite_ledger.handle(CTX, CloseProgramme(programme=SLUG, decision={"reference": "", "body": "Board"})),
        InvalidInput,
        field="decision.reference",
    )


def test_given_no_programme_when_closed_then_not_found(ledger: Ledger) -> None:
    rejected(ledger, lambda: ledger.handle(CTX, CloseProgramme(programme="nowhere", decision=DECISION)), NotFound)


# --- actor and effective date on the events -----------------------------------------------------------------


def test_given_effective_date_and_actor_when_commands_run_then_both_are_stored_on_the_events(ledger: Ledger) -> None:
    ctx = Ctx(actor="board-secretary@kongsberg")
    launch(ledger, ctx=ctx, effective_on=date(2020, 11, 2))
    ledger.handle(
        ctx, ReviseCap(programme=SLUG, name="companies", value=41, decision=DECISION, effective_on=date(2020, 11, 2))
    )
    ledger.handle(CTX, ReviseTarget(programme=SLUG, name="sessions", value=10, decision=DECISION))
    events = list(ledger.events.get(PROGRAMME_ID))
    assert [(e.actor, e.effective_on) for e in events] == [
        ("board-secretary@kongsberg", date(2020, 11, 2)),
        ("board-secretary@kongsberg", date(2020, 11, 2)),
        (ACTOR, None),
    ]
    # the recorded time is the event's timestamp, distinct from when it took effect
    assert events[0].timestamp.date() > date(2020, 11, 2)


def test_given_events_stored_when_reread_from_a_fresh_ledger_then_actor_and_effective_date_survive(
    store_url: str,
) -> None:

    first = open_ledger(store_url)
    launch(first, ctx=Ctx(actor="ESF council"), effective_on=date(2019, 1, 15))
    first.close()
    second = open_ledger(store_url)
    try:
        event = next(iter(second.events.get(PROGRAMME_ID)))
        assert (event.actor, event.effective_on) == ("ESF council", date(2019, 1, 15))
    finally:
        second.close()


# --- idempotency ---------------------------------------------------------------------------------------------


def test_given_command_accepted_under_key_when_retried_with_same_input_then_first_result_replayed(
    ledger: Ledger,
) -> None:
    launch(ledger)
    ctx = Ctx(actor=ACTOR, idempotency_key="revise-cap-1")
    first = ledger.handle(ctx, ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION))
    before = position(ledger)
    again = ledger.handle(ctx, ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION))
    assert again.replayed is True
    assert (again.id, again.version, again.ids) == (first.id, first.version, first.ids)
    assert position(ledger) == before
    assert ledger.programme(SLUG).version == 2
    assert event_names(ledger, PROGRAMME_ID).count("CapRevised") == 1


def test_given_launch_accepted_under_key_when_retried_then_replayed_not_rejected_as_duplicate(ledger: Ledger) -> None:
    ctx = Ctx(actor=ACTOR, idempotency_key="launch-fremtid")
    first = launch(ledger, ctx=ctx)
    before = position(ledger)
    again = launch(ledger, ctx=ctx)
    assert again.replayed and again.ids == first.ids and again.id == first.id
    assert position(ledger) == before


def test_given_key_used_when_reused_with_different_input_then_idempotency_conflict_and_nothing_written(
    ledger: Ledger,
) -> None:
    launch(ledger)
    ctx = Ctx(actor=ACTOR, idempotency_key="revise-cap-1")
    ledger.handle(ctx, ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION))
    error = rejected(
        ledger,
        lambda: ledger.handle(ctx, ReviseCap(programme=SLUG, name="companies", value=46, decision=DECISION)),
        IdempotencyConflict,
        unchanged=[PROGRAMME_ID],
    )
    assert isinstance(error, IdempotencyConflict) and error.key == "revise-cap-1"
    assert ledger.programme(SLUG).caps["companies"] == 45


def test_given_key_used_when_reused_for_another_command_then_idempotency_conflict(ledger: Ledger) -> None:
    launch(ledger)
    ctx = Ctx(actor=ACTOR, idempotency_key="k")
    ledger.handle(ctx, ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(ctx, ReviseTarget(programme=SLUG, name="companies", value=45, decision=DECISION)),
        IdempotencyConflict,
    )


def test_given_key_used_when_reused_with_other_effective_date_then_idempotency_conflict(ledger: Ledger) -> None:
    launch(ledger)
    ledger.handle(
        Ctx(actor=ACTOR, idempotency_key="k"),
        ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION, effective_on=date(2021, 5, 1)),
    )
    rejected(
        ledger,
        lambda: ledger.handle(
            Ctx(actor=ACTOR, idempotency_key="k"),
            ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION, effective_on=date(2021, 5, 2)),
        ),
        IdempotencyConflict,
    )


def test_given_rejected_command_under_key_when_retried_after_the_rule_allows_then_it_is_recorded(
    ledger: Ledger,
) -> None:
    """A rejection stores no receipt: the key stays free for the corrected retry."""
    launch(ledger, caps={"companies": 1})
    first, second = norwegian_org_numbers(2)
    joined_company(ledger, first)

    register_company(ledger, second)
    ctx = Ctx(actor=ACTOR, idempotency_key="join-second")
    rejected(
        ledger,
        lambda: ledger.handle(ctx, JoinCompany(programme=SLUG, org_number=second)),
        RuleViolated,
        rule="company_cap_reached",
    )
    ledger.handle(CTX, ReviseCap(programme=SLUG, name="companies", value=2, decision=DECISION))
    result = ledger.handle(ctx, JoinCompany(programme=SLUG, org_number=second))
    assert result.replayed is False
    assert ledger.programme(SLUG).active_company_count == 2


def test_given_key_used_when_ledger_reopened_and_retried_then_replayed(store_url: str) -> None:

    first = open_ledger(store_url)
    launch(first)
    ctx = Ctx(actor=ACTOR, idempotency_key="revise-1")
    original = first.handle(ctx, ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION))
    first.close()
    second = open_ledger(store_url)
    try:
        before = position(second)
        again = second.handle(ctx, ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION))
        assert again.replayed and again.version == original.version
        assert position(second) == before
    finally:
        second.close()


# --- expected version ----------------------------------------------------------------------------------------


def test_given_current_expected_version_when_command_runs_then_accepted(ledger: Ledger) -> None:
    launch(ledger)
    result = ledger.handle(
        Ctx(actor=ACTOR, expected_version=1), ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION)
    )
    assert result.version == 2


def test_given_stale_expected_version_when_command_runs_then_version_conflict_and_nothing_written(
    ledger: Ledger,
) -> None:
    launch(ledger)
    ledger.handle(CTX, ReviseTarget(programme=SLUG, name="sessions", value=3, decision=DECISION))
    error = rejected(
        ledger,
        lambda: ledger.handle(
            Ctx(actor=ACTOR, expected_version=1),
            ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION),
        ),
        VersionConflict,
        unchanged=[PROGRAMME_ID],
    )
    assert isinstance(error, VersionConflict)
    assert (error.expected, error.actual) == (1, 2)
    assert ledger.programme(SLUG).caps["companies"] == 40


def test_given_expected_version_ahead_when_command_runs_then_version_conflict(ledger: Ledger) -> None:
    launch(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(Ctx(actor=ACTOR, expected_version=7), CloseProgramme(programme=SLUG, decision=DECISION)),
        VersionConflict,
        unchanged=[PROGRAMME_ID],
    )
    assert not ledger.programme(SLUG).closed


def test_given_another_writer_changed_programme_when_command_runs_with_old_version_then_version_conflict(
    store_url: str,
) -> None:
    """Two ledgers on one store: the second one's cached copy is stale, the store decides."""

    one, two = open_ledger(store_url), open_ledger(store_url)
    try:
        launch(one)
        assert two.programme(SLUG).version == 1
        one.handle(CTX, ReviseTarget(programme=SLUG, name="sessions", value=3, decision=DECISION))
        with pytest.raises(VersionConflict):
            two.handle(
                Ctx(actor=ACTOR, expected_version=1),
                ReviseCap(programme=SLUG, name="companies", value=45, decision=DECISION),
            )
        assert one.programme(SLUG).caps["companies"] == 40
        assert [type(e).__name__ for e in one.events.get(PROGRAMME_ID)] == ["ProgrammeLaunched", "TargetRevised"]
    finally:
        one.close()
        two.close()
