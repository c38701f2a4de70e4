"""Properties of the read models on random histories, driven through the real `Ledger` commands.

A history is a list of steps (an operation and three small numbers that pick its arguments); `Driver` turns each
into a command, and a command the ledger rejects is simply part of the history (nothing was written). Then:

(a) the live projection (caught up every few commands), a rebuild from scratch and the plain in-memory fold
    hold the same rows in every table;
(b) `store_as_of` at a random position equals the plain fold of the events up to it, and `programme_as_of` at that
    position answers `programme_status` and `funding_audit` for each programme exactly as `store_as_of` does;
(c) a projection killed in the middle of a batch leaves rows and positions as they were before that batch (the
    transaction rolled back), and resumed it reaches the same rows as the plain fold;
(d) the funding audit reconciles for every programme after every command, and its balances are the Funds
    aggregate's own.

Rows are compared after a small normaliser (`normalise`): every column present, dates as ISO strings, tuples as
lists, rows sorted. SQLite and PostgreSQL hand back dates as `date` and JSON as parsed values, as the memory rows
hold them, so today it only guards against representation differences, not value differences."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from eventsourcing.application import AggregateNotFoundError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql
from sqlalchemy import Engine, select
from stdnum.no import orgnr

from ledger.application import CommandResult, Ctx, Ledger
from ledger.commands import (
    AddCompanyToGroup,
    AgreeLumpSum,
    AllocateFunds,
    AnalyseCompanyNeeds,
    ApproveClaim,
    ApprovePayment,
    AwardGrant,
    CancelActivity,
    CancelPayment,
    CancelSession,
    ClaimRepayment,
    ClosePeriod,
    CloseProgramme,
    CoCreateEducationOffer,
    Command,
    CompleteCompany,
    CompleteDeliverable,
    ConfirmPayment,
    CorrectCompany,
    DisburseFunds,
    DraftClaim,
    EnrolParticipants,
    EraseParticipant,
    ExpirePayment,
    FormNetworkGroup,
    HoldActivity,
    HoldForumMeeting,
    HoldOnboarding,
    HoldSession,
    JoinCompany,
    LaunchProgramme,
    LiftPaymentStop,
    OfferModule,
    PayClaim,
    PlanActivity,
    PresentCompany,
    ReallocateFunds,
    ReceiveRepayment,
    RecordAttendance,
    RecordCashContribution,
    RecordInKindContribution,
    RecordModuleCompletion,
    RecordParticipantLeft,
    ReenterParticipant,
    RegisterCompany,
    RegisterParticipant,
    RemoveCompanyFromGroup,
    ReportExpenditure,
    RequestPayment,
    ReturnUnusedFunds,
    ReverseEntry,
    ReviseCap,
    ReviseTarget,
    ScheduleSession,
    SetBudgetLine,
    SetCompanyGoals,
    SetFlatRate,
    SetInKindRate,
    SetReportingCalendar,
    SetUnitCost,
    StopPayments,
    SubmitClaim,
    WithdrawCompany,
)
from ledger.domain.programme import Programme
from ledger.domain.reporting import Reporting
from ledger.errors import LedgerError
from projections.as_of import AS_OF_MODELS, programme_as_of, store_as_of
from projections.audit.queries import funding_audit, reconciliation
from projections.facts import Fact, facts_from
from projections.folding import ReadModel
from projections.projector import READ_MODELS, Projector
from projections.rows import MemoryRows, Row, dump_sql
from projections.schema import TABLES, programmes
from projections.status.queries import programme_status
from storage.open import open_ledger, open_projector

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

# --- the world a history plays in ------------------------------------------------------------------------------


def norwegian_numbers(count: int, base: int = 91_234_500) -> list[str]:
    """Valid Norwegian organisation numbers. python-stdnum 2.2 has no `calc_check_digit` for Norway, so the check
    digit is the one that makes stdnum's own MOD11 `checksum` zero (bases without one are skipped)."""
    numbers: list[str] = []
    while len(numbers) < count:
        stem = f"{base:08d}"
        digits = [d for d in "0123456789" if orgnr.checksum(stem + d) == 0]
        if digits:
            assert orgnr.is_valid(stem + digits[0])
            numbers.append(stem + digits[0])
        base += 1
    return numbers


SLUGS = ("alpha", "beta")
NUMBERS = norwegian_numbers(5)
REGIONS = ("Viken", "Vestland", "Trøndelag")
SIZES = ("micro", "small", "medium", "large")
DAYS = tuple(date(2021, 1, 4) + timedelta(days=9 * k) for k in range(24))
LAUNCHED = date(2020, 12, 1)
DECISION = {"reference": "Board meeting 2021-1", "body": "Tripartite board"}
ATTESTER = Ctx(actor="attester@ledger")  # approves payments by two people; the step's own actor pays
FUNDERS = ("Kompetanse Norge", "Viken fylkeskommune")
CATEGORIES = ("courses", "coordination")
TARGET_GROUPS = ("employed", "furloughed", "laid_off", "unemployed")
GENDERS = ("female", "male", "non_binary", None)
AGE_BANDS = ("under_18", "18_29", "30_54", "55_plus", None)
EMPLOYMENT = ("employed", "unemployed", "long_term_unemployed", "inactive", None)
EDUCATION = ("isced_0_2", "isced_3_4", "isced_5_8", None)

Step = tuple[str, int, int, int]


class Skip(Exception):
    """The step needs something the history has not made yet (a module, a grant...): nothing to do."""


def slug_for(i: int) -> str:
    """Mostly the first programme (launched by every history), sometimes the second (launched, or not, later)."""
    return SLUGS[1] if i % 3 == 1 else SLUGS[0]


def elsewhere(slug: str) -> str:
    return SLUGS[1] if slug == SLUGS[0] else SLUGS[0]


def pick(items: list[Any], i: int) -> Any:
    if not items:
        raise Skip
    return items[i % len(items)]


