"""A command accepted under an idempotency key, saved in the same transaction as the command's events, so a
retry finds it and gets the first answer back instead of recording the command twice.

Kept as an event in the log, not in a table beside it: the receipt is part of the record (who retried what, and
what the first answer was), the hash chain covers it, and a backup or replay of the log carries it without a
second store to keep in step. Its cost is one small event per keyed command, in the same transaction (no extra
commit), which the read models pass over; it never expires, so a retry months later still gets its answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from ledger.domain.base import LedgerAggregate, stable_id
from ledger.events import receipt as ev

if TYPE_CHECKING:
    from datetime import date


class CommandReceipt(LedgerAggregate):
    TOPIC = "ledger:CommandReceipt"

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:CommandReceipt.Created"

    # the events it records (ledger/events): the library looks them up by name on the class
    CommandAccepted = ev.CommandAccepted

    @staticmethod
    def create_id(key: str) -> Any:
        return stable_id("idempotency-key", key)

    @event(ev.CommandAccepted)
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
