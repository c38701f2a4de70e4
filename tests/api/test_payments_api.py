"""Payments by two people over HTTP: the coordinator requests and approves, the admin (another person) confirms
it as paid; the approver confirming is refused with 409 naming the rule, a bad payment id with 422 naming the
field, an unknown one with 404; the audit shows the payment and its steps."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from tests.api.conftest import Tokens, auth
from tests.api.test_api_flows import BASE, DECISION, command, events, funded, launched, read

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def test_a_payment_requested_approved_and_confirmed_by_another_person(client: TestClient, tokens: Tokens) -> None:
    c, admin = tokens.coordinator, tokens.admin
    launched(client, tokens, cap=1)
    ids = funded(client, tokens)
    command(client, c, f"{BASE}/payments", {"allocation_id": ids["allocation_id"], "amount": 1})  # one step: none set
    control = client.put(
        f"{BASE}/payment-control", headers=auth(c), json={"single_step_below": 10_000, "decision": DECISION}
    )
    assert control.status_code == 201, control.text
    one_step = client.post(f"{BASE}/disbursements", headers=auth(c), json={"allocation_id": ids["allocation_id"],
                                                                            "amount": 10_000})  # fmt: skip
    assert (one_step.status_code, one_step.json()["rule"]) == (409, "two_person_payment_required")
    requested = command(
        client, c, f"{BASE}/payments", {"allocation_id": ids["allocation_id"], "amount": 250_000, "kind": "advance"}
    )
    payment_id = requested["ids"]["payment_id"]
    command(client, c, f"{BASE}/payments/{payment_id}/approval", {})
    before = events(client, tokens.analyst)
    same = client.post(f"{BASE}/payments/{payment_id}/confirmation", headers=auth(c), json={})
    assert (same.status_code, same.json()["rule"]) == (409, "same_person_approved_and_paid")
    assert events(client, tokens.analyst) == before
    paid = command(client, admin, f"{BASE}/payments/{payment_id}/confirmation", {})
    audit = read(client, tokens.funder, f"{BASE}/audit", wait_for=paid["position"])
    payment = next(p for p in audit["payments"] if p["payment_id"] == payment_id)
    assert (payment["state"], payment["approved_by"], payment["ended_by"], payment["entry_id"]) == (
        "paid",
        "kari@fremtid",
        "admin@ledger",
        paid["ids"]["entry_id"],
    )
    assert [e["kind"] for e in audit["entries"] if e["payment_id"] == payment_id] == [
        "payment_request",
        "payment_approval",
        "advance",
    ]
    assert audit["reconciliation"]["balanced"] is True
    status = read(client, c, BASE, wait_for=paid["position"])
    assert (status["funds"]["disbursed"], status["funds"]["pending"]) == (250_000, 1)


def test_bad_payment_steps_are_named(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    launched(client, tokens, cap=1)
    ids = funded(client, tokens)
    bad = client.post(f"{BASE}/payments/not-an-id/approval", headers=auth(c), json={})
    assert (bad.status_code, bad.json()["field"]) == (422, "payment_id")
    unknown = client.post(f"{BASE}/payments/{uuid.uuid4()}/cancellation", headers=auth(c), json={"reason": "r"})
    assert unknown.status_code == 404
    floats = client.post(
        f"{BASE}/payments", headers=auth(c), json={"allocation_id": ids["allocation_id"], "amount": 1.5}
    )
    assert (floats.status_code, floats.json()["field"]) == (422, "body.amount")
    too_much = client.post(f"{BASE}/payments", headers=auth(c), json={"allocation_id": ids["allocation_id"],
                                                                       "amount": 600_001})  # fmt: skip
    assert (too_much.status_code, too_much.json()["rule"]) == (409, "insufficient_allocation_balance")
    control = client.put(
        f"{BASE}/payment-control", headers=auth(c), json={"single_step_below": -1, "decision": DECISION}
    )
    assert (control.status_code, control.json()["field"]) == (422, "body.single_step_below")


def test_payments_stopped_then_lifted_and_a_repayment_claimed_and_received(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    launched(client, tokens, cap=1)
    ids = funded(client, tokens)
    allocation = {"allocation_id": ids["allocation_id"]}
    command(client, c, f"{BASE}/disbursements", {**allocation, "amount": 100_000})
    stop = {"scope": "allocation", "target_id": ids["allocation_id"], "reason": "report overdue", "decision": DECISION}
    command(client, c, f"{BASE}/payment-stops", stop)
    before = events(client, tokens.analyst)
    refused = client.post(f"{BASE}/disbursements", headers=auth(c), json={**allocation, "amount": 1})
    assert (refused.status_code, refused.json()["rule"]) == (409, "payments_stopped")
    assert events(client, tokens.analyst) == before
    unknown = client.post(f"{BASE}/payment-stops", headers=auth(c), json={**stop, "target_id": str(uuid.uuid4())})
    assert unknown.status_code == 404
    bad_scope = client.post(f"{BASE}/payment-stops", headers=auth(c), json={**stop, "scope": "company"})
    assert (bad_scope.status_code, bad_scope.json()["field"]) == (422, "body.scope")
    lifting = {"scope": "allocation", "target_id": ids["allocation_id"], "decision": DECISION}
    command(client, c, f"{BASE}/payment-stops/lifting", lifting)
    command(client, c, f"{BASE}/disbursements", {**allocation, "amount": 1})
    claim = {**allocation, "amount": 40_000, "reason": "ineligible costs", "decision": DECISION}
    command(client, c, f"{BASE}/repayment-claims", claim)
    too_much = client.post(f"{BASE}/repayments", headers=auth(c), json={**allocation, "amount": 40_001})
    assert (too_much.status_code, too_much.json()["rule"]) == (409, "repayment_exceeds_claim")
    repaid = command(client, c, f"{BASE}/repayments", {**allocation, "amount": 40_000})
    audit = read(client, tokens.funder, f"{BASE}/audit", wait_for=repaid["position"])
    assert [s["lifted_by"] for s in audit["payment_stops"]] == ["kari@fremtid"]
    assert audit["reconciliation"]["balanced"] is True
    status = read(client, c, BASE, wait_for=repaid["position"])
    assert (status["funds"]["disbursed"], status["funds"]["repaid"], status["funds"]["repayment_due"]) == (
        60_001,
        40_000,
        0,
    )


def test_co_financing_by_participants_time_and_its_shortfall(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    launched(client, tokens, cap=1)
    grant = {"funder": "ESF", "amount": 1_000_000, "decision": DECISION, "co_financing_share_bp": 4_000}
    grant_id = command(client, c, f"{BASE}/grants", grant)["ids"]["grant_id"]
    allocation = {"grant_id": grant_id, "recipient_kind": "provider", "recipient": "NMBU", "amount": 600_000,
                  "decision": DECISION}  # fmt: skip
    allocation_id = command(client, c, f"{BASE}/allocations", allocation)["ids"]["allocation_id"]
    command(client, c, f"{BASE}/expenditures", {"allocation_id": allocation_id, "amount": 300_000, "period": "2021-H1"})
    time = {"grant_id": grant_id, "participant_minutes": 6_000, "contributor": "SEW Eurodrive", "period": "2021-H1"}
    unrated = client.post(f"{BASE}/contributions/in-kind", headers=auth(c), json=time)
    assert (unrated.status_code, unrated.json()["rule"]) == (409, "no_in_kind_rate")
    bad = client.post(f"{BASE}/contributions/in-kind", headers=auth(c), json={**time, "participant_minutes": 0})
    assert (bad.status_code, bad.json()["field"]) == (422, "body.participant_minutes")
    command(client, c, f"{BASE}/in-kind-rates", {"grant_id": grant_id, "rate_per_hour": 30_000, "decision": DECISION})
    given = command(client, c, f"{BASE}/contributions/in-kind", time)  # 100 hours at 300.00: 30,000.00
    audit = read(client, tokens.funder, f"{BASE}/audit", wait_for=given["position"])
    (co,) = audit["co_financing"]
    # costs 300,000 + 3,000,000 = 3,300,000 minor units; 40 % = 1,320,000 required; contributed 3,000,000
    assert (co["in_kind"], co["required"], co["shortfall"]) == (3_000_000, 1_320_000, 0)
    command(client, c, f"{BASE}/expenditures", {"allocation_id": allocation_id, "amount": 300_000, "period": "2021-H2"})
    at = events(client, tokens.analyst)[-1]["position"]
    status = read(client, c, BASE, wait_for=at)
    assert status["funds"]["co_financing_shortfall"] == 0  # in all: 40 % of 3,600,000 is met by 3,000,000
    periods = {p["period"]: p for p in read(client, tokens.funder, f"{BASE}/audit")["co_financing"][0]["periods"]}
    assert (periods["2021-H2"]["required"], periods["2021-H2"]["shortfall"]) == (120_000, 120_000)  # H2: none given