@dataclass(frozen=True)
class At:
    """Who records a step, and the day it takes effect (None: the day it is recorded)."""

    who: Ctx
    day: date | None


class Driver:
    """Turns steps into commands and remembers the ids the ledger handed out, so later steps can refer to them."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.participants: list[tuple[str, str]] = []  # (programme slug, participant id)
        self.modules: list[tuple[str, str]] = []  # (slug, module id)
        self.sessions: list[tuple[str, str]] = []  # (module id, session id)
        self.enrolled: list[tuple[str, str]] = []  # (module id, participant id)
        self.activities: list[str] = []
        self.groups: list[str] = []
        self.meetings: list[tuple[str, str]] = []
        self.grants: list[tuple[str, str]] = []
        self.allocations: list[tuple[str, str]] = []
        self.entries: list[tuple[str, str]] = []
        self.owner: dict[str, str] = {}  # module, activity or group id -> its programme's slug
        self.accepted = 0
        self.rejected = 0

    def handle(self, at: At, command: Command) -> CommandResult:
        return self.ledger.handle(at.who, command.model_copy(update={"effective_on": at.day}))

    def run(self, steps: Iterable[Step]) -> None:
        for step in steps:
            self.step(step)

    def step(self, step: Step) -> bool:
        op, a, b, n = step
        day = None if (a + b) % 5 == 0 else DAYS[(7 * a + 3 * b + n) % len(DAYS)]
        ctx = At(Ctx(actor=f"actor-{a % 3}@programme"), day)
        try:
            getattr(self, f"_{op}")(ctx, a, b, n)
        except Skip:
            return False
        except LedgerError:
            self.rejected += 1
            return False
        self.accepted += 1
        return True

    # programmes and companies
    def _launch(self, ctx: At, a: int, b: int, n: int) -> None:
        """Launched before the days the steps take effect on (no fact of a programme precedes its launch)."""
        caps = {"companies": 1 + n} if b % 2 == 0 else {}
        if b % 3 == 0:
            caps["participants"] = 2 + n
        self.handle(
            At(ctx.who, LAUNCHED),
            LaunchProgramme(
                slug=slug_for(a),
                name=f"Programme {slug_for(a)}",
                owner="Industry cluster",
                funders=list(FUNDERS),
                starts_on="2021-01-01",
                ends_on="2022-12-31",
                currency="NOK",
                regions=list(REGIONS),
                themes=["digitalisation"],
                caps=caps,
                targets={"companies": 10, "participants": 50},
            ),
        )

    def _revise_cap(self, ctx: At, a: int, b: int, n: int) -> None:
        self.handle(ctx, ReviseCap(programme=slug_for(a), name="companies", value=n + b, decision=DECISION))

    def _revise_target(self, ctx: At, a: int, b: int, n: int) -> None:
        name = ("companies", "participants", "activities", "sessions", "training_hours")[b % 5]
        self.handle(ctx, ReviseTarget(programme=slug_for(a), name=name, value=10 * n, decision=DECISION))

    def _close(self, ctx: At, a: int, b: int, n: int) -> None:
        """Only the second programme closes, so that a history goes on after a closure."""
        self.handle(ctx, CloseProgramme(programme=SLUGS[1], decision=DECISION))

    def _register_company(self, ctx: At, a: int, b: int, n: int) -> None:
        self.handle(
            ctx,
            RegisterCompany(
                org_number=NUMBERS[a % len(NUMBERS)],
                name=f"Company {a % len(NUMBERS)}",
                region=REGIONS[n % 3],
                sector=("food", "metal")[b % 2],
                size=SIZES[b % 4],
            ),
        )

    def _correct_company(self, ctx: At, a: int, b: int, n: int) -> None:
        self.handle(
            ctx,
            CorrectCompany(
                org_number=NUMBERS[a % len(NUMBERS)],
                name=f"Company {a % len(NUMBERS)} AS",
                region=REGIONS[(n + 1) % 3],
                sector="electronics",
                size=SIZES[(b + 1) % 4],
            ),
        )

    def _present(self, ctx: At, a: int, b: int, n: int) -> None:
        number = NUMBERS[b % len(NUMBERS)]
        self.handle(ctx, PresentCompany(programme=slug_for(a), org_number=number, channel="Teams"))

    def _join(self, ctx: At, a: int, b: int, n: int) -> None:
        self.handle(ctx, JoinCompany(programme=slug_for(a), org_number=NUMBERS[b % len(NUMBERS)]))

    def _retry_join(self, ctx: At, a: int, b: int, n: int) -> None:
        """A retried command with an idempotency key: a receipt event no read model shows."""
        keyed = At(Ctx(actor=ctx.who.actor, idempotency_key=f"join-{a % 2}-{b % 5}"), ctx.day)
        for _ in range(2):
            self.handle(keyed, JoinCompany(programme=slug_for(a), org_number=NUMBERS[b % len(NUMBERS)]))

    def _onboard(self, ctx: At, a: int, b: int, n: int) -> None:
        self.handle(ctx, HoldOnboarding(programme=slug_for(a), org_number=NUMBERS[b % len(NUMBERS)]))

    def _goals(self, ctx: At, a: int, b: int, n: int) -> None:
        number = NUMBERS[b % len(NUMBERS)]
        self.handle(ctx, SetCompanyGoals(programme=slug_for(a), org_number=number, goals=[f"goal {n}"]))

    def _needs(self, ctx: At, a: int, b: int, n: int) -> None:
        number = NUMBERS[b % len(NUMBERS)]
        areas = ["automation", "lean"][: 1 + n % 2]
        self.handle(ctx, AnalyseCompanyNeeds(programme=slug_for(a), org_number=number, competence_areas=areas))

    def _withdraw(self, ctx: At, a: int, b: int, n: int) -> None:
        number = NUMBERS[b % len(NUMBERS)]
        self.handle(ctx, WithdrawCompany(programme=slug_for(a), org_number=number, reason="no capacity"))

    def _complete(self, ctx: At, a: int, b: int, n: int) -> None:
        self.handle(ctx, CompleteCompany(programme=slug_for(a), org_number=NUMBERS[b % len(NUMBERS)]))

    # participants
    def _participant(self, ctx: At, a: int, b: int, n: int) -> None:
        slug = slug_for(a)
        result = self.handle(
            ctx,
            RegisterParticipant(
                programme=slug,
                org_number=NUMBERS[b % len(NUMBERS)],
                target_group=TARGET_GROUPS[n % 4],
                gender=GENDERS[(a + b) % 4],
                age_band=AGE_BANDS[(b + n) % 5],
                employment_status=EMPLOYMENT[(a + n) % 5],
                education_level=EDUCATION[(a + b + n) % 4],
            ),
        )
        self.participants.append((slug, result.ids["participant_id"]))

    def _participant_elsewhere(self, ctx: At, a: int, b: int, n: int) -> None:
        """The same pseudonymous id in the other programme: ids the client chooses are unique per programme."""
        slug, pid = pick(self.participants, a)
        other = elsewhere(slug)
        self.handle(
            ctx,
            RegisterParticipant(
                programme=other, org_number=NUMBERS[b % len(NUMBERS)], target_group="employed", participant_id=pid
            ),
        )
        self.participants.append((other, pid))

    def _left(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, pid = pick(self.participants, a + b)
        self.handle(ctx, RecordParticipantLeft(programme=slug, participant_id=pid))

    def _reenter(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, pid = pick(self.participants, a + b)
        self.handle(ctx, ReenterParticipant(programme=slug, participant_id=pid))

    def _erase(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, pid = pick(self.participants, a + b)
        self.handle(ctx, EraseParticipant(programme=slug, participant_id=pid))

    # modules, sessions, attendance
    def _module(self, ctx: At, a: int, b: int, n: int) -> None:
        slug = slug_for(a)
        result = self.handle(
            ctx,
            OfferModule(
                programme=slug,
                title=f"Module {n}",
                providers=["OsloMet", "Fagskolen i Østfold"][: 1 + b % 2],
                theme=("digitalisation", "leadership")[b % 2],
                region=REGIONS[n % 3],
                competence_areas=["automation"],
            ),
        )
        self.modules.append((slug, result.ids["module_id"]))
        self.owner[result.ids["module_id"]] = slug

    def _schedule(self, ctx: At, a: int, b: int, n: int) -> None:
        _, module_id = pick(self.modules, a)
        result = self.handle(
            ctx,
            ScheduleSession(
                programme=self.owner[module_id],
                module_id=module_id,
                starts_on=DAYS[b % len(DAYS)],
                place="Moss",
                online=n % 2 == 0,
                minutes=60 * n,
            ),
        )
        self.sessions.append((module_id, result.ids["session_id"]))

    def _hold_session(self, ctx: At, a: int, b: int, n: int) -> None:
        module_id, session_id = pick(self.sessions, a + b)
        self.handle(ctx, HoldSession(programme=self.owner[module_id], module_id=module_id, session_id=session_id))

    def _cancel_session(self, ctx: At, a: int, b: int, n: int) -> None:
        module_id, session_id = pick(self.sessions, a + b)
        self.handle(
            ctx,
            CancelSession(
                programme=self.owner[module_id], module_id=module_id, session_id=session_id, reason="too few"
            ),
        )

    def _enrol(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, module_id = pick(self.modules, a)
        pids = [pid for s, pid in self.participants if s == slug] or [pid for _, pid in self.participants]
        chosen = sorted({pick(pids, b), pick(pids, b + n)})
        self.handle(
            ctx, EnrolParticipants(programme=self.owner[module_id], module_id=module_id, participant_ids=chosen)
        )
        self.enrolled += [(module_id, pid) for pid in chosen]

    def _attend(self, ctx: At, a: int, b: int, n: int) -> None:
        module_id, session_id = pick(self.sessions, a)
        pids = [pid for m, pid in self.enrolled if m == module_id] or [pid for _, pid in self.participants]
        chosen = sorted({pick(pids, b), pick(pids, b + 1)})
        attendance = [{"participant_id": pid, "minutes": 30 * n} for pid in chosen]
        self.handle(
            ctx,
            RecordAttendance(
                programme=self.owner[module_id], module_id=module_id, session_id=session_id, attendance=attendance
            ),
        )

    def _completion(self, ctx: At, a: int, b: int, n: int) -> None:
        module_id, pid = pick(self.enrolled, a + b)
        self.handle(
            ctx, RecordModuleCompletion(programme=self.owner[module_id], module_id=module_id, participant_id=pid)
        )

    # activities, network groups, the forum
    def _plan_activity(self, ctx: At, a: int, b: int, n: int) -> None:
        result = self.handle(
            ctx,
            PlanActivity(
                programme=slug_for(a),
                title=f"Activity {n}",
                kind=("group", "individual")[b % 2],
                competence_area=("robotics", "forklift")[n % 2],
                region=REGIONS[b % 3],
                provider="Fagskolen",
                planned_on=DAYS[(b + n) % len(DAYS)],
            ),
        )
        self.activities.append(result.ids["activity_id"])
        self.owner[result.ids["activity_id"]] = slug_for(a)

    def _hold_activity(self, ctx: At, a: int, b: int, n: int) -> None:
        activity_id = pick(self.activities, a)
        if b % 2 == 0:
            self.handle(
                ctx,
                HoldActivity(
                    programme=self.owner[activity_id], activity_id=activity_id, minutes=45 * n, participant_count=n + 2
                ),
            )
        else:
            pid = pick(self.participants, b)[1]
            self.handle(
                ctx,
                HoldActivity(
                    programme=self.owner[activity_id], activity_id=activity_id, minutes=45 * n, participant_ids=[pid]
                ),
            )

    def _cancel_activity(self, ctx: At, a: int, b: int, n: int) -> None:
        activity_id = pick(self.activities, a + b)
        self.handle(ctx, CancelActivity(programme=self.owner[activity_id], activity_id=activity_id, reason="weather"))

    def _group(self, ctx: At, a: int, b: int, n: int) -> None:
        basis = ("geography", "production", "theme")[b % 3]
        result = self.handle(ctx, FormNetworkGroup(programme=slug_for(a), name=f"Group {n}", basis=basis))
        self.groups.append(result.ids["group_id"])
        self.owner[result.ids["group_id"]] = slug_for(a)

    def _add_to_group(self, ctx: At, a: int, b: int, n: int) -> None:
        group_id = pick(self.groups, a)
        self.handle(
            ctx,
            AddCompanyToGroup(programme=self.owner[group_id], group_id=group_id, org_number=NUMBERS[b % len(NUMBERS)]),
        )

    def _remove_from_group(self, ctx: At, a: int, b: int, n: int) -> None:
        group_id = pick(self.groups, a)
        self.handle(
            ctx,
            RemoveCompanyFromGroup(
                programme=self.owner[group_id], group_id=group_id, org_number=NUMBERS[b % len(NUMBERS)]
            ),
        )

    def _forum(self, ctx: At, a: int, b: int, n: int) -> None:
        slug = slug_for(a)
        result = self.handle(
            ctx,
            HoldForumMeeting(
                programme=slug, title=f"Forum {n}", sectors=["education", "industry"], format="Miro workshop"
            ),
        )
        self.meetings.append((slug, result.ids["meeting_id"]))

    def _offer(self, ctx: At, a: int, b: int, n: int) -> None:
        slug = slug_for(a)
        meeting = None if b % 2 == 0 or not self.meetings else pick(self.meetings, b)[1]
        self.handle(
            ctx,
            CoCreateEducationOffer(
                programme=slug, title=f"Offer {n}", provider="Høgskolen i Østfold", meeting_id=meeting
            ),
        )

    # money
    def _grant(self, ctx: At, a: int, b: int, n: int) -> None:
        slug = slug_for(a)
        result = self.handle(
            ctx,
            AwardGrant(
                programme=slug,
                funder=FUNDERS[b % 2],
                amount=100_000 * n,
                decision=DECISION,
                co_financing_share_bp=1_000 * (b % 3),
            ),
        )
        self.grants.append((slug, result.ids["grant_id"]))
        self.entries.append((slug, result.ids["entry_id"]))

    def _grant_elsewhere(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, grant_id = pick(self.grants, a)
        other = elsewhere(slug)
        result = self.handle(
            ctx,
            AwardGrant(
                programme=other, funder=FUNDERS[b % 2], amount=100_000 * n, decision=DECISION, grant_id=grant_id
            ),
        )
        self.grants.append((other, grant_id))
        self.entries.append((other, result.ids["entry_id"]))

    def _budget_line(self, ctx: At, a: int, b: int, n: int) -> None:
        self.handle(
            ctx, SetBudgetLine(programme=slug_for(a), category=CATEGORIES[b % 2], amount=150_000 * n, decision=DECISION)
        )

    def _allocate(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, grant_id = pick(self.grants, a)
        result = self.handle(
            ctx,
            AllocateFunds(
                programme=slug,
                grant_id=grant_id,
                recipient_kind=("provider", "company", "purpose")[b % 3],
                recipient=f"Recipient {b % 4}",
                amount=40_000 * n,
                decision=DECISION,
                category=CATEGORIES[(a + b) % 2],
            ),
        )
        self.allocations.append((slug, result.ids["allocation_id"]))
        self.entries.append((slug, result.ids["entry_id"]))

    def _allocate_elsewhere(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, allocation_id = pick(self.allocations, a)
        other = elsewhere(slug)
        grant_id = pick([g for s, g in self.grants if s == other], b)
        result = self.handle(
            ctx,
            AllocateFunds(
                programme=other,
                grant_id=grant_id,
                recipient_kind="purpose",
                recipient="Coordination",
                amount=30_000 * n,
                decision=DECISION,
                allocation_id=allocation_id,
            ),
        )
        self.allocations.append((other, allocation_id))
        self.entries.append((other, result.ids["entry_id"]))

    def _reallocate(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, source = pick(self.allocations, a)
        _, target = pick(self.allocations, b)
        result = self.handle(
            ctx,
            ReallocateFunds(
                programme=slug,
                from_allocation_id=source,
                to_allocation_id=target,
                amount=10_000 * n,
                reason="waiting list",
                decision=DECISION,
            ),
        )
        self.entries.append((slug, result.ids["entry_id"]))

    def _disburse(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, allocation_id = pick(self.allocations, a)
        kind = ("advance", "payment")[b % 2]
        result = self.handle(
            ctx, DisburseFunds(programme=slug, allocation_id=allocation_id, amount=15_000 * n, kind=kind)
        )
        self.entries.append((slug, result.ids["entry_id"]))

    def _spend(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, allocation_id = pick(self.allocations, a)
        result = self.handle(
            ctx,
            ReportExpenditure(
                programme=slug, allocation_id=allocation_id, amount=12_000 * n, period=f"2021-H{1 + b % 2}"
            ),
        )
        self.entries.append((slug, result.ids["entry_id"]))

    def _reverse(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, entry_id = pick(self.entries, a + b)
        result = self.handle(
            ctx, ReverseEntry(programme=slug, entry_id=entry_id, reason="booked in error", decision=DECISION)
        )
        self.entries.append((slug, result.ids["entry_id"]))

    # Commands a history starts with, so that short histories already have companies, participants and money.

    # --- the funding lifecycle: payments by two people, sanctions, co-financing -----------------------------

    def _pay_by_two(self, ctx: At, a: int, b: int, n: int) -> None:
        """A payment requested on a day (reserving its amount), approved by another person, then confirmed as paid
        by the first, cancelled, expired or left pending; a later step dated before the request is refused."""
        slug, allocation_id = pick(self.allocations, a)
        day = None if n == 5 else DAYS[12 + (a + n) % 8]
        last_day = DAYS[13 + (a + n) % 8] if b % 4 == 3 and day is not None else None
        requested = self.handle(
            At(ctx.who, day),
            RequestPayment(programme=slug, allocation_id=allocation_id, amount=6_007 * n, expires_on=last_day,
                           kind=("payment", "advance")[b % 2]),
        )  # fmt: skip
        payment_id = requested.ids["payment_id"]
        then = None if day is None else DAYS[12 + (a + n + b) % 12]
        self.handle(At(ATTESTER, day), ApprovePayment(programme=slug, payment_id=payment_id))
        if b % 4 == 0:
            paid = self.handle(At(ctx.who, then), ConfirmPayment(programme=slug, payment_id=payment_id))
            self.entries.append((slug, paid.ids["entry_id"]))
        elif b % 4 == 1:
            self.handle(At(ctx.who, then), CancelPayment(programme=slug, payment_id=payment_id, reason="withdrawn"))
        elif b % 4 == 3:
            self.handle(At(ctx.who, DAYS[-1]), ExpirePayment(programme=slug, payment_id=payment_id))

    def _sanction(self, ctx: At, a: int, b: int, n: int) -> None:
        """A funder's sanction on a day: payments stopped on an allocation or a grant, a payment tried while stopped
        (refused), the stop lifted; or paid money claimed back and (part of it) repaid; or unused funds returned."""
        slug, allocation_id = pick(self.allocations, a)
        day, later = DAYS[12 + (a + n) % 6], DAYS[18 + (a + b) % 6]
        if b % 3 == 0:
            scope, target = ("allocation", allocation_id) if n % 2 else ("grant", pick(self.grants, a)[1])
            self.handle(At(ctx.who, day), StopPayments(programme=slug, scope=scope, target_id=target, reason="audit",
                                                       decision=DECISION))  # fmt: skip
            with contextlib.suppress(LedgerError):
                self.handle(At(ctx.who, day), DisburseFunds(programme=slug, allocation_id=allocation_id, amount=n))
            self.handle(At(ctx.who, later), LiftPaymentStop(programme=slug, scope=scope, target_id=target,
                                                            decision=DECISION))  # fmt: skip
        elif b % 3 == 1:
            claimed = self.handle(At(ctx.who, day), ClaimRepayment(programme=slug, allocation_id=allocation_id,
                                                                   amount=1_001 * n, reason="ineligible",
                                                                   decision=DECISION))  # fmt: skip
            self.entries.append((slug, claimed.ids["entry_id"]))
            repaid = self.handle(At(ctx.who, later), ReceiveRepayment(programme=slug, allocation_id=allocation_id,
                                                                      amount=1_001 * n - a))  # fmt: skip
            self.entries.append((slug, repaid.ids["entry_id"]))
        else:
            slug, grant_id = pick(self.grants, a)
            back = ReturnUnusedFunds(programme=slug, grant_id=grant_id, amount=2_003 * n, decision=DECISION)
            returned = self.handle(At(ctx.who, later), back)
            self.entries.append((slug, returned.ids["entry_id"]))

    def _co_finance(self, ctx: At, a: int, b: int, n: int) -> None:
        """Co-financing of a grant: an in-kind rate set on a day, participants' time contributed in kind (refused
        before the first rate took effect), cash; one of them reversed on a later day."""
        slug, grant_id = pick(self.grants, a)
        rate = SetInKindRate(programme=slug, grant_id=grant_id, rate_per_hour=7_001 * n, decision=DECISION)
        self.handle(At(ctx.who, DAYS[1 + b % 6]), rate)
        kinds = RecordInKindContribution(programme=slug, grant_id=grant_id, participant_minutes=37 * n + b,
                                         contributor="Participants' time", period=f"2021-H{1 + a % 2}")  # fmt: skip
        entries = []
        with contextlib.suppress(LedgerError):
            entries.append(self.handle(At(ctx.who, DAYS[(a + n) % 8]), kinds).ids["entry_id"])
        cash = RecordCashContribution(programme=slug, grant_id=grant_id, amount=3_001 * n, contributor="County",
                                      period="2021-H2")  # fmt: skip
        entries.append(self.handle(At(ctx.who, DAYS[8 + b % 8]), cash).ids["entry_id"])
        self.entries += [(slug, entry) for entry in entries]
        if b % 3 == 0:
            back = ReverseEntry(programme=slug, entry_id=entries[0], reason="not documented", decision=DECISION)
            self.handle(At(ctx.who, DAYS[16 + a % 8]), back)

    def reporting_of(self, slug: str) -> Reporting:
        """The programme's reporting (no step without one)."""
        try:
            found: Reporting = self.ledger.repository.get(Reporting.create_id(Programme.create_id(slug)))
        except AggregateNotFoundError:
            raise Skip from None
        return found

    def _calendar(self, ctx: At, a: int, b: int, n: int) -> None:
        """A reporting calendar (refused once a period of the programme is closed)."""
        frequency = ("monthly", "quarterly", "half_yearly", "cpr")[n % 4]
        calendar = SetReportingCalendar(programme=slug_for(a), frequency=frequency, starts_on="2021-01-01",
                                        decision=DECISION)  # fmt: skip
        self.handle(ctx, calendar)

    def _unit_cost(self, ctx: At, a: int, b: int, n: int) -> None:
        """A unit cost on an allocation: per participant-hour (mostly) or completion, for every module or one."""
        slug, allocation_id = pick(self.allocations, a)
        modules = [m for s, m in self.modules if s == slug]
        module_id = modules[a % len(modules)] if modules and n % 3 == 0 else None
        unit = "completed_module" if b % 3 == 0 else "participant_hour"
        self.handle(ctx, SetUnitCost(programme=slug, allocation_id=allocation_id, unit=unit, rate=37 * n + b,
                                     module_id=module_id, decision=DECISION))  # fmt: skip

    def _flat_rate(self, ctx: At, a: int, b: int, n: int) -> None:
        slug, allocation_id = pick(self.allocations, a)
        self.handle(ctx, SetFlatRate(programme=slug, allocation_id=allocation_id, rate_bp=333 * n + b,
                                     base_category=CATEGORIES[b % 2], decision=DECISION))  # fmt: skip

    def _lump_sum(self, ctx: At, a: int, b: int, n: int) -> None:
        """A lump sum agreed, its deliverable done on another day (refused before the agreement)."""
        slug, allocation_id = pick(self.allocations, a)
        agreed = self.handle(ctx, AgreeLumpSum(programme=slug, allocation_id=allocation_id, title="Plan",
                                               amount=1_001 * n, decision=DECISION))  # fmt: skip
        done = CompleteDeliverable(programme=slug, deliverable_id=agreed.ids["deliverable_id"])
        self.handle(At(ctx.who, DAYS[(a + b + n) % len(DAYS)]), done)

    def _close_period(self, ctx: At, a: int, b: int, n: int) -> None:
        """The next period closed, today or on the step's day (refused before it ended or the last closing)."""
        slug = slug_for(a)
        period = self.reporting_of(slug).next_to_close().name
        self.handle(At(ctx.who, None if n % 2 else ctx.day), ClosePeriod(programme=slug, period=period))

    def _claim(self, ctx: At, a: int, b: int, n: int) -> None:
        """A claim drafted for the last closed period and taken through its steps by different people."""
        slug, grant_id = pick(self.grants, a)
        reporting = self.reporting_of(slug)
        if not reporting.closed:
            raise Skip
        draft = DraftClaim(programme=slug, grant_id=grant_id, period=reporting.closed[-1])
        claim_id = self.handle(At(ctx.who, None), draft).ids["claim_id"]
        people = [Ctx(actor=f"actor-{(a + k) % 3}@programme") for k in range(3)]
        self.handle(At(people[0], None), SubmitClaim(programme=slug, claim_id=claim_id))
        if n > 1:
            self.handle(At(people[1], None), ApproveClaim(programme=slug, claim_id=claim_id, decision=DECISION))
        if n > 3:
            self.handle(At(people[2], None), PayClaim(programme=slug, claim_id=claim_id))


