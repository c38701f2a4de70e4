"""What happens to a programme: its frame, caps and targets, its company pipeline and its participants."""

from __future__ import annotations

from datetime import date
from typing import Any

from ledger.domain.base import LedgerCreated, LedgerEvent

# --- Programme -------------------------------------------------------------------------------------------


class ProgrammeLaunched(LedgerCreated):
    TOPIC = "ledger:ProgrammeLaunched"
    slug: str
    name: str
    owner: str
    funders: list[str]
    starts_on: date
    ends_on: date
    currency: str
    regions: list[str]
    themes: list[str]
    caps: dict[str, int]
    targets: dict[str, int]


class CapRevised(LedgerEvent):
    TOPIC = "ledger:CapRevised"
    name: str
    value: int
    decision: dict[str, str]


class TargetRevised(LedgerEvent):
    TOPIC = "ledger:TargetRevised"
    name: str
    value: int
    decision: dict[str, str]


class ProgrammeClosed(LedgerEvent):
    TOPIC = "ledger:ProgrammeClosed"
    decision: dict[str, str]


class CompanyPresented(LedgerEvent):
    """Version 2 added the channel (on site, Teams...); version 1 events read as 'unspecified'."""

    TOPIC = "ledger:CompanyPresented"
    class_version = 2
    org_number: str
    channel: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["channel"] = "unspecified"


class CompanyJoined(LedgerEvent):
    TOPIC = "ledger:CompanyJoined"
    org_number: str


class OnboardingMeetingHeld(LedgerEvent):
    TOPIC = "ledger:OnboardingMeetingHeld"
    org_number: str


class CompanyGoalsSet(LedgerEvent):
    TOPIC = "ledger:CompanyGoalsSet"
    org_number: str
    goals: list[str]


class CompanyNeedsAnalysed(LedgerEvent):
    TOPIC = "ledger:CompanyNeedsAnalysed"
    org_number: str
    competence_areas: list[str]


class CompanyWithdrew(LedgerEvent):
    TOPIC = "ledger:CompanyWithdrew"
    org_number: str
    reason: str


class CompanyCompleted(LedgerEvent):
    TOPIC = "ledger:CompanyCompleted"
    org_number: str


class ParticipantRegistered(LedgerEvent):
    TOPIC = "ledger:ParticipantRegistered"
    participant_id: str
    org_number: str
    target_group: str
    attributes: dict[str, str | None]


class ParticipantLeft(LedgerEvent):
    TOPIC = "ledger:ParticipantLeft"
    participant_id: str


class ParticipantReentered(LedgerEvent):
    TOPIC = "ledger:ParticipantReentered"
    participant_id: str


class ParticipantErased(LedgerEvent):
    TOPIC = "ledger:ParticipantErased"
    participant_id: str
