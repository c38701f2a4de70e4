"""Network groups: companies of one programme grouped by geography, production or theme."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ledger.commands.base import ProgrammeCommand, UnitOfWork
from ledger.domain.network import NetworkGroup
from ledger.domain.programme import ACTIVE_STAGES
from ledger.errors import RuleViolated
from ledger.values import GroupBasis, Id, OrgNumber, Text


class FormNetworkGroup(ProgrammeCommand):
    """Form a network group by geography, production or theme."""

    command: ClassVar[str] = "form_network_group"
    name: Text = Field(examples=["Østlandet nord"])
    basis: GroupBasis = Field(examples=["geography"])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        work.open_programme(self.programme_id)
        group = work.add(NetworkGroup(str(self.programme_id), self.name, self.basis.value, work.actor,
                                      self.effective_on))  # fmt: skip
        return {"group_id": str(group.id)}


class GroupCommand(ProgrammeCommand):
    addresses: ClassVar[tuple[str, ...]] = ("programme", "group_id")
    group_id: Id
    org_number: OrgNumber

    def group(self, work: UnitOfWork) -> NetworkGroup:
        return work.in_programme(NetworkGroup, self.group_id, "network group", self.programme)


class AddCompanyToGroup(GroupCommand):
    """Add a company that has joined the programme to one of its groups."""

    command: ClassVar[str] = "add_company_to_group"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        group = self.group(work)
        if work.open_programme(self.programme_id).stage_of(self.org_number) not in ACTIVE_STAGES:
            raise RuleViolated("company_not_active", f"company {self.org_number} has not joined this programme")
        group.add_company(self.org_number, work.actor, self.effective_on)
        return {}


class RemoveCompanyFromGroup(GroupCommand):
    """Remove a company from a group."""

    command: ClassVar[str] = "remove_company_from_group"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        group = self.group(work)
        work.open_programme(self.programme_id)
        group.remove_company(self.org_number, work.actor, self.effective_on)
        return {}
