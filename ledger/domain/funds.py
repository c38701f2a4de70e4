"""A programme's money as a double-entry ledger in integer minor units.

Every money event moves an amount between two accounts (`postings`):
  funder:<name>        -> grant:<grant_id>          a grant is awarded (the funder's account may go negative)
  grant:<grant_id>     -> allocation:<id>           funds are allocated to a recipient by a decision
  allocation:<a>       -> allocation:<b>            funds are reallocated
  allocation:<id>      -> disbursed:<id>            an advance or payment is made (in one step, or confirmed)
  disbursed:<id>       -> repayment_due:<id>        a repayment is claimed from the recipient by a decision
  repayment_due:<id>   -> repaid:<grant_id>         the recipient repays (to the grant's funder)
  grant:<grant_id>     -> funder:<name>             unallocated funds are returned to the funder by a decision
A funder's decision may stop payments from a grant or an allocation: while stopped (on the effective day), no
payment passes.
A payment by two people is a two-phase transfer: its request reserves the amount on the allocation (the
reservation counts against what the allocation has available, on every day from the request until the payment is
confirmed, cancelled or expires), one person approves it and another confirms it as paid, which posts it.
Expenditure reports are memo entries against an allocation (spent never exceeds what was allocated); so are
co-financing contributions to a grant (cash, or participants' time valued at the grant's in-kind rate).
A reversal posts the reversed entry's movement back. Every account but a funder's stays >= 0 on every
effective day (a back-dated entry is checked on its day and every later day), and the balances of all accounts
always sum to zero: money is conserved.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.domain import event

from ledger.domain import dated
from ledger.domain.accounts import (
    Posting,
    allocation_account,
    disbursed_account,
    funder_account,
    grant_account,
    is_external,
    repaid_account,
    repayment_due_account,
)
from ledger.domain.base import LedgerAggregate, stable_id
from ledger.errors import NotFound, RuleViolated
from ledger.events import funds as ev
from ledger.values import MAX_AMOUNT, MAX_TURNOVER


class Funds(LedgerAggregate):
    TOPIC = "ledger:Funds"
    class_version = 3  # of its snapshots: 2 keeps the money's movements by effective day, 3 the payments

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:Funds.Created"

    # the events it records (ledger/events): the library looks them up by name on the class
    FundsOpened = ev.FundsOpened
    GrantAwarded = ev.GrantAwarded
    BudgetLineSet = ev.BudgetLineSet
    FundsAllocated = ev.FundsAllocated
    FundsReallocated = ev.FundsReallocated
    FundsDisbursed = ev.FundsDisbursed
    ExpenditureReported = ev.ExpenditureReported
    EntryReversed = ev.EntryReversed
    PaymentControlSet = ev.PaymentControlSet
    PaymentRequested = ev.PaymentRequested
    PaymentApproved = ev.PaymentApproved
    PaymentConfirmed = ev.PaymentConfirmed
    PaymentCancelled = ev.PaymentCancelled
    PaymentExpired = ev.PaymentExpired
    PaymentsStopped = ev.PaymentsStopped
    PaymentStopLifted = ev.PaymentStopLifted
    RepaymentClaimed = ev.RepaymentClaimed
    RepaymentReceived = ev.RepaymentReceived
    UnusedFundsReturned = ev.UnusedFundsReturned
    InKindRateSet = ev.InKindRateSet
    ContributionRecorded = ev.ContributionRecorded

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A snapshot taken before the money was dated: its balances count from the start (their days are not
        known), so the rules hold on every day after it and at its end."""
        start = date.min.isoformat()
        state["movements"] = {account: {start: balance} for account, balance in state["balances"].items()}
        state["spending"] = {a: {start: info["spent"]} for a, info in state["allocations"].items()}
        state["turnover"] = sum(
            entry.get("spent", 0) + sum(posting[2] for posting in entry["postings"])
            for entry in state["entries"].values()
        )
        state.setdefault("began_on", date.min)
        state.setdefault("fact_on", date.min)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """A snapshot taken before payments by two people and payment stops: none was requested, none is reserved,
        none is stopped."""
        state["payments"] = {}
        state["reserved"] = {}
        state["single_step_below"] = None
        state["stops"] = {}
        state["in_kind_rates"] = {}

    @staticmethod
    def create_id(programme_id: Any) -> Any:
        return stable_id("funds", programme_id)

    @event(ev.FundsOpened)
    def __init__(self, programme_id: str, currency: str, actor: str, effective_on: date | None) -> None:
        self.programme_id = programme_id
        self.currency = currency
        self.balances: dict[str, int] = {}
        self.grants: dict[str, dict[str, Any]] = {}
        self.allocations: dict[str, dict[str, Any]] = {}
        self.budget_lines: dict[str, int] = {}
        self.entries: dict[str, dict[str, Any]] = {}  # entry_id -> {kind, postings, spent, reversed}
        # what moved on each effective day: per account, and the expenditure per allocation
        self.movements: dict[str, dated.Changes] = {}
        self.spending: dict[str, dated.Changes] = {}
        self.turnover = 0  # every amount recorded, summed: bounded so that no sum a read model keeps overflows
        # payments by two people: payment_id -> {allocation_id, amount, kind, state, ...}; what the pending ones
        # reserve on each allocation account, by effective day; the amount from which two people are required
        self.payments: dict[str, dict[str, Any]] = {}
        self.reserved: dict[str, dated.Changes] = {}
        self.single_step_below: int | None = None
        # payment stops by target account (grant:<id>, allocation:<id>): {"days": ISO day -> 1 stopped / 0 lifted,
        # "stop_id": the stop in force at the latest day, else None, "last_on": the latest day}
        self.stops: dict[str, dict[str, Any]] = {}
        # co-financing: per grant, the in-kind rate per participant-hour by effective day (a setting)
        self.in_kind_rates: dict[str, dated.Settings] = {}

    # --- derived -------------------------------------------------------------------------------------------

    def balance(self, account: str) -> int:
        return self.balances.get(account, 0)

    def allocated_total(self, allocation_id: str) -> int:
        """What the allocation holds now: outstanding plus disbursed."""
        return self.balance(allocation_account(allocation_id)) + self.balance(disbursed_account(allocation_id))

    def allocated_in_category(self, category: str) -> int:
        return sum(self.allocated_total(a) for a, info in self.allocations.items() if info["category"] == category)

    def one_step_suffices(self, amount: int) -> bool:
        """A payment may be made by one person in one step: no payment control is set, or it is below the
        programme's amount for one step."""
        return self.single_step_below is None or amount < self.single_step_below

    def reserved_on(self, allocation_id: str) -> int:
        """What pending payments reserve on the allocation now."""
        return sum(p["amount"] for p in self.payments.values() if p["allocation_id"] == allocation_id
                   and p["state"] == "pending")  # fmt: skip

    def spent(self, allocation_id: str) -> int:
        return int(self.allocations[allocation_id]["spent"])

    def _require_new_entry(self, entry_id: str, amount: int) -> None:
        if entry_id in self.entries:
            raise RuleViolated("entry_exists", f"money entry {entry_id} is already recorded")
        if self.turnover + amount > MAX_TURNOVER:
            raise RuleViolated(
                "programme_turnover_exceeded",
                f"the programme's money entries would exceed {MAX_TURNOVER} minor units in all",
            )

    def _require_funds(self, account: str, amount: int, rule: str, what: str, day: date) -> None:
        """The account can give `amount` on `day` and still holds it on every later day (less what pending payments
        reserve on it)."""
        lowest = dated.lowest_from(day, (self.movements.get(account, {}), 1), (self.reserved.get(account, {}), -1))
        if amount > lowest.value:
            raise RuleViolated(
                rule,
                f"{what}: {amount} exceeds the {lowest.value} {self.currency} minor units available on {lowest.day}",
                on=lowest.day,
            )

    def _require_unspent(self, allocation_id: str, amount: int, rule: str, message: str, day: date) -> None:
        """The allocation, less `amount`, still covers its reported expenditure on `day` and every later day."""
        lowest = dated.lowest_from(
            day,
            (self.movements.get(allocation_account(allocation_id), {}), 1),
            (self.movements.get(disbursed_account(allocation_id), {}), 1),
            (self.spending.get(allocation_id, {}), -1),
        )
        if amount > lowest.value:
            raise RuleViolated(rule, f"{message} on {lowest.day}", on=lowest.day)

    def _require_allocation(self, allocation_id: str, field: str = "allocation_id") -> None:
        if allocation_id not in self.allocations:
            raise NotFound("allocation", allocation_id, field=field)

    def _require_category_room(self, category: str, amount: int) -> None:
        line = self.budget_lines.get(category)
        if line is not None and self.allocated_in_category(category) + amount > line:
            raise RuleViolated(
                "budget_line_exceeded",
                f"allocating {amount} to {category!r} exceeds its budget line of {line}",
            )

    # --- the one place where postings move balances (assignment only) --------------------------------------

    def _post(self, entry_id: str, kind: str, postings: list[Posting], **extra: Any) -> None:
        self.turnover += extra.get("spent", 0) + sum(value for _, _, value in postings)
        for source, target, value in postings:
            self.balances[source] = self.balances.get(source, 0) - value
            self.balances[target] = self.balances.get(target, 0) + value
            dated.add(self.movements.setdefault(source, {}), self.fact_on, -value)
            dated.add(self.movements.setdefault(target, {}), self.fact_on, value)
        self.entries[entry_id] = {
            "kind": kind,
            "postings": [list(p) for p in postings],
            "reversed": False,
            "on": self.fact_on.isoformat(),  # the day it took effect
            **extra,
        }

    # --- commands ------------------------------------------------------------------------------------------

    def award_grant(
        self,
        entry_id: str,
        grant_id: str,
        funder: str,
        amount: int,
        co_financing_share_bp: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._require_new_entry(entry_id, amount)
        if grant_id in self.grants:
            raise RuleViolated("grant_exists", f"grant {grant_id} is already awarded")
        self._grant_awarded(
            entry_id=entry_id,
            grant_id=grant_id,
            funder=funder,
            amount=amount,
            co_financing_share_bp=co_financing_share_bp,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.GrantAwarded)
    def _grant_awarded(
        self,
        entry_id: str,
        grant_id: str,
        funder: str,
        amount: int,
        co_financing_share_bp: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.grants[grant_id] = {"funder": funder, "co_financing_share_bp": co_financing_share_bp}
        self._post(entry_id, "grant", [(funder_account(funder), grant_account(grant_id), amount)])

    def set_budget_line(
        self, category: str, amount: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        allocated = self.allocated_in_category(category)
        if amount < allocated:
            raise RuleViolated("budget_line_below_allocated", f"{category!r} already has {allocated} allocated")
        self._budget_line_set(
            category=category, amount=amount, decision=decision, actor=actor, effective_on=effective_on
        )

    @event(ev.BudgetLineSet)
    def _budget_line_set(
        self, category: str, amount: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self.budget_lines[category] = amount

    def allocate(
        self,
        entry_id: str,
        allocation_id: str,
        grant_id: str,
        recipient_kind: str,
        recipient: str,
        category: str,
        amount: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._require_new_entry(entry_id, amount)
        if grant_id not in self.grants:
            raise NotFound("grant", grant_id, field="grant_id")
        if allocation_id in self.allocations:
            raise RuleViolated("allocation_exists", f"allocation {allocation_id} already exists")
        day = dated.effective(effective_on)
        self._require_funds(grant_account(grant_id), amount, "insufficient_grant_balance", f"grant {grant_id}", day)
        self._require_category_room(category, amount)
        self._funds_allocated(
            entry_id=entry_id,
            allocation_id=allocation_id,
            grant_id=grant_id,
            recipient_kind=recipient_kind,
            recipient=recipient,
            category=category,
            amount=amount,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.FundsAllocated)
    def _funds_allocated(
        self,
        entry_id: str,
        allocation_id: str,
        grant_id: str,
        recipient_kind: str,
        recipient: str,
        category: str,
        amount: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.allocations[allocation_id] = {
            "grant_id": grant_id,
            "recipient_kind": recipient_kind,
            "recipient": recipient,
            "category": category,
            "spent": 0,
        }
        self._post(entry_id, "allocation", [(grant_account(grant_id), allocation_account(allocation_id), amount)])

    def reallocate(
        self,
        entry_id: str,
        from_allocation_id: str,
        to_allocation_id: str,
        amount: int,
        reason: str,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        """Moves outstanding (not yet disbursed) funds from one allocation to another, by a decision."""
        self._require_new_entry(entry_id, amount)
        self._require_allocation(from_allocation_id, "from_allocation_id")
        self._require_allocation(to_allocation_id, "to_allocation_id")
        if from_allocation_id == to_allocation_id:
            raise RuleViolated("same_allocation", "cannot reallocate an allocation to itself")
        day = dated.effective(effective_on)
        self._require_funds(
            allocation_account(from_allocation_id),
            amount,
            "insufficient_allocation_balance",
            f"outstanding on allocation {from_allocation_id}",
            day,
        )
        self._require_unspent(
            from_allocation_id,
            amount,
            "reallocation_below_expenditure",
            f"allocation {from_allocation_id} would hold less than its reported expenditure",
            day,
        )
        target_category = self.allocations[to_allocation_id]["category"]
        if target_category != self.allocations[from_allocation_id]["category"]:
            self._require_category_room(target_category, amount)
        self._funds_reallocated(
            entry_id=entry_id,
            from_allocation_id=from_allocation_id,
            to_allocation_id=to_allocation_id,
            amount=amount,
            reason=reason,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.FundsReallocated)
    def _funds_reallocated(
        self,
        entry_id: str,
        from_allocation_id: str,
        to_allocation_id: str,
        amount: int,
        reason: str,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._post(
            entry_id,
            "reallocation",
            [(allocation_account(from_allocation_id), allocation_account(to_allocation_id), amount)],
        )

    def disburse(
        self,
        entry_id: str,
        allocation_id: str,
        amount: int,
        kind: str,
        decision: dict[str, str] | None,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._require_new_entry(entry_id, amount)
        self._require_allocation(allocation_id)
        self._require_not_stopped(allocation_id, dated.effective(effective_on))
        if not self.one_step_suffices(amount):
            raise RuleViolated(
                "two_person_payment_required",
                f"a payment of {amount} needs a request, an approval and a confirmation by another person "
                f"(one step suffices below {self.single_step_below})",
            )
        self._require_funds(
            allocation_account(allocation_id),
            amount,
            "insufficient_allocation_balance",
            f"outstanding on allocation {allocation_id}",
            dated.effective(effective_on),
        )
        self._funds_disbursed(
            entry_id=entry_id,
            allocation_id=allocation_id,
            amount=amount,
            kind=kind,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.FundsDisbursed)
    def _funds_disbursed(
        self,
        entry_id: str,
        allocation_id: str,
        amount: int,
        kind: str,
        decision: dict[str, str] | None,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._post(
            entry_id,
            "disbursement",
            [(allocation_account(allocation_id), disbursed_account(allocation_id), amount)],
        )

    def report_expenditure(
        self,
        entry_id: str,
        allocation_id: str,
        amount: int,
        period: str,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._require_new_entry(entry_id, amount)
        self._require_allocation(allocation_id)
        self._require_unspent(
            allocation_id,
            amount,
            "expenditure_exceeds_allocation",
            f"reporting {amount} on allocation {allocation_id} exceeds what it holds unspent",
            dated.effective(effective_on),
        )
        self._expenditure_reported(
            entry_id=entry_id,
            allocation_id=allocation_id,
            amount=amount,
            period=period,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.ExpenditureReported)
    def _expenditure_reported(
        self,
        entry_id: str,
        allocation_id: str,
        amount: int,
        period: str,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.allocations[allocation_id]["spent"] += amount
        dated.add(self.spending.setdefault(allocation_id, {}), self.fact_on, amount)
        self._post(entry_id, "expenditure", [], allocation_id=allocation_id, spent=amount)

    def reverse(
        self,
        entry_id: str,
        reversed_entry_id: str,
        reason: str,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        """Posts an earlier entry's movement back; refused if that would take any account below zero."""
        original = self.entries.get(reversed_entry_id)
        if original is None:
            raise NotFound("money entry", reversed_entry_id, field="entry_id")
        self._require_new_entry(entry_id, original.get("spent", 0) + sum(p[2] for p in original["postings"]))
        if original["kind"] == "reversal":
            raise RuleViolated("reversal_of_reversal", "a reversal cannot be reversed; record the entry again")
        if original["reversed"]:
            raise RuleViolated("already_reversed", f"money entry {reversed_entry_id} is already reversed")
        day = dated.effective(effective_on)
        dated.require_not_before(day, original.get("on"), "effective_before_entry", f"money entry {reversed_entry_id}")
        for source, target, value in original["postings"]:
            if not is_external(target):
                self._require_funds(
                    target, value, "reversal_exceeds_balance", f"reversing {reversed_entry_id} takes from {target}", day
                )
            if target.startswith("allocation:") and not source.startswith("disbursed:"):
                allocation_id = target.split(":", 1)[1]
                self._require_unspent(
                    allocation_id,
                    value,
                    "reversal_below_expenditure",
                    f"allocation {allocation_id} would hold less than its reported expenditure",
                    day,
                )
            if source.startswith("allocation:") and target.startswith("allocation:"):
                back_to = self.allocations[source.split(":", 1)[1]]["category"]
                if back_to != self.allocations[target.split(":", 1)[1]]["category"]:
                    self._require_category_room(back_to, value)
        self._entry_reversed(
            entry_id=entry_id,
            reversed_entry_id=reversed_entry_id,
            reason=reason,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.EntryReversed)
    def _entry_reversed(
        self,
        entry_id: str,
        reversed_entry_id: str,
        reason: str,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        original = self.entries[reversed_entry_id]
        original["reversed"] = True
        if original["kind"] == "expenditure":
            self.allocations[original["allocation_id"]]["spent"] -= original["spent"]
            dated.add(self.spending.setdefault(original["allocation_id"], {}), self.fact_on, -original["spent"])
        self._post(entry_id, "reversal", [(t, s, v) for s, t, v in original["postings"]], reverses=reversed_entry_id)

    # --- payments by two people ----------------------------------------------------------------------------

    def set_payment_control(
        self, single_step_below: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self._payment_control_set(
            single_step_below=single_step_below, decision=decision, actor=actor, effective_on=effective_on
        )

    @event(ev.PaymentControlSet)
    def _payment_control_set(
        self, single_step_below: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self.single_step_below = single_step_below

    def _pending(self, payment_id: str, day: date) -> dict[str, Any]:
        """A payment still pending, and `day` not before it was requested (or approved)."""
        payment = self.payments.get(payment_id)
        if payment is None:
            raise NotFound("payment", payment_id, field="payment_id")
        if payment["state"] != "pending":
            raise RuleViolated("payment_not_pending", f"payment {payment_id} is already {payment['state']}")
        dated.require_not_before(day, payment["on"], "effective_before_request", f"the request of payment {payment_id}")
        dated.require_not_before(
            day, payment.get("approved_on"), "effective_before_approval", f"the approval of payment {payment_id}"
        )
        return payment

    def request_payment(
        self,
        payment_id: str,
        allocation_id: str,
        amount: int,
        kind: str,
        expires_on: date | None,
        decision: dict[str, str] | None,
        actor: str,
        effective_on: date | None,
    ) -> None:
        """Reserves the amount on the allocation: it must be available on the day and every later day."""
        if payment_id in self.payments:
            raise RuleViolated("payment_exists", f"payment {payment_id} is already requested")
        self._require_allocation(allocation_id)
        if self.turnover + amount > MAX_TURNOVER:
            raise RuleViolated(
                "programme_turnover_exceeded",
                f"the programme's money entries would exceed {MAX_TURNOVER} minor units in all",
            )
        day = dated.effective(effective_on)
        if expires_on is not None and expires_on < day:
            raise RuleViolated(
                "expires_before_request", f"expires_on {expires_on} is before the request ({day})", on=day
            )
        self._require_funds(
            allocation_account(allocation_id),
            amount,
            "insufficient_allocation_balance",
            f"available (outstanding less pending payments) on allocation {allocation_id}",
            day,
        )
        self._payment_requested(
            payment_id=payment_id,
            allocation_id=allocation_id,
            amount=amount,
            kind=kind,
            expires_on=expires_on,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.PaymentRequested)
    def _payment_requested(
        self,
        payment_id: str,
        allocation_id: str,
        amount: int,
        kind: str,
        expires_on: date | None,
        decision: dict[str, str] | None,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.payments[payment_id] = {
            "allocation_id": allocation_id,
            "amount": amount,
            "kind": kind,
            "state": "pending",
            "requested_by": actor,
            "approved_by": None,
            "on": self.fact_on.isoformat(),
            "expires_on": None if expires_on is None else expires_on.isoformat(),
        }
        dated.add(self.reserved.setdefault(allocation_account(allocation_id), {}), self.fact_on, amount)

    def _require_unexpired(self, payment_id: str, payment: dict[str, Any], day: date) -> None:
        if payment["expires_on"] is not None and day.isoformat() > payment["expires_on"]:
            raise RuleViolated(
                "payment_request_expired", f"payment {payment_id} expired after {payment['expires_on']}", on=day
            )

    def approve_payment(self, payment_id: str, actor: str, effective_on: date | None) -> None:
        day = dated.effective(effective_on)
        payment = self._pending(payment_id, day)
        if payment["approved_by"] is not None:
            raise RuleViolated("payment_already_approved", f"payment {payment_id} is approved already")
        self._require_unexpired(payment_id, payment, day)
        self._payment_approved(payment_id=payment_id, actor=actor, effective_on=effective_on)

    @event(ev.PaymentApproved)
    def _payment_approved(self, payment_id: str, actor: str, effective_on: date | None) -> None:
        self.payments[payment_id]["approved_by"] = actor
        self.payments[payment_id]["approved_on"] = self.fact_on.isoformat()

    def confirm_payment(self, entry_id: str, payment_id: str, actor: str, effective_on: date | None) -> None:
        """Posts the reserved amount from the allocation to what it disbursed. Approved by another person first,
        unless the amount is below the programme's amount for one step. The reservation ends on the day the money
        moves, so what the allocation has available does not change and needs no check."""
        day = dated.effective(effective_on)
        payment = self._pending(payment_id, day)
        self._require_unexpired(payment_id, payment, day)
        self._require_not_stopped(payment["allocation_id"], day)
        approver = payment["approved_by"]
        if approver is None and not self.one_step_suffices(payment["amount"]):
            raise RuleViolated("payment_not_approved", f"payment {payment_id} must be approved before it is paid")
        if approver is not None and approver == actor:
            raise RuleViolated(
                "same_person_approved_and_paid",
                f"{actor} approved payment {payment_id}: another person must confirm it as paid",
            )
        self._require_new_entry(entry_id, payment["amount"])
        self._payment_confirmed(
            payment_id=payment_id,
            entry_id=entry_id,
            allocation_id=payment["allocation_id"],
            amount=payment["amount"],
            kind=payment["kind"],
            actor=actor,
            effective_on=effective_on,
        )

    def _release(self, payment_id: str, state: str) -> dict[str, Any]:
        payment = self.payments[payment_id]
        payment["state"] = state
        dated.add(
            self.reserved.setdefault(allocation_account(payment["allocation_id"]), {}), self.fact_on, -payment["amount"]
        )
        return payment

    @event(ev.PaymentConfirmed)
    def _payment_confirmed(
        self,
        payment_id: str,
        entry_id: str,
        allocation_id: str,
        amount: int,
        kind: str,
        actor: str,
        effective_on: date | None,
    ) -> None:
        payment = self._release(payment_id, "paid")
        payment["entry_id"], payment["paid_by"] = entry_id, actor
        self._post(
            entry_id,
            "disbursement",
            [(allocation_account(allocation_id), disbursed_account(allocation_id), amount)],
            payment_id=payment_id,
        )

    def cancel_payment(self, payment_id: str, reason: str, actor: str, effective_on: date | None) -> None:
        self._pending(payment_id, dated.effective(effective_on))
        self._payment_cancelled(payment_id=payment_id, reason=reason, actor=actor, effective_on=effective_on)

    @event(ev.PaymentCancelled)
    def _payment_cancelled(self, payment_id: str, reason: str, actor: str, effective_on: date | None) -> None:
        self._release(payment_id, "cancelled")

    def expire_payment(self, payment_id: str, actor: str, effective_on: date | None) -> None:
        """Records that a pending payment's request ran out: only after its last day."""
        day = dated.effective(effective_on)
        payment = self._pending(payment_id, day)
        if payment["expires_on"] is None or day.isoformat() <= payment["expires_on"]:
            raise RuleViolated(
                "payment_not_expired",
                f"payment {payment_id} runs until {payment['expires_on'] or 'it is paid or cancelled'}",
                on=day,
            )
        self._payment_expired(payment_id=payment_id, actor=actor, effective_on=effective_on)

    @event(ev.PaymentExpired)
    def _payment_expired(self, payment_id: str, actor: str, effective_on: date | None) -> None:
        self._release(payment_id, "expired")

    # --- sanctions: payment stops, repayment claims, repayments, unused funds returned -------------------------

    def _target(self, scope: str, target_id: str) -> str:
        if scope == "grant":
            if target_id not in self.grants:
                raise NotFound("grant", target_id, field="target_id")
            return grant_account(target_id)
        self._require_allocation(target_id, "target_id")
        return allocation_account(target_id)

    def stopped_on(self, account: str, day: date) -> bool:
        stop = self.stops.get(account)
        return stop is not None and dated.setting_on(stop["days"], day) == 1

    def _require_not_stopped(self, allocation_id: str, day: date) -> None:
        """No payment passes on a day its allocation or its allocation's grant is stopped."""
        grant_id = self.allocations[allocation_id]["grant_id"]
        for account in (allocation_account(allocation_id), grant_account(grant_id)):
            if self.stopped_on(account, day):
                raise RuleViolated("payments_stopped", f"payments from {account} are stopped on {day}", on=day)

    def _require_in_order(self, account: str, day: date) -> None:
        """A target's stops and lifts take effect in the order they are recorded."""
        stop = self.stops.get(account)
        if stop is not None:
            dated.require_not_before(
                day, stop["last_on"], "effective_before_previous", f"the last stop or lift of {account}"
            )

    def stop_payments(
        self,
        stop_id: str,
        scope: str,
        target_id: str,
        reason: str,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        """Refused while already stopped, and on a day before a payment the target already made (a payment made
        while stopped would be shown on that day). A payment recorded before the stop on the stop's own day stands:
        it was made before the decision."""
        account = self._target(scope, target_id)
        day = dated.effective(effective_on)
        self._require_in_order(account, day)
        if self.stopped_on(account, day):
            raise RuleViolated("payments_already_stopped", f"payments from {account} are stopped already", on=day)
        covered = (
            {target_id}
            if scope == "allocation"
            else {a for a, info in self.allocations.items() if info["grant_id"] == target_id}
        )
        paid_on = [
            entry["on"]
            for entry in self.entries.values()
            if entry["kind"] == "disbursement"
            and not entry["reversed"]
            and entry["postings"][0][0].split(":", 1)[1] in covered
            and entry.get("on") is not None
            and entry["on"] > day.isoformat()
        ]
        if paid_on:
            last = date.fromisoformat(max(paid_on))
            raise RuleViolated("payment_after_stop", f"{account} made a payment on {last}, after {day}", on=last)
        self._payments_stopped(
            stop_id=stop_id,
            scope=scope,
            target_id=target_id,
            reason=reason,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.PaymentsStopped)
    def _payments_stopped(
        self,
        stop_id: str,
        scope: str,
        target_id: str,
        reason: str,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        account = grant_account(target_id) if scope == "grant" else allocation_account(target_id)
        stop = self.stops.setdefault(account, {"days": {}, "stop_id": None, "last_on": None})
        stop["days"][self.fact_on.isoformat()] = 1
        stop["stop_id"], stop["last_on"] = stop_id, self.fact_on.isoformat()

    def lift_payment_stop(
        self, scope: str, target_id: str, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        account = self._target(scope, target_id)
        day = dated.effective(effective_on)
        self._require_in_order(account, day)
        if not self.stopped_on(account, day):
            raise RuleViolated("payments_not_stopped", f"payments from {account} are not stopped on {day}", on=day)
        self._payment_stop_lifted(
            stop_id=self.stops[account]["stop_id"],
            scope=scope,
            target_id=target_id,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.PaymentStopLifted)
    def _payment_stop_lifted(
        self, stop_id: str, scope: str, target_id: str, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        account = grant_account(target_id) if scope == "grant" else allocation_account(target_id)
        stop = self.stops[account]
        stop["days"][self.fact_on.isoformat()] = 0
        stop["stop_id"], stop["last_on"] = None, self.fact_on.isoformat()

    def claim_repayment(
        self,
        entry_id: str,
        allocation_id: str,
        amount: int,
        reason: str,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        """Claims back money paid on an allocation and not accounted for by expenditure."""
        self._require_new_entry(entry_id, amount)
        self._require_allocation(allocation_id)
        day = dated.effective(effective_on)
        self._require_funds(
            disbursed_account(allocation_id),
            amount,
            "repayment_exceeds_disbursed",
            f"claiming back from what allocation {allocation_id} was paid",
            day,
        )
        self._require_unspent(
            allocation_id,
            amount,
            "repayment_below_expenditure",
            f"allocation {allocation_id} would hold less than its reported expenditure",
            day,
        )
        self._repayment_claimed(
            entry_id=entry_id,
            allocation_id=allocation_id,
            amount=amount,
            reason=reason,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.RepaymentClaimed)
    def _repayment_claimed(
        self,
        entry_id: str,
        allocation_id: str,
        amount: int,
        reason: str,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._post(
            entry_id,
            "repayment_claim",
            [(disbursed_account(allocation_id), repayment_due_account(allocation_id), amount)],
        )

    def receive_repayment(
        self, entry_id: str, allocation_id: str, amount: int, actor: str, effective_on: date | None
    ) -> None:
        self._require_new_entry(entry_id, amount)
        self._require_allocation(allocation_id)
        self._require_funds(
            repayment_due_account(allocation_id),
            amount,
            "repayment_exceeds_claim",
            f"owed back on allocation {allocation_id}",
            dated.effective(effective_on),
        )
        self._repayment_received(
            entry_id=entry_id,
            allocation_id=allocation_id,
            grant_id=self.allocations[allocation_id]["grant_id"],
            amount=amount,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.RepaymentReceived)
    def _repayment_received(
        self, entry_id: str, allocation_id: str, grant_id: str, amount: int, actor: str, effective_on: date | None
    ) -> None:
        self._post(entry_id, "repayment", [(repayment_due_account(allocation_id), repaid_account(grant_id), amount)])

    def return_unused_funds(
        self, entry_id: str, grant_id: str, amount: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        """Returns unallocated money of a grant to its funder (never more than the grant holds on any later day)."""
        self._require_new_entry(entry_id, amount)
        if grant_id not in self.grants:
            raise NotFound("grant", grant_id, field="grant_id")
        self._require_funds(
            grant_account(grant_id),
            amount,
            "insufficient_grant_balance",
            f"grant {grant_id}",
            dated.effective(effective_on),
        )
        self._unused_funds_returned(
            entry_id=entry_id,
            grant_id=grant_id,
            funder=self.grants[grant_id]["funder"],
            amount=amount,
            decision=decision,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.UnusedFundsReturned)
    def _unused_funds_returned(
        self,
        entry_id: str,
        grant_id: str,
        funder: str,
        amount: int,
        decision: dict[str, str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self._post(entry_id, "return", [(grant_account(grant_id), funder_account(funder), amount)])

    # --- co-financing ----------------------------------------------------------------------------------------

    def _require_grant(self, grant_id: str) -> None:
        if grant_id not in self.grants:
            raise NotFound("grant", grant_id, field="grant_id")

    def set_in_kind_rate(
        self, grant_id: str, rate_per_hour: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self._require_grant(grant_id)
        self._in_kind_rate_set(
            grant_id=grant_id, rate_per_hour=rate_per_hour, decision=decision, actor=actor, effective_on=effective_on
        )

    @event(ev.InKindRateSet)
    def _in_kind_rate_set(
        self, grant_id: str, rate_per_hour: int, decision: dict[str, str], actor: str, effective_on: date | None
    ) -> None:
        self.in_kind_rates.setdefault(grant_id, {})[self.fact_on.isoformat()] = rate_per_hour

    @staticmethod
    def in_kind_value(participant_minutes: int, rate_per_hour: int) -> int:
        """Minutes x rate / 60, rounded half to even to whole minor units, once."""
        whole, rest = divmod(participant_minutes * rate_per_hour, 60)
        return whole + (1 if rest > 30 or (rest == 30 and whole % 2 == 1) else 0)

    def record_contribution(
        self,
        entry_id: str,
        grant_id: str,
        kind: str,
        amount: int | None,
        participant_minutes: int | None,
        contributor: str,
        period: str,
        actor: str,
        effective_on: date | None,
    ) -> None:
        """A cash contribution of `amount`, or `participant_minutes` in kind valued at the grant's rate in force on
        the day."""
        self._require_grant(grant_id)
        rate = None
        if kind == "in_kind":
            assert participant_minutes is not None
            day = dated.effective(effective_on)
            rate = dated.setting_on(self.in_kind_rates.get(grant_id, {}), day)
            if rate is None:
                raise RuleViolated("no_in_kind_rate", f"grant {grant_id} has no in-kind rate in force on {day}", on=day)
            amount = self.in_kind_value(participant_minutes, rate)
            if not 0 < amount <= MAX_AMOUNT:
                raise RuleViolated(
                    "in_kind_value_out_of_range",
                    f"{participant_minutes} minutes at {rate} per hour are worth {amount}, outside 1..{MAX_AMOUNT}",
                )
        assert amount is not None
        self._require_new_entry(entry_id, amount)
        self._contribution_recorded(
            entry_id=entry_id,
            grant_id=grant_id,
            kind=kind,
            amount=amount,
            participant_minutes=participant_minutes,
            rate_per_hour=rate,
            contributor=contributor,
            period=period,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.ContributionRecorded)
    def _contribution_recorded(
        self,
        entry_id: str,
        grant_id: str,
        kind: str,
        amount: int,
        participant_minutes: int | None,
        rate_per_hour: int | None,
        contributor: str,
        period: str,
        actor: str,
        effective_on: date | None,
    ) -> None:
        # a memo entry, like expenditure: its amount counts in the turnover (under `spent`), it moves no money
        self._post(entry_id, "contribution", [], grant_id=grant_id, spent=amount)
