"""Reporting and claims over HTTP: the calendar, a unit cost and expenditure, closing a period (its seal), the
claim drafted, submitted, approved and paid by different people (one person approving and paying is refused with
409 naming the rule), the claims answer as JSON and CSV, now and as of the seal's position."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from tests.api.conftest import Tokens, auth
from tests.api.test_api_flows import BASE, DECISION, command, events, launched, read

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def test_a_period_closed_and_claimed_through_its_steps(client: TestClient, tokens: Tokens) -> None:
    c, admin = tokens.coordinator, tokens.admin
    launched(client, tokens, cap=1)
    grant_id = command(client, c, f"{BASE}/grants", {"funder": "ESF", "amount": 1_000_000, "decision": DECISION,
                                                     "effective_on": "2021-01-04"})["ids"]["grant_id"]  # fmt: skip
    allocated = command(client, c, f"{BASE}/allocations", {"grant_id": grant_id, "recipient_kind": "provider",
                                                           "recipient": "NMBU", "amount": 600_000, "decision": DECISION,
                                                           "effective_on": "2021-01-04"})  # fmt: skip
    ids = {"grant_id": grant_id, "allocation_id": allocated["ids"]["allocation_id"]}
    put = client.put(f"{BASE}/reporting-calendar", headers=auth(c),
                     json={"frequency": "half_yearly", "starts_on": "2021-01-01", "decision": DECISION})  # fmt: skip
    assert put.status_code == 201, put.text
    command(client, c, f"{BASE}/expenditures", {"allocation_id": ids["allocation_id"], "amount": 40_000,
                                                "period": "2021-H1", "effective_on": "2021-05-03"})  # fmt: skip
    lump = command(client, c, f"{BASE}/lump-sums", {"allocation_id": ids["allocation_id"], "title": "Needs analysis",
                                                    "amount": 10_000, "decision": DECISION,
                                                    "effective_on": "2021-03-01"})  # fmt: skip
    deliverable = lump["ids"]["deliverable_id"]
    command(client, c, f"{BASE}/deliverables/{deliverable}/completion", {"effective_on": "2021-06-01"})
    early = client.post(f"{BASE}/claims", headers=auth(c), json={"grant_id": ids["grant_id"], "period": "2021-H1"})
    assert (early.status_code, early.json()["rule"]) == (409, "period_open")
    closed = command(client, c, f"{BASE}/periods/2021-H1/closing", {})
    seal = int(closed["ids"]["sealed_position"])
    late = command(client, c, f"{BASE}/expenditures", {"allocation_id": ids["allocation_id"], "amount": 5_000,
                                                       "period": "2021-H1", "effective_on": "2021-06-30"})  # fmt: skip

    claim_id = command(client, c, f"{BASE}/claims", {"grant_id": ids["grant_id"], "period": "2021-H1"})["ids"][
        "claim_id"
    ]
    command(client, c, f"{BASE}/claims/{claim_id}/submission", {})
    approved = command(client, admin, f"{BASE}/claims/{claim_id}/approval", {"decision": DECISION})
    before = events(client, tokens.analyst)
    same = client.post(f"{BASE}/claims/{claim_id}/payment", headers=auth(admin), json={})
    assert (same.status_code, same.json()["rule"]) == (409, "same_person_approved_and_paid")
    assert events(client, tokens.analyst) == before
    paid = command(client, c, f"{BASE}/claims/{claim_id}/payment", {})
    assert paid["position"] > approved["position"]

    answer = read(client, tokens.funder, f"{BASE}/claims", wait_for=paid["position"])
    h1 = next(x for x in answer["claims"] if x["period"] == "2021-H1")
    assert (h1["closed"], h1["sealed_position"], h1["actual"], h1["lump_sums"], h1["payable"]) == (
        True, seal, 40_000, 10_000, 50_000
    )  # fmt: skip
    assert (h1["state"], [s["actor"] for s in h1["steps"]]) == (
        "paid", ["kari@fremtid", "kari@fremtid", "admin@ledger", "kari@fremtid"]
    )  # fmt: skip
    h2 = next(x for x in answer["claims"] if x["period"] == "2021-H2")
    (adjustment,) = h2["lines"]
    assert (adjustment["adjustment"], adjustment["origin_period"], adjustment["amount"]) == (True, "2021-H1", 5_000)
    assert adjustment["positions"] == [late["position"]]

    since_seal = read(client, tokens.funder, f"{BASE}/revisions", since_position=closed["position"])
    claim_changes = {c["figure"]: c for c in since_seal["changes"] if c["answer"] == "claims"}
    h2_actual = claim_changes[f"2021-H2 {ids['grant_id']}.actual"]
    assert (h2_actual["old"], h2_actual["new"], h2_actual["positions"]) == (0, 5_000, [late["position"]])
    assert not any(figure.startswith("2021-H1") and not figure.endswith((".state", ".claim_id"))
                   for figure in claim_changes)  # fmt: skip
    late_event = next(e for e in since_seal["events"] if e["position"] == late["position"])
    assert late_event["back_dated"] is True

    at_seal = read(client, tokens.funder, f"{BASE}/claims", as_of_position=seal)
    assert at_seal["claims"][0]["period"] == "2021-H1"
    assert at_seal["claims"][0]["closed"] is False  # the closing itself came after its seal
    assert at_seal["claims"][0]["eligible"] == h1["eligible"]

    response = client.get(f"{BASE}/claims.csv", headers=auth(tokens.funder))
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {(r["period"], r["component"], r["adjustment"]) for r in rows} == {
        ("2021-H1", "actual", "False"), ("2021-H1", "lump_sum", "False"), ("2021-H2", "actual", "True")
    }  # fmt: skip


def test_bad_reporting_input_is_named(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    launched(client, tokens, cap=1)
    bad = client.put(f"{BASE}/reporting-calendar", headers=auth(c),
                     json={"frequency": "weekly", "starts_on": "2021-01-01", "decision": DECISION})  # fmt: skip
    assert (bad.status_code, bad.json()["field"]) == (422, "body.frequency")
    unknown = client.post(f"{BASE}/claims/not-a-uuid/submission", headers=auth(c), json={})
    assert (unknown.status_code, unknown.json()["field"]) == (422, "claim_id")
    none = client.post(f"{BASE}/claims/00000000-0000-4000-8000-000000000000/submission", headers=auth(c), json={})
    assert none.status_code == 409 or none.status_code == 404
    funder = client.put(f"{BASE}/reporting-calendar", headers=auth(tokens.funder),
                        json={"frequency": "monthly", "starts_on": "2021-01-01", "decision": DECISION})  # fmt: skip
    assert funder.status_code == 403
