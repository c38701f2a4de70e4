"""A network group of companies in one programme, formed by geography, production or theme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eventsourcing.domain import event

from ledger.domain.base import LedgerAggregate
from ledger.errors import RuleViolated
from ledger.events import training as ev

if TYPE_CHECKING:
    from datetime import date


class NetworkGroup(LedgerAggregate):
    TOPIC = "ledger:NetworkGroup"
    FOLLOWS_CREATION = "network group"

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:NetworkGroup.Created"

    # the events it records (ledger/events): the library looks them up by name on the class
    NetworkGroupFormed = ev.NetworkGroupFormed
    CompanyAddedToGroup = ev.CompanyAddedToGroup
    CompanyRemovedFromGroup = ev.CompanyRemovedFromGroup

    @event(ev.NetworkGroupFormed)
    def __init__(self, programme_id: str, name: str, basis: str, actor: str, effective_on: date | None) -> None:
        self.programme_id = programme_id
        self.name = name
        self.basis = basis
        self.members: list[str] = []

    def add_company(self, org_number: str, actor: str, effective_on: date | None) -> None:
        if org_number in self.members:
            raise RuleViolated("already_member", f"company {org_number} is already in group {self.name!r}")
        self._company_added(org_number=org_number, actor=actor, effective_on=effective_on)

    @event(ev.CompanyAddedToGroup)
    def _company_added(self, org_number: str, actor: str, effective_on: date | None) -> None:
        self.members.append(org_number)

    def remove_company(self, org_number: str, actor: str, effective_on: date | None) -> None:
        if org_number not in self.members:
            raise RuleViolated("not_member", f"company {org_number} is not in group {self.name!r}")
        self._company_removed(org_number=org_number, actor=actor, effective_on=effective_on)

    @event(ev.CompanyRemovedFromGroup)
    def _company_removed(self, org_number: str, actor: str, effective_on: date | None) -> None:
        self.members.remove(org_number)
