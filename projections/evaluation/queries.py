"""The analysts' questions, answered from the evaluation tables (and the status and audit tables they build on):
the weekly series (also flat, for CSV), the funnel, participation, costs and the ESF indicators."""

from __future__ import annotations

from collections import Counter, defaultdict
from enum import StrEnum
from statistics import median
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, select

from ledger.values import AgeBand, CompanySize, EducationLevel, EmploymentStatus, Gender
from projections.audit.answers import EntryKind
from projections.audit.queries import funds
from projections.evaluation.answers import Cell, Costs, EsfPeriod, Evaluation, Funnel, Participation, Week, WeeklyCounts
from projections.folding import week_of
from projections.schema import audit_entries, companies, participants, programme_companies, programmes, weekly
from projections.status.answers import Stage

if TYPE_CHECKING:
    from datetime import date

V = TypeVar("V", bound=StrEnum)

ESF_ATTRIBUTES: dict[str, type[StrEnum]] = {
    "gender": Gender,
    "age_band": AgeBand,
    "employment_status": EmploymentStatus,
    "education_level": EducationLevel,
}
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
    """Weekly and cumulative counts, with money disbursed and spent per week (reversals count back)."""
    series: dict[date, Counter[str]] = defaultdict(Counter)
    for row in db.execute(select(weekly).where(weekly.c.programme_id == programme_id)).mappings():
        series[row["week"]].update({name: row[name] for name in COUNTS if name in row})
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


def funnel(db: Connection, programme_id: str) -> Funnel:
    rows = (
        db.execute(select(programme_companies).where(programme_companies.c.programme_id == programme_id))
        .mappings()
        .all()
    )
    presented = [r for r in rows if r["presented_on"] is not None]
    joined = [r for r in rows if r["joined_on"] is not None]
    onboarded = [r for r in rows if r["onboarded_on"] is not None]
    days_to_join = [(r["joined_on"] - r["presented_on"]).days for r in joined if r["presented_on"] is not None]
    days_to_onboard = [(r["onboarded_on"] - r["joined_on"]).days for r in onboarded if r["joined_on"] is not None]
    converted = sum(1 for r in presented if r["joined_on"] is not None)
    return Funnel(
        presented=len(presented),
        joined=len(joined),
        onboarded=len(onboarded),
        withdrawn=sum(1 for r in rows if r["stage"] == Stage.WITHDRAWN),
        completed=sum(1 for r in rows if r["stage"] == Stage.COMPLETED),
        conversion_presented_to_joined=round(converted / len(presented), 4) if presented else None,
        median_days_presented_to_joined=median(days_to_join) if days_to_join else None,
        median_days_joined_to_onboarded=median(days_to_onboard) if days_to_onboard else None,
    )


def participation(db: Connection, programme_id: str) -> Participation:
    """Participants and training hours by the company's region, sector and size, and by target group."""
    company = {r.org_number: r for r in db.execute(select(companies))}
    breakdown: dict[str, dict[str, dict[str, float]]] = {
        k: defaultdict(lambda: {"participants": 0, "hours": 0.0}) for k in Participation.model_fields
    }
    for p in db.execute(select(participants).where(participants.c.programme_id == programme_id)).mappings():
        c = company.get(p["org_number"])
        keys = {
            "region": c.region if c else "unknown",
            "sector": c.sector if c else "unknown",
            "size": c.size if c else "unknown",
            "target_group": p["target_group"],
        }
        for dimension, value in keys.items():
            cell = breakdown[dimension][value]
            cell["participants"] += 1
            cell["hours"] = round(cell["hours"] + p["attended_minutes"] / 60, 2)
    return Participation(
        **{
            dimension: {
                value: Cell(participants=int(c["participants"]), hours=c["hours"]) for value, c in sorted(cells.items())
            }
            for dimension, cells in breakdown.items()
        }
    )


def costs(db: Connection, programme_id: str) -> Costs | None:
    """What was spent per participant and per training hour (training and activities); None before launch."""
    row = db.execute(select(programmes).where(programmes.c.programme_id == programme_id)).mappings().first()
    if row is None:
        return None
    spent = funds(db, programme_id).spent
    hours = (row["training_minutes"] + row["activity_minutes"]) / 60
    people = row["participants"]
    return Costs(
        spent=spent,
        participants=people,
        training_hours=round(hours, 2),
        cost_per_participant=spent // people if people else None,
        cost_per_training_hour=int(spent / hours) if hours else None,
    )


def reporting_period(day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def esf_indicators(db: Connection, programme_id: str) -> list[EsfPeriod]:
    """ESF common indicators per half-year reporting period, by the date of (first) entry. A participant with a
    missing attribute counts in the total only; a re-entry keeps the first entry's attributes and period."""
    sizes = {r.org_number: r.size for r in db.execute(select(companies.c.org_number, companies.c.size))}
    people: Counter[str] = Counter()
    smes: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, dict[str, Counter[str]]] = defaultdict(lambda: {a: Counter() for a in ESF_ATTRIBUTES})
    for p in db.execute(select(participants).where(participants.c.programme_id == programme_id)).mappings():
        period = reporting_period(p["entered_on"])
        people[period] += 1
        for attribute in ESF_ATTRIBUTES:
            if p[attribute] is not None:
                counts[period][attribute][p[attribute]] += 1
        if sizes.get(p["org_number"]) in SME_SIZES:
            smes[period].add(p["org_number"])
    return [
        EsfPeriod(
            period=period,
            participants=people[period],
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
