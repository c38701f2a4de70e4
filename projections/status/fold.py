"""The status fold: one handler per event class, writing the coordinators' tables (programmes with their
counters, the company pipeline, companies, network groups, modules and sessions, activities, participants, the
forum). Pure: it reads and writes rows only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger import events as ev
from projections.folding import At, Fold, ReadModel, Shared, bump, change, put_new
from projections.status.answers import ActivityStatus, SessionStatus, Stage

if TYPE_CHECKING:
    from datetime import date

    from projections.rows import Row, Rows

OWNERS = "view_owners"
P = "view_programmes"
PC = "view_programme_companies"
COMPANIES = "view_companies"
VERSIONS = "view_company_versions"
MINUTES = "view_participant_minutes"
GROUPS = "view_network_groups"
MODULES = "view_modules"
SESSIONS = "view_sessions"
ACTIVITIES = "view_activities"
PARTICIPANTS = "view_participants"
FORUM = "view_forum_items"

fold = Fold(OWNERS)


def _count(rows: Rows, at: At, **deltas: int) -> None:
    """Add to the programme's counters, once it exists: as of a day before its launch, a fact dated earlier (that
    stores of earlier versions may hold) counts in no programme."""
    if rows.get(P, (at.programme_id,)) is not None:
        bump(rows, P, {"programme_id": at.programme_id}, **deltas)


# --- companies (of no programme) -----------------------------------------------------------------------------


def _version(rows: Rows, at: Shared, org_number: str, region: str, sector: str, size: str) -> None:
    """The company's attributes from a day on, for figures that take them as they were (docs/figures.md)."""
    put_new(rows, VERSIONS, org_number=org_number, position=at.position, valid_from=at.effective_on,
            region=region, sector=sector, size=size)  # fmt: skip


@fold.on_shared(ev.CompanyRegistered)
def company_registered(e: ev.CompanyRegistered, at: Shared, rows: Rows) -> None:
    put_new(
        rows,
        COMPANIES,
        org_number=e.org_number,
        country=e.country,
        name=e.name,
        region=e.region,
        sector=e.sector,
        size=e.size,
    )
    _version(rows, at, e.org_number, e.region, e.sector, e.size)


@fold.on_shared(ev.CompanyDetailsCorrected)
def company_details_corrected(e: ev.CompanyDetailsCorrected, at: Shared, rows: Rows) -> None:
    """The company as it is now: the correction recorded last."""
    change(rows, COMPANIES, (e.org_number,), name=e.name, region=e.region, sector=e.sector, size=e.size)
    _version(rows, at, e.org_number, e.region, e.sector, e.size)


# --- the programme's frame -----------------------------------------------------------------------------------


@fold.on(ev.ProgrammeLaunched)
def programme_launched(e: ev.ProgrammeLaunched, at: At, rows: Rows) -> None:
    put_new(
        rows,
        P,
        programme_id=at.programme_id,
        slug=e.slug,
        name=e.name,
        owner=e.owner,
        currency=e.currency,
        starts_on=e.starts_on,
        ends_on=e.ends_on,
        funders=e.funders,
        regions=e.regions,
        themes=e.themes,
        caps=e.caps,
        targets=e.targets,
        closed=False,
    )


def _revise(rows: Rows, at: At, column: str, name: str, value: int) -> None:
    """The cap or target in force is the revision effective last (on one day, recorded last)."""
    row = rows.get(P, (at.programme_id,))
    if row is None:
        return
    dates = dict(row["revised_on"] or {})
    key = f"{column}:{name}"
    if key in dates and at.effective_on.isoformat() < dates[key]:
        return
    dates[key] = at.effective_on.isoformat()
    change(rows, P, (at.programme_id,), **{column: {**row[column], name: value}}, revised_on=dates)


@fold.on(ev.CapRevised)
def cap_revised(e: ev.CapRevised, at: At, rows: Rows) -> None:
    _revise(rows, at, "caps", e.name, e.value)


@fold.on(ev.TargetRevised)
def target_revised(e: ev.TargetRevised, at: At, rows: Rows) -> None:
    _revise(rows, at, "targets", e.name, e.value)


