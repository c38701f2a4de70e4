"""A command accepted under an idempotency key, saved in the same transaction as the command's events, so a
retry finds it and gets the first answer back instead of recording the command twice."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import event

from ledger.domain.base import LedgerAggregate, stable_id


class CommandReceipt(LedgerAggregate):
    TOPIC = "ledger:CommandReceipt"

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:CommandReceipt.Created"

    @staticmethod
    def create_id(key: str) -> Any:
        return stable_id("idempotency-key", key)

    @event("CommandAccepted", topic="ledger:CommandAccepted")
    def __init__(
        self,
        key: str,
        command: str,
        fingerprint: str,
        result: dict[str, Any],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.key = key
        self.command = command
        self.fingerprint = fingerprint
        self.result = dict(result)
