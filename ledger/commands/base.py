"""What every command shares: its fields are its validated input, `handle` checks and records, and a unit of work
hands it the aggregates it changes.

A command is a frozen pydantic model: the same class is the HTTP request body, the CLI's and the scenarios' input,
so each field and its limits are declared once. Building one with bad input raises `InvalidInput` naming the field.
`handle` loads what it needs through the unit of work, lets the aggregates check their rules and record events,
and returns the ids it created; the runner (`Ledger.handle`) saves, retries on a concurrent write and keeps the
idempotency receipt."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import orjson
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ledger.domain.company import Company
from ledger.domain.programme import Programme
from ledger.errors import NotFound, RuleViolated, VersionConflict, invalid_input
from ledger.values import Day, Slug

if TYPE_CHECKING:
    from ledger.application import Ctx, Ledger
    from ledger.identity import IdentityVault

A = TypeVar("A", bound=Aggregate)


class Command(BaseModel):
    """A request to record a fact. `command` is its stable name (it is part of idempotency fingerprints)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    command: ClassVar[str]
    addresses: ClassVar[tuple[str, ...]] = ()
    """The fields that name what the command is about (a programme, a company, a module): the API takes them
    from the path, the other fields from the body."""
    effective_on: Day | None = Field(
        None, description="When it took effect, if not when recorded", examples=["2021-10-14"]
    )

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as error:
            raise invalid_input(error) from None

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        """Check the rules, record the events on the aggregates of `work`; return the ids created."""
        raise NotImplementedError

    def check_effective(self, work: UnitOfWork) -> None:  # noqa: ARG002 (a programme's command reads its programme)
        """A fact cannot take effect in the future: an effective date after tomorrow (UTC, so that a day east
        of Greenwich is not refused) is refused."""
        latest = datetime.now(UTC).date() + timedelta(days=1)
        if self.effective_on is not None and self.effective_on > latest:
            raise RuleViolated(
                "effective_in_future", f"effective_on {self.effective_on} is in the future", on=self.effective_on
            )

    def fingerprint(self) -> str:
        """What makes a retry the same command: its name and its fields (identifying details left out)."""
        body = {"command": self.command, "fields": self.model_dump(mode="json", exclude=self.unfingerprinted())}
        return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()

    def unfingerprinted(self) -> set[str]:
        return set()

    def replayed(self, ledger: Ledger, ids: dict[str, str], key: str) -> None:
        """Called when an idempotency key returned the first answer: a last check against what was stored."""


class ProgrammeCommand(Command):
    """A command within one programme, named by its slug (in the path of the API)."""

    addresses: ClassVar[tuple[str, ...]] = ("programme",)
    programme: Slug = Field(examples=["fremtid"])

    @property
    def programme_id(self) -> uuid.UUID:
        return uuid.UUID(str(Programme.create_id(self.programme)))

    def check_effective(self, work: UnitOfWork) -> None:
        """Nor before the programme's launch."""
        super().check_effective(work)
        if self.effective_on is not None:
            work.read(Programme, self.programme_id, "programme").check_effective(self.effective_on)


class UnitOfWork:
    """The aggregates one attempt of a command loads and changes. The first aggregate it changes is the target:
    the expected version (If-Match) is checked against it. New aggregates are added; all are saved together."""

    def __init__(self, ledger: Ledger, ctx: Ctx) -> None:
        self.ledger = ledger
        self.ctx = ctx
        self.actor = ctx.actor
        self.changed: list[Aggregate] = []
        self.versions: dict[uuid.UUID, int] = {}
        self.target: tuple[uuid.UUID, str] | None = None

    @property
    def vault(self) -> IdentityVault:
        if self.ledger.vault is None:
            raise RuleViolated("no_identity_vault", "this ledger has no identity vault configured")
        return self.ledger.vault

    def change(self, cls: type[A], aggregate_id: uuid.UUID, what: str) -> A:
        """The aggregate the command changes (the cached object itself: commands take turns under a lock)."""
        aggregate = self.read(cls, aggregate_id, what)
        if self.target is None:
            self.target = (aggregate_id, what)
            expected = self.ctx.expected_version
            if expected is not None and aggregate.version != expected:
                raise VersionConflict(expected, aggregate.version)
        if aggregate.id not in self.versions:
            self.versions[aggregate.id] = aggregate.version
            self.changed.append(aggregate)
        return aggregate

    def read(self, cls: type[A], aggregate_id: uuid.UUID, what: str) -> A:
        """An aggregate the command only reads (to check a rule), not a copy: do not change it."""
        try:
            aggregate: Aggregate = self.ledger.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise NotFound(what, aggregate_id) from None
        if not isinstance(aggregate, cls):
            raise NotFound(what, aggregate_id)
        return aggregate

    def add(self, aggregate: A) -> A:
        """A new aggregate; a second one with the same id is refused when the store sees the id taken."""
        self.changed.append(aggregate)
        return aggregate

    def exists(self, aggregate_id: uuid.UUID) -> bool:
        try:
            self.ledger.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return False
        return True

    def open_programme(self, programme_id: uuid.UUID | str) -> Programme:
        """The programme a command works in, refusing a closed one."""
        programme = self.read(Programme, uuid.UUID(str(programme_id)), "programme")
        programme.check_open()
        return programme

    def in_programme(self, cls: type[A], aggregate_id: str, what: str, programme: str) -> A:
        """An aggregate of one programme (a module, group, activity), changed by the command: an id of another
        programme is unknown here."""
        aggregate = self.change(cls, uuid.UUID(aggregate_id), what)
        if getattr(aggregate, "programme_id", None) != str(Programme.create_id(programme)):
            raise NotFound(what, aggregate_id)
        return aggregate

    def registered_company(self, org_number: str) -> str:
        if not self.exists(Company.create_id(org_number)):
            raise NotFound("company", org_number)
        return org_number

    def forget(self) -> None:
        """Drop what this attempt changed in memory from the cache (its events were triggered but not stored):
        the next load reads the store again."""
        cache = self.ledger.repository.cache
        if cache is None:
            return
        for aggregate in self.changed:
            if aggregate.version != self.versions.get(aggregate.id, 0):
                with contextlib.suppress(KeyError):
                    cache.get(aggregate.id, evict=True)