PREAMBLE: list[Step] = [
    ("launch", 0, 1, 3),
    ("register_company", 0, 0, 0),
    ("register_company", 1, 1, 1),
    ("register_company", 2, 2, 2),
    ("join", 0, 0, 1),
    ("join", 0, 1, 1),
    ("launch", 1, 0, 2),
    ("join", 1, 2, 1),
    ("participant", 0, 0, 1),
    ("participant", 0, 1, 2),
    ("module", 0, 1, 21),  # offered on the first of DAYS: sessions may be scheduled after it
    ("schedule", 0, 0, 2),
    ("enrol", 0, 0, 1),
    ("grant", 0, 1, 21),  # effective on the first of DAYS: allocations may be dated after it
    ("allocate", 0, 0, 2),
]
COMMON_OPS = [
    "launch",
    "grant",
    "present",
    "join",
    "participant",
    "schedule",
    "hold_session",
    "attend",
    "plan_activity",
    "hold_activity",
    "allocate",
    "disburse",
    "spend",
]
OPS = sorted(name[1:] for name in vars(Driver) if name.startswith("_") and not name.startswith("__"))
MONEY_OPS = ["grant", "budget_line", "allocate", "allocate", "reallocate", "disburse", "spend", "reverse", "join",
             "pay_by_two", "sanction", "co_finance", "calendar", "unit_cost", "flat_rate", "lump_sum", "close_period",
             "claim"]  # fmt: skip


