"""The coordinators' answers: the programme list and one programme's status (pipeline against cap and target,
companies, network groups, modules and sessions, training, activities, participants, forum, funds)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from ledger.values import Currency, GroupBasis, TargetGroup
from projections.answers import Answer
from projections.audit.answers import Funds


class Stage(StrEnum):
    """Where a company is in a programme's pipeline."""

    PRESENTED = "presented"
    JOINED = "joined"
    ONBOARDED = "onboarded"
    WITHDRAWN = "withdrawn"
    COMPLETED = "completed"


class SessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


class ActivityStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


# --- the list ------------------------------------------------------------------------------------------------


class ProgrammeSummary(Answer):
    """One programme in the list, with headline figures."""

    slug: str
    name: str
    owner: str
    currency: Currency
    starts_on: date
    ends_on: date
    closed: bool
    caps: dict[str, int]
    targets: dict[str, int]
    companies_active: int
    participants: int
    sessions_held: int
    activities_held: int
    funds: Funds


# --- one programme's status ----------------------------------------------------------------------------------


class ProgrammeFrame(Answer):
    id: str
    slug: str
    name: str
    owner: str
    currency: Currency
    starts_on: date
    ends_on: date
    funders: list[str]
    regions: list[str]
    themes: list[str]
    caps: dict[str, int]
    targets: dict[str, int]
    closed: bool


class Pipeline(Answer):
    """Companies per stage now (the stage reached last by effective date); `active` is joined + onboarded,
    `ever_joined` counts each company once. Definitions: docs/figures.md#pipeline."""

    presented: int
    joined: int
    onboarded: int
    withdrawn: int
    completed: int
    active: int
    presentations: int
    ever_joined: int
    cap: int | None
    target: int | None


class ProgrammeCompany(Answer):
    """One company in the programme: its stage now and the first day it reached each stage."""

    programme_id: str
    org_number: str
    stage: Stage
    presentations: int
    presented_on: date | None
    joined_on: date | None
    onboarded_on: date | None
    withdrawn_on: date | None
    completed_on: date | None
    first_session_on: date | None
    days_to_first_session: int | None
    goals: list[str] | None
    competence_areas: list[str] | None
    name: str | None  # None for a company whose registration the ledger does not hold (as of a moment)


class NetworkGroup(Answer):
    group_id: str
    programme_id: str
    name: str
    basis: GroupBasis
    members: list[str]


class Module(Answer):
    module_id: str
    programme_id: str
    title: str
    providers: list[str]
    theme: str
    region: str
    competence_areas: list[str]
    enrolled: int
    completed: int
    sessions_held: int
    training_minutes: int


class Session(Answer):
    session_id: str
    module_id: str
    programme_id: str
    starts_on: date
    place: str
    online: bool
    minutes: int
    status: SessionStatus
    held_on: date | None
    attendees: int
    attended_minutes: int


class Sessions(Answer):
    held: list[Session]
    upcoming: list[Session]
    cancelled: list[Session]


class Training(Answer):
    """Module sessions: participant-hours attended and delivered hours (docs/figures.md#training)."""

    enrolments: int
    completions: int
    attendances: int
    participant_hours: float
    delivered_hours: float


class Activities(Answer):
    """Activities: headcounts, participant-hours and delivered hours (docs/figures.md#activities)."""

    planned: int
    held: int
    cancelled: int
    participants: int
    participant_hours: float
    delivered_hours: float


class Participants(Answer):
    total: int
    erased: int
    by_target_group: dict[TargetGroup, int]


class ForumCounts(Answer):
    meetings: int
    education_offers: int


class ProgrammeStatus(Answer):
    """The coordinators' dashboard of one programme."""

    programme: ProgrammeFrame
    pipeline: Pipeline
    companies: list[ProgrammeCompany]
    network_groups: list[NetworkGroup]
    modules: list[Module]
    sessions: Sessions
    training: Training
    activities: Activities
    participants: Participants
    forum: ForumCounts
    funds: Funds
