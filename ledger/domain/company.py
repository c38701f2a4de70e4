"""A company, registered once by organisation number; it may take part in several programmes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from ledger.domain.base import LedgerAggregate, stable_id
from ledger.events import company as ev

if TYPE_CHECKING:
    from datetime import date


class Company(LedgerAggregate):
    TOPIC = "ledger:Company"

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:Company.Created"

    # the events it records (ledger/events): the library looks them up by name on the class
    CompanyRegistered = ev.CompanyRegistered
    CompanyDetailsCorrected = ev.CompanyDetailsCorrected

    @staticmethod
    def create_id(org_number: str) -> Any:
        return stable_id("company", org_number)

    @event(ev.CompanyRegistered)
    def __init__(
        self,
        org_number: str,
        country: str,
        name: str,
        region: str,
        sector: str,
        size: str,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.org_number = org_number
        self.country = country
        self.name = name
        self.region = region
        self.sector = sector
        self.size = size

    def correct_details(
        self, name: str, region: str, sector: str, size: str, actor: str, effective_on: date | None
    ) -> None:
        self._details_corrected(
            org_number=self.org_number,
            name=name,
            region=region,
            sector=sector,
            size=size,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.CompanyDetailsCorrected)
    def _details_corrected(
        self, org_number: str, name: str, region: str, sector: str, size: str, actor: str, effective_on: date | None
    ) -> None:
        self.name, self.region, self.sector, self.size = name, region, sector, size
