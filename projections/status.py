"""Programme status (coordinators): companies by pipeline stage against cap and target, network groups, modules
and sessions, enrolments and attendance, activities, participants, the forum. A pure fold over facts."""

from __future__ import annotations

from projections.facts import Fact
from projections.folding import ReadModel, bump, change, programme_of, put_new
from projections.rows import Rows

OWNERS = "view_owners"
P = "view_programmes"
PC = "view_programme_companies"


def _stage(rows: Rows, programme_id: str, org_number: str, new_stage: str, **dates: object) -> None:
    company = rows.get(PC, (programme_id, org_number))
    if company is None:
        company = put_new(rows, PC, programme_id=programme_id, org_number=org_number, stage=None, presentations=0)
    old_stage = company["stage"]
    company["stage"] = new_stage
    company.update(dates)
    rows.put(PC, company)
    deltas = {f"stage_{new_stage}": 1}
    if old_stage is not None:
        deltas[f"stage_{old_stage}"] = deltas.get(f"stage_{old_stage}", 0) - 1
    if new_stage == "joined" and old_stage != "joined":
        deltas["ever_joined"] = 1
    bump(rows, P, {"programme_id": programme_id}, **deltas)


def apply(fact: Fact, rows: Rows) -> None:
    programme_id = programme_of(fact, rows, OWNERS)
    d = fact.data
    name = fact.name
    on = fact.effective_date
    if name in ("CompanyRegistered", "CompanyDetailsCorrected"):
        values = {k: d[k] for k in ("name", "region", "sector", "size")}
        if name == "CompanyRegistered":
            put_new(rows, "view_companies", org_number=d["org_number"], country=d["country"], **values)
        else:
            change(rows, "view_companies", (d["org_number"],), **values)
        return
    if programme_id is None:
        return  # an event of no programme (an idempotency receipt): nothing to show
    if name == "ProgrammeLaunched":
        put_new(
            rows,
            P,
            programme_id=programme_id,
            slug=d["slug"],
            name=d["name"],
            owner=d["owner"],
            currency=d["currency"],
            starts_on=d["starts_on"],
            ends_on=d["ends_on"],
            funders=d["funders"],
            regions=d["regions"],
            themes=d["themes"],
            caps=d["caps"],
            targets=d["targets"],
            closed=False,
        )
    elif name in ("CapRevised", "TargetRevised"):
        column = "caps" if name == "CapRevised" else "targets"
        row = rows.get(P, (programme_id,))
        if row is not None:
            change(rows, P, (programme_id,), **{column: {**row[column], d["name"]: d["value"]}})
    elif name == "ProgrammeClosed":
        change(rows, P, (programme_id,), closed=True)
    elif name == "CompanyPresented":
        company = rows.get(PC, (programme_id, d["org_number"]))
        if company is None:
            _stage(rows, programme_id, d["org_number"], "presented", presented_on=on)
            company = rows.get(PC, (programme_id, d["org_number"]))
        assert company is not None
        change(rows, PC, (programme_id, d["org_number"]), presentations=(company["presentations"] or 0) + 1)
        bump(rows, P, {"programme_id": programme_id}, presentations=1)
    elif name == "CompanyJoined":
        _stage(rows, programme_id, d["org_number"], "joined", joined_on=on)
    elif name == "OnboardingMeetingHeld":
        _stage(rows, programme_id, d["org_number"], "onboarded", onboarded_on=on)
    elif name == "CompanyWithdrew":
        _stage(rows, programme_id, d["org_number"], "withdrawn", withdrawn_on=on)
    elif name == "CompanyCompleted":
        _stage(rows, programme_id, d["org_number"], "completed", completed_on=on)
    elif name == "CompanyGoalsSet":
        change(rows, PC, (programme_id, d["org_number"]), goals=d["goals"])
    elif name == "CompanyNeedsAnalysed":
        change(rows, PC, (programme_id, d["org_number"]), competence_areas=d["competence_areas"])
    elif name == "ParticipantRegistered":
        attributes = d["attributes"]
        put_new(
            rows,
            "view_participants",
            participant_id=d["participant_id"],
            programme_id=programme_id,
            org_number=d["org_number"],
            target_group=d["target_group"],
            entered_on=on,
            entries=1,
            left=False,
            erased=False,
            **{k: attributes.get(k) for k in ("gender", "age_band", "employment_status", "education_level")},
        )
        bump(rows, P, {"programme_id": programme_id}, participants=1)
    elif name == "ParticipantLeft":
        change(rows, "view_participants", (programme_id, d["participant_id"]), left=True)
    elif name == "ParticipantReentered":
        row = rows.get("view_participants", (programme_id, d["participant_id"]))
        if row is not None:
            change(
                rows, "view_participants", (programme_id, d["participant_id"]), left=False, entries=row["entries"] + 1
            )
    elif name == "ParticipantErased":
        change(rows, "view_participants", (programme_id, d["participant_id"]), erased=True)
        bump(rows, P, {"programme_id": programme_id}, participants_erased=1)
    elif name == "NetworkGroupFormed":
        put_new(
            rows,
            "view_network_groups",
            group_id=fact.originator_id,
            programme_id=programme_id,
            name=d["name"],
            basis=d["basis"],
            members=[],
        )
        bump(rows, P, {"programme_id": programme_id}, network_groups=1)
    elif name in ("CompanyAddedToGroup", "CompanyRemovedFromGroup"):
        group = rows.get("view_network_groups", (fact.originator_id,))
        if group is not None:
            members = [m for m in group["members"] if m != d["org_number"]]
            if name == "CompanyAddedToGroup":
                members.append(d["org_number"])
            change(rows, "view_network_groups", (fact.originator_id,), members=members)
    elif name == "ModuleOffered":
        put_new(
            rows,
            "view_modules",
            module_id=fact.originator_id,
            programme_id=programme_id,
            title=d["title"],
            providers=d["providers"],
            theme=d["theme"],
            region=d["region"],
            competence_areas=d["competence_areas"],
        )
        bump(rows, P, {"programme_id": programme_id}, modules=1)
    elif name == "SessionScheduled":
        put_new(
            rows,
            "view_sessions",
            session_id=d["session_id"],
            module_id=fact.originator_id,
            programme_id=programme_id,
            starts_on=d["starts_on"],
            place=d["place"],
            online=d["online"],
            minutes=d["minutes"],
            status="scheduled",
        )
        bump(rows, P, {"programme_id": programme_id}, sessions_scheduled=1)
    elif name == "SessionHeld":
        change(rows, "view_sessions", (d["session_id"],), status="held", held_on=on)
        bump(rows, P, {"programme_id": programme_id}, sessions_scheduled=-1, sessions_held=1)
        bump(rows, "view_modules", {"module_id": fact.originator_id}, sessions_held=1)
    elif name == "SessionCancelled":
        change(rows, "view_sessions", (d["session_id"],), status="cancelled")
        bump(rows, P, {"programme_id": programme_id}, sessions_scheduled=-1, sessions_cancelled=1)
    elif name == "ParticipantEnrolled":
        bump(rows, "view_modules", {"module_id": fact.originator_id}, enrolled=1)
        bump(rows, P, {"programme_id": programme_id}, enrolments=1)
    elif name == "AttendanceRecorded":
        minutes = d["minutes"]
        bump(rows, "view_sessions", {"session_id": d["session_id"]}, attendees=1, attended_minutes=minutes)
        bump(rows, "view_modules", {"module_id": fact.originator_id}, training_minutes=minutes)
        bump(
            rows,
            "view_participants",
            {"programme_id": programme_id, "participant_id": d["participant_id"]},
            attended_minutes=minutes,
        )
        bump(rows, P, {"programme_id": programme_id}, attendances=1, training_minutes=minutes)
    elif name == "ModuleCompleted":
        bump(rows, "view_modules", {"module_id": fact.originator_id}, completed=1)
        bump(rows, P, {"programme_id": programme_id}, completions=1)
    elif name == "ActivityPlanned":
        put_new(
            rows,
            "view_activities",
            activity_id=fact.originator_id,
            programme_id=programme_id,
            title=d["title"],
            kind=d["kind"],
            competence_area=d["competence_area"],
            region=d["region"],
            provider=d["provider"],
            planned_on=d["planned_on"],
            status="planned",
        )
        bump(rows, P, {"programme_id": programme_id}, activities_planned=1)
    elif name == "ActivityHeld":
        change(
            rows,
            "view_activities",
            (fact.originator_id,),
            status="held",
            held_on=on,
            minutes=d["minutes"],
            participants=d["participant_count"],
        )
        bump(
            rows,
            P,
            {"programme_id": programme_id},
            activities_planned=-1,
            activities_held=1,
            activity_minutes=d["minutes"],
            activity_participants=d["participant_count"],
        )
    elif name == "ActivityCancelled":
        change(rows, "view_activities", (fact.originator_id,), status="cancelled")
        bump(rows, P, {"programme_id": programme_id}, activities_planned=-1, activities_cancelled=1)
    elif name == "ForumMeetingHeld":
        put_new(
            rows,
            "view_forum_items",
            item_id=d["meeting_id"],
            programme_id=programme_id,
            kind="meeting",
            title=d["title"],
            detail={"sectors": d["sectors"], "format": d["format"]},
            held_on=on,
        )
        bump(rows, P, {"programme_id": programme_id}, forum_meetings=1)
    elif name == "EducationOfferCoCreated":
        put_new(
            rows,
            "view_forum_items",
            item_id=d["offer_id"],
            programme_id=programme_id,
            kind="offer",
            title=d["title"],
            detail={"provider": d["provider"], "meeting_id": d["meeting_id"]},
            held_on=on,
        )
        bump(rows, P, {"programme_id": programme_id}, education_offers=1)


READ_MODEL = ReadModel(
    "status",
    (
        OWNERS,
        P,
        PC,
        "view_companies",
        "view_network_groups",
        "view_modules",
        "view_sessions",
        "view_activities",
        "view_participants",
        "view_forum_items",
    ),
    apply,
)