def histories(ops: list[str] | None = None, min_size: int = 8, max_size: int = 30) -> st.SearchStrategy[list[Step]]:
    chosen = ops or [*OPS, *COMMON_OPS]
    step = st.tuples(st.sampled_from(chosen), st.integers(0, 7), st.integers(0, 7), st.integers(1, 5))
    return st.lists(step, min_size=min_size, max_size=max_size).map(lambda steps: PREAMBLE + steps)


# --- stores ----------------------------------------------------------------------------------------------------


# SQLite syncs every commit; a RAM-backed directory, where there is one, keeps a hundred stores per run quick.
FAST_TMP = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@contextmanager
def sqlite_store() -> Iterator[str]:
    with tempfile.TemporaryDirectory(dir=FAST_TMP) as directory:
        yield f"sqlite:///{directory}/ledger.sqlite3"


@contextmanager
def postgres_store(server: str) -> Iterator[str]:
    """A fresh schema, created here and dropped afterwards (the conftest's fixture is per test, not per example)."""
    schema = f"prop_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield f"{server}{'&' if '?' in server else '?'}schema={schema}"
    finally:
        with psycopg.connect(server, autocommit=True) as db:
            db.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def opened(url: str, batch_size: int = 1000) -> Iterator[tuple[Ledger, Projector]]:
    ledger = open_ledger(url)
    projector = open_projector(ledger, url)
    projector.batch_size = batch_size
    try:
        yield ledger, projector
    finally:
        projector.dispose()
        ledger.close()
        if ledger.vault is not None:
            close = getattr(ledger.vault.store, "close", None)
            if close is not None:
                close()


