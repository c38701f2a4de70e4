"""A programme's claims from its claim facts, as of a log position and an effective day (docs/figures.md, "Claims").

A period's figures count the facts that took effect in it (a fact before the calendar's first period counts in
the first). A closed period's figures are those of the facts recorded up to its seal. A fact recorded after a
period closed that takes effect in it changes that period's figure; the change shows in the claim of the next
period to close (or of the first open one) as an adjustment line: the figure at that claim's seal (or now) less
the figure at the seal before. So a sealed claim never changes, and every fact counts exactly once.

The computation reads the programme's facts once per closed period (figures at each seal): cost grows with the
facts times the periods closed, not with the rest of the log."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger import periods
from projections.claims.answers import ELIGIBLE, Claim, ClaimLine, Claims, ClaimStep, Component
from projections.units import per

if TYPE_CHECKING:
    from datetime import date

Row = dict[str, Any]
COUNTED = frozenset({"ExpenditureReported", "FundsDisbursed", "PaymentConfirmed", "EntryReversed",
                     "AttendanceRecorded", "ModuleCompleted", "DeliverableCompleted"})  # fmt: skip
"""The events whose days can make a period's figures (settings, closings and claim steps do not)."""
LineKey = tuple[str, str, Component, str | None, int | None]
"""origin period, allocation, component, basis, rate"""


@dataclass
class Figure:
    amount: int = 0
    units: int | None = None
    positions: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Setting:
    """A rate in force from a day (a unit cost's or a flat rate's)."""

    day: date
    position: int
    rate: int


def _in_force(settings: list[Setting], day: date) -> Setting | None:
    """The setting in force on a day: the latest effective on or before it (the later recorded of one day)."""
    earlier = [s for s in settings if s.day <= day]
    return max(earlier, key=lambda s: (s.day, s.position)) if earlier else None


