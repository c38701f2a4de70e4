"""Network group commands: form a group by geography, production or theme; add and remove companies."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from ledger.commands import (
    AddCompanyToGroup,
    CloseProgramme,
    Command,
    FormNetworkGroup,
    HoldOnboarding,
    JoinCompany,
    OfferModule,
    PresentCompany,
    RemoveCompanyFromGroup,
    WithdrawCompany,
)
from ledger.errors import InvalidInput, RuleViolated
from tests.commands_given import (
    CTX,
    DECISION,
    SLUG,
    event_names,
    joined_company,
    last_event,
    launch,
    no_key,
    norwegian_org_numbers,
    not_found,
    register_company,
    rejected,
)

if TYPE_CHECKING:
    from ledger.application import Ledger

NUMBER, OTHER = norwegian_org_numbers(2)


def form(ledger: Ledger, name: str = "Østfold food producers", basis: str = "geography") -> str:
    return ledger.handle(CTX, FormNetworkGroup(programme=SLUG, name=name, basis=basis)).ids["group_id"]


# --- form_network_group ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("basis", ["geography", "production", "theme"])
def test_given_programme_when_group_formed_then_empty_group_recorded(ledger: Ledger, basis: str) -> None:
    launch(ledger)
    group_id = form(ledger, basis=basis)
    group = ledger.network_group(group_id)
    assert (group.name, group.basis, group.members) == ("Østfold food producers", basis, [])
    assert group.programme_id == str(ledger.programme(SLUG).id)
    assert event_names(ledger, group.id) == ["NetworkGroupFormed"]


@pytest.mark.parametrize(("override", "field"), [({"name": ""}, "name"), ({"basis": "size"}, "basis")])
def test_given_bad_input_when_group_formed_then_rejected_naming_the_field(
    ledger: Ledger, override: dict[str, str], field: str
) -> None:
    launch(ledger)
    args = {"programme": SLUG, "name": "n", "basis": "theme", **override}
    rejected(ledger, lambda: ledger.handle(CTX, FormNetworkGroup(**args)), InvalidInput, field=field)


def test_given_no_programme_when_group_formed_then_not_found(ledger: Ledger) -> None:
    not_found(
        ledger, lambda: ledger.handle(CTX, FormNetworkGroup(programme="nowhere", name="n", basis="theme")), "programme"
    )


def test_given_closed_programme_when_group_formed_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(ledger, lambda: form(ledger), RuleViolated, rule="programme_closed")


# --- add_company_to_group -------------------------------------------------------------------------------------


def test_given_joined_companies_when_added_to_group_then_members_in_order(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    joined_company(ledger, OTHER)
    ledger.handle(CTX, HoldOnboarding(programme=SLUG, org_number=OTHER))
    group_id = form(ledger)
    ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=NUMBER))
    result = ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=OTHER))
    assert result.version == 3
    assert ledger.network_group(group_id).members == [no_key(NUMBER), no_key(OTHER)]
    assert last_event(ledger, uuid.UUID(group_id)).org_number == no_key(OTHER)


def test_given_member_when_added_again_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    group_id = form(ledger)
    ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=NUMBER))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=NUMBER)),
        RuleViolated,
        rule="already_member",
        unchanged=[uuid.UUID(group_id)],
    )


@pytest.mark.parametrize("stage", [None, "presented", "withdrawn"])
def test_given_company_not_active_when_added_to_group_then_rejected(ledger: Ledger, stage: str | None) -> None:
    launch(ledger)
    register_company(ledger, NUMBER)
    if stage == "presented":
        ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=NUMBER))
    if stage == "withdrawn":
        ledger.handle(CTX, JoinCompany(programme=SLUG, org_number=NUMBER))
        ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=NUMBER, reason="x"))
    group_id = form(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=NUMBER)),
        RuleViolated,
        rule="company_not_active",
        unchanged=[uuid.UUID(group_id)],
    )


def test_given_company_joined_another_programme_when_added_to_this_programmes_group_then_rejected(
    ledger: Ledger,
) -> None:
    launch(ledger)
    launch(ledger, slug="kongsberg")
    joined_company(ledger, NUMBER, slug="kongsberg")
    group_id = form(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=NUMBER)),
        RuleViolated,
        rule="company_not_active",
    )


def test_given_closed_programme_when_company_added_to_group_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    group_id = form(ledger)
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=NUMBER)),
        RuleViolated,
        rule="programme_closed",
    )


@pytest.mark.parametrize("command", [AddCompanyToGroup, RemoveCompanyFromGroup])
def test_given_unknown_group_when_membership_changed_then_not_found(ledger: Ledger, command: type[Command]) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    not_found(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, group_id=str(uuid.uuid4()), org_number=NUMBER)),
        "network group",
    )


@pytest.mark.parametrize("command", [AddCompanyToGroup, RemoveCompanyFromGroup])
def test_given_id_of_another_kind_when_membership_changed_then_not_found(
    ledger: Ledger, command: type[Command]
) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    module_id = ledger.handle(
        CTX, OfferModule(programme=SLUG, title="Module 1", providers=["OsloMet"], theme="digital", region="Viken")
    ).ids["module_id"]
    not_found(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, group_id=module_id, org_number=NUMBER)),
        "network group",
    )


@pytest.mark.parametrize("command", [AddCompanyToGroup, RemoveCompanyFromGroup])
@pytest.mark.parametrize(
    ("group_id", "org_number", "field"), [("g-1", NUMBER, "group_id"), (None, "123", "org_number")]
)
def test_given_bad_input_when_membership_changed_then_rejected_naming_the_field(
    ledger: Ledger, command: type[Command], group_id: str | None, org_number: str, field: str
) -> None:
    launch(ledger)
    real_group = form(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, command(programme=SLUG, group_id=group_id or real_group, org_number=org_number)),
        InvalidInput,
        field=field,
    )


# --- remove_company_from_group --------------------------------------------------------------------------------


def test_given_member_when_removed_then_no_longer_member(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    group_id = form(ledger)
    ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=NUMBER))
    ledger.handle(CTX, RemoveCompanyFromGroup(programme=SLUG, group_id=group_id, org_number=NUMBER))
    assert ledger.network_group(group_id).members == []
    assert event_names(ledger, uuid.UUID(group_id))[-1] == "CompanyRemovedFromGroup"


def test_given_member_withdrew_from_programme_when_removed_from_group_then_removed(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    group_id = form(ledger)
    ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=NUMBER))
    ledger.handle(CTX, WithdrawCompany(programme=SLUG, org_number=NUMBER, reason="x"))
    ledger.handle(CTX, RemoveCompanyFromGroup(programme=SLUG, group_id=group_id, org_number=NUMBER))
    assert ledger.network_group(group_id).members == []


def test_given_non_member_when_removed_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    group_id = form(ledger)
    rejected(
        ledger,
        lambda: ledger.handle(CTX, RemoveCompanyFromGroup(programme=SLUG, group_id=group_id, org_number=NUMBER)),
        RuleViolated,
        rule="not_member",
        unchanged=[uuid.UUID(group_id)],
    )


def test_given_closed_programme_when_company_removed_from_group_then_rejected(ledger: Ledger) -> None:
    launch(ledger)
    joined_company(ledger, NUMBER)
    group_id = form(ledger)
    ledger.handle(CTX, AddCompanyToGroup(programme=SLUG, group_id=group_id, org_number=NUMBER))
    ledger.handle(CTX, CloseProgramme(programme=SLUG, decision=DECISION))
    rejected(
        ledger,
        lambda: ledger.handle(CTX, RemoveCompanyFromGroup(programme=SLUG, group_id=group_id, org_number=NUMBER)),
        RuleViolated,
        rule="programme_closed",
    )