# --- folds and comparisons -------------------------------------------------------------------------------------


def tables_of(models: Iterable[str]) -> list[str]:
    return [table for name in models for table in READ_MODELS[name].tables]


def facts_upto(ledger: Ledger, position: int | None = None) -> list[Fact]:
    notifications = ledger.recorder.select_notifications(
        start=0, limit=1_000_000, stop=position, inclusive_of_start=False
    )
    return list(facts_from(ledger.mapper, notifications))


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def normalise(dump: dict[str, list[Row]]) -> dict[str, list[Row]]:
    """Every column present (absent ones as None), dates as ISO strings, tuples as lists; rows in a stable order."""
    result: dict[str, list[Row]] = {}
    for table, rows in dump.items():
        columns = [c.name for c in TABLES[table].columns]
        plain = [{c: _plain(row.get(c)) for c in columns} for row in rows]
        result[table] = sorted(plain, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return result


def pure_fold(facts: Iterable[Fact], models: Iterable[str] = tuple(READ_MODELS)) -> dict[str, list[Row]]:
    """The plain fold: each read model's `apply` into dictionaries, no SQL involved."""
    chosen = [READ_MODELS[name] for name in models]
    rows = MemoryRows()
    for fact in facts:
        for model in chosen:
            model.apply(fact, rows)
    return normalise(rows.dump(tables_of(m.name for m in chosen)))


def sql_rows(engine: Engine, models: Iterable[str] = tuple(READ_MODELS)) -> dict[str, list[Row]]:
    with engine.connect() as db:
        return normalise(dump_sql(db, tables_of(models)))


def assert_same_rows(actual: dict[str, list[Row]], expected: dict[str, list[Row]], what: str) -> None:
    assert actual.keys() == expected.keys()
    for table in expected:
        assert actual[table] == expected[table], f"{what}: table {table} differs from the plain fold"


def head(ledger: Ledger) -> int:
    return int(ledger.recorder.max_notification_id() or 0)


def programme_ids(engine: Engine) -> list[str]:
    with engine.connect() as db:
        return [r.programme_id for r in db.execute(select(programmes.c.programme_id).order_by(programmes.c.slug))]


# --- (a) live, rebuilt and pure fold agree ---------------------------------------------------------------------


def check_live_rebuilt_and_fold(url: str, history: list[Step], every: int, batch_size: int) -> None:
    """Live, rebuilt, and live again after the rebuild (the projector that keeps rows between batches goes on
    after another instance rebuilt the tables under it): each time the same rows as the plain fold."""
    cut = len(PREAMBLE) + (len(history) - len(PREAMBLE)) * every // 9
    with opened(url, batch_size) as (ledger, projector):
        driver = Driver(ledger)
        for part in (history[:cut], history[cut:]):
            for i, step in enumerate(part, start=1):
                driver.step(step)
                if i % every == 0:
                    projector.run_once()
            projector.run_once()
            assert set(projector.positions().values()) == {head(ledger)}
            expected = pure_fold(facts_upto(ledger))
            assert_same_rows(sql_rows(projector.engine), expected, "live projection")
            for name in READ_MODELS:
                projector.rebuild(name)
            assert set(projector.lag().values()) == {0}
            assert_same_rows(sql_rows(projector.engine), expected, "rebuilt projection")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), every=st.integers(1, 8), batch_size=st.integers(1, 40))
