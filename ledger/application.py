"""The ledger application: every command of the programme ledger.

A command validates its input (naming the field), loads the aggregate, lets the aggregate check its rules and
record events, and saves them in one transaction together with an idempotency receipt when a key is given.
Optimistic concurrency does the rest: two writers of one aggregate cannot both save the same version, so the
loser reloads and checks again (a full cap then rejects it), or gets a VersionConflict if it named a version."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar, cast

import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding

from ledger import values as v
from ledger.domain.activity import Activity, Forum
from ledger.domain.company import Company
from ledger.domain.funds import Funds
from ledger.domain.idempotency import CommandReceipt
from ledger.domain.module import CourseModule
from ledger.domain.network import NetworkGroup
from ledger.domain.programme import Programme
from ledger.errors import IdempotencyConflict, InvalidInput, NotFound, RuleViolated, VersionConflict
from ledger.identity import Identity, IdentityVault

A = TypeVar("A", bound=Aggregate)
MAX_ATTEMPTS = 50
MAX_BATCH = 10_000


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


@dataclass(frozen=True)
class Ctx:
    """Who issues a command, when it took effect, and the concurrency and retry guards it carries."""

    actor: str
    effective_on: date | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None

    def __post_init__(self) -> None:
        v.text("actor", self.actor, max_length=200)
        if self.expected_version is not None:
            v.count("expected_version", self.expected_version, minimum=1)
        if self.idempotency_key is not None:
            v.text("idempotency_key", self.idempotency_key, max_length=200)


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
        return {
            "id": self.id,
            "version": self.version,
            "position": self.position,
            "ids": self.ids,
            "replayed": self.replayed,
        }


Action = Callable[[Any], tuple[list[Aggregate], dict[str, str]]]


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

    # --- the command runner --------------------------------------------------------------------------------

    def _run(
        self,
        ctx: Ctx,
        command: str,
        inputs: dict[str, Any],
        target_id: uuid.UUID | None,
        action: Action,
        what: str = "aggregate",
    ) -> CommandResult:
        fingerprint = _fingerprint(command, inputs, ctx)
        with self._command_lock:
            return self._attempt(ctx, command, fingerprint, target_id, action, what)

    def _attempt(
        self, ctx: Ctx, command: str, fingerprint: str, target_id: uuid.UUID | None, action: Action, what: str
    ) -> CommandResult:
        for _attempt in range(MAX_ATTEMPTS):
            if ctx.idempotency_key is not None:
                replay = self._replay(ctx.idempotency_key, fingerprint)
                if replay is not None:
                    return replay
            target = None if target_id is None else self.load(target_id, what, copy=False)
            if ctx.expected_version is not None and target is not None and target.version != ctx.expected_version:
                raise VersionConflict(ctx.expected_version, target.version)
            version_before = None if target is None else target.version
            try:
                changed, ids = action(target)
                primary = changed[0]
                result = {"id": str(primary.id), "version": primary.version, "ids": ids}
                pending: list[Aggregate] = list(changed)
                if ctx.idempotency_key is not None:
                    pending.append(
                        CommandReceipt(
                            key=ctx.idempotency_key,
                            command=command,
                            fingerprint=fingerprint,
                            result=result,
                            actor=ctx.actor,
                            effective_on=None,
                        )
                    )
                recordings = self.save(*pending)
            except IntegrityError:
                self._forget(target, version_before)
                if ctx.expected_version is not None and target_id is not None:
                    raise VersionConflict(ctx.expected_version, self.load(target_id, what).version) from None
                continue  # someone else wrote first: reload and check the rules again
            except BaseException:
                self._forget(target, version_before)
                raise
            position = max(r.notification.id for r in recordings)
            return CommandResult(id=str(primary.id), version=primary.version, position=position, ids=ids)
        raise RuleViolated("contention", f"{command} could not be stored after {MAX_ATTEMPTS} attempts; retry")

    def _forget(self, target: Aggregate | None, version_before: int | None) -> None:
        """Drop the command's target from the cache if the failed command changed it in memory (its events
        were triggered, and perhaps collected by a save that failed): the next load reads the store again."""
        cache = self.repository.cache
        if cache is None or target is None or target.version == version_before:
            return
        with contextlib.suppress(KeyError):
            cache.get(target.id, evict=True)

    def _replay(self, key: str, fingerprint: str) -> CommandResult | None:
        try:
            receipt = cast(
                CommandReceipt, self.repository.get(CommandReceipt.create_id(key), deepcopy_from_cache=False)
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

    def load(self, aggregate_id: uuid.UUID, what: str = "aggregate", *, copy: bool = True) -> Any:
        """The current state of an aggregate. `copy=False` hands out the cached object itself: only for reading,
        or inside a command, which holds the command lock."""
        try:
            return self.repository.get(aggregate_id, deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise NotFound(what, aggregate_id) from None

    def _typed(self, cls: type[A], identifier: Any, what: str, copy: bool = True) -> A:
        aggregate_id = _uuid(what, identifier)
        aggregate = self.load(aggregate_id, what, copy=copy)
        if not isinstance(aggregate, cls):
            raise NotFound(what, identifier)
        return aggregate

    # --- reading aggregates (for commands and the API's existence checks) ----------------------------------

    def programme(self, slug: str, *, copy: bool = True) -> Programme:
        return cast(Programme, self.load(Programme.create_id(v.slug("programme", slug)), "programme", copy=copy))

    def open_programme(self, programme_id: str) -> Programme:
        """For commands (under the command lock): the programme, refusing a closed one. Not a copy."""
        programme = cast(Programme, self.load(uuid.UUID(programme_id), "programme", copy=False))
        programme.check_open()
        return programme

    def company(self, org_number: str) -> Company:
        number = v.org_number("org_number", org_number)
        return cast(Company, self.load(Company.create_id(str(number)), "company"))

    def funds(self, slug: str) -> Funds:
        return cast(Funds, self.load(Funds.create_id(self.programme(slug).id), "funds"))

    def module(self, module_id: str, *, copy: bool = True) -> CourseModule:
        return self._typed(CourseModule, module_id, "module", copy)

    def network_group(self, group_id: str, *, copy: bool = True) -> NetworkGroup:
        return self._typed(NetworkGroup, group_id, "network group", copy)

    def activity(self, activity_id: str, *, copy: bool = True) -> Activity:
        return self._typed(Activity, activity_id, "activity", copy)

    # --- programmes ----------------------------------------------------------------------------------------

    def launch_programme(
        self,
        ctx: Ctx,
        *,
        slug: str,
        name: str,
        owner: str,
        funders: list[str],
        starts_on: Any,
        ends_on: Any,
        currency: str,
        regions: list[str] | None = None,
        themes: list[str] | None = None,
        caps: dict[str, int] | None = None,
        targets: dict[str, int] | None = None,
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "slug": v.slug("slug", slug),
            "name": v.text("name", name),
            "owner": v.text("owner", owner),
            "funders": v.texts("funders", funders, allow_empty=False),
            "starts_on": v.day("starts_on", starts_on),
            "ends_on": v.day("ends_on", ends_on),
            "currency": v.choice(v.Currency, "currency", currency).value,
            "regions": v.texts("regions", regions or []),
            "themes": v.texts("themes", themes or []),
            "caps": _limits("caps", caps or {}, v.CAP_NAMES),
            "targets": _limits("targets", targets or {}, v.TARGET_NAMES),
        }
        if inputs["ends_on"] < inputs["starts_on"]:
            raise InvalidInput("ends_on", "must not be before starts_on")
        programme_id = Programme.create_id(inputs["slug"])

        def action(_: None) -> tuple[list[Aggregate], dict[str, str]]:
            if self._exists(programme_id):
                raise RuleViolated("programme_exists", f"programme {inputs['slug']} already exists")
            programme = Programme(**inputs, actor=ctx.actor, effective_on=ctx.effective_on)
            funds = Funds(
                programme_id=str(programme_id),
                currency=inputs["currency"],
                actor=ctx.actor,
                effective_on=ctx.effective_on,
            )
            forum = Forum(programme_id=str(programme_id), actor=ctx.actor, effective_on=ctx.effective_on)
            return [programme, funds, forum], {"programme": inputs["slug"]}

        return self._run(ctx, "launch_programme", inputs, None, action)

    def _exists(self, aggregate_id: uuid.UUID) -> bool:
        try:
            self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return False
        return True

    def _programme_command(
        self,
        ctx: Ctx,
        command: str,
        programme: str,
        inputs: dict[str, Any],
        apply: Callable[[Programme], None],
    ) -> CommandResult:
        programme_id = Programme.create_id(v.slug("programme", programme))

        def action(target: Programme) -> tuple[list[Aggregate], dict[str, str]]:
            apply(target)
            return [target], {}

        return self._run(ctx, command, {"programme": programme, **inputs}, programme_id, action, "programme")

    def revise_cap(self, ctx: Ctx, *, programme: str, name: str, value: int, decision: Any) -> CommandResult:
        name = _limit_name("name", name, v.CAP_NAMES)
        value = v.count("value", value)
        decided = v.Decision.parse("decision", decision).as_dict()
        return self._programme_command(
            ctx,
            "revise_cap",
            programme,
            {"name": name, "value": value, "decision": decided},
            lambda p: p.revise_cap(name, value, decided, ctx.actor, ctx.effective_on),
        )

    def revise_target(self, ctx: Ctx, *, programme: str, name: str, value: int, decision: Any) -> CommandResult:
        name = _limit_name("name", name, v.TARGET_NAMES)
        value = v.count("value", value)
        decided = v.Decision.parse("decision", decision).as_dict()
        return self._programme_command(
            ctx,
            "revise_target",
            programme,
            {"name": name, "value": value, "decision": decided},
            lambda p: p.revise_target(name, value, decided, ctx.actor, ctx.effective_on),
        )

    def close_programme(self, ctx: Ctx, *, programme: str, decision: Any) -> CommandResult:
        decided = v.Decision.parse("decision", decision).as_dict()
        return self._programme_command(
            ctx,
            "close_programme",
            programme,
            {"decision": decided},
            lambda p: p.close(decided, ctx.actor, ctx.effective_on),
        )

    # --- companies -----------------------------------------------------------------------------------------

    def register_company(
        self, ctx: Ctx, *, org_number: str, name: str, region: str, sector: str, size: str
    ) -> CommandResult:
        number = v.org_number("org_number", org_number)
        inputs: dict[str, Any] = {
            "org_number": str(number),
            "country": number.country,
            "name": v.text("name", name),
            "region": v.text("region", region),
            "sector": v.text("sector", sector),
            "size": v.choice(v.CompanySize, "size", size).value,
        }
        company_id = Company.create_id(str(number))

        def action(_: None) -> tuple[list[Aggregate], dict[str, str]]:
            if self._exists(company_id):
                raise RuleViolated("company_exists", f"company {number} is already registered")
            company = Company(**inputs, actor=ctx.actor, effective_on=ctx.effective_on)
            return [company], {"org_number": str(number)}

        return self._run(ctx, "register_company", inputs, None, action)

    def correct_company(
        self, ctx: Ctx, *, org_number: str, name: str, region: str, sector: str, size: str
    ) -> CommandResult:
        """Corrects a registered company's details; the earlier details stay in its history."""
        number = str(v.org_number("org_number", org_number))
        inputs: dict[str, Any] = {
            "org_number": number,
            "name": v.text("name", name),
            "region": v.text("region", region),
            "sector": v.text("sector", sector),
            "size": v.choice(v.CompanySize, "size", size).value,
        }

        def action(company: Company) -> tuple[list[Aggregate], dict[str, str]]:
            company.correct_details(
                inputs["name"], inputs["region"], inputs["sector"], inputs["size"], ctx.actor, ctx.effective_on
            )
            return [company], {"org_number": number}

        return self._run(ctx, "correct_company", inputs, Company.create_id(number), action, "company")

    def _registered(self, org_number: str) -> str:
        number = str(v.org_number("org_number", org_number))
        if not self._exists(Company.create_id(number)):
            raise NotFound("company", number)
        return number

    def present_company(self, ctx: Ctx, *, programme: str, org_number: str, channel: str = "on site") -> CommandResult:
        number = self._registered(org_number)
        channel = v.text("channel", channel)
        return self._programme_command(
            ctx,
            "present_company",
            programme,
            {"org_number": number, "channel": channel},
            lambda p: p.present_company(number, channel, ctx.actor, ctx.effective_on),
        )

    def join_company(self, ctx: Ctx, *, programme: str, org_number: str) -> CommandResult:
        number = self._registered(org_number)
        return self._programme_command(
            ctx,
            "join_company",
            programme,
            {"org_number": number},
            lambda p: p.join_company(number, ctx.actor, ctx.effective_on),
        )

    def hold_onboarding(self, ctx: Ctx, *, programme: str, org_number: str) -> CommandResult:
        number = str(v.org_number("org_number", org_number))
        return self._programme_command(
            ctx,
            "hold_onboarding",
            programme,
            {"org_number": number},
            lambda p: p.hold_onboarding(number, ctx.actor, ctx.effective_on),
        )

    def set_company_goals(self, ctx: Ctx, *, programme: str, org_number: str, goals: list[str]) -> CommandResult:
        number = str(v.org_number("org_number", org_number))
        goal_list = v.texts("goals", goals, allow_empty=False)
        return self._programme_command(
            ctx,
            "set_company_goals",
            programme,
            {"org_number": number, "goals": goal_list},
            lambda p: p.set_goals(number, goal_list, ctx.actor, ctx.effective_on),
        )

    def analyse_company_needs(
        self, ctx: Ctx, *, programme: str, org_number: str, competence_areas: list[str]
    ) -> CommandResult:
        number = str(v.org_number("org_number", org_number))
        areas = v.texts("competence_areas", competence_areas, allow_empty=False)
        return self._programme_command(
            ctx,
            "analyse_company_needs",
            programme,
            {"org_number": number, "competence_areas": areas},
            lambda p: p.analyse_needs(number, areas, ctx.actor, ctx.effective_on),
        )

    def withdraw_company(self, ctx: Ctx, *, programme: str, org_number: str, reason: str) -> CommandResult:
        number = str(v.org_number("org_number", org_number))
        why = v.text("reason", reason)
        return self._programme_command(
            ctx,
            "withdraw_company",
            programme,
            {"org_number": number, "reason": why},
            lambda p: p.withdraw_company(number, why, ctx.actor, ctx.effective_on),
        )

    def complete_company(self, ctx: Ctx, *, programme: str, org_number: str) -> CommandResult:
        number = str(v.org_number("org_number", org_number))
        return self._programme_command(
            ctx,
            "complete_company",
            programme,
            {"org_number": number},
            lambda p: p.complete_company(number, ctx.actor, ctx.effective_on),
        )

    # --- participants --------------------------------------------------------------------------------------

    def register_participant(
        self,
        ctx: Ctx,
        *,
        programme: str,
        org_number: str,
        target_group: str,
        gender: str | None = None,
        age_band: str | None = None,
        employment_status: str | None = None,
        education_level: str | None = None,
        identity: Identity | dict[str, Any] | None = None,
        participant_id: str | None = None,
    ) -> CommandResult:
        """Registers a participant under a pseudonymous id; identifying details go to the vault, sealed."""
        number = str(v.org_number("org_number", org_number))
        attributes = {
            "gender": _value(v.optional_choice(v.Gender, "gender", gender)),
            "age_band": _value(v.optional_choice(v.AgeBand, "age_band", age_band)),
            "employment_status": _value(v.optional_choice(v.EmploymentStatus, "employment_status", employment_status)),
            "education_level": _value(v.optional_choice(v.EducationLevel, "education_level", education_level)),
        }
        group = v.choice(v.TargetGroup, "target_group", target_group).value
        person = _identity(identity)
        pid = str(_uuid("participant_id", participant_id)) if participant_id else str(uuid.uuid4())
        inputs: dict[str, Any] = {
            "programme": programme,
            "org_number": number,
            "target_group": group,
            "attributes": attributes,
            "participant_id": participant_id,
            # Never the identifying details themselves: the fingerprint is stored with the idempotency receipt
            # and outlives an erasure, and a hash of a name or personal number can be checked against a guess.
            "identity_given": person is not None,
        }
        programme_id = Programme.create_id(v.slug("programme", programme))
        sealed = False

        def action(target: Programme) -> tuple[list[Aggregate], dict[str, str]]:
            nonlocal sealed
            target.register_participant(pid, number, group, attributes, ctx.actor, ctx.effective_on)
            if person is not None and not sealed:
                # One person may take part in several programmes under one pseudonymous id: their sealed
                # identity is kept once, and a different identity under a known id is refused.
                known = self._require_vault().open(pid)
                if known is None:
                    self._require_vault().seal(pid, person)
                    sealed = True
                elif known != person:
                    raise RuleViolated(
                        "participant_identity_differs",
                        f"participant {pid} is already recorded with other identifying details",
                    )
            return [target], {"participant_id": pid}

        try:
            result = self._run(ctx, "register_participant", inputs, programme_id, action, "programme")
        except BaseException:
            if sealed:  # the events were not stored: leave no identifying details behind
                self._require_vault().erase(pid)
            raise
        if result.replayed and person is not None and ctx.idempotency_key is not None:
            # The fingerprint leaves the identity out, so a retry is checked against the sealed details.
            stored = self._require_vault().open(result.ids["participant_id"])
            if stored is not None and stored != person:
                raise IdempotencyConflict(ctx.idempotency_key)
        return result

    def record_participant_left(self, ctx: Ctx, *, programme: str, participant_id: str) -> CommandResult:
        pid = str(_uuid("participant_id", participant_id))
        return self._programme_command(
            ctx,
            "record_participant_left",
            programme,
            {"participant_id": pid},
            lambda p: p.record_participant_left(pid, ctx.actor, ctx.effective_on),
        )

    def reenter_participant(self, ctx: Ctx, *, programme: str, participant_id: str) -> CommandResult:
        pid = str(_uuid("participant_id", participant_id))
        return self._programme_command(
            ctx,
            "reenter_participant",
            programme,
            {"participant_id": pid},
            lambda p: p.reenter_participant(pid, ctx.actor, ctx.effective_on),
        )

    def erase_participant(self, ctx: Ctx, *, programme: str, participant_id: str) -> CommandResult:
        """Destroys the participant's key and sealed details, then records that the erasure happened.
        Counts stay right: the pseudonymous events remain, only the person behind them is gone."""
        pid = str(_uuid("participant_id", participant_id))

        def erase(target: Programme) -> None:
            target.erase_participant(pid, ctx.actor, ctx.effective_on)
            self._require_vault().erase(pid)

        return self._programme_command(ctx, "erase_participant", programme, {"participant_id": pid}, erase)

    def read_identity(self, participant_id: str) -> Identity:
        pid = str(_uuid("participant_id", participant_id))
        identity = self._require_vault().open(pid)
        if identity is None:
            raise NotFound("participant identity (none recorded, or erased)", pid)
        return identity

    def _require_vault(self) -> IdentityVault:
        if self.vault is None:
            raise RuleViolated("no_identity_vault", "this ledger has no identity vault configured")
        return self.vault

    # --- funds ---------------------------------------------------------------------------------------------

    def _funds_command(
        self,
        ctx: Ctx,
        command: str,
        programme: str,
        inputs: dict[str, Any],
        apply: Callable[[Funds], None],
        ids: dict[str, str],
    ) -> CommandResult:
        programme_id = Programme.create_id(v.slug("programme", programme))

        def action(target: Funds) -> tuple[list[Aggregate], dict[str, str]]:
            self.open_programme(str(programme_id))
            apply(target)
            return [target], ids

        return self._run(
            ctx,
            command,
            {"programme": programme, **inputs},
            Funds.create_id(programme_id),
            action,
            "programme",
        )

    def award_grant(
        self,
        ctx: Ctx,
        *,
        programme: str,
        funder: str,
        amount: int,
        decision: Any,
        co_financing_share_bp: int = 0,
        grant_id: str | None = None,
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "funder": v.text("funder", funder),
            "amount": v.amount("amount", amount),
            "decision": v.Decision.parse("decision", decision).as_dict(),
            "co_financing_share_bp": _basis_points("co_financing_share_bp", co_financing_share_bp),
            "grant_id": _new_id("grant_id", grant_id),
        }
        entry_id = str(uuid.uuid4())
        return self._funds_command(
            ctx,
            "award_grant",
            programme,
            {**inputs, "grant_id": grant_id and inputs["grant_id"]},  # a generated id is not part of the request
            lambda f: f.award_grant(entry_id=entry_id, **inputs, actor=ctx.actor, effective_on=ctx.effective_on),
            {"entry_id": entry_id, "grant_id": inputs["grant_id"]},
        )

    def set_budget_line(self, ctx: Ctx, *, programme: str, category: str, amount: int, decision: Any) -> CommandResult:
        inputs: dict[str, Any] = {
            "category": v.text("category", category),
            "amount": v.amount("amount", amount),
            "decision": v.Decision.parse("decision", decision).as_dict(),
        }
        return self._funds_command(
            ctx,
            "set_budget_line",
            programme,
            inputs,
            lambda f: f.set_budget_line(**inputs, actor=ctx.actor, effective_on=ctx.effective_on),
            {},
        )

    def allocate_funds(
        self,
        ctx: Ctx,
        *,
        programme: str,
        grant_id: str,
        recipient_kind: str,
        recipient: str,
        amount: int,
        decision: Any,
        category: str = "general",
        allocation_id: str | None = None,
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "grant_id": str(_uuid("grant_id", grant_id)),
            "recipient_kind": v.choice(v.RecipientKind, "recipient_kind", recipient_kind).value,
            "recipient": v.text("recipient", recipient),
            "category": v.text("category", category),
            "amount": v.amount("amount", amount),
            "decision": v.Decision.parse("decision", decision).as_dict(),
            "allocation_id": _new_id("allocation_id", allocation_id),
        }
        entry_id = str(uuid.uuid4())
        return self._funds_command(
            ctx,
            "allocate_funds",
            programme,
            {**inputs, "allocation_id": allocation_id and inputs["allocation_id"]},  # generated ids are not input
            lambda f: f.allocate(entry_id=entry_id, **inputs, actor=ctx.actor, effective_on=ctx.effective_on),
            {"entry_id": entry_id, "allocation_id": inputs["allocation_id"]},
        )

    def reallocate_funds(
        self,
        ctx: Ctx,
        *,
        programme: str,
        from_allocation_id: str,
        to_allocation_id: str,
        amount: int,
        reason: str,
        decision: Any,
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "from_allocation_id": str(_uuid("from_allocation_id", from_allocation_id)),
            "to_allocation_id": str(_uuid("to_allocation_id", to_allocation_id)),
            "amount": v.amount("amount", amount),
            "reason": v.text("reason", reason),
            "decision": v.Decision.parse("decision", decision).as_dict(),
        }
        entry_id = str(uuid.uuid4())
        return self._funds_command(
            ctx,
            "reallocate_funds",
            programme,
            inputs,
            lambda f: f.reallocate(entry_id=entry_id, **inputs, actor=ctx.actor, effective_on=ctx.effective_on),
            {"entry_id": entry_id},
        )

    def disburse_funds(
        self,
        ctx: Ctx,
        *,
        programme: str,
        allocation_id: str,
        amount: int,
        kind: str = "payment",
        decision: Any = None,
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "allocation_id": str(_uuid("allocation_id", allocation_id)),
            "amount": v.amount("amount", amount),
            "kind": v.choice(v.DisbursementKind, "kind", kind).value,
            "decision": None if decision is None else v.Decision.parse("decision", decision).as_dict(),
        }
        entry_id = str(uuid.uuid4())
        return self._funds_command(
            ctx,
            "disburse_funds",
            programme,
            inputs,
            lambda f: f.disburse(entry_id=entry_id, **inputs, actor=ctx.actor, effective_on=ctx.effective_on),
            {"entry_id": entry_id},
        )

    def report_expenditure(
        self, ctx: Ctx, *, programme: str, allocation_id: str, amount: int, period: str
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "allocation_id": str(_uuid("allocation_id", allocation_id)),
            "amount": v.amount("amount", amount),
            "period": v.text("period", period, max_length=40),
        }
        entry_id = str(uuid.uuid4())
        return self._funds_command(
            ctx,
            "report_expenditure",
            programme,
            inputs,
            lambda f: f.report_expenditure(entry_id=entry_id, **inputs, actor=ctx.actor, effective_on=ctx.effective_on),
            {"entry_id": entry_id},
        )

    def reverse_entry(self, ctx: Ctx, *, programme: str, entry_id: str, reason: str, decision: Any) -> CommandResult:
        inputs: dict[str, Any] = {
            "reversed_entry_id": str(_uuid("entry_id", entry_id)),
            "reason": v.text("reason", reason),
            "decision": v.Decision.parse("decision", decision).as_dict(),
        }
        new_entry = str(uuid.uuid4())
        return self._funds_command(
            ctx,
            "reverse_entry",
            programme,
            inputs,
            lambda f: f.reverse(entry_id=new_entry, **inputs, actor=ctx.actor, effective_on=ctx.effective_on),
            {"entry_id": new_entry},
        )

    # --- network groups ------------------------------------------------------------------------------------

    def form_network_group(self, ctx: Ctx, *, programme: str, name: str, basis: str) -> CommandResult:
        inputs: dict[str, Any] = {
            "name": v.text("name", name),
            "basis": v.choice(v.GroupBasis, "basis", basis).value,
        }
        programme_id = Programme.create_id(v.slug("programme", programme))

        def action(_: None) -> tuple[list[Aggregate], dict[str, str]]:
            self.open_programme(str(programme_id))
            group = NetworkGroup(
                programme_id=str(programme_id), **inputs, actor=ctx.actor, effective_on=ctx.effective_on
            )
            return [group], {"group_id": str(group.id)}

        return self._run(ctx, "form_network_group", {"programme": programme, **inputs}, None, action)

    def _group_command(
        self,
        ctx: Ctx,
        command: str,
        group_id: str,
        org_number: str,
        apply: Callable[[NetworkGroup, str], None],
        must_be_active: bool,
    ) -> CommandResult:
        number = str(v.org_number("org_number", org_number))
        target_id = _uuid("group_id", group_id)

        def action(group: NetworkGroup) -> tuple[list[Aggregate], dict[str, str]]:
            if not isinstance(group, NetworkGroup):
                raise NotFound("network group", group_id)
            programme = self.open_programme(group.programme_id)
            if must_be_active and programme.stage_of(number) not in ("joined", "onboarded"):
                raise RuleViolated("company_not_active", f"company {number} has not joined this programme")
            apply(group, number)
            return [group], {}

        return self._run(
            ctx,
            command,
            {"group_id": str(target_id), "org_number": number},
            target_id,
            action,
            "network group",
        )

    def add_company_to_group(self, ctx: Ctx, *, group_id: str, org_number: str) -> CommandResult:
        return self._group_command(
            ctx,
            "add_company_to_group",
            group_id,
            org_number,
            lambda g, n: g.add_company(n, ctx.actor, ctx.effective_on),
            True,
        )

    def remove_company_from_group(self, ctx: Ctx, *, group_id: str, org_number: str) -> CommandResult:
        return self._group_command(
            ctx,
            "remove_company_from_group",
            group_id,
            org_number,
            lambda g, n: g.remove_company(n, ctx.actor, ctx.effective_on),
            False,
        )

    # --- course modules ------------------------------------------------------------------------------------

    def offer_module(
        self,
        ctx: Ctx,
        *,
        programme: str,
        title: str,
        providers: list[str],
        theme: str,
        region: str,
        competence_areas: list[str] | None = None,
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "title": v.text("title", title),
            "providers": v.texts("providers", providers, allow_empty=False),
            "theme": v.text("theme", theme),
            "region": v.text("region", region),
            "competence_areas": v.texts("competence_areas", competence_areas or []),
        }
        programme_id = Programme.create_id(v.slug("programme", programme))

        def action(_: None) -> tuple[list[Aggregate], dict[str, str]]:
            self.open_programme(str(programme_id))
            module = CourseModule(
                programme_id=str(programme_id), **inputs, actor=ctx.actor, effective_on=ctx.effective_on
            )
            return [module], {"module_id": str(module.id)}

        return self._run(ctx, "offer_module", {"programme": programme, **inputs}, None, action)

    def _module_command(
        self,
        ctx: Ctx,
        command: str,
        module_id: str,
        inputs: dict[str, Any],
        apply: Callable[[CourseModule, Programme], dict[str, str] | None],
    ) -> CommandResult:
        target_id = _uuid("module_id", module_id)

        def action(module: CourseModule) -> tuple[list[Aggregate], dict[str, str]]:
            if not isinstance(module, CourseModule):
                raise NotFound("module", module_id)
            programme = self.open_programme(module.programme_id)
            return [module], apply(module, programme) or {}

        return self._run(ctx, command, {"module_id": str(target_id), **inputs}, target_id, action, "module")

    def schedule_session(
        self,
        ctx: Ctx,
        *,
        module_id: str,
        starts_on: Any,
        place: str,
        online: bool = False,
        minutes: int = 360,
    ) -> CommandResult:
        if not isinstance(online, bool):
            raise InvalidInput("online", "must be true or false")
        inputs: dict[str, Any] = {
            "starts_on": v.day("starts_on", starts_on),
            "place": v.text("place", place),
            "online": online,
            "minutes": v.minutes("minutes", minutes),
        }
        session_id = str(uuid.uuid4())

        def apply(module: CourseModule, _: Programme) -> dict[str, str]:
            module.schedule_session(session_id=session_id, **inputs, actor=ctx.actor, effective_on=ctx.effective_on)
            return {"session_id": session_id}

        return self._module_command(ctx, "schedule_session", module_id, inputs, apply)

    def hold_session(self, ctx: Ctx, *, module_id: str, session_id: str) -> CommandResult:
        sid = str(_uuid("session_id", session_id))
        return self._module_command(
            ctx,
            "hold_session",
            module_id,
            {"session_id": sid},
            lambda m, _: m.hold_session(sid, ctx.actor, ctx.effective_on),
        )

    def cancel_session(self, ctx: Ctx, *, module_id: str, session_id: str, reason: str) -> CommandResult:
        sid = str(_uuid("session_id", session_id))
        why = v.text("reason", reason)
        return self._module_command(
            ctx,
            "cancel_session",
            module_id,
            {"session_id": sid, "reason": why},
            lambda m, _: m.cancel_session(sid, why, ctx.actor, ctx.effective_on),
        )

    def enrol_participants(self, ctx: Ctx, *, module_id: str, participant_ids: list[str]) -> CommandResult:
        pids = _participant_ids("participant_ids", participant_ids)

        def apply(module: CourseModule, programme: Programme) -> None:
            for pid in pids:
                _require_current_participant(programme, pid)
                module.enrol(pid, ctx.actor, ctx.effective_on)

        return self._module_command(ctx, "enrol_participants", module_id, {"participant_ids": pids}, apply)

    def record_attendance(
        self, ctx: Ctx, *, module_id: str, session_id: str, attendance: list[dict[str, Any]]
    ) -> CommandResult:
        """Records who attended a held session and for how many minutes; one event per participant, all in
        one transaction (a batch of thousands is one save)."""
        sid = str(_uuid("session_id", session_id))
        if not isinstance(attendance, list) or not attendance:
            raise InvalidInput("attendance", "must be a non-empty list of {participant_id, minutes}")
        if len(attendance) > MAX_BATCH:
            raise InvalidInput("attendance", f"at most {MAX_BATCH} entries per call")
        rows: list[tuple[str, int]] = []
        for i, row in enumerate(attendance):
            if not isinstance(row, dict):
                raise InvalidInput(f"attendance[{i}]", "must be an object with participant_id and minutes")
            rows.append(
                (
                    str(_uuid(f"attendance[{i}].participant_id", row.get("participant_id"))),
                    v.minutes(f"attendance[{i}].minutes", row.get("minutes")),
                )
            )

        def apply(module: CourseModule, _: Programme) -> None:
            for pid, minutes in rows:
                module.record_attendance(sid, pid, minutes, ctx.actor, ctx.effective_on)

        return self._module_command(ctx, "record_attendance", module_id, {"session_id": sid, "attendance": rows}, apply)

    def record_module_completion(self, ctx: Ctx, *, module_id: str, participant_id: str) -> CommandResult:
        pid = str(_uuid("participant_id", participant_id))
        return self._module_command(
            ctx,
            "record_module_completion",
            module_id,
            {"participant_id": pid},
            lambda m, _: m.record_completion(pid, ctx.actor, ctx.effective_on),
        )

    # --- activities and the forum --------------------------------------------------------------------------

    def plan_activity(
        self,
        ctx: Ctx,
        *,
        programme: str,
        title: str,
        kind: str,
        competence_area: str,
        region: str,
        provider: str,
        planned_on: Any,
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "title": v.text("title", title),
            "kind": v.choice(v.ActivityKind, "kind", kind).value,
            "competence_area": v.text("competence_area", competence_area),
            "region": v.text("region", region),
            "provider": v.text("provider", provider),
            "planned_on": v.day("planned_on", planned_on),
        }
        programme_id = Programme.create_id(v.slug("programme", programme))

        def action(_: None) -> tuple[list[Aggregate], dict[str, str]]:
            self.open_programme(str(programme_id))
            activity = Activity(
                programme_id=str(programme_id), **inputs, actor=ctx.actor, effective_on=ctx.effective_on
            )
            return [activity], {"activity_id": str(activity.id)}

        return self._run(ctx, "plan_activity", {"programme": programme, **inputs}, None, action)

    def hold_activity(
        self,
        ctx: Ctx,
        *,
        activity_id: str,
        minutes: int,
        participant_ids: list[str] | None = None,
        participant_count: int | None = None,
    ) -> CommandResult:
        """An activity is held for named participants, or for a counted group whose members are not registered."""
        pids = _participant_ids("participant_ids", participant_ids or [], allow_empty=True)
        headcount = (
            len(pids) if participant_count is None else v.count("participant_count", participant_count, minimum=1)
        )
        if headcount < len(pids):
            raise InvalidInput("participant_count", "is less than the named participants")
        if headcount == 0:
            raise InvalidInput("participant_count", "an activity is held for at least one participant")
        inputs: dict[str, Any] = {
            "minutes": v.minutes("minutes", minutes),
            "participant_ids": pids,
            "participant_count": headcount,
        }
        target_id = _uuid("activity_id", activity_id)

        def action(activity: Activity) -> tuple[list[Aggregate], dict[str, str]]:
            if not isinstance(activity, Activity):
                raise NotFound("activity", activity_id)
            programme = self.open_programme(activity.programme_id)
            for pid in pids:
                _require_current_participant(programme, pid)
            activity.hold(**inputs, actor=ctx.actor, effective_on=ctx.effective_on)
            return [activity], {}

        return self._run(ctx, "hold_activity", {"activity_id": str(target_id), **inputs}, target_id, action, "activity")

    def cancel_activity(self, ctx: Ctx, *, activity_id: str, reason: str) -> CommandResult:
        why = v.text("reason", reason)
        target_id = _uuid("activity_id", activity_id)

        def action(activity: Activity) -> tuple[list[Aggregate], dict[str, str]]:
            if not isinstance(activity, Activity):
                raise NotFound("activity", activity_id)
            self.open_programme(activity.programme_id)
            activity.cancel(why, ctx.actor, ctx.effective_on)
            return [activity], {}

        return self._run(
            ctx,
            "cancel_activity",
            {"activity_id": str(target_id), "reason": why},
            target_id,
            action,
            "activity",
        )

    def hold_forum_meeting(
        self, ctx: Ctx, *, programme: str, title: str, sectors: list[str], format: str
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "title": v.text("title", title),
            "sectors": v.texts("sectors", sectors, allow_empty=False),
            "format": v.text("format", format),
        }
        programme_id = Programme.create_id(v.slug("programme", programme))
        meeting_id = str(uuid.uuid4())

        def action(forum: Forum) -> tuple[list[Aggregate], dict[str, str]]:
            self.open_programme(str(programme_id))
            forum.hold_meeting(meeting_id=meeting_id, **inputs, actor=ctx.actor, effective_on=ctx.effective_on)
            return [forum], {"meeting_id": meeting_id}

        return self._run(
            ctx,
            "hold_forum_meeting",
            {"programme": programme, **inputs},
            Forum.create_id(programme_id),
            action,
            "programme",
        )

    def co_create_education_offer(
        self, ctx: Ctx, *, programme: str, title: str, provider: str, meeting_id: str | None = None
    ) -> CommandResult:
        inputs: dict[str, Any] = {
            "title": v.text("title", title),
            "provider": v.text("provider", provider),
            "meeting_id": None if meeting_id is None else str(_uuid("meeting_id", meeting_id)),
        }
        programme_id = Programme.create_id(v.slug("programme", programme))
        offer_id = str(uuid.uuid4())

        def action(forum: Forum) -> tuple[list[Aggregate], dict[str, str]]:
            self.open_programme(str(programme_id))
            forum.co_create_offer(offer_id=offer_id, **inputs, actor=ctx.actor, effective_on=ctx.effective_on)
            return [forum], {"offer_id": offer_id}

        return self._run(
            ctx,
            "co_create_education_offer",
            {"programme": programme, **inputs},
            Forum.create_id(programme_id),
            action,
            "programme",
        )


