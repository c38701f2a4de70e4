"""The audit shows payments by two people (each step as an entry with its actor, the payments with who approved
and who paid, the pending amount in the funds) and sanctions (stops and lifts, repayment claims and repayments,
unused funds returned, each with its decision); live and as of an effective day, and the books still reconcile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ledger.application import Ctx
from ledger.commands import (
    AllocateFunds,
    ApprovePayment,
    AwardGrant,
    CancelPayment,
    ClaimRepayment,
    ConfirmPayment,
    DisburseFunds,
    LiftPaymentStop,
    ReceiveRepayment,
    RequestPayment,
    ReturnUnusedFunds,
    SetPaymentControl,
    StopPayments,
)
from projections.as_of import programme_as_of
from projections.audit.queries import funding_audit, funds
from projections.status.queries import programme_id_for
from storage.open import open_projector
from tests.commands_given import DECISION, SLUG, launch

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

    from ledger.application import Ledger
    from projections.audit.answers import FundingAudit, Funds
    from projections.projector import Projector

CLERK, ATTESTER, PAYER = Ctx(actor="clerk@x"), Ctx(actor="attester@x"), Ctx(actor="payer@x")


@pytest.fixture
def world(ledger: Ledger, store_url: str) -> Iterator[tuple[Ledger, Projector, dict[str, str]]]:
    """An allocation of 600 (2021-01-04); payment A of 400 requested 2021-02-01, approved 2021-02-03, paid
    2021-02-10; payment B of 150 requested 2021-02-05, still pending; payment C of 50 requested and cancelled."""
    launch(ledger)
    on = {"decision": DECISION, "effective_on": "2021-01-04"}
    grant_id = ledger.handle(CLERK, AwardGrant(programme=SLUG, funder="ESF", amount=1_000, **on)).ids["grant_id"]
    allocation_id = ledger.handle(
        CLERK,
        AllocateFunds(
            programme=SLUG, grant_id=grant_id, recipient_kind="provider", recipient="OsloMet", amount=600, **on
        ),
    ).ids["allocation_id"]
    ledger.handle(CLERK, SetPaymentControl(programme=SLUG, single_step_below=100, **on))

    def request(amount: int, day: str) -> str:
        command = RequestPayment(programme=SLUG, allocation_id=allocation_id, amount=amount, effective_on=day)
        return ledger.handle(CLERK, command).ids["payment_id"]

    a = request(400, "2021-02-01")
    ledger.handle(ATTESTER, ApprovePayment(programme=SLUG, payment_id=a, effective_on="2021-02-03"))
    paid = ledger.handle(PAYER, ConfirmPayment(programme=SLUG, payment_id=a, effective_on="2021-02-10"))
    b = request(150, "2021-02-05")
    c = request(50, "2021-02-06")
    ledger.handle(CLERK, CancelPayment(programme=SLUG, payment_id=c, reason="duplicate invoice"))
    projector = open_projector(ledger, store_url)
    projector.run_once()
    ids = {"a": a, "b": b, "c": c, "allocation_id": allocation_id, "entry_id": paid.ids["entry_id"]}
    yield ledger, projector, ids
    projector.stop()
    projector.dispose()


def answers(ledger: Ledger, projector: Projector, as_of: str | None = None) -> tuple[FundingAudit, Funds]:
    engine: Engine = projector.engine
    with engine.connect() as db:
        programme_id = programme_id_for(db, SLUG)
    assert programme_id is not None
    if as_of is not None:
        from datetime import date  # noqa: PLC0415

        engine = programme_as_of(ledger, projector.engine, programme_id, effective_on=date.fromisoformat(as_of))
    with engine.connect() as db:
        return funding_audit(db, programme_id), funds(db, programme_id)


def test_given_payments_by_two_people_when_audited_then_each_step_shows_with_its_actor(
    world: tuple[Ledger, Projector, dict[str, str]],
) -> None:
    ledger, projector, ids = world
    audit, money = answers(ledger, projector)
    payments = {p.payment_id: p for p in audit.payments}
    a, b, c = payments[ids["a"]], payments[ids["b"]], payments[ids["c"]]
    assert [p.payment_id for p in audit.payments] == [ids["a"], ids["b"], ids["c"]]
    assert (a.state, a.requested_by, a.approved_by, a.ended_by, a.entry_id) == (
        "paid",
        CLERK.actor,
        ATTESTER.actor,
        PAYER.actor,
        ids["entry_id"],
    )
    assert (str(a.approved_on), str(a.ended_on)) == ("2021-02-03", "2021-02-10")
    assert (b.state, b.approved_by, b.ended_on) == ("pending", None, None)
    assert (c.state, c.reason) == ("cancelled", "duplicate invoice")
    steps = [(e.kind, e.actor, e.payment_id) for e in audit.entries if e.payment_id == ids["a"]]
    assert steps == [
        ("payment_request", CLERK.actor, ids["a"]),
        ("payment_approval", ATTESTER.actor, ids["a"]),
        ("payment", PAYER.actor, ids["a"]),
    ]
    paid = next(e for e in audit.entries if e.entry_id == ids["entry_id"])
    allocation = f"allocation:{ids['allocation_id']}"
    assert (paid.from_account, paid.to_account, paid.amount, paid.from_balance) == (
        allocation,
        f"disbursed:{ids['allocation_id']}",
        400,
        200,
    )
    control = next(e for e in audit.entries if e.kind == "payment_control")
    assert (control.amount, control.decision_reference) == (100, DECISION["reference"])
    assert (money.outstanding, money.disbursed, money.pending) == (200, 400, 150)
    assert audit.reconciliation.balanced


@pytest.mark.parametrize(
    ("day", "pending", "disbursed", "states"),
    [
        ("2021-01-31", 0, 0, {}),
        ("2021-02-04", 400, 0, {"a": "pending"}),
        ("2021-02-09", 400 + 150 + 50, 0, {"a": "pending", "b": "pending", "c": "pending"}),
        ("2021-02-10", 150 + 50, 400, {"a": "paid", "b": "pending", "c": "pending"}),
    ],
)
def test_given_payments_when_audited_as_of_an_effective_day_then_the_steps_effective_by_then_show(
    world: tuple[Ledger, Projector, dict[str, str]], day: str, pending: int, disbursed: int, states: dict[str, str]
) -> None:
    """Payment C was cancelled today: on every day in February it is still pending."""
    ledger, projector, ids = world
    audit, money = answers(ledger, projector, as_of=day)
    assert (money.pending, money.disbursed) == (pending, disbursed)
    assert {k: p.state for k in "abc" for p in audit.payments if p.payment_id == ids[k]} == states
    assert audit.reconciliation.balanced


def test_given_sanctions_when_audited_then_each_shows_with_its_decision_and_the_books_reconcile(
    ledger: Ledger, store_url: str
) -> None:
    """A stop on the allocation (lifted later), 400 paid, 150 claimed back, 100 repaid, 200 of the grant returned:
    each an entry with its decision; the named accounts hold what moved; funds and reconciliation agree, live and
    as of a day inside the stop."""
    launch(ledger)
    on: dict[str, Any] = {"decision": DECISION, "effective_on": "2021-01-04"}
    grant_id = ledger.handle(CLERK, AwardGrant(programme=SLUG, funder="ESF", amount=1_000, **on)).ids["grant_id"]
    allocation_id = ledger.handle(
        CLERK,
        AllocateFunds(
            programme=SLUG, grant_id=grant_id, recipient_kind="provider", recipient="OsloMet", amount=600, **on
        ),
    ).ids["allocation_id"]
    ledger.handle(CLERK, DisburseFunds(programme=SLUG, allocation_id=allocation_id, amount=400, **on))
    stop = StopPayments(programme=SLUG, scope="allocation", target_id=allocation_id, reason="report overdue",
                        decision=DECISION, effective_on="2021-03-01")  # fmt: skip
    stop_id = ledger.handle(CLERK, stop).ids["stop_id"]
    ledger.handle(CLERK, LiftPaymentStop(programme=SLUG, scope="allocation", target_id=allocation_id,
                                         decision=DECISION, effective_on="2021-04-01"))  # fmt: skip
    ledger.handle(CLERK, ClaimRepayment(programme=SLUG, allocation_id=allocation_id, amount=150, reason="ineligible",
                                        decision=DECISION, effective_on="2021-05-01"))  # fmt: skip
    ledger.handle(CLERK, ReceiveRepayment(programme=SLUG, allocation_id=allocation_id, amount=100,
                                          effective_on="2021-06-01"))  # fmt: skip
    ledger.handle(CLERK, ReturnUnusedFunds(programme=SLUG, grant_id=grant_id, amount=200, decision=DECISION,
                                           effective_on="2021-07-01"))  # fmt: skip
    projector = open_projector(ledger, store_url)
    try:
        projector.run_once()
        audit, money = answers(ledger, projector)
        kinds = [(e.kind, e.from_account, e.to_account, e.amount) for e in audit.entries][-5:]
        assert kinds == [
            ("payment_stop", None, None, 0),
            ("payment_stop_lift", None, None, 0),
            ("repayment_claim", f"disbursed:{allocation_id}", f"repayment_due:{allocation_id}", 150),
            ("repayment", f"repayment_due:{allocation_id}", f"repaid:{grant_id}", 100),
            ("return", f"grant:{grant_id}", "funder:ESF", 200),
        ]
        assert all(e.decision_reference == DECISION["reference"] for e in audit.entries[-5:] if e.kind != "repayment")
        (stopped,) = audit.payment_stops
        assert (stopped.stop_id, str(stopped.stopped_on), str(stopped.lifted_on), stopped.reason) == (
            stop_id, "2021-03-01", "2021-04-01", "report overdue")  # fmt: skip
        assert (money.granted, money.disbursed, money.repayment_due, money.repaid, money.remaining) == (
            800, 250, 50, 100, 200)  # fmt: skip
        assert audit.reconciliation.balanced, audit.reconciliation
        audit, money = answers(ledger, projector, as_of="2021-03-15")
        assert [(s.stop_id, s.lifted_on) for s in audit.payment_stops] == [(stop_id, None)]
        assert (money.disbursed, money.repayment_due, money.granted) == (400, 0, 1_000)
    finally:
        projector.stop()
        projector.dispose()
