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


class ProgrammeFacts:
    """The facts of one programme up to a position, read once, in log order, for the figures at every seal."""

    def __init__(self, rows: list[Row], frequency: periods.Frequency, first: periods.Period) -> None:
        self.rows = rows
        self.frequency = frequency
        self.first = first
        self.allocations = {r["allocation_id"]: r for r in rows if r["event"] == "FundsAllocated"}

    def period_of(self, day: date) -> periods.Period:
        return periods.period_of(max(day, self.first.starts_on), self.frequency)

    def figures_at(self, limits: list[int]) -> list[dict[LineKey, Figure]]:
        """Every line's figure from the facts recorded up to each limit (ascending), by the period they took
        effect in. One pass over the facts gathers what they count by day; at each limit, the rates then recorded
        turn the days' units into amounts (a rate set later, back-dated, applies only from its limit on)."""
        counted = Counted()
        out: list[dict[LineKey, Figure]] = []
        rows = iter(self.rows)
        row = next(rows, None)
        for limit in limits:
            while row is not None and row["position"] <= limit:
                counted.add(row)
                row = next(rows, None)
            out.append(self._lines(counted))
        return out

    def _lines(self, counted: Counted) -> dict[LineKey, Figure]:
        lines: dict[LineKey, Figure] = {}

        def line(key: LineKey, units: int | None = None) -> Figure:
            return lines.setdefault(key, Figure(units=units))

        for (day, allocation, component), (amount, positions) in counted.moved.items():
            figure = line((self.period_of(day).name, allocation, component, None, None))
            figure.amount += amount
            figure.positions += positions
        self._unit_costs(counted, lines)
        self._flat_rates(counted, lines)
        for deliverable, day, position in counted.done:
            deal = counted.agreed.get(deliverable)
            if deal is not None:
                figure = line(
                    (self.period_of(day).name, deal["allocation_id"], Component.LUMP_SUM, deal["label"], None)
                )
                figure.amount += deal["amount"]
                figure.positions += [deal["position"], position]
        return {key: figure for key, figure in lines.items() if key[1] in self.allocations}

    def _unit_costs(self, counted: Counted, lines: dict[LineKey, Figure]) -> None:
        """Units (minutes attended, modules completed) grouped by the rate in force on their day; each group's
        amount rounded once: minutes x rate / 60, half to even."""
        groups: dict[LineKey, Figure] = {}
        for (allocation, unit, module), settings in counted.unit_costs.items():
            for (kind, module_id, day), (units, positions) in counted.units.items():
                if kind != unit or module not in (None, module_id):
                    continue
                setting = _in_force(settings, day)
                if setting is None or setting.rate == 0:
                    continue
                basis = unit if module is None else f"{unit} {module}"
                key: LineKey = (self.period_of(day).name, allocation, Component.UNIT_COST, basis, setting.rate)
                figure = groups.setdefault(key, Figure(units=0))
                figure.units = (figure.units or 0) + units
                figure.positions += positions
        for key, figure in groups.items():
            whole, rate = figure.units or 0, key[4] or 0
            hourly = (key[3] or "").startswith("participant_hour")
            figure.amount = (per(whole * rate, 60) or 0) if hourly else whole * rate
            lines[key] = figure

    def _flat_rates(self, counted: Counted, lines: dict[LineKey, Figure]) -> None:
        """A share of the actual expenditure on the same grant's allocations of the base category, by the rate in
        force on each expenditure's day; each group rounded once: base x basis points / 10000, half to even."""
        groups: dict[LineKey, Figure] = {}
        for (allocation, base), settings in counted.flat_rates.items():
            owner = self.allocations.get(allocation)
            if owner is None:
                continue
            for (day, spent_on, component), (amount, positions) in counted.moved.items():
                spent = self.allocations.get(spent_on)
                if component != Component.ACTUAL or spent is None or spent["grant_id"] != owner["grant_id"] \
                        or spent["kind"] != base:  # fmt: skip
                    continue
                setting = _in_force(settings, day)
                if setting is None or setting.rate == 0:
                    continue
                key: LineKey = (self.period_of(day).name, allocation, Component.FLAT_RATE, base, setting.rate)
                figure = groups.setdefault(key, Figure(units=0))
                figure.units = (figure.units or 0) + amount
                figure.positions += positions
        for key, figure in groups.items():
            figure.amount = per((figure.units or 0) * (key[4] or 0), 10_000) or 0
            lines[key] = figure


class Counted:
    """What the facts read so far count, by day: money moved (actual expenditure and advances, less reversals, on
    the reversal's day), units done, deliverables done, and the rates and lump sums agreed."""

    def __init__(self) -> None:
        self.moved: dict[tuple[date, str, Component], tuple[int, list[int]]] = {}
        self.units: dict[tuple[str, str, date], tuple[int, list[int]]] = {}  # (unit, module, day)
        self.unit_costs: dict[tuple[str, str, str | None], list[Setting]] = defaultdict(list)
        self.flat_rates: dict[tuple[str, str], list[Setting]] = defaultdict(list)
        self.agreed: dict[str, Row] = {}
        self.done: list[tuple[str, date, int]] = []
        self.entries: dict[str, Row] = {}

    @staticmethod
    def _bump(into: dict[Any, tuple[int, list[int]]], key: Any, amount: int, position: int) -> None:
        total, positions = into.get(key, (0, []))
        positions.append(position)
        into[key] = (total + amount, positions)

    def add(self, r: Row) -> None:
        event, day, position = r["event"], r["effective_on"], r["position"]
        if event == "ExpenditureReported":
            self.entries[r["ref"]] = r
            self._bump(self.moved, (day, r["allocation_id"], Component.ACTUAL), r["amount"], position)
        elif event in ("FundsDisbursed", "PaymentConfirmed"):
            self.entries[r["ref"]] = r
            if r["kind"] == "advance":
                self._bump(self.moved, (day, r["allocation_id"], Component.ADVANCE), r["amount"], position)
        elif event == "EntryReversed":
            original = self.entries.get(r["reverses"])
            if original is None:
                return
            if original["event"] == "ExpenditureReported":
                self._bump(self.moved, (day, original["allocation_id"], Component.ACTUAL), -original["amount"],
                           position)  # fmt: skip
            elif original.get("kind") == "advance":
                self._bump(self.moved, (day, original["allocation_id"], Component.ADVANCE), -original["amount"],
                           position)  # fmt: skip
        elif event == "AttendanceRecorded":
            self._bump(self.units, ("participant_hour", r["module_id"], day), r["units"], position)
        elif event == "ModuleCompleted":
            self._bump(self.units, ("completed_module", r["module_id"], day), r["units"], position)
        elif event == "UnitCostSet":
            self.unit_costs[(r["allocation_id"], r["kind"], r["module_id"])].append(Setting(day, position, r["amount"]))
        elif event == "FlatRateSet":
            self.flat_rates[(r["allocation_id"], r["label"])].append(Setting(day, position, r["units"]))
        elif event == "LumpSumAgreed":
            self.agreed[r["ref"]] = r
        elif event == "DeliverableCompleted":
            self.done.append((r["ref"], day, position))


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
    programme = ProgrammeFacts(rows, frequency, first)
    closings = [r for r in rows if r["event"] == "PeriodClosed"]

    # the figures at each seal, and now
    seals = [c["sealed_position"] for c in closings]
    *at_seal, now = programme.figures_at([*seals, position])
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
    programme: ProgrammeFacts,
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


def _line(programme: ProgrammeFacts, key: LineKey, figure: Figure, *, adjustment: bool) -> ClaimLine:
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
