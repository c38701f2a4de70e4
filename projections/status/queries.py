"""The coordinators' questions, answered from the status tables: which programme a slug names, the programme
list with headline figures, and one programme's status."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sqlalchemy import Connection, RowMapping, select

from ledger.values import TargetGroup
from projections.audit.queries import funds
from projections.schema import (
    companies,
    modules,
    network_groups,
    participants,
    programme_companies,
    programmes,
    sessions,
)
from projections.status.answers import (
    Activities,
    ForumCounts,
    Module,
    NetworkGroup,
    Participants,
    Pipeline,
    ProgrammeCompany,
    ProgrammeFrame,
    ProgrammeStatus,
    ProgrammeSummary,
    Session,
    Sessions,
    SessionStatus,
    Stage,
    Training,
)
from projections.units import hours

if TYPE_CHECKING:
    from datetime import date


def programme_id_for(db: Connection, slug: str) -> str | None:
    found: str | None = db.execute(select(programmes.c.programme_id).where(programmes.c.slug == slug)).scalar()
    return found


def _active(row: RowMapping) -> int:
    """Companies taking part now: joined, or joined and onboarded."""
    active: int = row["stage_joined"] + row["stage_onboarded"]
    return active


def list_programmes(db: Connection) -> list[ProgrammeSummary]:
    """Every programme, by slug."""
    return [
        ProgrammeSummary(
            slug=row["slug"],
            name=row["name"],
            owner=row["owner"],
            currency=row["currency"],
            starts_on=row["starts_on"],
            ends_on=row["ends_on"],
            closed=bool(row["closed"]),
            caps=row["caps"],
            targets=row["targets"],
            companies_active=_active(row),
            participants=row["participants"],
            sessions_held=row["sessions_held"],
            activities_held=row["activities_held"],
            funds=funds(db, row["programme_id"]),
        )
        for row in db.execute(select(programmes).order_by(programmes.c.slug)).mappings().all()
    ]


def programme_status(db: Connection, programme_id: str) -> ProgrammeStatus | None:
    """The dashboard of one programme; None when it did not exist (as of the moment asked)."""
    row = db.execute(select(programmes).where(programmes.c.programme_id == programme_id)).mappings().first()
    if row is None:
        return None
    return ProgrammeStatus(
        programme=ProgrammeFrame(
            id=programme_id,
            **{k: row[k] for k in ("slug", "name", "owner", "currency", "starts_on", "ends_on", "funders")},
            **{k: row[k] for k in ("regions", "themes", "caps", "targets")},
            closed=bool(row["closed"]),
        ),
        pipeline=Pipeline(
            **{stage: row[f"stage_{stage}"] for stage in Stage},
            active=_active(row),
            presentations=row["presentations"],
            ever_joined=row["ever_joined"],
            cap=row["caps"].get("companies"),
            target=row["targets"].get("companies"),
        ),
        companies=_companies(db, programme_id),
        network_groups=[
            NetworkGroup.model_validate(dict(r))
            for r in db.execute(
                select(network_groups)
                .where(network_groups.c.programme_id == programme_id)
                .order_by(network_groups.c.name)
            ).mappings()
        ],
        modules=[
            Module.model_validate(dict(r))
            for r in db.execute(
                select(modules)
                .where(modules.c.programme_id == programme_id)
                .order_by(modules.c.title, modules.c.module_id)
            ).mappings()
        ],
        sessions=_sessions(db, programme_id),
        training=Training(
            enrolments=row["enrolments"],
            completions=row["completions"],
            attendances=row["attendances"],
            participant_hours=hours(row["training_minutes"]),
            delivered_hours=hours(row["session_minutes"]),
        ),
        activities=Activities(
            planned=row["activities_planned"],
            held=row["activities_held"],
            cancelled=row["activities_cancelled"],
            participants=row["activity_participants"],
            participant_hours=hours(row["activity_participant_minutes"]),
            delivered_hours=hours(row["activity_minutes"]),
        ),
        participants=Participants(
            total=row["participants"],
            erased=row["participants_erased"],
            by_target_group=_by_target_group(db, programme_id),
        ),
        forum=ForumCounts(meetings=row["forum_meetings"], education_offers=row["education_offers"]),
        funds=funds(db, programme_id),
    )


def _companies(db: Connection, programme_id: str) -> list[ProgrammeCompany]:
    query = (
        select(programme_companies, companies.c.name)
        .outerjoin(companies, companies.c.org_number == programme_companies.c.org_number)
        .where(programme_companies.c.programme_id == programme_id)
        .order_by(programme_companies.c.org_number)
    )
    return [
        ProgrammeCompany.model_validate(
            {
                **{k: v for k, v in r.items() if k != "stage_on"},
                "days_to_first_session": days_between(r["joined_on"], r["first_session_on"]),
            }
        )
        for r in db.execute(query).mappings()
    ]


def days_between(first: date | None, then: date | None) -> int | None:
    """Days from one first arrival to the next, never negative (a stage reached out of order counts 0)."""
    if first is None or then is None:
        return None
    return max(0, (then - first).days)


def _sessions(db: Connection, programme_id: str) -> Sessions:
    query = select(sessions).where(sessions.c.programme_id == programme_id)
    found = [
        Session.model_validate(dict(r))
        for r in db.execute(query.order_by(sessions.c.starts_on, sessions.c.session_id)).mappings()
    ]
    return Sessions(
        held=[s for s in found if s.status == SessionStatus.HELD],
        upcoming=[s for s in found if s.status == SessionStatus.SCHEDULED],
        cancelled=[s for s in found if s.status == SessionStatus.CANCELLED],
    )


def _by_target_group(db: Connection, programme_id: str) -> dict[TargetGroup, int]:
    """Participants by target group. A participant row the fold made only from attendance (its registration
    took effect after the moment asked) has no target group and is no participant yet: it is left out."""
    groups = Counter(
        TargetGroup(r.target_group)
        for r in db.execute(select(participants.c.target_group).where(participants.c.programme_id == programme_id))
        if r.target_group is not None
    )
    return dict(sorted(groups.items()))