def test_live_rebuilt_and_pure_fold_agree_on_sqlite(history: list[Step], every: int, batch_size: int) -> None:
    with sqlite_store() as url:
        check_live_rebuilt_and_fold(url, history, every, batch_size)


@pytest.mark.postgres
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(max_size=20), every=st.integers(1, 8), batch_size=st.integers(1, 40))
def test_live_rebuilt_and_pure_fold_agree_on_postgres(
    postgres_server: str, history: list[Step], every: int, batch_size: int
) -> None:
    with postgres_store(postgres_server) as url:
        check_live_rebuilt_and_fold(url, history, every, batch_size)


# --- (b) as of a position ----------------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), data=st.data())
def test_as_of_a_position_is_the_fold_of_the_events_up_to_it(history: list[Step], data: st.DataObject) -> None:
    with sqlite_store() as url, opened(url) as (ledger, projector):
        Driver(ledger).run(history)
        projector.run_once()
        position = data.draw(st.integers(0, head(ledger)), label="position")
        as_of = store_as_of(ledger, position)
        try:
            assert_same_rows(
                sql_rows(as_of, AS_OF_MODELS), pure_fold(facts_upto(ledger, position), AS_OF_MODELS), "store_as_of"
            )
            for programme_id in programme_ids(as_of):
                one = programme_as_of(ledger, projector.engine, programme_id, position=position)
                try:
                    with as_of.connect() as whole, one.connect() as alone:
                        assert programme_status(alone, programme_id) == programme_status(whole, programme_id)
                        assert funding_audit(alone, programme_id) == funding_audit(whole, programme_id)
                finally:
                    one.dispose()
        finally:
            as_of.dispose()


