"""A command accepted under an idempotency key."""

from __future__ import annotations

from typing import Any

from ledger.domain.base import LedgerCreated

# --- CommandReceipt --------------------------------------------------------------------------------------


class CommandAccepted(LedgerCreated):
    TOPIC = "ledger:CommandAccepted"
    key: str
    command: str
    fingerprint: str
    result: dict[str, Any]