@fold.on(ev.ProgrammeClosed)
def programme_closed(_: ev.ProgrammeClosed, at: At, rows: Rows) -> None:
    change(rows, P, (at.programme_id,), closed=True)


# --- the company pipeline ------------------------------------------------------------------------------------


def _stage(rows: Rows, at: At, org_number: str, new_stage: Stage) -> Row:
    """A company reached a stage on the event's day: the stage's date is the earliest day it reached it; its
    stage now is the one reached last by effective date (on one day, recorded last). The programme counts
    companies per stage now and companies ever joined."""
    key = (at.programme_id, org_number)
    company = rows.get(PC, key) or put_new(
        rows, PC, programme_id=at.programme_id, org_number=org_number, stage=None, presentations=0
    )
    first = company[f"{new_stage}_on"]
    deltas: dict[str, int] = {}
    if first is None or at.effective_on < first:
        company[f"{new_stage}_on"] = at.effective_on
        if first is None and new_stage == Stage.JOINED:
            deltas["ever_joined"] = 1
    if company["stage_on"] is None or at.effective_on >= company["stage_on"]:
        old_stage = company["stage"]
        company["stage"], company["stage_on"] = new_stage.value, at.effective_on
        deltas[f"stage_{new_stage}"] = deltas.get(f"stage_{new_stage}", 0) + 1
        if old_stage is not None:
            deltas[f"stage_{old_stage}"] = deltas.get(f"stage_{old_stage}", 0) - 1
    rows.put(PC, company)
    _count(rows, at, **deltas)
    return company


@fold.on(ev.CompanyPresented)
def company_presented(e: ev.CompanyPresented, at: At, rows: Rows) -> None:
    company = _stage(rows, at, e.org_number, Stage.PRESENTED)
    change(rows, PC, (at.programme_id, e.org_number), presentations=(company["presentations"] or 0) + 1)
    _count(rows, at, presentations=1)


@fold.on(ev.CompanyJoined)
def company_joined(e: ev.CompanyJoined, at: At, rows: Rows) -> None:
    _stage(rows, at, e.org_number, Stage.JOINED)


@fold.on(ev.OnboardingMeetingHeld)
def onboarding_meeting_held(e: ev.OnboardingMeetingHeld, at: At, rows: Rows) -> None:
    _stage(rows, at, e.org_number, Stage.ONBOARDED)


@fold.on(ev.CompanyWithdrew)
def company_withdrew(e: ev.CompanyWithdrew, at: At, rows: Rows) -> None:
    _stage(rows, at, e.org_number, Stage.WITHDRAWN)


@fold.on(ev.CompanyCompleted)
def company_completed(e: ev.CompanyCompleted, at: At, rows: Rows) -> None:
    _stage(rows, at, e.org_number, Stage.COMPLETED)


@fold.on(ev.CompanyGoalsSet)
def company_goals_set(e: ev.CompanyGoalsSet, at: At, rows: Rows) -> None:
    change(rows, PC, (at.programme_id, e.org_number), goals=e.goals)


@fold.on(ev.CompanyNeedsAnalysed)
def company_needs_analysed(e: ev.CompanyNeedsAnalysed, at: At, rows: Rows) -> None:
    change(rows, PC, (at.programme_id, e.org_number), competence_areas=e.competence_areas)


# --- participants --------------------------------------------------------------------------------------------


@fold.on(ev.ParticipantRegistered)
def participant_registered(e: ev.ParticipantRegistered, at: At, rows: Rows) -> None:
    """Only the ESF attributes are kept; identifying details live sealed in the identity vault."""
    esf = {k: e.attributes.get(k) for k in ("gender", "age_band", "employment_status", "education_level")}
    put_new(
        rows,
        PARTICIPANTS,
        participant_id=e.participant_id,
        programme_id=at.programme_id,
        org_number=e.org_number,
        target_group=e.target_group,
        entered_on=at.effective_on,
        entries=1,
        left=False,
        erased=False,
        **esf,
    )
    _count(rows, at, participants=1)


@fold.on(ev.ParticipantLeft)
def participant_left(e: ev.ParticipantLeft, at: At, rows: Rows) -> None:
    change(rows, PARTICIPANTS, (at.programme_id, e.participant_id), left=True)


