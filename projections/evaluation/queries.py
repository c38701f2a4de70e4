"""The analysts' questions, answered from the evaluation tables (and the status and audit tables they build on):
the weekly series (also flat, for CSV), the funnel, participation, costs and the ESF indicators."""

from __future__ import annotations

from collections import Counter, defaultdict
from enum import StrEnum
from statistics import median
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, RowMapping, select

from ledger.values import AgeBand, CompanySize, EducationLevel, EmploymentStatus, Gender
from projections.audit.answers import EntryKind
from projections.audit.queries import funds
from projections.evaluation.answers import (
    Cell,
    Costs,
    Days,
    EsfPeriod,
    Evaluation,
    Funnel,
    Participation,
    Week,
    WeeklyCounts,
)
from projections.folding import week_of
from projections.schema import (
    audit_entries,
    company_versions,
    participant_minutes,
    participants,
    programme_companies,
    programmes,
    weekly,
)
from projections.status.queries import days_between
from projections.units import hours, per, ratio

if TYPE_CHECKING:
    from datetime import date

V = TypeVar("V", bound=StrEnum)

ESF_ATTRIBUTES: dict[str, type[StrEnum]] = {
    "gender": Gender,
    "age_band": AgeBand,
    "employment_status": EmploymentStatus,
    "education_level": EducationLevel,
}
UNKNOWN = "unknown"
SME_SIZES = frozenset({CompanySize.MICRO, CompanySize.SMALL, CompanySize.MEDIUM})
COUNTS = tuple(WeeklyCounts.model_fields)
_MONEY = {EntryKind.EXPENDITURE: "spent", EntryKind.ADVANCE: "disbursed", EntryKind.PAYMENT: "disbursed"}


def evaluation(db: Connection, programme_id: str) -> Evaluation:
    return Evaluation(
        weekly=weekly_series(db, programme_id),
        funnel=funnel(db, programme_id),
        participation=participation(db, programme_id),
        costs=costs(db, programme_id),
        esf_indicators=esf_indicators(db, programme_id),
    )


def weekly_series(db: Connection, programme_id: str) -> list[Week]:
    """Weekly and cumulative counts by effective date: events from the weekly table, companies' first arrivals
    from the pipeline, money disbursed and spent per week (a reversal counts back in its own week)."""
    series: dict[date, Counter[str]] = defaultdict(Counter)
    for row in db.execute(select(weekly).where(weekly.c.programme_id == programme_id)).mappings():
        series[row["week"]].update(
            presentations=row["presentations"],
            sessions_held=row["sessions_held"],
            activities_held=row["activities_held"],
            participants_registered=row["participants_registered"],
            participant_minutes=row["attendance_minutes"] + row["activity_participant_minutes"],
            delivered_minutes=row["session_minutes"] + row["activity_minutes"],
        )
    for company in _pipeline(db, programme_id):
        for stage in ("presented", "joined", "withdrawn"):
            if company[f"{stage}_on"] is not None:
                series[week_of(company[f"{stage}_on"])][f"companies_{stage}"] += 1
    entries = db.execute(select(audit_entries).where(audit_entries.c.programme_id == programme_id)).mappings().all()
    kinds = {entry["entry_id"]: entry["kind"] for entry in entries}
    for entry in entries:
        kind, sign = entry["kind"], 1
        if kind == EntryKind.REVERSAL:
            kind, sign = kinds.get(entry["reverses_entry_id"], ""), -1
        column = _MONEY.get(kind)
        if column:
            series[week_of(entry["effective_on"])][column] += sign * entry["amount"]
    result: list[Week] = []
    running: Counter[str] = Counter()
    for week in sorted(series):
        running.update(series[week])
        result.append(
            Week(
                week=week,
                **{k: series[week].get(k, 0) for k in COUNTS},
                cumulative=WeeklyCounts(**{k: running.get(k, 0) for k in COUNTS}),
            )
        )
    return result


def weekly_table(db: Connection, programme_id: str) -> list[dict[str, Any]]:
    """The weekly series flattened for CSV (the API's and the command line's): each count beside its
    cumulative_ column."""
    return [
        {
            "week": week.week.isoformat(),
            **{k: getattr(week, k) for k in COUNTS},
            **{f"cumulative_{k}": getattr(week.cumulative, k) for k in COUNTS},
        }
        for week in weekly_series(db, programme_id)
    ]


def _pipeline(db: Connection, programme_id: str) -> list[RowMapping]:
    query = select(programme_companies).where(programme_companies.c.programme_id == programme_id)
    return list(db.execute(query).mappings())


def funnel(db: Connection, programme_id: str) -> Funnel:
    """Companies by the stages they ever reached (first arrivals), conversion, and median days between first
    arrivals, never negative."""
    rows = _pipeline(db, programme_id)

    def reached(stage: str) -> list[RowMapping]:
        return [r for r in rows if r[f"{stage}_on"] is not None]

    def median_days(first: str, then: str) -> Days | None:
        days = [days_between(r[first], r[then]) for r in rows if r[first] is not None and r[then] is not None]
        return median(d for d in days if d is not None) if days else None

    presented = reached("presented")
    return Funnel(
        presented=len(presented),
        joined=len(reached("joined")),
        onboarded=len(reached("onboarded")),
        withdrawn=len(reached("withdrawn")),
        completed=len(reached("completed")),
        conversion_presented_to_joined=ratio(sum(1 for r in presented if r["joined_on"] is not None), len(presented)),
        median_days_presented_to_joined=median_days("presented_on", "joined_on"),
        median_days_joined_to_onboarded=median_days("joined_on", "onboarded_on"),
        median_days_joined_to_first_session=median_days("joined_on", "first_session_on"),
    )


