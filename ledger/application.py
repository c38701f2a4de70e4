"""The ledger application: the event store, and one runner for every command (`Ledger.handle`).

A command (ledger/commands/) validates its fields when it is built; the runner gives it a unit of work, lets it
check the rules and record events, and saves them in one transaction together with an idempotency receipt when a
key is given. Optimistic concurrency does the rest: two writers of one aggregate cannot both save the same
version, so the loser reloads and checks again (a full cap then rejects it), or gets a VersionConflict if it named
a version."""

from __future__ import annotations

import contextlib
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

import orjson
from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
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
from ledger.domain.reporting import Reporting
from ledger.errors import IdempotencyConflict, InvalidInput, NotFound, RuleViolated, invalid_input
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


class _RunAgain(Exception):
    """The command's group, or one it was queued behind, was not stored: check the rules again."""


@dataclass(eq=False)
class _Queued:
    """A checked command whose events wait for the next group commit."""

    aggregates: list[Aggregate]
    ids: dict[str, str]
    id: str
    version: int
    sealed: list[str]
    done: threading.Event = field(default_factory=threading.Event)
    position: int = 0
    failed: BaseException | None = None


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
    snapshotting_intervals = {Programme: 1000, Funds: 1000, CourseModule: 1000, NetworkGroup: 1000, Forum: 1000,
                              Reporting: 1000}  # fmt: skip
    env = {"AGGREGATE_CACHE_MAXSIZE": "2000", "AGGREGATE_CACHE_FASTFORWARD": "y"}

    def __init__(self, env: dict[str, str] | None = None, vault: IdentityVault | None = None) -> None:
        super().__init__(env)
        self.vault = vault
        # Commands in one process take turns: they are CPU-bound under the GIL anyway, and taking turns lets
        # them work on the cached aggregates without copying them. Other processes are kept apart by the
        # store's optimistic concurrency (a conflicting save fails, the command reloads and checks again).
        self._command_lock = threading.RLock()
        self._commit_lock = threading.Lock()  # one group commit at a time; the next group gathers meanwhile
        self._queue: list[_Queued] = []  # commands checked, waiting for the next group commit
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
        """Run any command: replay an idempotent retry, check the expected version, and store the events with the
        idempotency receipt in one transaction. Commands that arrive while another group is being committed
        share the next transaction (group commit: one commit, one fsync for all of them); a group that fails on a
        concurrent write is run again, command by command's rules checked again (a full cap then rejects one)."""
        fingerprint = command.fingerprint()
        for _attempt in range(MAX_ATTEMPTS):
            queued = self._check(ctx, command, fingerprint)
            if isinstance(queued, CommandResult):
                return queued  # the first answer to this idempotency key
            self._commit(queued)
            if queued.failed is None:
                return CommandResult(id=queued.id, version=queued.version, position=queued.position, ids=queued.ids)
            if not isinstance(queued.failed, IntegrityError | _RunAgain):
                raise queued.failed
        raise RuleViolated("contention", f"{command.command} could not be stored after {MAX_ATTEMPTS} attempts")

    def _check(self, ctx: Ctx, command: Command, fingerprint: str) -> CommandResult | _Queued:
        """Check the rules and trigger the events, on the cached aggregates (commands take turns), and queue them
        for the next group commit. Later commands see the queued state: a group that fails takes them with it."""
        with self._command_lock:
            if ctx.idempotency_key is not None:
                replay = self._replay(ctx.idempotency_key, fingerprint)
                if replay is not None:
                    command.replayed(self, replay.ids, ctx.idempotency_key)
                    return replay
            self.sealed = []
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
            except BaseException:
                self._abandon(work)
                self._erase(self.sealed)
                raise
            queued = _Queued(pending, ids, str(primary.id), primary.version, self.sealed)
            self.sealed = []
            self._queue.append(queued)
            return queued

    def _commit(self, queued: _Queued) -> None:
        """Commit every queued command in one transaction, unless a group committed since took this one along."""
        with self._commit_lock:
            if queued.done.is_set():
                return
            with self._command_lock:
                group, self._queue = self._queue, []
                processing: ProcessingEvent[uuid.UUID] = ProcessingEvent()
                processing.collect_events(*{id(a): a for q in group for a in q.aggregates}.values())
            try:
                recordings = self._record(processing)
            except BaseException as error:
                with self._command_lock:  # the group's state was never stored, nor what was queued on top of it
                    self._fail(group, error)
                    self._fail(self._queue, _RunAgain())
                    self._queue = []
                if not isinstance(error, Exception):
                    raise
                return
            with self._command_lock:
                self._take_snapshots(processing)
            self._notify(recordings)
            position = max(r.notification.id for r in recordings)
            for waiting in group:
                waiting.position = position
                waiting.done.set()
        queued.done.wait()

    def _abandon(self, work: UnitOfWork) -> None:
        """A command failed after changing cached aggregates: forget them; queued commands that changed the same
        objects carry its events too, so they are run again."""
        touched = {id(a) for a in work.changed if a.version != work.versions.get(a.id, 0)}
        work.forget()
        if touched and any(id(a) in touched for q in self._queue for a in q.aggregates):
            self._fail(self._queue, _RunAgain())
            self._queue = []

    def _fail(self, group: list[_Queued], error: BaseException) -> None:
        cache = self.repository.cache
        for failed in group:
            if cache is not None:
                for aggregate in failed.aggregates:
                    with contextlib.suppress(KeyError):
                        cache.get(aggregate.id, evict=True)
            self._erase(failed.sealed)
            failed.failed = error
            failed.done.set()

    def _erase(self, sealed: list[str]) -> None:
        """The events were not stored: leave no identifying details behind."""
        if self.vault is not None:
            for pid in sealed:
                self.vault.erase(pid)

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
