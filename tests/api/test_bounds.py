"""Bounds at the door: no integer, text or query parameter a client sends can overflow a column, choke a store or
crash an answer. Each is refused with 422 naming the field (or 409 naming the rule, for a programme's money in
all), and nothing is written; the read models go on answering."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest

from ledger.commands import AwardGrant
from ledger.errors import RuleViolated
from ledger.values import MAX_AMOUNT, MAX_TURNOVER
from tests.api.conftest import auth
from tests.api.test_api_flows import BASE, DECISION, events, launched, read

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from tests.api.conftest import Tokens

HUGE = [2**63, 2**64 + 1, 10**30]


def refused(client: TestClient, token: str, path: str, body: Any, field: str) -> None:
    raw = json.dumps(body, ensure_ascii=True)  # lone surrogates travel as \\ud800 escapes, as a client sends them
    response = client.post(path, headers={**auth(token), "Content-Type": "application/json"}, content=raw)
    assert response.status_code == 422, response.text
    assert response.json()["field"].endswith(field), response.text


@pytest.fixture
def programme(client: TestClient, tokens: Tokens) -> dict[str, Any]:
    launched(client, tokens, cap=3)
    plan = {"title": "Truck", "kind": "group", "competence_area": "logistics", "region": "Viken",
            "provider": "AMU", "planned_on": "2021-05-01"}  # fmt: skip
    activity = client.post(f"{BASE}/activities", headers=auth(tokens.coordinator), json=plan)
    assert activity.status_code == 201, activity.text
    return {"activity_id": activity.json()["ids"]["activity_id"]}


@pytest.mark.parametrize("huge", HUGE)
def test_integers_past_their_limit_are_refused_and_nothing_is_written(
    client: TestClient, tokens: Tokens, programme: dict[str, Any], huge: int
) -> None:
    c = tokens.coordinator
    before = events(client, tokens.analyst)
    refused(client, c, f"{BASE}/activities/{programme['activity_id']}/held",
            {"minutes": 60, "participant_count": huge}, "participant_count")  # fmt: skip
    refused(client, c, f"{BASE}/grants", {"funder": "KN", "amount": huge, "decision": DECISION}, "amount")
    refused(client, c, f"{BASE}/caps", {"name": "companies", "value": huge, "decision": DECISION}, "value")
    assert events(client, tokens.analyst) == before
    assert read(client, c, BASE)["activities"]["held"] == 0


@pytest.mark.parametrize("text", ["Nul\x00AS", "Bell\x07AS", "Lone \ud800 surrogate", "Esc\x1b[31m"])
@pytest.mark.usefixtures("programme")
def test_texts_with_control_characters_or_lone_surrogates_are_refused(
    client: TestClient, tokens: Tokens, text: str
) -> None:
    before = events(client, tokens.analyst)
    refused(client, tokens.coordinator, f"{BASE}/grants", {"funder": text, "amount": 1, "decision": DECISION},
            "funder")  # fmt: skip
    assert events(client, tokens.analyst) == before


@pytest.mark.usefixtures("programme")
def test_tabs_and_newlines_stay_allowed_in_texts(client: TestClient, tokens: Tokens) -> None:
    body = {"funder": "Kompetanse Norge", "amount": 1, "decision": {**DECISION, "reference": "Sak 7\n\tvedtak"}}
    response = client.post(f"{BASE}/grants", headers=auth(tokens.coordinator), json=body)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        (f"{BASE}?as_of_position={2**63}", "as_of_position"),
        (f"{BASE}?wait_for={2**64}", "wait_for"),
        (f"/api/events?after={2**63}", "after"),
    ],
)
@pytest.mark.usefixtures("programme")
def test_positions_past_a_64_bit_column_are_refused(client: TestClient, tokens: Tokens, path: str, field: str) -> None:
    response = client.get(path, headers=auth(tokens.admin))
    assert response.status_code == 422, response.text
    assert response.json()["field"].endswith(field), response.text


def test_a_verification_position_past_a_64_bit_column_is_refused(client: TestClient, tokens: Tokens) -> None:
    body = {"position": 2**63, "chain": "0" * 64, "issued_at": "2021-01-01T00:00:00+00:00"}
    response = client.post("/api/integrity/verification", headers=auth(tokens.funder), json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"].endswith("position")


@pytest.mark.usefixtures("programme")
def test_a_programmes_money_in_all_is_bounded_so_no_sum_overflows(
    app: FastAPI, client: TestClient, tokens: Tokens
) -> None:
    """Grants of the largest amount, each within its own limit, stop at the programme's ceiling: every sum a
    read model keeps stays inside a 64-bit column, and the read models still answer."""
    ledger = app.state.services.ledger
    from ledger.application import Ctx  # noqa: PLC0415 (the test's own actor)

    ctx = Ctx(actor="kari@fremtid")
    grants = MAX_TURNOVER // MAX_AMOUNT
    for _ in range(grants):
        ledger.handle(ctx, AwardGrant(programme="fremtid", funder="KN", amount=MAX_AMOUNT, decision=DECISION))
    with pytest.raises(RuleViolated) as ceiling:
        ledger.handle(ctx, AwardGrant(programme="fremtid", funder="KN", amount=1, decision=DECISION))
    assert ceiling.value.rule == "programme_turnover_exceeded"
    response = client.get(f"{BASE}/audit", headers=auth(tokens.funder),
                          params={"wait_for": ledger.recorder.max_notification_id()})  # fmt: skip
    assert response.status_code == 200, response.text
    assert response.json()["reconciliation"]["totals"]["granted"] == MAX_TURNOVER
