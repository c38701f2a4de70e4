"""Property-based API test: schemathesis generates requests from our own OpenAPI document (valid and invalid
bodies, parameters and headers) and sends them to the app in-process with a coordinator's token. No answer may be
a server error, and every answer must match what the document declares (status code, content type, body schema).

A seeded programme gives the generated requests something to find: half the time a path's slug and ids are
replaced by real ones, so the commands get past authorisation and existence checks into the rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi as schemathesis_asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from api.tokens import Role
from storage.settings import Settings
from tests.api.conftest import PROGRAMME_A, auth
from tests.commands_given import norwegian_org_numbers

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from fastapi import FastAPI

DECISION = {"reference": "Styremøte 2021-04-12, sak 7", "body": "Styringsgruppen"}
EXAMPLES = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _seed(app: FastAPI, token: str) -> dict[str, str]:
    """A programme with a joined company, a participant, a module with a held session, a grant and an allocation;
    returns the ids to put into generated paths."""
    h = auth(token)
    org = norwegian_org_numbers(1)[0]
    with TestClient(app) as client:

        def post(path: str, body: dict[str, Any]) -> dict[str, Any]:
            response = client.post(path, headers=h, json=body)
            assert response.status_code == 201, response.text
            result: dict[str, Any] = response.json()
            return result

        base = f"/api/programmes/{PROGRAMME_A}"
        post(
            "/api/programmes",
            {
                "slug": PROGRAMME_A,
                "name": "FREMtid for kompetanse",
                "owner": "NHO Mat og Drikke",
                "funders": ["Kompetanse Norge"],
                "starts_on": "2021-03-01",
                "ends_on": "2024-06-30",
                "currency": "NOK",
                "caps": {"companies": 40},
            },
        )
        post(
            "/api/companies",
            {"org_number": org, "name": "Nortura", "region": "Viken", "sector": "food", "size": "large"},
        )
        post(f"{base}/companies/{org}/joining", {})
        participant = post(f"{base}/participants", {"org_number": org, "target_group": "employed"})
        module = post(f"{base}/modules", {"title": "Lean", "providers": ["NMBU"], "theme": "lean", "region": "Viken"})
        module_id = module["id"]
        session = post(f"{base}/modules/{module_id}/sessions", {"starts_on": "2021-10-12", "place": "Moss"})
        group = post(f"{base}/network-groups", {"name": "Østlandet", "basis": "geography"})
        activity = post(
            f"{base}/activities",
            {
                "title": "Truckførerkurs",
                "kind": "group",
                "competence_area": "logistics",
                "region": "Viken",
                "provider": "Fagskolen i Viken",
                "planned_on": "2021-11-01",
            },
        )
        grant = post(f"{base}/grants", {"funder": "Kompetanse Norge", "amount": 10_000_000, "decision": DECISION})
        allocation = post(
            f"{base}/allocations",
            {
                "grant_id": grant["ids"]["grant_id"],
                "recipient_kind": "provider",
                "recipient": "NMBU",
                "amount": 5_000_000,
                "decision": DECISION,
            },
        )
    return {
        "slug": PROGRAMME_A,
        "org_number": org,
        "participant_id": participant["ids"]["participant_id"],
        "module_id": module_id,
        "session_id": session["ids"]["session_id"],
        "group_id": group["id"],
        "activity_id": activity["id"],
        "category": "general",
        "token_id": "00000000-0000-0000-0000-000000000000",
        "entry_id": allocation["ids"]["entry_id"],
    }


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str, dict[str, str]]]:
    path: Path = tmp_path_factory.mktemp("properties")
    app = create_app(Settings(database_url=f"sqlite:///{path}/ledger.sqlite3"))
    _, token = app.state.services.tokens.create(Role.COORDINATOR, "kari@fremtid", [PROGRAMME_A])
    ids = _seed(app, token)
    yield app, token, ids
    # schemathesis keeps an app's lifespan (our projector thread) running until the process exits: end it here
    schemathesis_asgi.shutdown_lifespans()
    app.state.services.ledger.close()


@pytest.fixture(scope="module")
def api_schema(seeded: tuple[FastAPI, str, dict[str, str]]) -> Any:
    app, _, _ = seeded
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_no_server_error_and_every_answer_matches_the_document(
    mode: GenerationMode, api_schema: Any, seeded: tuple[FastAPI, str, dict[str, str]]
) -> None:
    """Every operation of the document, a bounded number of generated requests each (the pytest plugin of
    schemathesis does not run under pytest 9, so the operations are walked here with its strategies)."""
    _, token, ids = seeded
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 30

    for operation in operations:

        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        @given(case=operation.as_strategy(generation_mode=mode), data=st.data())
        def check(case: Any, data: st.DataObject) -> None:
            if case.path_parameters and data.draw(st.booleans(), label="real ids"):
                for name in case.path_parameters:
                    if name in ids:
                        case.path_parameters[name] = ids[name]
            case.call_and_validate(headers=auth(token), checks=CHECKS)

        try:
            check()
        except Unsatisfiable:
            # negative mode: nothing in this operation can be made invalid (say, one free-text path parameter)
            assert mode == GenerationMode.NEGATIVE, operation.label
        except BaseException as error:
            error.add_note(f"operation: {operation.label} ({mode.value})")
            raise
