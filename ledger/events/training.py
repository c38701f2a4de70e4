"""What happens in the training: network groups, course modules and sessions, activities, the forum."""

from __future__ import annotations

from datetime import date

from ledger.domain.base import LedgerCreated, LedgerEvent

# --- Activity --------------------------------------------------------------------------------------------


class ActivityPlanned(LedgerCreated):
    TOPIC = "ledger:ActivityPlanned"
    programme_id: str
    title: str
    kind: str
    competence_area: str
    region: str
    provider: str
    planned_on: date


class ActivityHeld(LedgerEvent):
    TOPIC = "ledger:ActivityHeld"
    minutes: int
    participant_ids: list[str]
    participant_count: int


class ActivityCancelled(LedgerEvent):
    TOPIC = "ledger:ActivityCancelled"
    reason: str


# --- Forum -----------------------------------------------------------------------------------------------


class ForumOpened(LedgerCreated):
    TOPIC = "ledger:ForumOpened"
    programme_id: str


class ForumMeetingHeld(LedgerEvent):
    TOPIC = "ledger:ForumMeetingHeld"
    meeting_id: str
    title: str
    sectors: list[str]
    format: str


class EducationOfferCoCreated(LedgerEvent):
    TOPIC = "ledger:EducationOfferCoCreated"
    offer_id: str
    title: str
    provider: str
    meeting_id: str | None


# --- CourseModule ----------------------------------------------------------------------------------------


class ModuleOffered(LedgerCreated):
    TOPIC = "ledger:ModuleOffered"
    programme_id: str
    title: str
    providers: list[str]
    theme: str
    region: str
    competence_areas: list[str]


class SessionScheduled(LedgerEvent):
    TOPIC = "ledger:SessionScheduled"
    session_id: str
    starts_on: date
    place: str
    online: bool
    minutes: int


class SessionHeld(LedgerEvent):
    TOPIC = "ledger:SessionHeld"
    session_id: str


class SessionCancelled(LedgerEvent):
    TOPIC = "ledger:SessionCancelled"
    session_id: str
    reason: str


class ParticipantEnrolled(LedgerEvent):
    TOPIC = "ledger:ParticipantEnrolled"
    participant_id: str


class AttendanceRecorded(LedgerEvent):
    TOPIC = "ledger:AttendanceRecorded"
    session_id: str
    participant_id: str
    minutes: int


class ModuleCompleted(LedgerEvent):
    TOPIC = "ledger:ModuleCompleted"
    participant_id: str


# --- NetworkGroup ----------------------------------------------------------------------------------------


class NetworkGroupFormed(LedgerCreated):
    TOPIC = "ledger:NetworkGroupFormed"
    programme_id: str
    name: str
    basis: str


class CompanyAddedToGroup(LedgerEvent):
    TOPIC = "ledger:CompanyAddedToGroup"
    org_number: str


class CompanyRemovedFromGroup(LedgerEvent):
    TOPIC = "ledger:CompanyRemovedFromGroup"
    org_number: str
