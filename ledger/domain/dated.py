"""Figures that change on effective dates, for the rules that must hold on every day and not only at the end of
the log: a balance may not go below zero on any day, a count may not pass its cap on any day.

A back-dated fact changes every day from its effective date on, so a rule is checked on that day and on every
later day on which something already recorded changes the figure. Series are plain dicts (ISO day -> change, or
ISO day -> value for a setting) so they snapshot as JSON."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple

from ledger.errors import RuleViolated

Changes = dict[str, int]
"""A figure as the changes that make it: ISO day -> amount added on that day."""

Settings = dict[str, int]
"""A setting (a cap) as the values it takes: ISO day -> value from that day on."""


def effective(day: date | None) -> date:
    """The day a fact takes effect: its stated effective date, else the day it is recorded (UTC, as the
    event's timestamp)."""
    return day or datetime.now(UTC).date()


def require_not_before(day: date, since: date | str | None, rule: str, what: str) -> None:
    """A fact never takes effect before the fact it follows from: a session is held on or after the day its
    scheduling took effect, a reversal on or after its entry. Otherwise, effective by a day between the two, the
    ledger would count a session held that did not exist yet, or spending below nothing. `since` is None (or an
    ISO day) for what an earlier version recorded without its day: nothing is then required."""
    if since is None:
        return
    since_day = date.fromisoformat(since) if isinstance(since, str) else since
    if day < since_day:
        raise RuleViolated(rule, f"effective {day} is before {what} took effect ({since_day})", on=day)


def add(changes: Changes, day: date, amount: int) -> None:
    key = day.isoformat()
    changes[key] = changes.get(key, 0) + amount


def value_on(changes: Changes, day: date) -> int:
    """The figure on a day: every change on or before it."""
    key = day.isoformat()
    return sum(amount for on, amount in changes.items() if on <= key)


class Lowest(NamedTuple):
    value: int
    day: date


def lowest_from(day: date, *parts: tuple[Changes, int]) -> Lowest:
    """The lowest value, on `day` or any later day, of a sum of figures (each with its sign), and the first day it
    is reached. Checking a new change against it checks every day it affects."""
    merged: dict[str, int] = {}
    for changes, sign in parts:
        for on, amount in changes.items():
            merged[on] = merged.get(on, 0) + sign * amount
    key = day.isoformat()
    running = sum(amount for on, amount in merged.items() if on <= key)
    lowest = Lowest(running, day)
    for on in sorted(k for k in merged if k > key):
        running += merged[on]
        if running < lowest.value:
            lowest = Lowest(running, date.fromisoformat(on))
    return lowest


def setting_on(settings: Settings, day: date) -> int | None:
    """The value a setting has on a day (the latest set on or before it), None before it was first set."""
    key = day.isoformat()
    earlier = [on for on in settings if on <= key]
    return settings[max(earlier)] if earlier else None


class Excess(NamedTuple):
    day: date
    counted: int
    cap: int


def first_excess(day: date, counts: Changes, caps: Settings) -> Excess | None:
    """The first day, on or after `day`, on which a count is above its cap; None if there is none (or no cap).
    One pass over the days on which either changes."""
    if not caps:
        return None
    key = day.isoformat()
    count = value_on(counts, day)
    cap = setting_on(caps, day)
    for on in sorted({key} | {k for k in counts if k > key} | {k for k in caps if k > key}):
        if on > key:
            count += counts.get(on, 0)
            cap = caps.get(on, cap)
        if cap is not None and count > cap:
            return Excess(date.fromisoformat(on), count, cap)
    return None