# --- (c) killed mid-batch and resumed --------------------------------------------------------------------------


class Killed(BaseException):
    """The projector process dies while folding a fact (not an error a fold raises: those stall one read model)."""


def dying(model: ReadModel, survives: int) -> ReadModel:
    """The same read model, but its `apply` raises once it has folded `survives` facts (a fact is folded into
    the rows and into their versions by day: it counts once)."""
    folded: set[int] = set()

    def apply(fact: Fact, rows: Any) -> None:
        if fact.position not in folded and len(folded) >= survives:
            raise Killed(fact.position)
        folded.add(fact.position)
        model.apply(fact, rows)

    return ReadModel(model.name, model.tables, apply, model.by_day)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories(), data=st.data())
def test_a_projection_killed_mid_batch_rolls_back_and_resumes_to_the_same_rows(
    history: list[Step], data: st.DataObject
) -> None:
    split = data.draw(st.integers(0, len(history)), label="projected before the crash")
    batch_size = data.draw(st.integers(1, 30), label="batch size")
    with sqlite_store() as url, opened(url, batch_size) as (ledger, projector):
        driver = Driver(ledger)
        driver.run(history[:split])
        projector.run_once()
        driver.run(history[split:])
        ledger.handle(
            Ctx(actor="coordinator"),
            LaunchProgramme(
                slug="gamma",
                name="Programme gamma",
                owner="County",
                funders=["ESF"],
                starts_on="2021-01-01",
                ends_on="2021-12-31",
                currency="EUR",
            ),
        )
        start = min(projector.positions().values())
        pending = facts_upto(ledger)[len(facts_upto(ledger, start)) :]
        victim = data.draw(st.sampled_from(sorted(READ_MODELS)), label="read model that dies")
        survives = data.draw(st.integers(0, len(pending) - 1), label="facts folded before dying")
        models = [dying(m, survives) if m.name == victim else m for m in projector.models]
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(projector, "models", models)
            with pytest.raises(Killed):
                projector.run_once()
        # The batches before the one that died were committed; the dying one left nothing behind.
        full_batches = survives // batch_size
        committed = start if full_batches == 0 else pending[full_batches * batch_size - 1].position
        assert pending[survives].position > committed
        assert projector.positions() == dict.fromkeys(READ_MODELS, committed)
        assert_same_rows(sql_rows(projector.engine), pure_fold(facts_upto(ledger, committed)), "after the crash")
        projector.run_once()
        assert projector.positions() == dict.fromkeys(READ_MODELS, head(ledger))
        assert_same_rows(sql_rows(projector.engine), pure_fold(facts_upto(ledger)), "resumed")


