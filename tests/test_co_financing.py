"""Co-financing per grant: contributions in cash, or in kind (participants' attended time valued at a rate set by
decision); the grant's required share (`co_financing_share_bp`) against them, in all and per reporting period; a
shortfall named in the audit and in the status's funds. Given/when/then for the commands, then the answers."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest

from ledger.commands import (
    AllocateFunds,
    AwardGrant,
    Command,
    RecordCashContribution,
    RecordInKindContribution,
    ReportExpenditure,
    ReverseEntry,
    SetInKindRate,
)
from ledger.domain.funds import Funds
from ledger.domain.programme import Programme
from ledger.errors import InvalidInput, NotFound, RuleViolated
from projections.as_of import programme_as_of
from projections.audit.queries import funding_audit, funds
from projections.status.queries import programme_id_for
from storage.open import open_projector
from tests.commands_given import CTX, DECISION, SLUG, last_event, launch, rejected

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ledger.application import Ledger
    from projections.audit.answers import CoFinancing
    from projections.audit.answers import Funds as FundsAnswer
    from projections.projector import Projector

FUNDS_ID = Funds.create_id(Programme.create_id(SLUG))
ON: dict[str, Any] = {"decision": DECISION, "effective_on": "2021-01-04"}


@pytest.fixture
def granted(ledger: Ledger) -> tuple[Ledger, str, str]:
    """An ESF grant of 1,000 requiring a 50 % co-financing share, and an allocation of 600 from it."""
    launch(ledger)
    grant = AwardGrant(programme=SLUG, funder="ESF", amount=1_000, co_financing_share_bp=5_000, **ON)
    grant_id = ledger.handle(CTX, grant).ids["grant_id"]
    allocation = AllocateFunds(programme=SLUG, grant_id=grant_id, recipient_kind="provider", recipient="NMBU",
                               amount=600, **ON)  # fmt: skip
    return ledger, grant_id, ledger.handle(CTX, allocation).ids["allocation_id"]


def rate(ledger: Ledger, grant_id: str, per_hour: int, on: str = "2021-01-04") -> None:
    command = SetInKindRate(programme=SLUG, grant_id=grant_id, rate_per_hour=per_hour, decision=DECISION,
                            effective_on=on)  # fmt: skip
    ledger.handle(CTX, command)


def in_kind(ledger: Ledger, grant_id: str, minutes: int, on: str | None = None, period: str = "2021-H1") -> str:
    command = RecordInKindContribution(programme=SLUG, grant_id=grant_id, participant_minutes=minutes,
                                       contributor="SEW Eurodrive", period=period, effective_on=on)  # fmt: skip
    return ledger.handle(CTX, command).ids["entry_id"]


def cash(ledger: Ledger, grant_id: str, amount: int, period: str = "2021-H1") -> str:
    command = RecordCashContribution(programme=SLUG, grant_id=grant_id, amount=amount, contributor="Region",
                                     period=period)  # fmt: skip
    return ledger.handle(CTX, command).ids["entry_id"]


# --- the commands --------------------------------------------------------------------------------------------


def test_given_in_kind_rate_when_participants_time_is_contributed_then_valued_at_the_rate_half_to_even(
    granted: tuple[Ledger, str, str],
) -> None:
    ledger, grant_id, _ = granted
    rate(ledger, grant_id, 250)
    in_kind(ledger, grant_id, 90, on="2021-02-01")  # 90 x 250 / 60 = 375
    event = last_event(ledger, FUNDS_ID)
    assert (type(event).__name__, event.amount, event.participant_minutes, event.rate_per_hour) == (
        "ContributionRecorded", 375, 90, 250)  # fmt: skip


def test_given_rates_by_day_when_contributions_are_dated_then_each_takes_the_rate_in_force(
    granted: tuple[Ledger, str, str],
) -> None:
    ledger, grant_id, _ = granted
    rate(ledger, grant_id, 600, on="2021-01-04")
    rate(ledger, grant_id, 1_200, on="2021-06-01")
    in_kind(ledger, grant_id, 30, on="2021-05-31")
    assert last_event(ledger, FUNDS_ID).amount == 300
    in_kind(ledger, grant_id, 30, on="2021-06-01")
    assert last_event(ledger, FUNDS_ID).amount == 600
    in_kind(ledger, grant_id, 90, on="2021-06-02")  # 90 x 1200 / 60 = 1800
    assert last_event(ledger, FUNDS_ID).amount == 1_800


def test_given_no_rate_in_force_when_time_is_contributed_then_rejected(granted: tuple[Ledger, str, str]) -> None:
    ledger, grant_id, _ = granted
    rejected(ledger, lambda: in_kind(ledger, grant_id, 60), RuleViolated, rule="no_in_kind_rate", unchanged=[FUNDS_ID])
    rate(ledger, grant_id, 600, on="2021-06-01")
    rejected(ledger, lambda: in_kind(ledger, grant_id, 60, on="2021-05-31"), RuleViolated, rule="no_in_kind_rate")


def test_given_a_low_rate_when_time_worth_less_than_a_minor_unit_is_contributed_then_rejected(
    granted: tuple[Ledger, str, str],
) -> None:
    ledger, grant_id, _ = granted
    rate(ledger, grant_id, 1)
    rejected(ledger, lambda: in_kind(ledger, grant_id, 30), RuleViolated, rule="in_kind_value_out_of_range")
    in_kind(ledger, grant_id, 31)  # 31 / 60 rounds to 1
    assert last_event(ledger, FUNDS_ID).amount == 1


@pytest.mark.parametrize(
    ("value", "minutes_x_rate", "expected"), [(30, 1, 0), (90, 1, 2), (150, 1, 2), (210, 1, 4), (61, 1, 1)]
)
def test_in_kind_values_round_half_to_even_once(value: int, minutes_x_rate: int, expected: int) -> None:
    assert Funds.in_kind_value(value, minutes_x_rate) == expected


def test_given_unknown_grant_when_a_contribution_is_recorded_or_a_rate_set_then_not_found(
    granted: tuple[Ledger, str, str],
) -> None:
    ledger, _, _ = granted
    rejected(ledger, lambda: cash(ledger, str(uuid.uuid4()), 10), NotFound, field="grant_id")
    rejected(ledger, lambda: rate(ledger, str(uuid.uuid4()), 10), NotFound, field="grant_id")


@pytest.mark.parametrize(
    ("command", "fields", "field"),
    [
        (SetInKindRate, {"grant_id": str(uuid.uuid4()), "rate_per_hour": 0, "decision": DECISION}, "rate_per_hour"),
        (RecordCashContribution, {"grant_id": str(uuid.uuid4()), "amount": 1.0, "contributor": "c", "period": "p"},
         "amount"),
        (RecordInKindContribution, {"grant_id": str(uuid.uuid4()), "participant_minutes": 0, "contributor": "c",
                                    "period": "p"}, "participant_minutes"),
        (RecordInKindContribution, {"grant_id": str(uuid.uuid4()), "participant_minutes": 10**10, "contributor": "c",
                                    "period": "p"}, "participant_minutes"),
        (RecordCashContribution, {"grant_id": str(uuid.uuid4()), "amount": 1, "contributor": "c", "period": "x" * 41},
         "period"),
    ],
)  # fmt: skip
def test_given_bad_input_when_co_financing_is_recorded_then_rejected_naming_the_field(
    command: type[Command], fields: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        command(programme=SLUG, **fields)
    assert caught.value.field == field


# --- the answers ---------------------------------------------------------------------------------------------


@pytest.fixture
def projector(granted: tuple[Ledger, str, str], store_url: str) -> Iterator[Projector]:
    ledger, _, _ = granted
    running = open_projector(ledger, store_url)
    yield running
    running.stop()
    running.dispose()


def answers(ledger: Ledger, projector: Projector, as_of: str | None = None) -> tuple[list[CoFinancing], FundsAnswer]:
    projector.run_once()
    with projector.engine.connect() as db:
        programme_id = programme_id_for(db, SLUG)
    assert programme_id is not None
    engine = projector.engine
    if as_of is not None:
        engine = programme_as_of(ledger, engine, programme_id, effective_on=date.fromisoformat(as_of))
    with engine.connect() as db:
        return funding_audit(db, programme_id).co_financing, funds(db, programme_id)


def test_given_expenditure_and_contributions_when_audited_then_the_share_and_shortfall_show_per_grant_and_period(
    granted: tuple[Ledger, str, str], projector: Projector
) -> None:
    """Spent 600 (400 in H1, 200 in H2); contributed 375 in kind (H1) and 25 cash (H2): costs 1,000, required 500,
    shortfall 100; H1: costs 775, required 388 (rounded up), shortfall 13; H2: costs 225, required 113, shortfall 88."""
    ledger, grant_id, allocation_id = granted
    for amount, period in ((400, "2021-H1"), (200, "2021-H2")):
        ledger.handle(CTX, ReportExpenditure(programme=SLUG, allocation_id=allocation_id, amount=amount, period=period))
    rate(ledger, grant_id, 250)
    in_kind(ledger, grant_id, 90, on="2021-02-01")
    cash(ledger, grant_id, 25, period="2021-H2")
    (grant,), money = answers(ledger, projector)
    assert (grant.share_bp, grant.spent, grant.cash, grant.in_kind, grant.contributed) == (5_000, 600, 25, 375, 400)
    assert (grant.required, grant.shortfall, money.co_financing_shortfall) == (500, 100, 100)
    assert [(p.period, p.spent, p.contributed, p.required, p.shortfall) for p in grant.periods] == [
        ("2021-H1", 400, 375, 388, 13),
        ("2021-H2", 200, 25, 113, 88),
    ]
    cash(ledger, grant_id, 200, period="2021-H2")
    (grant,), money = answers(ledger, projector)
    assert (grant.required, grant.shortfall, money.co_financing_shortfall) == (600, 0, 0)


def test_given_a_contribution_reversed_when_audited_then_it_no_longer_counts_and_as_of_before_it_does(
    granted: tuple[Ledger, str, str], projector: Projector
) -> None:
    ledger, grant_id, allocation_id = granted
    ledger.handle(CTX, ReportExpenditure(programme=SLUG, allocation_id=allocation_id, amount=300, period="2021-H1",
                                         effective_on="2021-02-01"))  # fmt: skip
    rate(ledger, grant_id, 600)
    entry = in_kind(ledger, grant_id, 30, on="2021-02-01")  # worth 300
    reversal = ReverseEntry(programme=SLUG, entry_id=entry, reason="time not documented", decision=DECISION,
                            effective_on="2021-03-01")  # fmt: skip
    ledger.handle(CTX, reversal)
    (grant,), money = answers(ledger, projector)
    assert (grant.in_kind, grant.required, grant.shortfall, money.co_financing_shortfall) == (0, 150, 150, 150)
    (grant,), money = answers(ledger, projector, as_of="2021-02-15")
    assert (grant.in_kind, grant.required, grant.shortfall) == (300, 300, 0)
    audit_kinds = [e.kind for e in funding_audit_entries(projector)]
    assert audit_kinds[-3:] == ["in_kind_rate", "in_kind_contribution", "reversal"]


def funding_audit_entries(projector: Projector) -> list[Any]:
    with projector.engine.connect() as db:
        programme_id = programme_id_for(db, SLUG)
        assert programme_id is not None
        return list(funding_audit(db, programme_id).entries)
