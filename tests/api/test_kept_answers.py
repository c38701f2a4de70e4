"""Live answers are kept while the programme's read models stay where they are, and only then: a command in another
programme leaves a kept answer alone; a command in the programme, a company's corrected name, or a command through
another API process on the same store is in the next answer."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from projections.audit import queries as audit_queries
from projections.evaluation import queries as evaluation_queries
from projections.status import queries as status_queries
from storage.settings import Settings
from tests.api.conftest import PROGRAMME_B, Tokens, auth
from tests.api.test_api_flows import BASE, ORGS, command, company_body, launch_body, launched

READS = {"status": "", "audit": "/audit", "evaluation": "/evaluation"}


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many times each answer was computed from the tables."""
    counts = dict.fromkeys(READS, 0)

    def counting(name: str, module: Any, function: str) -> None:
        original = getattr(module, function)

        def counted(*args: Any) -> Any:
            counts[name] += 1
            return original(*args)

        monkeypatch.setattr(module, function, counted)

    counting("status", status_queries, "programme_status")
    counting("audit", audit_queries, "funding_audit")
    counting("evaluation", evaluation_queries, "evaluation")
    return counts


def read_all(client: TestClient, token: str, position: int) -> dict[str, Any]:
    answers = {}
    for name, path in READS.items():
        response = client.get(f"{BASE}{path}", headers=auth(token), params={"wait_for": position})
        assert response.status_code == 200, response.text
        answers[name] = response.json()
    return answers


def test_an_answer_is_kept_until_its_programme_changes(
    client: TestClient, tokens: Tokens, computed: dict[str, int]
) -> None:
    written = launched(client, tokens, cap=2)
    first = read_all(client, tokens.coordinator, written["position"])
    assert read_all(client, tokens.funder, written["position"]) == first
    assert computed == dict.fromkeys(READS, 1), "the second reading is the kept answer"

    other = command(client, tokens.admin, "/api/programmes", launch_body(PROGRAMME_B))
    other = command(client, tokens.admin, f"/api/programmes/{PROGRAMME_B}/companies/{ORGS[3]}/presentations",
                    {"channel": "Teams"})  # fmt: skip
    assert read_all(client, tokens.coordinator, other["position"]) == first
    assert computed == dict.fromkeys(READS, 1), "another programme's commands leave the kept answers alone"

    presented = command(client, tokens.coordinator, f"{BASE}/companies/{ORGS[2]}/presentations", {"channel": "mail"})
    then = read_all(client, tokens.coordinator, presented["position"])
    assert computed == dict.fromkeys(READS, 2)
    assert then["status"]["pipeline"]["presentations"] == first["status"]["pipeline"]["presentations"] + 1

    renamed = {**company_body(ORGS[0]), "name": "Renamed AS"}
    del renamed["org_number"]  # named by the path
    corrected = client.put(f"/api/companies/{ORGS[0]}", headers=auth(tokens.admin), json=renamed).json()
    names = {c["name"] for c in read_all(client, tokens.coordinator, corrected["position"])["status"]["companies"]}
    assert "Renamed AS" in names, "a company's corrected name is in every programme's next answer"


def test_a_command_through_another_api_process_is_in_the_next_answer(
    client: TestClient, tokens: Tokens, store_url: str
) -> None:
    """Two API processes on one store (the second without a projector of its own): each keeps its own answers,
    and a change the other recorded is in its next one."""
    written = launched(client, tokens, cap=2)
    second = create_app(Settings(database_url=store_url, run_projector=False))
    try:
        with TestClient(second) as other:
            before = read_all(other, tokens.coordinator, written["position"])
            presented = command(client, tokens.coordinator, f"{BASE}/companies/{ORGS[3]}/presentations",
                                {"channel": "Teams"})  # fmt: skip
            after = read_all(other, tokens.coordinator, presented["position"])
    finally:
        second.state.services.ledger.close()
    assert after["status"]["pipeline"]["presentations"] == before["status"]["pipeline"]["presentations"] + 1
