"""Domain errors. Each names the field or the rule, so an entry point can say exactly what is wrong."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from pydantic import ValidationError


class LedgerError(Exception):
    """A command was rejected; nothing was written."""

    code = "ledger_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "message": self.message}


class InvalidInput(LedgerError):
    """An argument is malformed or out of range."""

    code = "invalid_input"

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason

    def as_dict(self) -> dict[str, str]:
        return {"error": self.code, "field": self.field, "message": self.reason}


class NotFound(LedgerError):
    """An id names nothing the ledger knows."""

    code = "not_found"

    def __init__(self, what: str, identifier: object, field: str | None = None) -> None:
        super().__init__(f"unknown {what}: {identifier}")
        self.what = what
        self.identifier = str(identifier)
        self.field = field  # the input field that named it, if one did

    def as_dict(self) -> dict[str, str]:
        found = {"error": self.code, "message": self.message}
        return found if self.field is None else {**found, "field": self.field}


class RuleViolated(LedgerError):
    """The command is well formed but a rule of the programme forbids it (cap full, balance too low...)."""

    code = "rule_violated"

    def __init__(self, rule: str, message: str, on: date | None = None) -> None:
        super().__init__(f"{rule}: {message}")
        self.rule = rule
        self.on = on  # the effective day on which the rule would break, where a day is the point

    def as_dict(self) -> dict[str, str]:
        found = {"error": self.code, "rule": self.rule, "message": self.message}
        return found if self.on is None else {**found, "on": self.on.isoformat()}


class VersionConflict(LedgerError):
    """The caller's expected version is stale: someone else changed the aggregate first."""

    code = "version_conflict"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, but the current version is {actual}")
        self.expected = expected
        self.actual = actual


class IdempotencyConflict(LedgerError):
    """An idempotency key was reused with a different command or input."""

    code = "idempotency_conflict"

    def __init__(self, key: str) -> None:
        super().__init__(f"idempotency key {key!r} was already used with a different command or input")
        self.key = key


def field_of(location: tuple[int | str, ...]) -> str:
    """A validation error's location as the field a person reads: `funders[1]`, `caps.companies`."""
    text = ""
    for part in location:
        if part == "[key]":
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def invalid_input(error: ValidationError) -> InvalidInput:
    """The first problem of a pydantic validation error as InvalidInput naming the field. An unknown field is
    named by its parent object ("identity: unknown field phone")."""
    first = error.errors(include_url=False)[0]
    location = tuple(first.get("loc", ()))
    if first.get("type") == "extra_forbidden" and location:
        return InvalidInput(field_of(location[:-1]) or str(location[-1]), f"unknown field {location[-1]}")
    return InvalidInput(field_of(location) or "body", str(first.get("msg", "invalid")))
