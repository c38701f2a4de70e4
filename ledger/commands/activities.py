"""Activities (for groups or individuals, the bulk of an ESF programme's training) and the cross-sector forum's
meetings and co-created education offers."""

from __future__ import annotations

import uuid
from typing import ClassVar

from pydantic import Field

from ledger.commands.base import ProgrammeCommand, UnitOfWork
from ledger.commands.modules import distinct, require_current_participant
from ledger.domain.activity import Activity, Forum
from ledger.errors import InvalidInput
from ledger.values import ActivityKind, Day, Headcount, Id, Ids, Minutes, NonEmptyTexts, Text


class PlanActivity(ProgrammeCommand):
    """Plan an activity for a group or an individual."""

    command: ClassVar[str] = "plan_activity"
    title: Text = Field(examples=["Truckførerkurs"])
    kind: ActivityKind = Field(examples=["group"])
    competence_area: Text
    region: Text
    provider: Text
    planned_on: Day

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        work.open_programme(self.programme_id)
        activity = work.add(Activity(str(self.programme_id), self.title, self.kind.value, self.competence_area,
                                     self.region, self.provider, self.planned_on, work.actor,
                                     self.effective_on))  # fmt: skip
        return {"activity_id": str(activity.id)}


class HoldActivity(ProgrammeCommand):
    """The activity was held, for named participants or for a counted group whose members are not registered."""

    command: ClassVar[str] = "hold_activity"
    addresses: ClassVar[tuple[str, ...]] = ("programme", "activity_id")
    activity_id: Id
    minutes: Minutes
    participant_ids: Ids = []
    participant_count: Headcount | None = None

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        activity = work.in_programme(Activity, self.activity_id, "activity", self.programme)
        distinct("participant_ids", self.participant_ids)
        headcount = len(self.participant_ids) if self.participant_count is None else self.participant_count
        if headcount < len(self.participant_ids):
            raise InvalidInput("participant_count", "is less than the named participants")
        if headcount == 0:
            raise InvalidInput("participant_count", "an activity is held for at least one participant")
        programme = work.open_programme(self.programme_id)
        for pid in self.participant_ids:
            require_current_participant(programme, pid, self.effective_on)
        activity.hold(self.minutes, list(self.participant_ids), headcount, work.actor, self.effective_on)
        return {}


class CancelActivity(ProgrammeCommand):
    """The activity was cancelled."""

    command: ClassVar[str] = "cancel_activity"
    addresses: ClassVar[tuple[str, ...]] = ("programme", "activity_id")
    activity_id: Id
    reason: Text

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        activity = work.in_programme(Activity, self.activity_id, "activity", self.programme)
        work.open_programme(self.programme_id)
        activity.cancel(self.reason, work.actor, self.effective_on)
        return {}


class ForumCommand(ProgrammeCommand):
    def forum(self, work: UnitOfWork) -> Forum:
        forum = work.change(Forum, uuid.UUID(str(Forum.create_id(self.programme_id))), "programme")
        work.open_programme(self.programme_id)
        return forum


class HoldForumMeeting(ForumCommand):
    """A meeting of the cross-sector forum was held (an escape game, digital speed-dates, a workshop...)."""

    command: ClassVar[str] = "hold_forum_meeting"
    title: Text
    sectors: NonEmptyTexts = Field(examples=[["education", "business", "county", "social partners"]])
    format: Text = Field(examples=["digital speed-date"])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        meeting_id = str(uuid.uuid4())
        self.forum(work).hold_meeting(meeting_id, self.title, list(self.sectors), self.format, work.actor,
                                      self.effective_on)  # fmt: skip
        return {"meeting_id": meeting_id}


class CoCreateEducationOffer(ForumCommand):
    """An education offer was co-created by the forum, perhaps at one of its meetings."""

    command: ClassVar[str] = "co_create_education_offer"
    title: Text
    provider: Text
    meeting_id: Id | None = None

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        offer_id = str(uuid.uuid4())
        self.forum(work).co_create_offer(offer_id, self.title, self.provider, self.meeting_id, work.actor,
                                         self.effective_on)  # fmt: skip
        return {"offer_id": offer_id}
