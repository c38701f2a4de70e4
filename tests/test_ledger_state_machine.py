"""Random command sequences against a deliberately plain reference model, on SQLite and on PostgreSQL.

The model predicts whether each command is accepted or rejected (and by which rule); after every step the
ledger's state, reloaded from the store past the cache, must equal the model's: caps held, money conserved,
no account but a funder's below zero, nothing spent beyond what is allocated, no allocation reserving more for
pending payments than it holds, no payment approved and paid by one person, and a rejection wrote nothing."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from ledger.application import Ctx
from ledger.commands import (
    AgreeLumpSum,
    AllocateFunds,
    ApproveClaim,
    ApprovePayment,
    AwardGrant,
    CancelPayment,
    ClaimRepayment,
    ClosePeriod,
    ConfirmPayment,
    DisburseFunds,
    DraftClaim,
    JoinCompany,
    LiftPaymentStop,
    PayClaim,
    ReallocateFunds,
    ReceiveRepayment,
    RecordCashContribution,
    RecordInKindContribution,
    RegisterCompany,
    RegisterParticipant,
    ReportExpenditure,
    RequestPayment,
    ReturnUnusedFunds,
    ReverseEntry,
    ReviseCap,
    SetInKindRate,
    SetPaymentControl,
    SetReportingCalendar,
    SetUnitCost,
    StopPayments,
    SubmitClaim,
    WithdrawCompany,
)
from ledger.domain import dated
from ledger.domain.funds import Funds
from ledger.domain.programme import Programme
from ledger.errors import LedgerError, NotFound, RuleViolated
from storage.open import open_ledger
from tests.commands_given import CTX, DECISION, launch, norwegian_org_numbers

if TYPE_CHECKING:
    from collections.abc import Callable

COMPANY_CAP = 2
PARTICIPANT_CAP = 3
COMPANIES = 4
FUNDER = "funder:Kompetanse Norge"
PEOPLE = (CTX, Ctx(actor="attester@sm"))  # two people who may approve and confirm payments
_examples = itertools.count()


@dataclass
class Entry:
    kind: str
    postings: list[tuple[str, str, int]]
    allocation_id: str | None = None
    spent: int = 0
    reversed: bool = False


@dataclass
class Payment:
    allocation_id: str
    amount: int
    state: str = "pending"
    approved_by: str | None = None


@dataclass
class Model:
    """What the ledger should hold, kept the plainest way: sets, lists and a dict of balances."""

    registered: set[str] = field(default_factory=set)
    active: set[str] = field(default_factory=set)
    participants: list[str] = field(default_factory=list)
    company_cap: int = COMPANY_CAP
    grants: list[str] = field(default_factory=list)
    allocations: list[str] = field(default_factory=list)
    spent: dict[str, int] = field(default_factory=dict)
    balances: dict[str, int] = field(default_factory=dict)
    entries: dict[str, Entry] = field(default_factory=dict)
    payments: dict[str, Payment] = field(default_factory=dict)
    single_step_below: int | None = None
    grant_of: dict[str, str] = field(default_factory=dict)  # allocation id -> its grant's id
    stopped: set[str] = field(default_factory=set)  # accounts (grant:<id>, allocation:<id>) whose payments stop
    rated: set[str] = field(default_factory=set)  # grants with an in-kind rate
    calendar: bool = False  # a monthly reporting calendar from January 2021
    closed: list[str] = field(default_factory=list)  # the months closed, in order
    claims: dict[str, dict[str, str]] = field(default_factory=dict)  # claim id -> {grant, period, state, step: actor}

    def stops(self, allocation_id: str) -> bool:
        return bool({f"allocation:{allocation_id}", f"grant:{self.grant_of[allocation_id]}"} & self.stopped)

    def bal(self, account: str) -> int:
        return self.balances.get(account, 0)

    def reserved(self, account: str) -> int:
        """What pending payments hold on an allocation account."""
        return sum(p.amount for p in self.payments.values() if p.state == "pending"
                   and f"allocation:{p.allocation_id}" == account)  # fmt: skip

    def available(self, account: str) -> int:
        return self.bal(account) - self.reserved(account)

    def one_step(self, amount: int) -> bool:
        return self.single_step_below is None or amount < self.single_step_below

    def total(self, allocation_id: str) -> int:
        return self.bal(f"allocation:{allocation_id}") + self.bal(f"disbursed:{allocation_id}")

    def post(self, entry_id: str, entry: Entry) -> None:
        for source, target, amount in entry.postings:
            self.balances[source] = self.bal(source) - amount
            self.balances[target] = self.bal(target) + amount
        self.entries[entry_id] = entry


INDEX = st.integers(0, 9)


def pick(items: list[str], index: int) -> str:
    """Mostly an existing item; for index 9 (or when there is none) an id the ledger has never seen."""
    return items[index % len(items)] if items and index < 9 else str(uuid.uuid4())


class LedgerMachine(RuleBasedStateMachine):
    url = ""

    def __init__(self) -> None:
        super().__init__()
        n = next(_examples)
        self.slug = f"sm-{n}"  # each example has its own programme and companies in the test's store
        self.numbers = norwegian_org_numbers(COMPANIES, start=10_000_000 + n * 100)
        self.ledger = open_ledger(self.url)
        launch(
            self.ledger, slug=self.slug, caps={"companies": COMPANY_CAP, "participants": PARTICIPANT_CAP}, targets={}
        )
        self.programme_id = Programme.create_id(self.slug)
        self.funds_id = Funds.create_id(self.programme_id)
        self.model = Model()

    def teardown(self) -> None:
        self.ledger.close()

    # --- running a command against the model's prediction -----------------------------------------------------

    def attempt(self, expected: str | type[LedgerError] | None, command: Callable[[], Any]) -> Any:
        before = self.ledger.recorder.max_notification_id() or 0
        try:
            result = command()
        except LedgerError as error:
            assert expected is not None, f"the ledger rejected a command the model accepts: {error}"
            if isinstance(expected, str):
                assert isinstance(error, RuleViolated) and error.rule == expected, (expected, error)
            else:
                assert isinstance(error, expected), (expected, error)
            assert self.ledger.recorder.max_notification_id() == before, "a rejected command wrote to the log"
            return None
        assert expected is None, f"the ledger accepted a command the model rejects with {expected}"
        assert (self.ledger.recorder.max_notification_id() or 0) > before
        return result

    @initialize()
    def companies_registered_and_money_granted(self) -> None:
        """A head start so that short sequences reach the interesting rules; the last company stays unknown."""
        for i in range(COMPANIES - 1):
            self.register_company(i)
        self.award_grant(2_000)
        self.allocate(0, 600)
        self.allocate(0, 400)
        self.set_reporting_calendar()

    # --- companies and participants -----------------------------------------------------------------------

    @rule(i=st.integers(0, COMPANIES - 1))
    def register_company(self, i: int) -> None:
        number = self.numbers[i]
        expected = "company_exists" if number in self.model.registered else None
        done = self.attempt(
            expected,
            lambda: self.ledger.handle(
                CTX,
                RegisterCompany(org_number=number, name=f"Company {i}", region="Viken", sector="food", size="small"),
            ),
        )
        if done:
            self.model.registered.add(number)

    @rule(i=st.integers(0, COMPANIES - 1))
    def join_company(self, i: int) -> None:
        number = self.numbers[i]
        expected: str | type[LedgerError] | None = None
        if number not in self.model.registered:
            expected = NotFound
        elif number in self.model.active:
            expected = "already_joined"
        elif len(self.model.active) >= self.model.company_cap:
            expected = "company_cap_reached"
        if self.attempt(expected, lambda: self.ledger.handle(CTX, JoinCompany(programme=self.slug, org_number=number))):
            self.model.active.add(number)

    @rule(i=st.integers(0, COMPANIES - 1))
    def withdraw_company(self, i: int) -> None:
        number = self.numbers[i]
        expected = None if number in self.model.active else "company_not_active"
        done = self.attempt(
            expected,
            lambda: self.ledger.handle(CTX, WithdrawCompany(programme=self.slug, org_number=number, reason="capacity")),
        )
        if done:
            self.model.active.discard(number)

    @rule(value=st.integers(0, COMPANIES))
    def revise_company_cap(self, value: int) -> None:
        expected = "cap_below_current" if value < len(self.model.active) else None
        done = self.attempt(
            expected,
            lambda: self.ledger.handle(
                CTX, ReviseCap(programme=self.slug, name="companies", value=value, decision=DECISION)
            ),
        )
        if done:
            self.model.company_cap = value

    @rule(i=st.integers(0, COMPANIES - 1))
    def register_participant(self, i: int) -> None:
        number = self.numbers[i]
        expected: str | type[LedgerError] | None = None
        if number not in self.model.active:
            expected = "company_not_active"
        elif len(self.model.participants) >= PARTICIPANT_CAP:
            expected = "participant_cap_reached"
        result = self.attempt(
            expected,
            lambda: self.ledger.handle(
                CTX, RegisterParticipant(programme=self.slug, org_number=number, target_group="employed")
            ),
        )
        if result:
            self.model.participants.append(result.ids["participant_id"])

    # --- money ---------------------------------------------------------------------------------------------

    @rule(amount=st.integers(1, 2_000))
    def award_grant(self, amount: int) -> None:
        result = self.attempt(
            None,
            lambda: self.ledger.handle(
                CTX, AwardGrant(programme=self.slug, funder="Kompetanse Norge", amount=amount, decision=DECISION)
            ),
        )
        grant_id = result.ids["grant_id"]
        self.model.grants.append(grant_id)
        self.model.post(result.ids["entry_id"], Entry("grant", [(FUNDER, f"grant:{grant_id}", amount)]))

    @rule(g=INDEX, amount=st.integers(1, 1_000))
    def allocate(self, g: int, amount: int) -> None:
        grant_id = pick(self.model.grants, g)
        expected: str | type[LedgerError] | None = None
        if grant_id not in self.model.grants:
            expected = NotFound
        elif amount > self.model.bal(f"grant:{grant_id}"):
            expected = "insufficient_grant_balance"
        result = self.attempt(
            expected,
            lambda: self.ledger.handle(
                CTX,
                AllocateFunds(
                    programme=self.slug,
                    grant_id=grant_id,
                    recipient_kind="provider",
                    recipient="OsloMet",
                    amount=amount,
                    decision=DECISION,
                ),
            ),
        )
        if result:
            allocation_id = result.ids["allocation_id"]
            self.model.allocations.append(allocation_id)
            self.model.spent[allocation_id] = 0
            self.model.grant_of[allocation_id] = grant_id
            self.model.post(
                result.ids["entry_id"],
                Entry("allocation", [(f"grant:{grant_id}", f"allocation:{allocation_id}", amount)]),
            )

    @rule(a=INDEX, b=INDEX, amount=st.integers(1, 500))
    def reallocate(self, a: int, b: int, amount: int) -> None:
        source, target = pick(self.model.allocations, a), pick(self.model.allocations, b)
        m = self.model
        expected: str | type[LedgerError] | None = None
        if source not in m.spent or target not in m.spent:
            expected = NotFound
        elif source == target:
            expected = "same_allocation"
        elif amount > m.available(f"allocation:{source}"):
            expected = "insufficient_allocation_balance"
        elif m.total(source) - amount < m.spent[source]:
            expected = "reallocation_below_expenditure"
        result = self.attempt(
            expected,
            lambda: self.ledger.handle(
                CTX,
                ReallocateFunds(
                    programme=self.slug,
                    from_allocation_id=source,
                    to_allocation_id=target,
                    amount=amount,
                    reason="re-prioritised",
                    decision=DECISION,
                ),
            ),
        )
        if result:
            m.post(
                result.ids["entry_id"],
                Entry("reallocation", [(f"allocation:{source}", f"allocation:{target}", amount)]),
            )

    @rule(a=INDEX, amount=st.integers(1, 500))
    def disburse(self, a: int, amount: int) -> None:
        allocation_id = pick(self.model.allocations, a)
        expected: str | type[LedgerError] | None = None
        if allocation_id not in self.model.spent:
            expected = NotFound
        elif self.model.stops(allocation_id):
            expected = "payments_stopped"
        elif not self.model.one_step(amount):
            expected = "two_person_payment_required"
        elif amount > self.model.available(f"allocation:{allocation_id}"):
            expected = "insufficient_allocation_balance"
        result = self.attempt(
            expected,
            lambda: self.ledger.handle(
                CTX, DisburseFunds(programme=self.slug, allocation_id=allocation_id, amount=amount)
            ),
        )
        if result:
            self.model.post(
                result.ids["entry_id"],
                Entry("disbursement", [(f"allocation:{allocation_id}", f"disbursed:{allocation_id}", amount)]),
            )

    @rule(a=INDEX, amount=st.integers(1, 500))
    def report_expenditure(self, a: int, amount: int) -> None:
        allocation_id = pick(self.model.allocations, a)
        m = self.model
        expected: str | type[LedgerError] | None = None
        if allocation_id not in m.spent:
            expected = NotFound
        elif amount > m.total(allocation_id) - m.spent[allocation_id]:
            expected = "expenditure_exceeds_allocation"
        result = self.attempt(
            expected,
            lambda: self.ledger.handle(
                CTX, ReportExpenditure(programme=self.slug, allocation_id=allocation_id, amount=amount, period="2021")
            ),
        )
        if result:
            m.spent[allocation_id] += amount
            m.post(result.ids["entry_id"], Entry("expenditure", [], allocation_id=allocation_id, spent=amount))

    @rule(e=INDEX)
    def reverse_entry(self, e: int) -> None:
        m = self.model
        entry_id = pick(list(m.entries), e)
        original = m.entries.get(entry_id)
        expected: str | type[LedgerError] | None = None
        if original is None:
            expected = NotFound
        elif original.kind == "reversal":
            expected = "reversal_of_reversal"
        elif original.reversed:
            expected = "already_reversed"
        else:
            for source, target, amount in original.postings:
                if not target.startswith("funder:") and m.available(target) < amount:
                    expected = "reversal_exceeds_balance"
                    break
                if target.startswith("allocation:") and not source.startswith("disbursed:"):
                    allocation_id = target.split(":", 1)[1]
                    if m.total(allocation_id) - amount < m.spent[allocation_id]:
                        expected = "reversal_below_expenditure"
                        break
        result = self.attempt(
            expected,
            lambda: self.ledger.handle(
                CTX, ReverseEntry(programme=self.slug, entry_id=entry_id, reason="correction", decision=DECISION)
            ),
        )
        if result and original is not None:
            original.reversed = True
            if original.kind == "expenditure":
                assert original.allocation_id is not None
                m.spent[original.allocation_id] -= original.spent
            m.post(result.ids["entry_id"], Entry("reversal", [(t, s, v) for s, t, v in original.postings]))

    # --- payments by two people ------------------------------------------------------------------------------

    @rule(amount=st.integers(1, 600))
    def set_payment_control(self, amount: int) -> None:
        command = SetPaymentControl(programme=self.slug, single_step_below=amount, decision=DECISION)
        if self.attempt(None, lambda: self.ledger.handle(CTX, command)):
            self.model.single_step_below = amount

    @rule(a=INDEX, amount=st.integers(1, 500))
    def request_payment(self, a: int, amount: int) -> None:
        allocation_id = pick(self.model.allocations, a)
        expected: str | type[LedgerError] | None = None
        if allocation_id not in self.model.spent:
            expected = NotFound
        elif amount > self.model.available(f"allocation:{allocation_id}"):
            expected = "insufficient_allocation_balance"
        command = RequestPayment(programme=self.slug, allocation_id=allocation_id, amount=amount)
        result = self.attempt(expected, lambda: self.ledger.handle(CTX, command))
        if result:
            self.model.payments[result.ids["payment_id"]] = Payment(allocation_id, amount)

    def _payment(self, p: int) -> tuple[str, Payment | None, str | type[LedgerError] | None]:
        payment_id = pick(list(self.model.payments), p)
        payment = self.model.payments.get(payment_id)
        if payment is None:
            return payment_id, None, NotFound
        return payment_id, payment, None if payment.state == "pending" else "payment_not_pending"

    @rule(p=INDEX, who=st.integers(0, 1))
    def approve_payment(self, p: int, who: int) -> None:
        payment_id, payment, expected = self._payment(p)
        if expected is None and payment is not None and payment.approved_by is not None:
            expected = "payment_already_approved"
        command = ApprovePayment(programme=self.slug, payment_id=payment_id)
        if self.attempt(expected, lambda: self.ledger.handle(PEOPLE[who], command)) and payment is not None:
            payment.approved_by = PEOPLE[who].actor

    @rule(p=INDEX, who=st.integers(0, 1))
    def confirm_payment(self, p: int, who: int) -> None:
        payment_id, payment, expected = self._payment(p)
        if expected is None and payment is not None:
            if self.model.stops(payment.allocation_id):
                expected = "payments_stopped"
            elif payment.approved_by is None and not self.model.one_step(payment.amount):
                expected = "payment_not_approved"
            elif payment.approved_by == PEOPLE[who].actor:
                expected = "same_person_approved_and_paid"
        command = ConfirmPayment(programme=self.slug, payment_id=payment_id)
        result = self.attempt(expected, lambda: self.ledger.handle(PEOPLE[who], command))
        if result and payment is not None:
            payment.state = "paid"
            a = payment.allocation_id
            self.model.post(
                result.ids["entry_id"], Entry("disbursement", [(f"allocation:{a}", f"disbursed:{a}", payment.amount)])
            )

    @rule(p=INDEX)
    def cancel_payment(self, p: int) -> None:
        payment_id, payment, expected = self._payment(p)
        command = CancelPayment(programme=self.slug, payment_id=payment_id, reason="invoice withdrawn")
        if self.attempt(expected, lambda: self.ledger.handle(CTX, command)) and payment is not None:
            payment.state = "cancelled"

    # --- sanctions: stops and lifts, repayment claims and repayments, unused funds returned ----------------------

    def _target(self, t: int, grant: bool) -> tuple[str, str, bool]:
        """(scope, id, known) of a grant or an allocation."""
        if grant:
            grant_id = pick(self.model.grants, t)
            return "grant", grant_id, grant_id in self.model.grants
        allocation_id = pick(self.model.allocations, t)
        return "allocation", allocation_id, allocation_id in self.model.spent

    @rule(t=INDEX, grant=st.booleans())
    def stop_payments(self, t: int, grant: bool) -> None:
        scope, target_id, known = self._target(t, grant)
        account = f"{scope}:{target_id}"
        expected: str | type[LedgerError] | None = None
        if not known:
            expected = NotFound
        elif account in self.model.stopped:
            expected = "payments_already_stopped"
        command = StopPayments(programme=self.slug, scope=scope, target_id=target_id, reason="audit", decision=DECISION)
        if self.attempt(expected, lambda: self.ledger.handle(CTX, command)):
            self.model.stopped.add(account)

    @rule(t=INDEX, grant=st.booleans())
    def lift_payment_stop(self, t: int, grant: bool) -> None:
        scope, target_id, known = self._target(t, grant)
        account = f"{scope}:{target_id}"
        expected: str | type[LedgerError] | None = None
        if not known:
            expected = NotFound
        elif account not in self.model.stopped:
            expected = "payments_not_stopped"
        command = LiftPaymentStop(programme=self.slug, scope=scope, target_id=target_id, decision=DECISION)
        if self.attempt(expected, lambda: self.ledger.handle(CTX, command)):
            self.model.stopped.discard(account)

    @rule(a=INDEX, amount=st.integers(1, 300))
    def claim_repayment(self, a: int, amount: int) -> None:
        allocation_id = pick(self.model.allocations, a)
        m = self.model
        expected: str | type[LedgerError] | None = None
        if allocation_id not in m.spent:
            expected = NotFound
        elif amount > m.bal(f"disbursed:{allocation_id}"):
            expected = "repayment_exceeds_disbursed"
        elif m.total(allocation_id) - amount < m.spent[allocation_id]:
            expected = "repayment_below_expenditure"
        command = ClaimRepayment(programme=self.slug, allocation_id=allocation_id, amount=amount, reason="ineligible",
                                 decision=DECISION)  # fmt: skip
        result = self.attempt(expected, lambda: self.ledger.handle(CTX, command))
        if result:
            due = f"repayment_due:{allocation_id}"
            m.post(result.ids["entry_id"], Entry("repayment_claim", [(f"disbursed:{allocation_id}", due, amount)]))

    @rule(a=INDEX, amount=st.integers(1, 300))
    def receive_repayment(self, a: int, amount: int) -> None:
        allocation_id = pick(self.model.allocations, a)
        m = self.model
        expected: str | type[LedgerError] | None = None
        if allocation_id not in m.spent:
            expected = NotFound
        elif amount > m.bal(f"repayment_due:{allocation_id}"):
            expected = "repayment_exceeds_claim"
        command = ReceiveRepayment(programme=self.slug, allocation_id=allocation_id, amount=amount)
        result = self.attempt(expected, lambda: self.ledger.handle(CTX, command))
        if result:
            due, repaid = f"repayment_due:{allocation_id}", f"repaid:{m.grant_of[allocation_id]}"
            m.post(result.ids["entry_id"], Entry("repayment", [(due, repaid, amount)]))

    @rule(g=INDEX, amount=st.integers(1, 1_000))
    def return_unused_funds(self, g: int, amount: int) -> None:
        grant_id = pick(self.model.grants, g)
        expected: str | type[LedgerError] | None = None
        if grant_id not in self.model.grants:
            expected = NotFound
        elif amount > self.model.bal(f"grant:{grant_id}"):
            expected = "insufficient_grant_balance"
        command = ReturnUnusedFunds(programme=self.slug, grant_id=grant_id, amount=amount, decision=DECISION)
        result = self.attempt(expected, lambda: self.ledger.handle(CTX, command))
        if result:
            self.model.post(result.ids["entry_id"], Entry("return", [(f"grant:{grant_id}", FUNDER, amount)]))

    # --- co-financing: memo entries, reversible, moving no money ------------------------------------------------

    @rule(g=INDEX, amount=st.integers(1, 1_000), in_kind=st.booleans())
    def contribute(self, g: int, amount: int, in_kind: bool) -> None:
        """Cash, or `amount` participant-minutes in kind at 60 per hour (worth `amount`) once a rate is set."""
        grant_id = pick(self.model.grants, g)
        m = self.model
        expected: str | type[LedgerError] | None = None
        if grant_id not in m.grants:
            expected = NotFound
        elif in_kind and grant_id not in m.rated:
            expected = "no_in_kind_rate"
        command: RecordCashContribution | RecordInKindContribution = (
            RecordInKindContribution(programme=self.slug, grant_id=grant_id, participant_minutes=amount,
                                     contributor="participants", period="2021")
            if in_kind
            else RecordCashContribution(programme=self.slug, grant_id=grant_id, amount=amount, contributor="county",
                                        period="2021")
        )  # fmt: skip
        result = self.attempt(expected, lambda: self.ledger.handle(CTX, command))
        if result:
            m.post(result.ids["entry_id"], Entry("contribution", []))

    @rule(g=INDEX)
    def set_in_kind_rate(self, g: int) -> None:
        grant_id = pick(self.model.grants, g)
        expected = None if grant_id in self.model.grants else NotFound
        command = SetInKindRate(programme=self.slug, grant_id=grant_id, rate_per_hour=60, decision=DECISION)
        if self.attempt(expected, lambda: self.ledger.handle(CTX, command)):
            self.model.rated.add(grant_id)

    # --- reporting: the calendar, closed periods, cost options and claims (no money moves) ---------------------

    @rule()
    def set_reporting_calendar(self) -> None:
        expected = "calendar_fixed" if self.model.closed else None
        command = SetReportingCalendar(programme=self.slug, frequency="monthly", starts_on="2021-01-01",
                                       decision=DECISION)  # fmt: skip
        if self.attempt(expected, lambda: self.ledger.handle(CTX, command)):
            self.model.calendar = True

    @rule(offset=st.sampled_from((0, 0, 0, -1, 1)))
    def close_period(self, offset: int) -> None:
        """Mostly the next month to close; else the last closed again, or one too far."""
        m = self.model
        month = max(len(m.closed) + 1 + offset, 1)
        name = f"2021-{month:02d}"
        expected: str | None = None
        if not m.calendar:
            expected = "no_reporting_calendar"
        elif name in m.closed:
            expected = "period_closed"
        elif month != len(m.closed) + 1:
            expected = "period_out_of_order"
        if self.attempt(expected, lambda: self.ledger.handle(CTX, ClosePeriod(programme=self.slug, period=name))):
            m.closed.append(name)

    @rule(a=INDEX, rate=st.integers(0, 1_000), lump=st.booleans())
    def cost_option(self, a: int, rate: int, lump: bool) -> None:
        allocation_id = pick(self.model.allocations, a)
        expected = None if allocation_id in self.model.allocations else NotFound
        command: AgreeLumpSum | SetUnitCost = (
            AgreeLumpSum(programme=self.slug, allocation_id=allocation_id, title="Plan", amount=rate + 1,
                         decision=DECISION)
            if lump
            else SetUnitCost(programme=self.slug, allocation_id=allocation_id, unit="participant_hour", rate=rate,
                             decision=DECISION)
        )  # fmt: skip
        self.attempt(expected, lambda: self.ledger.handle(CTX, command))

    @rule(g=INDEX, k=st.integers(0, 3), people=st.lists(st.integers(0, 1), max_size=4))
    def draft_claim(self, g: int, k: int, people: list[int]) -> None:
        """Mostly for a closed month, else for one still open; then steps by `people`, one each."""
        closed = self.model.closed
        grant_id, period = pick(self.model.grants, g), closed[k % len(closed)] if closed and k else "2021-12"
        m = self.model
        expected: str | type[LedgerError] | None = None
        if grant_id not in m.grants:
            expected = NotFound
        elif period not in m.closed:
            expected = "period_open"
        elif any(c["grant"] == grant_id and c["period"] == period for c in m.claims.values()):
            expected = "claim_exists"
        command = DraftClaim(programme=self.slug, grant_id=grant_id, period=period)
        result = self.attempt(expected, lambda: self.ledger.handle(CTX, command))
        if result:
            m.claims[result.ids["claim_id"]] = {"grant": grant_id, "period": period, "state": "drafted"}
            for who in people:
                self.move_claim(len(m.claims) - 1, who)

    @rule(c=INDEX, who=st.integers(0, 1))
    def move_claim(self, c: int, who: int) -> None:
        """The claim's next step, by one of two people: the approver may not have submitted it, the payer not
        have approved it."""
        claim_id = pick(list(self.model.claims), c)
        claim = self.model.claims.get(claim_id)
        actor = PEOPLE[who]
        expected: str | type[LedgerError] | None = None
        command: SubmitClaim | ApproveClaim | PayClaim
        if claim is None:
            expected, step, command = NotFound, "", SubmitClaim(programme=self.slug, claim_id=claim_id)
        elif claim["state"] == "drafted":
            step, command = "submitted", SubmitClaim(programme=self.slug, claim_id=claim_id)
        elif claim["state"] == "submitted":
            step, command = "approved", ApproveClaim(programme=self.slug, claim_id=claim_id, decision=DECISION)
            expected = "same_person_submitted_and_approved" if claim["submitted"] == actor.actor else None
        elif claim["state"] == "approved":
            step, command = "paid", PayClaim(programme=self.slug, claim_id=claim_id)
            expected = "same_person_approved_and_paid" if claim["approved"] == actor.actor else None
        else:
            step, command = "", PayClaim(programme=self.slug, claim_id=claim_id)
            expected = "claim_paid"
        if self.attempt(expected, lambda: self.ledger.handle(actor, command)) and claim is not None:
            claim[step] = actor.actor
            claim["state"] = step

    @rule()
    def reopen(self) -> None:
        """A fresh ledger on the same store, with an empty cache, carries on where the old one stopped."""
        self.ledger.close()
        self.ledger = open_ledger(self.url)

    # --- invariants -----------------------------------------------------------------------------------------

    def stored(self, aggregate_id: uuid.UUID) -> Any:
        return self.ledger.repository.get(aggregate_id, version=2**31)  # past the cache, from the store

    @invariant()
    def caps_hold_and_roster_matches_model(self) -> None:
        programme = self.stored(self.programme_id)
        assert programme.active_company_count <= programme.caps["companies"]
        assert programme.participant_count <= PARTICIPANT_CAP
        assert programme.caps["companies"] == self.model.company_cap
        active = {n for n, c in programme.companies.items() if c["stage"] in ("joined", "onboarded")}
        assert active == {f"NO{n}" for n in self.model.active}
        assert sorted(programme.participants) == sorted(self.model.participants)
        cached = self.ledger.programme(self.slug)
        assert (cached.version, cached.companies) == (programme.version, programme.companies)

    @invariant()
    def money_conserved_and_equal_to_model(self) -> None:
        funds = self.stored(self.funds_id)
        assert sum(funds.balances.values()) == 0
        assert all(v >= 0 for account, v in funds.balances.items() if not account.startswith("funder:"))
        for allocation_id in funds.allocations:
            assert 0 <= funds.spent(allocation_id) <= funds.allocated_total(allocation_id)
        assert funds.balances == self.model.balances
        assert {a: funds.spent(a) for a in funds.allocations} == self.model.spent
        assert {e: info["reversed"] for e, info in funds.entries.items()} == {
            e: entry.reversed for e, entry in self.model.entries.items()
        }

    @invariant()
    def pending_payments_reserve_what_the_allocation_holds(self) -> None:
        """On every effective day (all today here), what pending payments reserve on an allocation is there; a
        paid payment was approved by another person than the one who confirmed it (or was below one step)."""
        funds = self.stored(self.funds_id)
        assert {p: info["state"] for p, info in funds.payments.items()} == {
            p: payment.state for p, payment in self.model.payments.items()
        }
        for allocation_id in funds.allocations:
            assert 0 <= funds.reserved_on(allocation_id) <= funds.balance(f"allocation:{allocation_id}")
            lowest = dated.lowest_from(
                date.min,
                (funds.movements.get(f"allocation:{allocation_id}", {}), 1),
                (funds.reserved.get(f"allocation:{allocation_id}", {}), -1),
            )
            assert lowest.value >= 0, (allocation_id, lowest)
        assert {a for a, stop in funds.stops.items() if stop["stop_id"] is not None} == self.model.stopped
        for info in funds.payments.values():
            if info["state"] == "paid":
                assert info["approved_by"] != info["paid_by"]
                assert funds.entries[info["entry_id"]]["payment_id"] in funds.payments


def _run(url: str, max_examples: int, steps: int) -> None:
    machine = type("Machine", (LedgerMachine,), {"url": url})
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_random_command_sequences_keep_the_ledger_consistent_on_sqlite(sqlite_url: str) -> None:
    _run(sqlite_url, max_examples=25, steps=30)


@pytest.mark.postgres
def test_random_command_sequences_keep_the_ledger_consistent_on_postgres(postgres_url: str) -> None:
    _run(postgres_url, max_examples=10, steps=15)
