"""The ledger application: the event store, and one runner for every command (`Ledger.handle`).

A command (ledger/commands/) validates its fields when it is built; the runner gives it a unit of work, lets it
check the rules and record events, and saves them in one transaction together with an idempotency receipt when a
key is given. Optimistic concurrency does the rest: two writers of one aggregate cannot both save the same
version, so the loser reloads and checks again (a full cap then rejects it), or gets a VersionConflict if it named
a version."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from pydantic import TypeAdapter, ValidationError

from ledger.commands.base import Command, UnitOfWork
from ledger.domain.activity import Activity, Forum
from ledger.domain.company import Company
from ledger.domain.funds import Funds
from ledger.domain.idempotency import CommandReceipt
from ledger.domain.module import CourseModule
from ledger.domain.network import NetworkGroup
from ledger.domain.programme import Programme
from ledger.errors import IdempotencyConflict, InvalidInput, NotFound, RuleViolated, VersionConflict, invalid_input
from ledger.events import ParticipantRegistered
from ledger.values import Actor, Id, Text, Version, parse_org_number

if TYPE_CHECKING:
    from ledger.identity import Identity, IdentityVault

MAX_ATTEMPTS = 50
IDENTITY_GRACE = timedelta(minutes=10)
"""No command runs this long: an identity sealed earlier with no registration event was left by a crash."""


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


_ACTOR: TypeAdapter[str] = TypeAdapter(Actor)
_VERSION: TypeAdapter[int] = TypeAdapter(Version)
_KEY: TypeAdapter[str] = TypeAdapter(Text)


@dataclass(frozen=True)
class Ctx:
    """Who issues a command, and the concurrency and retry guards it carries (from the token and the headers)."""

    actor: str
    expected_version: int | None = None
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        for name, adapter, value in (
            ("actor", _ACTOR, self.actor),
            ("expected_version", _VERSION, self.expected_version),
            ("idempotency_key", _KEY, self.idempotency_key),
        ):
            if value is not None or name == "actor":
                try:
                    adapter.validate_python(value)
                except ValidationError as error:
                    raise InvalidInput(name, invalid_input(error).reason) from None


@dataclass(frozen=True)
class CommandResult:
    """What a command did: the aggregate it changed, its new version, and the log position it was stored at
    (a query can wait for the read models to reach it). `replayed` is true for an idempotent retry."""

    id: str
    version: int
    position: int
    ids: dict[str, str] = field(default_factory=dict)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "position": self.position, "ids": self.ids,
                "replayed": self.replayed}  # fmt: skip


class Ledger(Application[uuid.UUID]):
    name = "ledger"
    # Snapshots serve cold loads (the cache serves warm ones); a snapshot costs the size of the state, so a
    # long interval keeps big aggregates (a module with 100,000 attendances) from paying it often.
    snapshotting_intervals = {Programme: 1000, Funds: 1000, CourseModule: 1000, NetworkGroup: 1000, Forum: 1000}
    env = {"AGGREGATE_CACHE_MAXSIZE": "2000", "AGGREGATE_CACHE_FASTFORWARD": "y"}

    def __init__(self, env: dict[str, str] | None = None, vault: IdentityVault | None = None) -> None:
        super().__init__(env)
        self.vault = vault
        # Commands in one process take turns: they are CPU-bound under the GIL anyway, and taking turns lets
        # them work on the cached aggregates without copying them. Other processes are kept apart by the
        # store's optimistic concurrency (a conflicting save fails, the command reloads and checks again).
        self._command_lock = threading.RLock()
        self.sealed: list[str] = []  # identities sealed by the command now running (erased if it fails)

    def _take_snapshots(self, processing_event: Any) -> None:
        """One snapshot per aggregate per save, taken from the aggregate in memory, when the save crosses a
        snapshot interval (the library's default replays the aggregate from the store once per crossing)."""
        if self.snapshots is None:
            return
        for aggregate_id, aggregate in processing_event.aggregates.items():
            interval = self.snapshotting_intervals.get(type(aggregate))
            versions = [e.originator_version for e in processing_event.events if e.originator_id == aggregate_id]
            if interval and versions and (min(versions) - 1) // interval != max(versions) // interval:
                self.snapshots.put([Snapshot.take(aggregate)])

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # --- the runner ----------------------------------------------------------------------------------------

    def handle(self, ctx: Ctx, command: Command) -> CommandResult:
        """Run any command: replay an idempotent retry, check the expected version, retry on a concurrent
        write, and store the events with the idempotency receipt in one transaction."""
        fingerprint = command.fingerprint()
        with self._command_lock:
            self.sealed = []
            try:
                for _attempt in range(MAX_ATTEMPTS):
                    if ctx.idempotency_key is not None:
                        replay = self._replay(ctx.idempotency_key, fingerprint)
                        if replay is not None:
                            command.replayed(self, replay.ids, ctx.idempotency_key)
                            return replay
                    work = UnitOfWork(self, ctx)
                    try:
                        command.check_effective(work)
                        ids = command.handle(work)
                        primary = work.changed[0]
                        pending = list(work.changed)
                        if ctx.idempotency_key is not None:
                            result = {"id": str(primary.id), "version": primary.version, "ids": ids}
                            pending.append(CommandReceipt(ctx.idempotency_key, command.command, fingerprint, result,
                                                          ctx.actor, None))  # fmt: skip
                        recordings = self.save(*pending)
                    except IntegrityError:
                        work.forget()
                        if ctx.expected_version is not None and work.target is not None:
                            actual = self.load(work.target[0], work.target[1]).version
                            raise VersionConflict(ctx.expected_version, actual) from None
                        continue  # someone else wrote first: reload and check the rules again
                    except BaseException:
                        work.forget()
                        raise
                    position = max(r.notification.id for r in recordings)
                    self.sealed = []
                    return CommandResult(id=str(primary.id), version=primary.version, position=position, ids=ids)
                raise RuleViolated("contention", f"{command.command} could not be stored after {MAX_ATTEMPTS} attempts")
            finally:
                for pid in self.sealed:  # the events were not stored: leave no identifying details behind
                    if self.vault is not None:
                        self.vault.erase(pid)
                self.sealed = []

    def _replay(self, key: str, fingerprint: str) -> CommandResult | None:
        try:
            receipt = cast(
                "CommandReceipt", self.repository.get(CommandReceipt.create_id(key), deepcopy_from_cache=False)
            )
        except AggregateNotFoundError:
            return None
        if receipt.fingerprint != fingerprint:
            raise IdempotencyConflict(key)
        result = receipt.result
        return CommandResult(
            id=result["id"],
            version=result["version"],
            ids=dict(result["ids"]),
            position=self.recorder.max_notification_id() or 0,
            replayed=True,
        )

    # --- reading aggregates (the API's existence checks, tests) --------------------------------------------

    def load(self, aggregate_id: uuid.UUID, what: str = "aggregate", *, copy: bool = True) -> Any:
        """The current state of an aggregate. `copy=False` hands out the cached object itself: only for reading."""
        try:
            return self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise NotFound(what, aggregate_id) from None

    def _typed(self, cls: type[Aggregate], identifier: str, what: str, copy: bool) -> Any:
        try:
            aggregate_id = uuid.UUID(TypeAdapter(Id).validate_python(identifier))
        except ValidationError:
            raise InvalidInput(what, "must be a UUID") from None
        aggregate = self.load(aggregate_id, what, copy=copy)
        if not isinstance(aggregate, cls):
            raise NotFound(what, identifier)
        return aggregate

    def programme(self, slug: str, *, copy: bool = True) -> Programme:
        return cast("Programme", self.load(Programme.create_id(slug), "programme", copy=copy))

    def company(self, org_number: str) -> Company:
        try:
            number = parse_org_number(org_number)
        except ValueError as error:
            raise InvalidInput("org_number", str(error)) from None
        return cast("Company", self.load(Company.create_id(number), "company"))

    def funds(self, slug: str) -> Funds:
        return cast("Funds", self.load(Funds.create_id(self.programme(slug).id), "funds"))

    def module(self, module_id: str, *, copy: bool = True) -> CourseModule:
        return cast("CourseModule", self._typed(CourseModule, module_id, "module", copy))

    def network_group(self, group_id: str, *, copy: bool = True) -> NetworkGroup:
        return cast("NetworkGroup", self._typed(NetworkGroup, group_id, "network group", copy))

    def activity(self, activity_id: str, *, copy: bool = True) -> Activity:
        return cast("Activity", self._typed(Activity, activity_id, "activity", copy))

    def registered_participants(self) -> set[str]:
        """Every participant id a registration event names, read from the log (not a read model, which may lag)."""
        topic = ParticipantRegistered.TOPIC
        found: set[str] = set()
        start = 0
        while True:
            batch = self.recorder.select_notifications(start, 5000, topics=(topic,), inclusive_of_start=False)
            found.update(orjson.loads(n.state)["participant_id"] for n in batch)
            if len(batch) < 5000:
                return found
            start = batch[-1].id

    def reconcile_identities(self, grace: timedelta = IDENTITY_GRACE) -> list[str]:
        """Remove sealed identities that no registration event names (see `IdentityVault.reconcile`)."""
        return [] if self.vault is None else self.vault.reconcile(self.registered_participants, grace)

    def read_identity(self, participant_id: str) -> Identity:
        try:
            pid = TypeAdapter(Id).validate_python(participant_id)
        except ValidationError:
            raise InvalidInput("participant_id", "must be a UUID") from None
        identity = None if self.vault is None else self.vault.open(pid)
        if identity is None:
            raise NotFound("participant identity (none recorded, or erased)", pid)
        return identity
