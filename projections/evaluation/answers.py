"""The analysts' answers: the weekly time series, the company funnel, participation by region, sector, size
and target group, costs, and the ESF common indicators per reporting period."""

from __future__ import annotations

from datetime import date

from ledger.values import AgeBand, EducationLevel, EmploymentStatus, Gender
from projections.answers import Answer


class WeeklyCounts(Answer):
    """What happened in a week (or up to it, cumulatively), by effective date; money in minor units, reversals
    counted back."""

    presentations: int
    companies_presented: int
    companies_joined: int
    companies_withdrawn: int
    sessions_held: int
    activities_held: int
    participants_registered: int
    participant_minutes: int
    delivered_minutes: int
    disbursed: int
    spent: int


class _Monday(Answer):
    week: date  # the Monday the week starts on


class Week(WeeklyCounts, _Monday):
    """A week's counts and the counts up to it (fields in that order: the Monday, the counts, the cumulative)."""

    cumulative: WeeklyCounts


Days = int | float
"""A median number of days: whole, or halfway between two (kept as the median gives it: 21, or 57.5)."""


class Funnel(Answer):
    """Companies by the stages they reached; conversion and median days between stages (None when no company
    reached the stage)."""

    presented: int
    joined: int
    onboarded: int
    withdrawn: int
    completed: int
    conversion_presented_to_joined: float | None
    median_days_presented_to_joined: Days | None
    median_days_joined_to_onboarded: Days | None
    median_days_joined_to_first_session: Days | None


class Cell(Answer):
    participants: int
    hours: float


class Participation(Answer):
    """Participants and participant-hours by the company's region, sector and size as effective on each fact's
    day, and by target group; every dimension sums to the same totals ("unknown": people counted in activities
    but not named, a company whose registration the ledger does not hold). docs/figures.md#participation."""

    region: dict[str, Cell]
    sector: dict[str, Cell]
    size: dict[str, Cell]
    target_group: dict[str, Cell]


class Costs(Answer):
    """Money spent per participant and per participant-hour, whole minor units (docs/figures.md#costs)."""

    spent: int
    participants: int
    participant_hours: float
    cost_per_participant: int | None
    cost_per_participant_hour: int | None


class EsfPeriod(Answer):
    """One half-year reporting period (2021-H1): participants by first entry, those with all four attributes
    (`complete`), supported SMEs, and each attribute's counts over the complete records only (every value
    present; each breakdown sums to `complete`). docs/figures.md#esfperiod."""

    period: str
    participants: int
    complete: int
    supported_smes: int
    gender: dict[Gender, int]
    age_band: dict[AgeBand, int]
    employment_status: dict[EmploymentStatus, int]
    education_level: dict[EducationLevel, int]


class Evaluation(Answer):
    weekly: list[Week]
    funnel: Funnel
    participation: Participation
    costs: Costs | None  # None as of a moment before the programme was launched
    esf_indicators: list[EsfPeriod]