# --- helpers -----------------------------------------------------------------------------------------------


def _fingerprint(command: str, inputs: dict[str, Any], ctx: Ctx) -> str:
    body = {"command": command, "inputs": inputs, "effective_on": ctx.effective_on}
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS, default=str)).hexdigest()


def _uuid(field_name: str, value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value)) if isinstance(value, str) else _bad_uuid(field_name)
    except ValueError:
        return _bad_uuid(field_name)


def _bad_uuid(field_name: str) -> uuid.UUID:
    raise InvalidInput(field_name, "must be a UUID")


def _new_id(field_name: str, value: str | None) -> str:
    return str(uuid.uuid4()) if value is None else str(_uuid(field_name, value))


def _participant_ids(field_name: str, values: Any, *, allow_empty: bool = False) -> list[str]:
    if not isinstance(values, list) or (not values and not allow_empty):
        raise InvalidInput(field_name, "must be a non-empty list of participant ids")
    if len(values) > MAX_BATCH:
        raise InvalidInput(field_name, f"at most {MAX_BATCH} entries per call")
    ids = [str(_uuid(f"{field_name}[{i}]", value)) for i, value in enumerate(values)]
    if len(set(ids)) != len(ids):
        raise InvalidInput(field_name, "names a participant twice")
    return ids


