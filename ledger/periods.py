"""A funder's reporting calendar: the periods a programme reports and claims by, named so a person reads them.

| frequency   | periods of a year                                         | names        |
|-------------|-----------------------------------------------------------|--------------|
| monthly     | each calendar month                                       | 2024-03      |
| quarterly   | Jan-Mar, Apr-Jun, Jul-Sep, Oct-Dec                        | 2024-Q1..Q4  |
| half_yearly | Jan-Jun, Jul-Dec (the Swedish ESF council's claims)       | 2024-H1, H2  |
| cpr         | up to the data cut-offs of the CPR's transmissions        | 2024-C1..C5  |

The CPR calendar (Regulation (EU) 2021/1060, Art. 42) follows the Member State's transmissions of 31 January, 30
April, 31 July, 30 September and 30 November, each with the data up to the end of the month before: its periods
end on 31 March, 30 June, 31 August, 31 October and 31 December.

A calendar starts with the period that holds its first day; every day from then on is in exactly one period."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    CPR = "cpr"


# the first month of each period of a year, and the letter of its name (None: the month's number)
_STARTS: dict[Frequency, tuple[tuple[int, ...], str | None]] = {
    Frequency.MONTHLY: (tuple(range(1, 13)), None),
    Frequency.QUARTERLY: ((1, 4, 7, 10), "Q"),
    Frequency.HALF_YEARLY: ((1, 7), "H"),
    Frequency.CPR: ((1, 4, 7, 9, 11), "C"),
}
_NAME = re.compile(r"^(\d{4})-(?:([QHC])(\d)|(\d{2}))$")


@dataclass(frozen=True, order=True)
class Period:
    starts_on: date
    ends_on: date
    name: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.starts_on <= day <= self.ends_on


def period_of(day: date, frequency: Frequency) -> Period:
    """The period of the calendar that holds `day`."""
    starts, _letter = _STARTS[frequency]
    index = max(i for i, month in enumerate(starts) if month <= day.month)
    return _period(day.year, index, frequency)


def _period(year: int, index: int, frequency: Frequency) -> Period:
    starts, letter = _STARTS[frequency]
    first = date(year, starts[index], 1)
    following = date(year + 1, 1, 1) if index + 1 == len(starts) else date(year, starts[index + 1], 1)
    name = f"{year}-{first.month:02d}" if letter is None else f"{year}-{letter}{index + 1}"
    return Period(first, following - timedelta(days=1), name)


def following(period: Period, frequency: Frequency) -> Period:
    return period_of(period.ends_on + timedelta(days=1), frequency)


def named(name: str, frequency: Frequency) -> Period | None:
    """The period of the calendar with this name, None if the calendar has no such period."""
    match = _NAME.match(name)
    if match is None:
        return None
    year, letter, number, month = match.groups()
    starts, expected = _STARTS[frequency]
    if expected is None:
        if month is None or not 1 <= int(month) <= 12:
            return None
        return _period(int(year), int(month) - 1, frequency)
    if letter != expected or not 1 <= int(number) <= len(starts):
        return None
    return _period(int(year), int(number) - 1, frequency)
