"""What happens to a company's registration (by organisation number)."""

from __future__ import annotations

from ledger.domain.base import LedgerCreated, LedgerEvent

# --- Company ---------------------------------------------------------------------------------------------


class CompanyRegistered(LedgerCreated):
    TOPIC = "ledger:CompanyRegistered"
    org_number: str
    country: str
    name: str
    region: str
    sector: str
    size: str


class CompanyDetailsCorrected(LedgerEvent):
    TOPIC = "ledger:CompanyDetailsCorrected"
    org_number: str
    name: str
    region: str
    sector: str
    size: str