def _require_current_participant(programme: Programme, pid: str) -> None:
    if not programme.has_participant(pid):
        raise RuleViolated("participant_unknown", f"participant {pid} is not registered in {programme.slug}")
    if programme.participant_erased(pid):
        raise RuleViolated("participant_erased", f"participant {pid} was erased")


def _limit_name(field_name: str, name: Any, allowed: frozenset[str]) -> str:
    if name not in allowed:
        raise InvalidInput(field_name, f"{name!r} is not one of {', '.join(sorted(allowed))}")
    return str(name)


def _limits(field_name: str, limits: Any, allowed: frozenset[str]) -> dict[str, int]:
    if not isinstance(limits, dict):
        raise InvalidInput(field_name, "must map a name to a number")
    return {_limit_name(f"{field_name}.{k}", k, allowed): v.count(f"{field_name}.{k}", n) for k, n in limits.items()}


def _basis_points(field_name: str, value: Any) -> int:
    result = v.count(field_name, value)
    if result > 10_000:
        raise InvalidInput(field_name, "is a share in basis points, at most 10000 (100 %)")
    return result


def _value(choice: Any) -> str | None:
    return None if choice is None else str(choice.value)


def _identity(identity: Identity | dict[str, Any] | None) -> Identity | None:
    if identity is None or isinstance(identity, Identity):
        return identity
    if not isinstance(identity, dict):
        raise InvalidInput("identity", "must be an object with name, email and personal_number")
    unknown = set(identity) - {"name", "email", "personal_number"}
    if unknown:
        raise InvalidInput("identity", f"unknown fields: {', '.join(sorted(unknown))}")
    email = identity.get("email")
    number = identity.get("personal_number")
    return Identity(
        name=v.text("identity.name", identity.get("name")),
        email=None if email is None else v.text("identity.email", email),
        personal_number=None if number is None else v.text("identity.personal_number", number),
    )
