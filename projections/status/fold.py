"""The status fold: one handler per event class, writing the coordinators' tables (programmes with their
counters, the company pipeline, companies, network groups, modules and sessions, activities, participants, the
forum). Pure: it reads and writes rows only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ledger import events as ev
from projections.folding import At, Fold, ReadModel, bump, change, put_new
from projections.status.answers import ActivityStatus, SessionStatus, Stage

if TYPE_CHECKING:
    from projections.rows import Rows

OWNERS = "view_owners"
P = "view_programmes"
PC = "view_programme_companies"
COMPANIES = "view_companies"
GROUPS = "view_network_groups"
MODULES = "view_modules"
SESSIONS = "view_sessions"
ACTIVITIES = "view_activities"
PARTICIPANTS = "view_participants"
FORUM = "view_forum_items"

fold = Fold(OWNERS)


def _count(rows: Rows, at: At, **deltas: int) -> None:
    """Add to the programme's counters."""
    bump(rows, P, {"programme_id": at.programme_id}, **deltas)


# --- companies (of no programme) -----------------------------------------------------------------------------


@fold.on_shared(ev.CompanyRegistered)
def company_registered(e: ev.CompanyRegistered, rows: Rows) -> None:
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


@fold.on_shared(ev.CompanyDetailsCorrected)
def company_details_corrected(e: ev.CompanyDetailsCorrected, rows: Rows) -> None:
    change(rows, COMPANIES, (e.org_number,), name=e.name, region=e.region, sector=e.sector, size=e.size)


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
    row = rows.get(P, (at.programme_id,))
    if row is not None:
        change(rows, P, (at.programme_id,), **{column: {**row[column], name: value}})


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


def _stage(rows: Rows, at: At, org_number: str, new_stage: Stage, **dates: Any) -> None:
    """Move a company to a stage, keeping the programme's count per stage (and of companies ever joined)."""
    company = rows.get(PC, (at.programme_id, org_number))
    if company is None:
        company = put_new(rows, PC, programme_id=at.programme_id, org_number=org_number, stage=None, presentations=0)
    old_stage = company["stage"]
    company["stage"] = new_stage.value
    company.update(dates)
    rows.put(PC, company)
    deltas = {f"stage_{new_stage}": 1}
    if old_stage is not None:
        deltas[f"stage_{old_stage}"] = deltas.get(f"stage_{old_stage}", 0) - 1
    if new_stage == Stage.JOINED and old_stage != Stage.JOINED:
        deltas["ever_joined"] = 1
    _count(rows, at, **deltas)


@fold.on(ev.CompanyPresented)
def company_presented(e: ev.CompanyPresented, at: At, rows: Rows) -> None:
    """A company may be presented more than once; only the first presentation sets its stage."""
    if rows.get(PC, (at.programme_id, e.org_number)) is None:
        _stage(rows, at, e.org_number, Stage.PRESENTED, presented_on=at.effective_on)
    company = rows.get(PC, (at.programme_id, e.org_number))
    assert company is not None
    change(rows, PC, (at.programme_id, e.org_number), presentations=(company["presentations"] or 0) + 1)
    _count(rows, at, presentations=1)


@fold.on(ev.CompanyJoined)
def company_joined(e: ev.CompanyJoined, at: At, rows: Rows) -> None:
    _stage(rows, at, e.org_number, Stage.JOINED, joined_on=at.effective_on)


@fold.on(ev.OnboardingMeetingHeld)
def onboarding_meeting_held(e: ev.OnboardingMeetingHeld, at: At, rows: Rows) -> None:
    _stage(rows, at, e.org_number, Stage.ONBOARDED, onboarded_on=at.effective_on)


@fold.on(ev.CompanyWithdrew)
def company_withdrew(e: ev.CompanyWithdrew, at: At, rows: Rows) -> None:
    _stage(rows, at, e.org_number, Stage.WITHDRAWN, withdrawn_on=at.effective_on)


@fold.on(ev.CompanyCompleted)
def company_completed(e: ev.CompanyCompleted, at: At, rows: Rows) -> None:
    _stage(rows, at, e.org_number, Stage.COMPLETED, completed_on=at.effective_on)


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
    change(rows, SESSIONS, (e.session_id,), status=SessionStatus.HELD.value, held_on=at.effective_on)
    _count(rows, at, sessions_scheduled=-1, sessions_held=1)
    bump(rows, MODULES, {"module_id": at.originator_id}, sessions_held=1)


@fold.on(ev.SessionCancelled)
def session_cancelled(e: ev.SessionCancelled, at: At, rows: Rows) -> None:
    change(rows, SESSIONS, (e.session_id,), status=SessionStatus.CANCELLED.value)
    _count(rows, at, sessions_scheduled=-1, sessions_cancelled=1)


@fold.on(ev.ParticipantEnrolled)
def participant_enrolled(_: ev.ParticipantEnrolled, at: At, rows: Rows) -> None:
    bump(rows, MODULES, {"module_id": at.originator_id}, enrolled=1)
    _count(rows, at, enrolments=1)


@fold.on(ev.AttendanceRecorded)
def attendance_recorded(e: ev.AttendanceRecorded, at: At, rows: Rows) -> None:
    bump(rows, SESSIONS, {"session_id": e.session_id}, attendees=1, attended_minutes=e.minutes)
    bump(rows, MODULES, {"module_id": at.originator_id}, training_minutes=e.minutes)
    participant = {"programme_id": at.programme_id, "participant_id": e.participant_id}
    bump(rows, PARTICIPANTS, participant, attended_minutes=e.minutes)
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
    _count(
        rows,
        at,
        activities_planned=-1,
        activities_held=1,
        activity_minutes=e.minutes,
        activity_participants=e.participant_count,
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
    "status", (OWNERS, P, PC, COMPANIES, GROUPS, MODULES, SESSIONS, ACTIVITIES, PARTICIPANTS, FORUM), fold
)