class Programme:
    """The facts of one programme up to a position, read for the figures."""

    def __init__(self, rows: list[Row], frequency: periods.Frequency, first: periods.Period) -> None:
        self.rows = rows
        self.frequency = frequency
        self.first = first
        self.allocations = {r["allocation_id"]: r for r in rows if r["event"] == "FundsAllocated"}
        self.entries = {r["ref"]: r for r in rows if r["event"] in ("ExpenditureReported", "FundsDisbursed",
                                                                   "PaymentConfirmed")}  # fmt: skip

    def period_of(self, day: date) -> periods.Period:
        return periods.period_of(max(day, self.first.starts_on), self.frequency)

    def figures(self, up_to: int) -> dict[LineKey, Figure]:
        """Every line's figure from the facts recorded up to `up_to`, by the period they took effect in."""
        rows = [r for r in self.rows if r["position"] <= up_to]
        lines: dict[LineKey, Figure] = defaultdict(Figure)

        def add(day: date, allocation: str, component: Component, amount: int, position: int) -> None:
            figure = lines[(self.period_of(day).name, allocation, component, None, None)]
            figure.amount += amount
            figure.positions.append(position)

        # actual expenditure and advances, less their reversals (on the reversal's day)
        moved: list[tuple[date, str, int, int]] = []  # day, allocation, actual amount, position (for flat rates)
        for r in rows:
            event = r["event"]
            if event == "ExpenditureReported":
                add(r["effective_on"], r["allocation_id"], Component.ACTUAL, r["amount"], r["position"])
                moved.append((r["effective_on"], r["allocation_id"], r["amount"], r["position"]))
            elif event in ("FundsDisbursed", "PaymentConfirmed") and r["kind"] == "advance":
                add(r["effective_on"], r["allocation_id"], Component.ADVANCE, r["amount"], r["position"])
            elif event == "EntryReversed":
                original = self.entries.get(r["reverses"])
                if original is None or original["position"] > up_to:
                    continue
                if original["event"] == "ExpenditureReported":
                    add(r["effective_on"], original["allocation_id"], Component.ACTUAL, -original["amount"],
                        r["position"])  # fmt: skip
                    moved.append((r["effective_on"], original["allocation_id"], -original["amount"], r["position"]))
                elif original.get("kind") == "advance":
                    add(r["effective_on"], original["allocation_id"], Component.ADVANCE, -original["amount"],
                        r["position"])  # fmt: skip
        self._unit_costs(rows, lines)
        self._flat_rates(rows, moved, lines)
        self._lump_sums(rows, lines)
        return {key: figure for key, figure in lines.items() if key[1] in self.allocations}

    def _unit_costs(self, rows: list[Row], lines: dict[LineKey, Figure]) -> None:
        """Units (minutes attended, modules completed) grouped by the rate in force on their day; each group's
        amount rounded once: minutes x rate / 60, half to even."""
        series: dict[tuple[str, str, str | None], list[Setting]] = defaultdict(list)
        for r in rows:
            if r["event"] == "UnitCostSet":
                series[(r["allocation_id"], r["kind"], r["module_id"])].append(
                    Setting(r["effective_on"], r["position"], r["amount"])
                )
        if not series:
            return
        units: dict[LineKey, Figure] = defaultdict(lambda: Figure(units=0))
        for r in rows:
            unit = {"AttendanceRecorded": "participant_hour", "ModuleCompleted": "completed_module"}.get(r["event"])
            if unit is None:
                continue
            for (allocation, kind, module), settings in series.items():
                if kind != unit or module not in (None, r["module_id"]):
                    continue
                setting = _in_force(settings, r["effective_on"])
                if setting is None or setting.rate == 0:
                    continue
                basis = unit if module is None else f"{unit} {module}"
                key: LineKey = (self.period_of(r["effective_on"]).name, allocation, Component.UNIT_COST, basis,
                                setting.rate)  # fmt: skip
                figure = units[key]
                figure.units = (figure.units or 0) + r["units"]
                figure.positions.append(r["position"])
        for key, figure in units.items():
            rate = key[4] or 0
            whole = figure.units or 0
            figure.amount = (per(whole * rate, 60) or 0) if key[3] and key[3].startswith("participant_hour") \
                else whole * rate  # fmt: skip
            lines[key] = figure

    def _flat_rates(self, rows: list[Row], moved: list[tuple[date, str, int, int]],
                    lines: dict[LineKey, Figure]) -> None:  # fmt: skip
        """A share of the actual expenditure on the same grant's allocations of the base category, by the rate in
        force on each expenditure's day; each group rounded once: base x basis points / 10000, half to even."""
        series: dict[tuple[str, str], list[Setting]] = defaultdict(list)
        for r in rows:
            if r["event"] == "FlatRateSet":
                series[(r["allocation_id"], r["label"])].append(Setting(r["effective_on"], r["position"], r["units"]))
        shares: dict[LineKey, Figure] = defaultdict(lambda: Figure(units=0))
        for (allocation, base), settings in series.items():
            owner = self.allocations.get(allocation)
            if owner is None:
                continue
            for day, spent_on, amount, position in moved:
                spent = self.allocations.get(spent_on)
                if spent is None or spent["grant_id"] != owner["grant_id"] or spent["kind"] != base:
                    continue
                setting = _in_force(settings, day)
                if setting is None or setting.rate == 0:
                    continue
                figure = shares[(self.period_of(day).name, allocation, Component.FLAT_RATE, base, setting.rate)]
                figure.units = (figure.units or 0) + amount
                figure.positions.append(position)
        for key, figure in shares.items():
            figure.amount = per((figure.units or 0) * (key[4] or 0), 10_000) or 0
            lines[key] = figure

    def _lump_sums(self, rows: list[Row], lines: dict[LineKey, Figure]) -> None:
        agreed = {r["ref"]: r for r in rows if r["event"] == "LumpSumAgreed"}
        for r in rows:
            if r["event"] != "DeliverableCompleted" or r["ref"] not in agreed:
                continue
            deal = agreed[r["ref"]]
            key = (self.period_of(r["effective_on"]).name, deal["allocation_id"], Component.LUMP_SUM, deal["label"],
                   None)  # fmt: skip
            figure = lines[key]
            figure.amount += deal["amount"]
            figure.positions += [deal["position"], r["position"]]


def claims(slug: str, rows: list[Row], position: int, effective_by: date | None = None) -> Claims:
    """The claims as of `position` (and, if given, counting only facts in effect by `effective_by`)."""
    rows = sorted(
        (r for r in rows if r["position"] <= position and (effective_by is None or r["effective_on"] <= effective_by)),
        key=lambda r: r["position"],
    )
    calendars = [r for r in rows if r["event"] == "ReportingCalendarSet"]
    if not calendars:
        return Claims(programme=slug, frequency=None, position=position, claims=[])
    frequency = periods.Frequency(calendars[-1]["kind"])
    first = periods.period_of(calendars[-1]["starts_on"], frequency)
    programme = Programme(rows, frequency, first)
    closings = [r for r in rows if r["event"] == "PeriodClosed"]

    # the figures at each seal, and now
    seals = [c["sealed_position"] for c in closings]
    at_seal = [programme.figures(seal) for seal in seals]
    now = programme.figures(position)
    closed_names = [c["label"] for c in closings]

    # the periods shown: from the first to the last a counted fact took effect in, at least to the first open one
    last_day = max([r["effective_on"] for r in rows if r["event"] in COUNTED] + [first.starts_on])
    shown: list[periods.Period] = []
    period = first
    while True:
        shown.append(period)
        if period.ends_on >= last_day and len(shown) > len(closings):
            break
        period = periods.following(period, frequency)

    grants = {r["grant_id"]: r["label"] for r in rows if r["event"] == "GrantAwarded"}
    steps = _claim_steps(rows)
    balance: dict[str, int] = defaultdict(int)
    answer: list[Claim] = []
    for index, period in enumerate(shown):
        closed = index < len(closings)
        current = at_seal[index] if closed else now
        before = at_seal[index - 1] if 0 < index <= len(closings) else None
        lines = _lines(programme, period.name, current, before, closed_names[:index] if before is not None else [])
        for grant_id in sorted(grants):
            grant_lines = [line for line in lines if programme.allocations[line.allocation_id]["grant_id"] == grant_id]
            answer.append(_claim(period, closings[index] if closed else None, grant_id, grants[grant_id],
                                 grant_lines, balance, steps.get((grant_id, period.name))))  # fmt: skip
    return Claims(programme=slug, frequency=frequency.value, position=position, claims=answer)


