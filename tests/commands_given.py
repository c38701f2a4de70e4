"""Givens shared by the command tests: valid organisation numbers, a launched programme, joined companies,
registered participants, and the check that a rejected command wrote nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from stdnum import luhn
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from ledger.application import CommandResult, Ctx, Ledger
from ledger.commands import (
    AllocateFunds,
    AwardGrant,
    JoinCompany,
    LaunchProgramme,
    RegisterCompany,
    RegisterParticipant,
)
from ledger.errors import InvalidInput, LedgerError, NotFound, RuleViolated

if TYPE_CHECKING:
    import uuid
    from collections.abc import Callable

ACTOR = "coordinator@fremtid"
CTX = Ctx(actor=ACTOR)
DECISION = {"reference": "Board meeting 2021-04", "body": "Tripartite board"}
SLUG = "fremtid"

_NO_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def _mod11(digits: str) -> int | None:
    check = (11 - sum(w * int(d) for w, d in zip(_NO_WEIGHTS, digits, strict=True)) % 11) % 11
    return None if check == 10 else check


def norwegian_org_numbers(count: int, start: int = 92_360_901) -> list[str]:
    """`count` valid Norwegian organisation numbers (MOD11 check digit); bases whose check digit would be 10
    have no valid number and are skipped."""
    numbers: list[str] = []
    base = start
    while len(numbers) < count:
        check = _mod11(f"{base:08d}")
        if check is not None:
            number = f"{base:08d}{check}"
            assert no_orgnr.is_valid(number)
            numbers.append(number)
        base += 1
    return numbers


def norwegian_org_number(n: int = 0) -> str:
    return norwegian_org_numbers(n + 1)[-1]


def swedish_org_number(n: int) -> str:
    """The n-th Swedish organisation number NNNNNN-NNNN with a Luhn check digit."""
    digits = f"{556036079 + n * 7:09d}"
    number = digits + luhn.calc_check_digit(digits)
    assert se_orgnr.is_valid(number)
    return f"{number[:6]}-{number[6:]}"


def no_key(number: str) -> str:
    """How the ledger writes a Norwegian number (country prefix, digits only)."""
    return f"NO{number}"


def launch(ledger: Ledger, slug: str = SLUG, ctx: Ctx = CTX, **overrides: Any) -> CommandResult:
    args: dict[str, Any] = {
        "slug": slug,
        "name": "FREMtid for kompetanse",
        "owner": "Matindustrien",
        "funders": ["Kompetanse Norge"],
        "starts_on": "2021-03-01",
        "ends_on": "2024-06-30",
        "currency": "NOK",
        "regions": ["Viken"],
        "themes": ["food industry"],
        "caps": {"companies": 40},
        "targets": {"companies": 40},
        "effective_on": "2020-01-01",  # launched before the facts the tests date back
    }
    args.update(overrides)
    return ledger.handle(ctx, LaunchProgramme(**args))


def register_company(ledger: Ledger, number: str, name: str = "SEW Eurodrive", **overrides: Any) -> CommandResult:
    args: dict[str, Any] = {"org_number": number, "name": name, "region": "Østfold", "sector": "food", "size": "small"}
    args.update(overrides)
    return ledger.handle(CTX, RegisterCompany(**args))


def joined_company(ledger: Ledger, number: str, slug: str = SLUG) -> str:
    register_company(ledger, number)
    ledger.handle(CTX, JoinCompany(programme=slug, org_number=number))
    return no_key(number)


def participant(ledger: Ledger, number: str, slug: str = SLUG, **extra: Any) -> str:
    result = ledger.handle(
        CTX, RegisterParticipant(programme=slug, org_number=number, target_group="employed", **extra)
    )
    return result.ids["participant_id"]


def grant(ledger: Ledger, amount: int = 1_000_000, slug: str = SLUG, funder: str = "Kompetanse Norge") -> str:
    return ledger.handle(CTX, AwardGrant(programme=slug, funder=funder, amount=amount, decision=DECISION)).ids[
        "grant_id"
    ]


def allocation(
    ledger: Ledger, grant_id: str, amount: int, category: str = "general", slug: str = SLUG
) -> tuple[str, str]:
    result = ledger.handle(
        CTX,
        AllocateFunds(
            programme=slug,
            grant_id=grant_id,
            recipient_kind="provider",
            recipient="OsloMet",
            amount=amount,
            decision=DECISION,
            category=category,
        ),
    )
    return result.ids["allocation_id"], result.ids["entry_id"]


def position(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def rejected(
    ledger: Ledger,
    command: Callable[[], Any],
    error: type[LedgerError],
    *,
    rule: str | None = None,
    field: str | None = None,
    unchanged: list[uuid.UUID] | None = None,
) -> LedgerError:
    """Runs a command that must be rejected, checks the error names the rule or field, and that nothing was
    written: the log position and the versions of the named aggregates stay as they were."""
    before = position(ledger)
    versions: dict[Any, int] = {aid: ledger.repository.get(aid, version=2**31).version for aid in unchanged or []}
    with pytest.raises(error) as caught:
        command()
    if rule is not None:
        assert isinstance(caught.value, RuleViolated)
        assert caught.value.rule == rule, caught.value.message
    if field is not None:
        assert isinstance(caught.value, InvalidInput | NotFound)
        assert caught.value.field == field, caught.value.message
    assert position(ledger) == before, "a rejected command wrote to the log"
    for aid, version in versions.items():
        assert ledger.repository.get(aid, version=2**31).version == version
        assert ledger.repository.get(aid).version == version
    return caught.value


def not_found(ledger: Ledger, command: Callable[[], Any], what: str) -> NotFound:
    error = rejected(ledger, command, NotFound)
    assert isinstance(error, NotFound)
    assert error.what == what, error.message
    return error


def event_names(ledger: Ledger, aggregate_id: Any) -> list[str]:
    return [type(e).__name__ for e in ledger.events.get(aggregate_id)]


def last_event(ledger: Ledger, aggregate_id: Any) -> Any:
    return list(ledger.events.get(aggregate_id))[-1]
