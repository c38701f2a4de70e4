"""A programme: its frame (owner, funders, period, caps, targets), the companies in its recruitment pipeline and
its roster of participants (pseudonymous ids only; identifying details live in the identity vault)."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import event

from ledger.domain import dated
from ledger.domain.base import LedgerAggregate, stable_id
from ledger.errors import InvalidInput, RuleViolated
from ledger.events import programme as ev

# Pipeline stages a company passes through in one programme.
PRESENTED, JOINED, ONBOARDED, WITHDRAWN, COMPLETED = (
    "presented",
    "joined",
    "onboarded",
    "withdrawn",
    "completed",
)
ACTIVE_STAGES = frozenset({JOINED, ONBOARDED})


class Programme(LedgerAggregate):
    TOPIC = "ledger:Programme"
    class_version = 2  # of its snapshots: version 2 keeps stages, counts and caps by effective day

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:Programme.Created"

    # the events it records (ledger/events): the library looks them up by name on the class
    ProgrammeLaunched = ev.ProgrammeLaunched
    CapRevised = ev.CapRevised
    TargetRevised = ev.TargetRevised
    ProgrammeClosed = ev.ProgrammeClosed
    CompanyPresented = ev.CompanyPresented
    CompanyJoined = ev.CompanyJoined
    OnboardingMeetingHeld = ev.OnboardingMeetingHeld
    CompanyGoalsSet = ev.CompanyGoalsSet
    CompanyNeedsAnalysed = ev.CompanyNeedsAnalysed
    CompanyWithdrew = ev.CompanyWithdrew
    CompanyCompleted = ev.CompanyCompleted
    ParticipantRegistered = ev.ParticipantRegistered
    ParticipantLeft = ev.ParticipantLeft
    ParticipantReentered = ev.ParticipantReentered
    ParticipantErased = ev.ParticipantErased

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before the state was dated: what it holds counts from the start (its days are not
        known), so the rules hold on every day after it and at its end."""
        start = date.min.isoformat()
        for company in state["companies"].values():
            company["stages"] = [[start, company["stage"]]]
        active = sum(1 for c in state["companies"].values() if c["stage"] in ACTIVE_STAGES)
        state["active_companies"] = {start: active} if active else {}
        state["registrations"] = {start: len(state["participants"])} if state["participants"] else {}
        state["cap_settings"] = {name: {start: value} for name, value in state["caps"].items()}
        state.setdefault("began_on", date.min)
        state.setdefault("fact_on", date.min)

    @staticmethod
    def create_id(slug: str) -> Any:
        """One programme per slug: a second launch collides in the store."""
        return stable_id("programme", slug)

    @event(ev.ProgrammeLaunched)
    def __init__(
        self,
        slug: str,
        name: str,
        owner: str,
        funders: list[str],
        starts_on: date,
        ends_on: date,
        currency: str,
        regions: list[str],
        themes: list[str],
        caps: dict[str, int],
        targets: dict[str, int],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.slug = slug
        self.name = name
        self.owner = owner
        self.funders = list(funders)
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.currency = currency
        self.regions = list(regions)
        self.themes = list(themes)
        self.caps = dict(caps)
        self.targets = dict(targets)
        self.closed = False
        # a company: its stage now, its presentations and every stage it reached, dated ([ISO day, stage])
        self.companies: dict[str, dict[str, Any]] = {}
        self.participants: dict[str, dict[str, Any]] = {}
        # for the caps on every day: each cap's values by day (the launch's from the start: no fact of the
        # programme takes effect before it), and the counts they cap, as changes by day
        self.cap_settings: dict[str, dated.Settings] = {n: {date.min.isoformat(): v} for n, v in caps.items()}
        self.active_companies: dated.Changes = {}
        self.registrations: dated.Changes = {}

    # --- derived state -------------------------------------------------------------------------------------

    def stage_of(self, org_number: str) -> str | None:
        """The company's stage now: the one it reached last by effective date (on one day, last recorded)."""
        company = self.companies.get(org_number)
        return None if company is None else company["stage"]

    def stage_on(self, org_number: str, day: date) -> str | None:
        """The company's stage on a day."""
        company = self.companies.get(org_number)
        reached = [stage for on, stage in _by_day(company["stages"]) if on <= day.isoformat()] if company else []
        return reached[-1] if reached else None

    @property
    def active_company_count(self) -> int:
        return sum(1 for c in self.companies.values() if c["stage"] in ACTIVE_STAGES)

    @property
    def participant_count(self) -> int:
        return len(self.participants)

    def has_participant(self, participant_id: str) -> bool:
        return participant_id in self.participants

    def participant_erased(self, participant_id: str) -> bool:
        return bool(self.participants.get(participant_id, {}).get("erased"))

    # --- commands ------------------------------------------------------------------------------------------

    def check_open(self) -> None:
        if self.closed:
            raise RuleViolated("programme_closed", f"programme {self.slug} is closed")

    def check_effective(self, day: date) -> None:
        """No fact of a programme takes effect before its launch."""
        if day < self.began_on:
            raise RuleViolated(
                "effective_before_launch",
                f"effective {day} is before programme {self.slug} was launched ({self.began_on})",
                on=day,
            )

    def _counted(self, name: str) -> dated.Changes:
        return self.active_companies if name == "companies" else self.registrations

    def _check_cap(self, name: str, day: date, counts: dated.Changes, settings: dated.Settings | None = None) -> None:
        """The cap holds on `day` and on every later day (`counts` with the change asked for)."""
        settings = self.cap_settings.get(name, {}) if settings is None else settings
        excess = dated.first_excess(day, counts, settings)
        if excess is not None:
            rule = "company_cap_reached" if name == "companies" else "participant_cap_reached"
            raise RuleViolated(
                rule,
                f"the programme's cap of {excess.cap} {name} would be passed on {excess.day} ({excess.counted})",
                on=excess.day,
            )

    def revise_cap(
        self, name: str, value: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self.check_open()
        day = dated.effective(effective_on)
        settings = {**self.cap_settings.get(name, {}), day.isoformat(): value}
        excess = dated.first_excess(day, self._counted(name), settings)
        if excess is not None:
            raise RuleViolated(
                "cap_below_current",
                f"cap {name}={value} is below the {excess.counted} {name} counted on {excess.day}",
                on=excess.day,
            )
        self._cap_revised(name=name, value=value, decision=decision, actor=actor, effective_on=effective_on)

    @event(ev.CapRevised)
    def _cap_revised(
        self, name: str, value: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self.cap_settings.setdefault(name, {})[self.fact_on.isoformat()] = value
        latest = max(self.cap_settings[name])
        self.caps[name] = self.cap_settings[name][latest]

    def revise_target(
        self, name: str, value: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self.check_open()
        self._target_revised(name=name, value=value, decision=decision, actor=actor, effective_on=effective_on)

    @event(ev.TargetRevised)
    def _target_revised(
        self, name: str, value: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self.targets[name] = value

    def close(self, decision: dict[str, str], actor: str, effective_on: date | None) -> None:
        self.check_open()
        self._closed(decision=decision, actor=actor, effective_on=effective_on)

    @event(ev.ProgrammeClosed)
    def _closed(self, decision: dict[str, str], actor: str, effective_on: date | None) -> None:
        self.closed = True

    # Companies ---------------------------------------------------------------------------------------------

    def _reach(self, org_number: str, stage: str) -> None:
        """Record that a company reached a stage on the event's day; its stage now and the count of active
        companies by day follow."""
        company = self.companies.setdefault(org_number, {"stage": None, "presentations": 0, "stages": []})
        before = _active_changes(company["stages"])
        company["stages"].append([self.fact_on.isoformat(), stage])
        after = _active_changes(company["stages"])
        for day in before.keys() | after.keys():
            change = after.get(day, 0) - before.get(day, 0)
            if change:
                self.active_companies[day] = self.active_companies.get(day, 0) + change
        company["stage"] = _by_day(company["stages"])[-1][1]

    def _not_before_entering(self, org_number: str, effective_on: date | None) -> None:
        """A company's goals and needs follow its first day in the programme (its earliest stage): effective by
        a day before it, the company is not in the programme's answers, and its goals would have nowhere to be."""
        first = min(day for day, _ in self.companies[org_number]["stages"])
        dated.require_not_before(
            dated.effective(effective_on), first, "effective_before_entered", "the company's first day in the programme"
        )

    def _not_joined_on(self, org_number: str, day: date) -> None:
        if self.stage_on(org_number, day) in ACTIVE_STAGES | {COMPLETED}:
            raise RuleViolated("already_joined", f"company {org_number} had joined by {day}", on=day)

    def present_company(self, org_number: str, channel: str, actor: str, effective_on: date | None) -> None:
        """A company may be presented again, and a presentation found later may be dated back, but not to a
        day on which the company had joined."""
        self.check_open()
        self._not_joined_on(org_number, dated.effective(effective_on))
        self._company_presented(org_number=org_number, channel=channel, actor=actor, effective_on=effective_on)

    @event(ev.CompanyPresented)
    def _company_presented(self, org_number: str, channel: str, actor: str, effective_on: date | None) -> None:
        self._reach(org_number, PRESENTED)
        self.companies[org_number]["presentations"] += 1

    def join_company(self, org_number: str, actor: str, effective_on: date | None) -> None:
        self.check_open()
        day = dated.effective(effective_on)
        self._not_joined_on(org_number, day)
        company = self.companies.get(org_number, {"stages": []})
        before = _active_changes(company["stages"])
        after = _active_changes([*company["stages"], [day.isoformat(), JOINED]])
        counts = dict(self.active_companies)
        for on in before.keys() | after.keys():
            counts[on] = counts.get(on, 0) + after.get(on, 0) - before.get(on, 0)
        self._check_cap("companies", day, counts)
        self._company_joined(org_number=org_number, actor=actor, effective_on=effective_on)

    @event(ev.CompanyJoined)
    def _company_joined(self, org_number: str, actor: str, effective_on: date | None) -> None:
        self._reach(org_number, JOINED)

    def _require_active(self, org_number: str) -> None:
        if self.stage_of(org_number) not in ACTIVE_STAGES:
            raise RuleViolated("company_not_active", f"company {org_number} has not joined this programme")

    def hold_onboarding(self, org_number: str, actor: str, effective_on: date | None) -> None:
        self.check_open()
        self._require_active(org_number)
        if self.stage_of(org_number) == ONBOARDED:
            raise RuleViolated("already_onboarded", f"company {org_number} has had its onboarding meeting")
        self._onboarding_held(org_number=org_number, actor=actor, effective_on=effective_on)

    @event(ev.OnboardingMeetingHeld)
    def _onboarding_held(self, org_number: str, actor: str, effective_on: date | None) -> None:
        self._reach(org_number, ONBOARDED)

    def set_goals(self, org_number: str, goals: list[str], actor: str, effective_on: date | None) -> None:
        self.check_open()
        self._require_active(org_number)
        self._not_before_entering(org_number, effective_on)
        if not goals:
            raise InvalidInput("goals", "must name at least one goal")
        self._goals_set(org_number=org_number, goals=goals, actor=actor, effective_on=effective_on)

    @event(ev.CompanyGoalsSet)
    def _goals_set(self, org_number: str, goals: list[str], actor: str, effective_on: date | None) -> None:
        self.companies[org_number]["goals"] = list(goals)

    def analyse_needs(
        self, org_number: str, competence_areas: list[str], actor: str, effective_on: date | None
    ) -> None:
        self.check_open()
        if self.stage_of(org_number) is None:
            raise RuleViolated("company_not_in_programme", f"company {org_number} was neither presented nor joined")
        self._not_before_entering(org_number, effective_on)
        if not competence_areas:
            raise InvalidInput("competence_areas", "must name at least one competence area")
        self._needs_analysed(
            org_number=org_number, competence_areas=competence_areas, actor=actor, effective_on=effective_on
        )

    @event(ev.CompanyNeedsAnalysed)
    def _needs_analysed(
        self, org_number: str, competence_areas: list[str], actor: str, effective_on: date | None
    ) -> None:
        self.companies[org_number]["competence_areas"] = list(competence_areas)

    def withdraw_company(self, org_number: str, reason: str, actor: str, effective_on: date | None) -> None:
        self.check_open()
        self._require_active(org_number)
        self._company_withdrew(org_number=org_number, reason=reason, actor=actor, effective_on=effective_on)

    @event(ev.CompanyWithdrew)
    def _company_withdrew(self, org_number: str, reason: str, actor: str, effective_on: date | None) -> None:
        self._reach(org_number, WITHDRAWN)

    def complete_company(self, org_number: str, actor: str, effective_on: date | None) -> None:
        self.check_open()
        self._require_active(org_number)
        self._company_completed(org_number=org_number, actor=actor, effective_on=effective_on)

    @event(ev.CompanyCompleted)
    def _company_completed(self, org_number: str, actor: str, effective_on: date | None) -> None:
        self._reach(org_number, COMPLETED)

    # Participants ------------------------------------------------------------------------------------------

    def register_participant(
        self,
        participant_id: str,
        org_number: str,
        target_group: str,
        attributes: dict[str, str | None],
        actor: str,
        effective_on: date | None,
    ) -> None:
        """A first entry records the ESF attributes; a re-entry keeps those of the first entry."""
        self.check_open()
        self._require_active(org_number)
        if participant_id in self.participants:
            raise RuleViolated("participant_exists", f"participant {participant_id} is already registered")
        day = dated.effective(effective_on)
        counts = dict(self.registrations)
        dated.add(counts, day, 1)
        self._check_cap("participants", day, counts)
        self._participant_registered(
            participant_id=participant_id,
            org_number=org_number,
            target_group=target_group,
            attributes=attributes,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.ParticipantRegistered)
    def _participant_registered(
        self,
        participant_id: str,
        org_number: str,
        target_group: str,
        attributes: dict[str, str | None],
        actor: str,
        effective_on: date | None,
    ) -> None:
        dated.add(self.registrations, self.fact_on, 1)
        self.participants[participant_id] = {
            "org_number": org_number,
            "target_group": target_group,
            "entries": 1,
            "left": False,
            "erased": False,
            "since": self.fact_on.isoformat(),  # the day of its registration, or of its latest exit or re-entry
            "registered_on": self.fact_on.isoformat(),
        }

    def record_participant_left(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        self.check_open()
        self._require_participant(participant_id)
        if self.participants[participant_id]["left"]:
            raise RuleViolated("participant_already_left", f"participant {participant_id} has already left")
        self.require_since(participant_id, effective_on)
        self._participant_left(participant_id=participant_id, actor=actor, effective_on=effective_on)

    @event(ev.ParticipantLeft)
    def _participant_left(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        self.participants[participant_id]["left"] = True
        self.participants[participant_id]["since"] = self.fact_on.isoformat()

    def reenter_participant(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        self.check_open()
        self._require_participant(participant_id)
        if not self.participants[participant_id]["left"]:
            raise RuleViolated("participant_not_left", f"participant {participant_id} has not left")
        self.require_since(participant_id, effective_on)
        self._participant_reentered(participant_id=participant_id, actor=actor, effective_on=effective_on)

    @event(ev.ParticipantReentered)
    def _participant_reentered(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        self.participants[participant_id]["left"] = False
        self.participants[participant_id]["entries"] += 1
        self.participants[participant_id]["since"] = self.fact_on.isoformat()

    def registered_on(self, participant_id: str) -> str | None:
        """The day a participant's registration took effect (None if an earlier version did not record it)."""
        return self.participants[participant_id].get("registered_on")

    def require_since(self, participant_id: str, effective_on: date | None) -> None:
        """A participant's leaving and re-entry follow each other, and the registration, on the effective axis."""
        since = self.participants[participant_id].get("since")
        dated.require_not_before(
            dated.effective(effective_on), since, "effective_before_previous", "the participant's latest entry or exit"
        )

    def _require_participant(self, participant_id: str) -> None:
        if participant_id not in self.participants:
            raise RuleViolated("participant_unknown", f"participant {participant_id} is not in this programme")
        if self.participants[participant_id]["erased"]:
            raise RuleViolated("participant_erased", f"participant {participant_id} was erased")

    def erase_participant(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        """Erasure is allowed on a closed programme too: the GDPR does not wait for the programme's end."""
        self._require_participant(participant_id)
        self._participant_erased(participant_id=participant_id, actor=actor, effective_on=effective_on)

    @event(ev.ParticipantErased)
    def _participant_erased(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        self.participants[participant_id]["erased"] = True


def _by_day(stages: list[list[str]]) -> list[list[str]]:
    """Stages in the order they were reached: by day, and on one day in the order recorded."""
    return sorted(stages, key=lambda reached: reached[0])


def _active_changes(stages: list[list[str]]) -> dated.Changes:
    """How one company adds to the count of active companies: +1 on the day it becomes active, -1 on the day it
    stops being active."""
    changes: dated.Changes = {}
    active = False
    for on, stage in _by_day(stages):
        now = stage in ACTIVE_STAGES
        if now != active:
            changes[on] = changes.get(on, 0) + (1 if now else -1)
            active = now
    return {on: change for on, change in changes.items() if change}