@fold.on(ev.ParticipantReentered)
def participant_reentered(e: ev.ParticipantReentered, at: At, rows: Rows) -> None:
    row = rows.get(PARTICIPANTS, (at.programme_id, e.participant_id))
    if row is not None:
        change(rows, PARTICIPANTS, (at.programme_id, e.participant_id), left=False, entries=row["entries"] + 1)


@fold.on(ev.ParticipantErased)
def participant_erased(e: ev.ParticipantErased, at: At, rows: Rows) -> None:
    change(rows, PARTICIPANTS, (at.programme_id, e.participant_id), erased=True)
    _count(rows, at, participants_erased=1)


# --- network groups ------------------------------------------------------------------------------------------


@fold.on(ev.NetworkGroupFormed)
def network_group_formed(e: ev.NetworkGroupFormed, at: At, rows: Rows) -> None:
    put_new(
        rows, GROUPS, group_id=at.originator_id, programme_id=at.programme_id, name=e.name, basis=e.basis, members=[]
    )
    _count(rows, at, network_groups=1)


def _members(rows: Rows, at: At, org_number: str, *, member: bool) -> None:
    group = rows.get(GROUPS, (at.originator_id,))
    if group is not None:
        members = [m for m in group["members"] if m != org_number] + ([org_number] if member else [])
        change(rows, GROUPS, (at.originator_id,), members=members)


@fold.on(ev.CompanyAddedToGroup)
def company_added_to_group(e: ev.CompanyAddedToGroup, at: At, rows: Rows) -> None:
    _members(rows, at, e.org_number, member=True)


@fold.on(ev.CompanyRemovedFromGroup)
def company_removed_from_group(e: ev.CompanyRemovedFromGroup, at: At, rows: Rows) -> None:
    _members(rows, at, e.org_number, member=False)


# --- modules, sessions, attendance ---------------------------------------------------------------------------


@fold.on(ev.ModuleOffered)
def module_offered(e: ev.ModuleOffered, at: At, rows: Rows) -> None:
    put_new(
        rows,
        MODULES,
        module_id=at.originator_id,
        programme_id=at.programme_id,
        title=e.title,
        providers=e.providers,
        theme=e.theme,
        region=e.region,
        competence_areas=e.competence_areas,
    )
    _count(rows, at, modules=1)


@fold.on(ev.SessionScheduled)
def session_scheduled(e: ev.SessionScheduled, at: At, rows: Rows) -> None:
    put_new(
        rows,
        SESSIONS,
        session_id=e.session_id,
        module_id=at.originator_id,
        programme_id=at.programme_id,
        starts_on=e.starts_on,
        place=e.place,
        online=e.online,
        minutes=e.minutes,
        status=SessionStatus.SCHEDULED.value,
    )
    _count(rows, at, sessions_scheduled=1)


@fold.on(ev.SessionHeld)
def session_held(e: ev.SessionHeld, at: At, rows: Rows) -> None:
    session = change(rows, SESSIONS, (e.session_id,), status=SessionStatus.HELD.value, held_on=at.effective_on)
    _count(rows, at, sessions_scheduled=-1, sessions_held=1, session_minutes=session["minutes"] if session else 0)
    bump(rows, MODULES, {"module_id": at.originator_id}, sessions_held=1)


@fold.on(ev.SessionCancelled)
def session_cancelled(e: ev.SessionCancelled, at: At, rows: Rows) -> None:
    change(rows, SESSIONS, (e.session_id,), status=SessionStatus.CANCELLED.value)
    _count(rows, at, sessions_scheduled=-1, sessions_cancelled=1)


@fold.on(ev.ParticipantEnrolled)
def participant_enrolled(_: ev.ParticipantEnrolled, at: At, rows: Rows) -> None:
    bump(rows, MODULES, {"module_id": at.originator_id}, enrolled=1)
    _count(rows, at, enrolments=1)


