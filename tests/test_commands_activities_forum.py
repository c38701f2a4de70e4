"""Activity commands (plan, hold for named participants or a counted group, cancel) and the forum's meetings and
co-created education offers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from ledger.commands import (
    CancelActivity,
    CloseProgramme,
    CoCreateEducationOffer,
    Command,
    EraseParticipant,
    FormNetworkGroup,
    HoldActivity,
    HoldForumMeeting,
    PlanActivity,
)
from ledger.domain.activity import Forum
from ledger.domain.programme import Programme
from ledger.errors import InvalidInput, RuleViolated
from tests.commands_given import (
    CTX,
    DECISION,
    SLUG,
    event_names,
    joined_company,
    last_event,
    launch,
    norwegian_org_numbers,
    not_found,
    participant,
    rejected,
)

if TYPE_CHECKING:
    from ledger.application import Ledger

NUMBER = norwegian_org_numbers(1)[0]
FORUM_ID = Forum.create_id(Programme.create_id(SLUG))


def plan(ledger: Ledger, **override: Any) -> str:
    args: dict[str, Any] = {
        "programme": SLUG,
        "title": "Forklift training",
        "kind": "group",
        "competence_area": "logistics",
        "region": "Örebro",
        "provider": "Truckskolan",
        "planned_on": "2019-09-12",
        **override,
    }
    return ledger.handle(CTX, PlanActivity(**args)).ids["activity_id"]


def meeting(ledger: Ledger) -> str:
    return ledger.handle(
        CTX,
        HoldForumMeeting(
            programme=SLUG, title="Digital speed-dates", sectors=["education", "business"], format="digital"
        ),
    ).ids["meeting_id"]


# --- plan_activity ---------------------------------------------------------------------------------------------


def test_given_programme_when_activity_planned_then_planned(ledger: Ledger) -> None:
    launch(ledger)
    activity_id = plan(ledger)
    activity = ledger.activity(activity_id)
    assert (activity.title, activity.kind, activity.planned_on, activity.status) == (
        "Forklift training",
        "group",
        date(2019, 9, 12),
        "planned",
    )
    assert event_names(ledger, activity.id) == ["ActivityPlanned"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"title": ""}, "title"),
        ({"kind": "team"}, "kind"),
        ({"competence_area": 1}, "competence_area"),
        ({"region": ""}, "region"),
        ({"provider": ""}, "provider"),
        ({"planned_on": "next week"}, "planned_on"),
        ({"programme": "NOT"}, "programme"),
    ],
)
def test_given_bad_input_when_activity_planned_then_rejected_naming_the_field(
    ledger: Ledger, override: dict[str, Any], field: str
) -> None:
    launch(ledger)
    rejected(ledger, lambda: plan(ledger, **override), InvalidInput, field=field)


def test_given_no_or_closed_programme_when_activity_planned_then_rejected(ledger: Ledger) -> None:
    not_found(ledger, lambda: plan(ledger), "programme")
    launch(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(ledger, lambda: plan(ledger), RuleViolated, rule="programme_closed")


# --- hold_activity ---------------------------------------------------------------------------------------------


def test_given_planned_activity_when_held_for_named_participants_then_held_with_headcount(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    pids = [participant(ledger, NUMBER) for _ in range(2)]
    activity_id = plan(ledger, kind="individual")
    ledger.handle(CTX, HoldActivity(programme=SLUG, activity_id=activity_id, minutes=90, participant_ids=pids))
    assert ledger.activity(activity_id).status == "held"
    event = last_event(ledger, uuid.UUID(activity_id))
    assert (type(event).__name__, event.participant_ids, event.participant_count, event.minutes) == (
        "ActivityHeld",
        pids,
        2,
        90,
    )


def test_given_planned_activity_when_held_for_counted_group_then_count_recorded(ledger: Ledger) -> None:
    launch(ledger)
    activity_id = plan(ledger)
    ledger.handle(CTX, HoldActivity(programme=SLUG, activity_id=activity_id, minutes=240, participant_count=25))
    event = last_event(ledger, uuid.UUID(activity_id))
    assert (event.participant_ids, event.participant_count) == ([], 25)


@pytest.mark.parametrize("status", ["held", "cancelled"])
@pytest.mark.parametrize("command", [HoldActivity, CancelActivity])
def test_given_activity_not_planned_when_held_or_cancelled_then_rejected(
    ledger: Ledger, status: str, command: type[Command]
) -> None:
    launch(ledger)
    activity_id = plan(ledger)
    if status == "held":
        ledger.handle(CTX, HoldActivity(programme=SLUG, activity_id=activity_id, minutes=60, participant_count=3))
    else:
        ledger.handle(CTX, CancelActivity(programme=SLUG, activity_id=activity_id, reason="too few sign-ups"))
    extra: dict[str, Any] = (
        {"minutes": 60, "participant_count": 3} if command.command == "hold_activity" else {"reason": "again"}
    )
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, activity_id=activity_id, **extra)),
        RuleViolated,
        rule="activity_not_planned",
        unchanged=[uuid.UUID(activity_id)],
    )


def test_given_unknown_or_erased_participant_when_activity_held_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    erased = participant(ledger, NUMBER)
    ledger.handle(CTX, EraseParticipant(programme=SLUG, participant_id=erased))
    activity_id = plan(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX, HoldActivity(programme=SLUG, activity_id=activity_id, minutes=60, participant_ids=[str(uuid.uuid4())])
        ),
        RuleViolated,
        rule="participant_unknown",
        unchanged=[uuid.UUID(activity_id)],
    )
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX, HoldActivity(programme=SLUG, activity_id=activity_id, minutes=60, participant_ids=[erased])
        ),
        RuleViolated,
        rule="participant_erased",
        unchanged=[uuid.UUID(activity_id)],
    )


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"minutes": 0, "participant_count": 3}, "minutes"),
        ({"minutes": 60}, "participant_count"),
        ({"minutes": 60, "participant_count": 0}, "participant_count"),
        ({"minutes": 60, "participant_ids": [str(uuid.uuid4())] * 2}, "participant_ids"),
        (
            {"minutes": 60, "participant_ids": [str(uuid.uuid4()), str(uuid.uuid4())], "participant_count": 1},
            "participant_count",
        ),
        ({"minutes": 60, "participant_ids": ["p"]}, "participant_ids[0]"),
        ({"minutes": 60, "participant_count": 3, "activity_id": "a"}, "activity_id"),
    ],
)
def test_given_bad_input_when_activity_held_then_rejected_naming_the_field(
    ledger: Ledger, args: dict[str, Any], field: str
) -> None:
    launch(ledger)
    full = {"programme": SLUG, "activity_id": plan(ledger), **args}
    rejected(ledger, lambda: ledger.handle(CTX, HoldActivity(**full)), InvalidInput, field=field)


@pytest.mark.parametrize("command", [HoldActivity, CancelActivity])
def test_given_unknown_activity_when_held_or_cancelled_then_not_found(ledger: Ledger, command: type[Command]) -> None:
    launch(ledger)
    extra: dict[str, Any] = (
        {"minutes": 60, "participant_count": 3} if command.command == "hold_activity" else {"reason": "r"}
    )
    not_found(
        ledger, lambda: ledger.handle(CTX, command(programme=SLUG, activity_id=str(uuid.uuid4()), **extra)), "activity"
    )
    other_kind = ledger.handle(CTX, FormNetworkGroup(programme=SLUG, name="n", basis="theme")).ids["group_id"]
    not_found(ledger, lambda: ledger.handle(CTX, command(programme=SLUG, activity_id=other_kind, **extra)), "activity")


@pytest.mark.parametrize("command", [HoldActivity, CancelActivity])
def test_given_closed_programme_when_activity_held_or_cancelled_then_rejected(
    ledger: Ledger, command: type[Command]
) -> None:
    launch(ledger)
    activity_id = plan(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    extra: dict[str, Any] = (
        {"minutes": 60, "participant_count": 3} if command.command == "hold_activity" else {"reason": "r"}
    )
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, activity_id=activity_id, **extra)),
        RuleViolated,
        rule="programme_closed",
    )


# --- cancel_activity -------------------------------------------------------------------------------------------


def test_given_planned_activity_when_cancelled_then_cancelled_with_reason(ledger: Ledger) -> None:
    launch(ledger)
    activity_id = plan(ledger)
    ledger.handle(CTX, CancelActivity(programme=SLUG, activity_id=activity_id, reason="pandemic"))
    assert ledger.activity(activity_id).status == "cancelled"
    assert last_event(ledger, uuid.UUID(activity_id)).reason == "pandemic"
    rejected(
        ledger,
        lambda: ledger.handle(CTX, CancelActivity(programme=SLUG, activity_id=activity_id, reason="")),
        InvalidInput,
        field="reason",
    )


# --- hold_forum_meeting / co_create_education_offer ------------------------------------------------------------


def test_given_programme_when_forum_meeting_held_and_offer_co_created_then_both_recorded(ledger: Ledger) -> None:
    launch(ledger)
    meeting_id = meeting(ledger)
    offer = ledger.handle(
        CTX,
        CoCreateEducationOffer(
            programme=SLUG, title="Digital tools for SMEs", provider="DigitalNorway", meeting_id=meeting_id
        ),
    )
    standalone = ledger.handle(CTX, CoCreateEducationOffer(programme=SLUG, title="Escape-history game", provider="HiØ"))
    forum: Any = ledger.repository.get(FORUM_ID)
    assert forum.meetings == [meeting_id]
    assert forum.offers == [offer.ids["offer_id"], standalone.ids["offer_id"]]
    assert event_names(ledger, FORUM_ID) == [
        "ForumOpened",
        "ForumMeetingHeld",
        "EducationOfferCoCreated",
        "EducationOfferCoCreated",
    ]
    event = list(ledger.events.get(FORUM_ID))[1]
    assert (event.title, event.sectors, event.format) == ("Digital speed-dates", ["education", "business"], "digital")


def test_given_unknown_meeting_when_offer_co_created_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(
            CTX, CoCreateEducationOffer(programme=SLUG, title="t", provider="p", meeting_id=str(uuid.uuid4()))
        ),
        RuleViolated,
        rule="meeting_unknown",
        unchanged=[FORUM_ID],
    )


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"title": ""}, "title"),
        ({"sectors": []}, "sectors"),
        ({"sectors": [""]}, "sectors[0]"),
        ({"format": ""}, "format"),
    ],
)
def test_given_bad_input_when_forum_meeting_held_then_rejected_naming_the_field(
    ledger: Ledger, override: dict[str, Any], field: str
) -> None:
    launch(ledger)
    args = {"programme": SLUG, "title": "t", "sectors": ["county"], "format": "workshop", **override}
    rejected(ledger, lambda: ledger.handle(CTX, HoldForumMeeting(**args)), InvalidInput, field=field)


@pytest.mark.parametrize(
    ("override", "field"),
    [({"title": ""}, "title"), ({"provider": " "}, "provider"), ({"meeting_id": "m-1"}, "meeting_id")],
)
def test_given_bad_input_when_offer_co_created_then_rejected_naming_the_field(
    ledger: Ledger, override: dict[str, Any], field: str
) -> None:
    launch(ledger)
    args = {"programme": SLUG, "title": "t", "provider": "p", **override}
    rejected(ledger, lambda: ledger.handle(CTX, CoCreateEducationOffer(**args)), InvalidInput, field=field)


def test_given_no_or_closed_programme_when_forum_commands_run_then_rejected(ledger: Ledger) -> None:
    not_found(ledger, lambda: meeting(ledger), "programme")
    not_found(
        ledger, lambda: ledger.handle(CTX, CoCreateEducationOffer(programme=SLUG, title="t", provider="p")), "programme"
    )
    launch(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(ledger, lambda: meeting(ledger), RuleViolated, rule="programme_closed", unchanged=[FORUM_ID])
    rejected(
        ledger,
        lambda: ledger.handle(CTX, CoCreateEducationOffer(programme=SLUG, title="t", provider="p")),
        RuleViolated,
        rule="programme_closed",
        unchanged=[FORUM_ID],
    )