def _lines(
    programme: Programme,
    period: str,
    current: dict[LineKey, Figure],
    before: dict[LineKey, Figure] | None,
    adjusted: list[str],
) -> list[ClaimLine]:
    """The period's own lines, and the adjustments of the closed periods before it (the change since `before`)."""
    out: list[ClaimLine] = []
    for key, figure in sorted(current.items(), key=lambda item: _order(item[0])):
        origin = key[0]
        if origin == period:
            out.append(_line(programme, key, figure, adjustment=False))
    if before is not None:
        keys = {k for k in (*current, *before) if k[0] in adjusted}
        for key in sorted(keys, key=_order):
            now, then = current.get(key, Figure()), before.get(key, Figure())
            amount = now.amount - then.amount
            if amount == 0 and now.units == then.units:
                continue
            earlier = set(then.positions)
            change = Figure(amount, None if now.units is None and then.units is None
                            else (now.units or 0) - (then.units or 0),
                            [p for p in now.positions if p not in earlier])  # fmt: skip
            out.append(_line(programme, key, change, adjustment=True))
    return out


def _order(key: LineKey) -> tuple[str, str, str, str, int]:
    return (key[0], key[1], key[2].value, key[3] or "", key[4] or 0)


def _line(programme: Programme, key: LineKey, figure: Figure, *, adjustment: bool) -> ClaimLine:
    origin, allocation, component, basis, rate = key
    return ClaimLine(
        component=component,
        allocation_id=allocation,
        recipient=programme.allocations[allocation]["label"],
        origin_period=origin,
        adjustment=adjustment,
        basis=basis,
        units=figure.units,
        rate=rate,
        amount=figure.amount,
        positions=sorted(figure.positions),
    )


def _claim(
    period: periods.Period,
    closing: Row | None,
    grant_id: str,
    funder: str | None,
    lines: list[ClaimLine],
    balance: dict[str, int],
    steps: tuple[str, list[ClaimStep]] | None,
) -> Claim:
    def total(component: Component) -> int:
        return sum(line.amount for line in lines if line.component == component)

    eligible = sum(total(c) for c in ELIGIBLE)
    advances = total(Component.ADVANCE)
    balance[grant_id] += advances
    cleared = min(max(eligible, 0), max(balance[grant_id], 0))
    balance[grant_id] -= cleared
    claim_id, claim_steps = steps or (None, [])
    return Claim(
        period=period.name,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
        closed=closing is not None,
        sealed_position=None if closing is None else closing["sealed_position"],
        sealed_chain=None if closing is None else closing["chain"],
        grant_id=grant_id,
        funder=funder,
        actual=total(Component.ACTUAL),
        unit_costs=total(Component.UNIT_COST),
        flat_rates=total(Component.FLAT_RATE),
        lump_sums=total(Component.LUMP_SUM),
        adjustments=sum(line.amount for line in lines if line.adjustment and line.component in ELIGIBLE),
        eligible=eligible,
        advances_paid=advances,
        advances_cleared=cleared,
        advance_balance=balance[grant_id],
        payable=eligible - cleared,
        claim_id=claim_id,
        state=claim_steps[-1].step if claim_steps else None,
        steps=claim_steps,
        lines=lines,
    )


STEPS = {"ClaimDrafted": "drafted", "ClaimSubmitted": "submitted", "ClaimApproved": "approved", "ClaimPaid": "paid"}


def _claim_steps(rows: list[Row]) -> dict[tuple[str, str], tuple[str, list[ClaimStep]]]:
    """Each drafted claim's steps, by its grant and period."""
    drafted = {r["ref"]: r for r in rows if r["event"] == "ClaimDrafted"}
    out: dict[tuple[str, str], tuple[str, list[ClaimStep]]] = {}
    for r in rows:
        step = STEPS.get(r["event"])
        if step is None or r["ref"] not in drafted:
            continue
        claim = drafted[r["ref"]]
        _, taken = out.setdefault((claim["grant_id"], claim["label"]), (r["ref"], []))
        taken.append(
            ClaimStep(step=step, actor=r["actor"], recorded_at=r["recorded_at"], position=r["position"],
                      decision_reference=r["decision_reference"], decision_body=r["decision_body"])
        )  # fmt: skip
    return out