# --- (d) the books always reconcile ------------------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=histories([*MONEY_OPS, "launch", "close", "participant"], max_size=25))
def test_the_funding_audit_reconciles_for_every_programme_after_every_command(history: list[Step]) -> None:
    with sqlite_store() as url, opened(url) as (ledger, projector):
        driver = Driver(ledger)
        for step in history:
            if not driver.step(step):
                continue
            projector.run_once()
            with projector.engine.connect() as db:
                for slug, programme_id in db.execute(select(programmes.c.slug, programmes.c.programme_id)):
                    report = reconciliation(db, programme_id)
                    assert report.balanced, report
                    kept = {a.account: a.balance for a in report.accounts if a.balance}
                    domain = {k: v for k, v in ledger.funds(slug).balances.items() if v}
                    assert kept == domain, f"the audit's balances are not the Funds aggregate's in {slug}"


# --- the generator reaches the whole domain ----------------------------------------------------------------------


def test_the_history_driver_reaches_every_kind_of_event(sqlite_url: str) -> None:
    """A fixed history through every operation: the random histories above can produce each kind of event."""
    steps: list[Step] = [
        *PREAMBLE,
        ("register_company", 3, 3, 2),
        ("correct_company", 2, 2, 2),
        ("present", 0, 3, 1),
        ("join", 0, 3, 1),
        ("retry_join", 0, 2, 1),
        ("onboard", 0, 0, 1),
        ("goals", 0, 0, 1),
        ("needs", 0, 0, 1),
        ("participant", 0, 0, 1),
        ("participant", 0, 2, 2),
        ("participant", 0, 1, 3),
        ("left", 0, 0, 1),
        ("reenter", 0, 0, 1),
        ("erase", 0, 4, 1),
        ("module", 0, 1, 21),  # offered on the first of DAYS: sessions are scheduled after it
        ("schedule", 0, 0, 2),
        ("schedule", 0, 1, 2),
        ("enrol", 5, 0, 1),
        ("hold_session", 0, 0, 1),
        ("cancel_session", 2, 0, 0),
        ("attend", 0, 0, 2),
        ("completion", 0, 0, 1),
        ("plan_activity", 0, 0, 1),
        ("plan_activity", 0, 1, 2),
        ("hold_activity", 0, 0, 2),
        ("cancel_activity", 1, 0, 1),
        ("group", 0, 0, 1),
        ("add_to_group", 0, 0, 1),
        ("remove_from_group", 0, 0, 1),
        ("forum", 0, 0, 1),
        ("offer", 0, 1, 1),
        ("budget_line", 0, 0, 5),
        ("allocate", 0, 0, 3),
        ("allocate", 0, 1, 2),
        ("reallocate", 0, 5, 1),
        ("disburse", 0, 0, 1),
        ("spend", 0, 0, 1),
        ("reverse", 5, 0, 1),
        ("participant_elsewhere", 0, 2, 1),
        ("grant_elsewhere", 0, 0, 2),
        ("allocate_elsewhere", 0, 0, 1),
        ("revise_cap", 0, 4, 4),
        ("revise_target", 0, 1, 4),
        ("withdraw", 0, 1, 1),
        ("complete", 0, 2, 1),
        ("close", 1, 0, 1),
    ]
    with opened(sqlite_url) as (ledger, _):
        driver = Driver(ledger)
        refused = [step for step in steps if not driver.step(step)]
        assert refused == [], refused
        names = {fact.name for fact in facts_upto(ledger)}
    expected = {
        "ActivityCancelled",
        "ActivityHeld",
        "ActivityPlanned",
        "AttendanceRecorded",
        "BudgetLineSet",
        "CapRevised",
        "CommandAccepted",
        "CompanyAddedToGroup",
        "CompanyCompleted",
        "CompanyDetailsCorrected",
        "CompanyGoalsSet",
        "CompanyJoined",
        "CompanyNeedsAnalysed",
        "CompanyPresented",
        "CompanyRegistered",
        "CompanyRemovedFromGroup",
        "CompanyWithdrew",
        "EducationOfferCoCreated",
        "EntryReversed",
        "ExpenditureReported",
        "ForumMeetingHeld",
        "ForumOpened",
        "FundsAllocated",
        "FundsDisbursed",
        "FundsOpened",
        "FundsReallocated",
        "GrantAwarded",
        "ModuleCompleted",
        "ModuleOffered",
        "NetworkGroupFormed",
        "OnboardingMeetingHeld",
        "ParticipantEnrolled",
        "ParticipantErased",
        "ParticipantLeft",
        "ParticipantReentered",
        "ParticipantRegistered",
        "ProgrammeClosed",
        "ProgrammeLaunched",
        "SessionCancelled",
        "SessionHeld",
        "SessionScheduled",
        "TargetRevised",
    }
    assert expected - names == set()
