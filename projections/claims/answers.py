"""The claims answer: per reporting period and grant, what is eligible (actual costs and simplified cost options),
the adjustments for facts that took effect in an earlier, closed period but were recorded after it closed, the
advances cleared, what is payable, and the claim's steps. docs/figures.md defines each figure."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from projections.answers import Answer


class Component(StrEnum):
    """What a claim line counts."""

    ACTUAL = "actual"  # expenditure reported (less reversals)
    UNIT_COST = "unit_cost"  # units x rate
    FLAT_RATE = "flat_rate"  # a share of a base category's actual expenditure
    LUMP_SUM = "lump_sum"  # a deliverable done
    ADVANCE = "advance"  # advances paid (less reversals): cleared against what is eligible


ELIGIBLE = (Component.ACTUAL, Component.UNIT_COST, Component.FLAT_RATE, Component.LUMP_SUM)


class ClaimLine(Answer):
    """One figure of a claim: a component on one allocation, from the facts of one period (`origin_period`). An
    adjustment line is the change, since the claim before, of a figure of a closed period."""

    component: Component
    allocation_id: str
    recipient: str | None
    origin_period: str
    adjustment: bool
    basis: str | None  # a unit cost's unit (and module), a flat rate's base category, a lump sum's title
    units: int | None  # minutes or completions of a unit cost; the base amount of a flat rate
    rate: int | None  # per unit (minor units), or basis points of a flat rate
    amount: int
    positions: list[int]  # the events behind it (for an adjustment, those recorded since the claim before)


class ClaimStep(Answer):
    step: str  # drafted, submitted, approved, paid
    actor: str
    recorded_at: str
    position: int
    decision_reference: str | None
    decision_body: str | None


class Claim(Answer):
    """The claim of one grant for one period. A closed period's figures are sealed: they count only what was
    recorded up to `sealed_position`, and no later fact changes them."""

    period: str
    starts_on: date
    ends_on: date
    closed: bool
    sealed_position: int | None
    sealed_chain: str | None
    grant_id: str
    funder: str | None
    actual: int
    unit_costs: int
    flat_rates: int
    lump_sums: int
    adjustments: int  # the eligible amount of the adjustment lines (included in the four above)
    eligible: int
    advances_paid: int
    advances_cleared: int
    advance_balance: int  # advances paid and not yet cleared, after this claim
    payable: int  # eligible less advances cleared; below 0: owed back
    claim_id: str | None
    state: str | None  # drafted, submitted, approved, paid; None: no claim drafted
    steps: list[ClaimStep]
    lines: list[ClaimLine]


class Claims(Answer):
    programme: str
    frequency: str | None  # None: no reporting calendar is set
    position: int  # the log position the answer is as of
    claims: list[Claim]
