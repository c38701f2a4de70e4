"""An activity for a group or an individual in a competence area (robot training, forklift training, a workshop),
and the cross-sector forum's meetings and co-created education offers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from ledger.domain.base import LedgerAggregate, stable_id
from ledger.errors import RuleViolated
from ledger.events import training as ev

if TYPE_CHECKING:
    from datetime import date

PLANNED, HELD, CANCELLED = "planned", "held", "cancelled"


class Activity(LedgerAggregate):
    TOPIC = "ledger:Activity"
    FOLLOWS_CREATION = "activity"

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:Activity.Created"

    # the events it records (ledger/events): the library looks them up by name on the class
    ActivityPlanned = ev.ActivityPlanned
    ActivityHeld = ev.ActivityHeld
    ActivityCancelled = ev.ActivityCancelled

    @event(ev.ActivityPlanned)
    def __init__(
        self,
        programme_id: str,
        title: str,
        kind: str,
        competence_area: str,
        region: str,
        provider: str,
        planned_on: date,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.programme_id = programme_id
        self.title = title
        self.kind = kind
        self.competence_area = competence_area
        self.region = region
        self.provider = provider
        self.planned_on = planned_on
        self.status = PLANNED

    def hold(
        self,
        minutes: int,
        participant_ids: list[str],
        participant_count: int,
        actor: str,
        effective_on: date | None,
    ) -> None:
        if self.status != PLANNED:
            raise RuleViolated("activity_not_planned", f"activity {self.title!r} is {self.status}")
        self._held(
            minutes=minutes,
            participant_ids=participant_ids,
            participant_count=participant_count,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.ActivityHeld)
    def _held(
        self,
        minutes: int,
        participant_ids: list[str],
        participant_count: int,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.status = HELD

    def cancel(self, reason: str, actor: str, effective_on: date | None) -> None:
        if self.status != PLANNED:
            raise RuleViolated("activity_not_planned", f"activity {self.title!r} is {self.status}")
        self._cancelled(reason=reason, actor=actor, effective_on=effective_on)

    @event(ev.ActivityCancelled)
    def _cancelled(self, reason: str, actor: str, effective_on: date | None) -> None:
        self.status = CANCELLED


class Forum(LedgerAggregate):
    """One per programme: the cross-sector meetings (education, business, county, social partners)."""

    TOPIC = "ledger:Forum"

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:Forum.Created"

    # the events it records (ledger/events): the library looks them up by name on the class
    ForumOpened = ev.ForumOpened
    ForumMeetingHeld = ev.ForumMeetingHeld
    EducationOfferCoCreated = ev.EducationOfferCoCreated

    @staticmethod
    def create_id(programme_id: object) -> Any:
        return stable_id("forum", programme_id)

    @event(ev.ForumOpened)
    def __init__(self, programme_id: str, actor: str, effective_on: date | None) -> None:
        self.programme_id = programme_id
        self.meetings: list[str] = []
        self.offers: list[str] = []

    def hold_meeting(
        self,
        meeting_id: str,
        title: str,
        sectors: list[str],
        format: str,
        actor: str,
        effective_on: date | None,
    ) -> None:
        if meeting_id in self.meetings:
            raise RuleViolated("meeting_exists", f"forum meeting {meeting_id} is already recorded")
        self._meeting_held(
            meeting_id=meeting_id,
            title=title,
            sectors=sectors,
            format=format,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.ForumMeetingHeld)
    def _meeting_held(
        self,
        meeting_id: str,
        title: str,
        sectors: list[str],
        format: str,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.meetings.append(meeting_id)

    def co_create_offer(
        self,
        offer_id: str,
        title: str,
        provider: str,
        meeting_id: str | None,
        actor: str,
        effective_on: date | None,
    ) -> None:
        if offer_id in self.offers:
            raise RuleViolated("offer_exists", f"education offer {offer_id} is already recorded")
        if meeting_id is not None and meeting_id not in self.meetings:
            raise RuleViolated("meeting_unknown", f"forum meeting {meeting_id} is not recorded")
        self._offer_co_created(
            offer_id=offer_id,
            title=title,
            provider=provider,
            meeting_id=meeting_id,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.EducationOfferCoCreated)
    def _offer_co_created(
        self,
        offer_id: str,
        title: str,
        provider: str,
        meeting_id: str | None,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.offers.append(offer_id)