def _trained(rows: Rows, at: At, participant_id: str, minutes: int) -> None:
    """A participant's minutes in training on the event's day; the first such day of its company."""
    participant = {"programme_id": at.programme_id, "participant_id": participant_id}
    row = bump(rows, PARTICIPANTS, participant, attended_minutes=minutes)
    bump(rows, MINUTES, {**participant, "day": at.effective_on}, minutes=minutes)
    company = rows.get(PC, (at.programme_id, row["org_number"])) if row.get("org_number") else None
    if company is not None and _earlier(at.effective_on, company["first_session_on"]):
        change(rows, PC, (at.programme_id, row["org_number"]), first_session_on=at.effective_on)


def _earlier(day: date, than: date | None) -> bool:
    return than is None or day < than


@fold.on(ev.AttendanceRecorded)
def attendance_recorded(e: ev.AttendanceRecorded, at: At, rows: Rows) -> None:
    bump(rows, SESSIONS, {"session_id": e.session_id}, attendees=1, attended_minutes=e.minutes)
    bump(rows, MODULES, {"module_id": at.originator_id}, training_minutes=e.minutes)
    _trained(rows, at, e.participant_id, e.minutes)
    _count(rows, at, attendances=1, training_minutes=e.minutes)


@fold.on(ev.ModuleCompleted)
def module_completed(_: ev.ModuleCompleted, at: At, rows: Rows) -> None:
    bump(rows, MODULES, {"module_id": at.originator_id}, completed=1)
    _count(rows, at, completions=1)


# --- activities ----------------------------------------------------------------------------------------------


@fold.on(ev.ActivityPlanned)
def activity_planned(e: ev.ActivityPlanned, at: At, rows: Rows) -> None:
    put_new(
        rows,
        ACTIVITIES,
        activity_id=at.originator_id,
        programme_id=at.programme_id,
        title=e.title,
        kind=e.kind,
        competence_area=e.competence_area,
        region=e.region,
        provider=e.provider,
        planned_on=e.planned_on,
        status=ActivityStatus.PLANNED.value,
    )
    _count(rows, at, activities_planned=1)


@fold.on(ev.ActivityHeld)
def activity_held(e: ev.ActivityHeld, at: At, rows: Rows) -> None:
    change(
        rows,
        ACTIVITIES,
        (at.originator_id,),
        status=ActivityStatus.HELD.value,
        held_on=at.effective_on,
        minutes=e.minutes,
        participants=e.participant_count,
    )
    for participant_id in e.participant_ids:
        _trained(rows, at, participant_id, e.minutes)
    named = len(e.participant_ids)
    _count(
        rows,
        at,
        activities_planned=-1,
        activities_held=1,
        activity_minutes=e.minutes,
        activity_participants=e.participant_count,
        activity_participant_minutes=e.minutes * e.participant_count,
        activity_named_participants=named,
        activity_named_minutes=e.minutes * named,
    )


@fold.on(ev.ActivityCancelled)
def activity_cancelled(_: ev.ActivityCancelled, at: At, rows: Rows) -> None:
    change(rows, ACTIVITIES, (at.originator_id,), status=ActivityStatus.CANCELLED.value)
    _count(rows, at, activities_planned=-1, activities_cancelled=1)


# --- the forum -----------------------------------------------------------------------------------------------


@fold.on(ev.ForumMeetingHeld)
def forum_meeting_held(e: ev.ForumMeetingHeld, at: At, rows: Rows) -> None:
    put_new(
        rows,
        FORUM,
        item_id=e.meeting_id,
        programme_id=at.programme_id,
        kind="meeting",
        title=e.title,
        detail={"sectors": e.sectors, "format": e.format},
        held_on=at.effective_on,
    )
    _count(rows, at, forum_meetings=1)


@fold.on(ev.EducationOfferCoCreated)
def education_offer_co_created(e: ev.EducationOfferCoCreated, at: At, rows: Rows) -> None:
    put_new(
        rows,
        FORUM,
        item_id=e.offer_id,
        programme_id=at.programme_id,
        kind="offer",
        title=e.title,
        detail={"provider": e.provider, "meeting_id": e.meeting_id},
        held_on=at.effective_on,
    )
    _count(rows, at, education_offers=1)


READ_MODEL = ReadModel(
    "status",
    (OWNERS, P, PC, COMPANIES, VERSIONS, GROUPS, MODULES, SESSIONS, ACTIVITIES, PARTICIPANTS, MINUTES, FORUM),
    fold,
    by_day=True,
)