class CompanyVersions:
    """Companies' region, sector and size as effective on a day: the version recorded last among those
    effective on or before it, else the first recorded (docs/figures.md, "Attributes as they were")."""

    def __init__(self, db: Connection) -> None:
        self.versions: dict[str, list[RowMapping]] = defaultdict(list)
        for row in db.execute(select(company_versions).order_by(company_versions.c.position)).mappings():
            self.versions[row["org_number"]].append(row)

    def on(self, org_number: str | None, day: date) -> dict[str, str]:
        versions = self.versions.get(org_number or "")
        if not versions:
            return {"region": UNKNOWN, "sector": UNKNOWN, "size": UNKNOWN}
        effective = [v for v in versions if v["valid_from"] <= day]
        version = effective[-1] if effective else versions[0]
        return {"region": version["region"], "sector": version["sector"], "size": version["size"]}


def participation(db: Connection, programme_id: str) -> Participation:
    """Participants (by their entry) and participant-minutes (by the day of each attendance or activity) in
    cells of the company's region, sector and size as effective on that day, and of the target group; people
    counted in activities but not named are `unknown` in every dimension."""
    versions = CompanyVersions(db)
    people = {
        r["participant_id"]: r
        for r in db.execute(select(participants).where(participants.c.programme_id == programme_id)).mappings()
    }
    counted: dict[str, Counter[str]] = {k: Counter() for k in Participation.model_fields}
    minutes: dict[str, Counter[str]] = {k: Counter() for k in Participation.model_fields}
    for person in people.values():
        if person["entered_on"] is None:  # attended, but registered after the moment asked
            continue
        cells = {**versions.on(person["org_number"], person["entered_on"]), "target_group": person["target_group"]}
        for dimension, value in cells.items():
            counted[dimension][value] += 1
    trained = db.execute(select(participant_minutes).where(participant_minutes.c.programme_id == programme_id))
    for row in trained.mappings():
        who = people.get(row["participant_id"])
        org_number = who["org_number"] if who else None
        cells = {**versions.on(org_number, row["day"]), "target_group": who["target_group"] if who else None}
        for dimension, value in cells.items():
            minutes[dimension][value or UNKNOWN] += row["minutes"]
    totals = db.execute(select(programmes).where(programmes.c.programme_id == programme_id)).mappings().first()
    if totals is not None:
        anonymous = totals["activity_participant_minutes"] - totals["activity_named_minutes"]
        for dimension in minutes:
            if anonymous:
                minutes[dimension][UNKNOWN] += anonymous
    return Participation(
        **{
            dimension: {
                value: Cell(participants=counted[dimension][value], hours=hours(minutes[dimension][value]))
                for value in sorted(counted[dimension].keys() | minutes[dimension].keys())
            }
            for dimension in Participation.model_fields
        }
    )


def costs(db: Connection, programme_id: str) -> Costs | None:
    """What was spent per participant and per participant-hour; None before launch."""
    row = db.execute(select(programmes).where(programmes.c.programme_id == programme_id)).mappings().first()
    if row is None:
        return None
    spent = funds(db, programme_id).spent
    people = row["participants"] + row["activity_participants"] - row["activity_named_participants"]
    participant_minutes_ = row["training_minutes"] + row["activity_participant_minutes"]
    return Costs(
        spent=spent,
        participants=people,
        participant_hours=hours(participant_minutes_),
        cost_per_participant=per(spent, people),
        cost_per_participant_hour=per(spent * 60, participant_minutes_),
    )


def reporting_period(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def esf_indicators(db: Connection, programme_id: str) -> list[EsfPeriod]:
    """ESF common indicators per half-year reporting period, by the date of (first) entry. A participant with a
    missing attribute counts in the total only, in no breakdown: each breakdown sums to the complete records. A
    re-entry keeps the first entry's attributes and period. SMEs by their size on the entry day."""
    versions = CompanyVersions(db)
    people: Counter[str] = Counter()
    complete: Counter[str] = Counter()
    smes: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: {a: Counter() for a in ESF_ATTRIBUTES})
    for p in db.execute(select(participants).where(participants.c.programme_id == programme_id)).mappings():
        if p["entered_on"] is None:  # attended, but registered after the moment asked
            continue
        period = reporting_period(p["entered_on"])
        people[period] += 1
        if all(p[attribute] is not None for attribute in ESF_ATTRIBUTES):
            complete[period] += 1
            for attribute in ESF_ATTRIBUTES:
                counts[period][attribute][p[attribute]] += 1
        if versions.on(p["org_number"], p["entered_on"])["size"] in SME_SIZES:
            smes[period].add(p["org_number"])
    return [
        EsfPeriod(
            period=period,
            participants=people[period],
            complete=complete[period],
            supported_smes=len(smes[period]),
            gender=_every(Gender, counts[period]["gender"]),
            age_band=_every(AgeBand, counts[period]["age_band"]),
            employment_status=_every(EmploymentStatus, counts[period]["employment_status"]),
            education_level=_every(EducationLevel, counts[period]["education_level"]),
        )
        for period in sorted(people)
    ]


def _every(values: type[V], counted: Counter[str]) -> dict[V, int]:
    """A count for every value of the set, zero where none was counted (values outside the set are not)."""
    return {value: counted.get(value, 0) for value in values}
