"""Who may do what: every route of the OpenAPI document, every method, with each role and with no token, against an
explicit table. "ok" means the request got past authentication and authorisation (any answer but 401/403; a 404,
409 or 422 still counts); 401 and 403 are the refusals. Then the rules behind the table: one programme's coordinator
neither reads nor changes another programme, a funder never runs a command, an analyst never sees who a participant
is, and a revoked token is refused."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import Role
from storage.settings import Settings
from tests.api.conftest import PROGRAMME_A, PROGRAMME_B, Tokens, auth, make_tokens
from tests.api.test_api_flows import ORGS, company_body, launch_body, launched
from tests.commands_given import norwegian_org_numbers

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

DECISION = {"reference": "Styremøte 2021-04-12, sak 7", "body": "Styringsgruppen"}
ROLES = ("coordinator", "funder", "analyst", "admin", "none")
ORG, OTHER_ORG = norwegian_org_numbers(2)

OK, UNAUTH, FORBIDDEN = "ok", 401, 403
# coordinator of A, funder of A, analyst, admin, no token
WRITE = (OK, FORBIDDEN, FORBIDDEN, OK, UNAUTH)  # a command within programme A
READ = (OK, OK, OK, OK, UNAUTH)  # a read model of programme A, or across the programmes a token covers
ADMIN = (FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, UNAUTH)
ANALYSTS = (FORBIDDEN, FORBIDDEN, OK, OK, UNAUTH)
PUBLIC = (OK, OK, OK, OK, OK)

EXPECTED: dict[tuple[str, str], tuple[Any, ...]] = {
    ("POST", "/api/programmes"): WRITE,  # a coordinator may launch the programme its token names
    ("GET", "/api/programmes"): READ,
    ("GET", "/api/programmes/{slug}"): READ,
    ("POST", "/api/programmes/{slug}/caps"): WRITE,
    ("POST", "/api/programmes/{slug}/targets"): WRITE,
    ("POST", "/api/programmes/{slug}/closure"): WRITE,
    ("GET", "/api/programmes/{slug}/forum"): READ,
    ("POST", "/api/companies"): WRITE,
    ("PUT", "/api/companies/{org_number}"): WRITE,
    ("POST", "/api/programmes/{slug}/companies/{org_number}/presentations"): WRITE,
    ("POST", "/api/programmes/{slug}/companies/{org_number}/joining"): WRITE,
    ("POST", "/api/programmes/{slug}/companies/{org_number}/onboarding"): WRITE,
    ("POST", "/api/programmes/{slug}/companies/{org_number}/goals"): WRITE,
    ("POST", "/api/programmes/{slug}/companies/{org_number}/needs"): WRITE,
    ("POST", "/api/programmes/{slug}/companies/{org_number}/withdrawal"): WRITE,
    ("POST", "/api/programmes/{slug}/companies/{org_number}/completion"): WRITE,
    ("POST", "/api/programmes/{slug}/participants"): WRITE,
    ("POST", "/api/programmes/{slug}/participants/{participant_id}/leaving"): WRITE,
    ("POST", "/api/programmes/{slug}/participants/{participant_id}/reentry"): WRITE,
    ("POST", "/api/programmes/{slug}/participants/{participant_id}/erasure"): ADMIN,
    ("GET", "/api/participants/{participant_id}/identity"): ADMIN,
    ("POST", "/api/programmes/{slug}/grants"): WRITE,
    ("POST", "/api/programmes/{slug}/allocations"): WRITE,
    ("POST", "/api/programmes/{slug}/reallocations"): WRITE,
    ("POST", "/api/programmes/{slug}/disbursements"): WRITE,
    ("POST", "/api/programmes/{slug}/expenditures"): WRITE,
    ("POST", "/api/programmes/{slug}/reversals"): WRITE,
    ("PUT", "/api/programmes/{slug}/budget-lines/{category}"): WRITE,
    ("PUT", "/api/programmes/{slug}/payment-control"): WRITE,
    ("POST", "/api/programmes/{slug}/payments"): WRITE,
    ("POST", "/api/programmes/{slug}/payments/{payment_id}/approval"): WRITE,
    ("POST", "/api/programmes/{slug}/payments/{payment_id}/confirmation"): WRITE,
    ("POST", "/api/programmes/{slug}/payments/{payment_id}/cancellation"): WRITE,
    ("POST", "/api/programmes/{slug}/payments/{payment_id}/expiry"): WRITE,
    ("POST", "/api/programmes/{slug}/payment-stops"): WRITE,
    ("POST", "/api/programmes/{slug}/payment-stops/lifting"): WRITE,
    ("POST", "/api/programmes/{slug}/repayment-claims"): WRITE,
    ("POST", "/api/programmes/{slug}/repayments"): WRITE,
    ("POST", "/api/programmes/{slug}/returns"): WRITE,
    ("POST", "/api/programmes/{slug}/in-kind-rates"): WRITE,
    ("POST", "/api/programmes/{slug}/contributions/cash"): WRITE,
    ("POST", "/api/programmes/{slug}/contributions/in-kind"): WRITE,
    ("POST", "/api/programmes/{slug}/network-groups"): WRITE,
    ("POST", "/api/programmes/{slug}/network-groups/{group_id}/members"): WRITE,
    ("POST", "/api/programmes/{slug}/network-groups/{group_id}/removals"): WRITE,
    ("POST", "/api/programmes/{slug}/modules"): WRITE,
    ("POST", "/api/programmes/{slug}/modules/{module_id}/sessions"): WRITE,
    ("POST", "/api/programmes/{slug}/modules/{module_id}/sessions/{session_id}/held"): WRITE,
    ("POST", "/api/programmes/{slug}/modules/{module_id}/sessions/{session_id}/cancellation"): WRITE,
    ("POST", "/api/programmes/{slug}/modules/{module_id}/enrolments"): WRITE,
    ("POST", "/api/programmes/{slug}/modules/{module_id}/sessions/{session_id}/attendance"): WRITE,
    ("POST", "/api/programmes/{slug}/modules/{module_id}/completions"): WRITE,
    ("POST", "/api/programmes/{slug}/activities"): WRITE,
    ("POST", "/api/programmes/{slug}/activities/{activity_id}/held"): WRITE,
    ("POST", "/api/programmes/{slug}/activities/{activity_id}/cancellation"): WRITE,
    ("POST", "/api/programmes/{slug}/forum/meetings"): WRITE,
    ("POST", "/api/programmes/{slug}/forum/offers"): WRITE,
    ("PUT", "/api/programmes/{slug}/reporting-calendar"): WRITE,
    ("POST", "/api/programmes/{slug}/periods/{period}/closing"): WRITE,
    ("POST", "/api/programmes/{slug}/unit-costs"): WRITE,
    ("POST", "/api/programmes/{slug}/flat-rates"): WRITE,
    ("POST", "/api/programmes/{slug}/lump-sums"): WRITE,
    ("POST", "/api/programmes/{slug}/deliverables/{deliverable_id}/completion"): WRITE,
    ("POST", "/api/programmes/{slug}/claims"): WRITE,
    ("POST", "/api/programmes/{slug}/claims/{claim_id}/submission"): WRITE,
    ("POST", "/api/programmes/{slug}/claims/{claim_id}/approval"): WRITE,
    ("POST", "/api/programmes/{slug}/claims/{claim_id}/payment"): WRITE,
    ("GET", "/api/programmes/{slug}/claims"): READ,
    ("GET", "/api/programmes/{slug}/claims.csv"): READ,
    ("GET", "/api/programmes/{slug}/audit"): READ,
    ("GET", "/api/programmes/{slug}/audit.csv"): READ,
    ("GET", "/api/programmes/{slug}/evaluation"): READ,
    ("GET", "/api/programmes/{slug}/evaluation.csv"): READ,
    ("GET", "/api/programmes/{slug}/revisions"): READ,
    ("GET", "/api/programmes/{slug}/revisions.csv"): READ,
    ("GET", "/api/programmes/{slug}/provenance"): READ,
    ("GET", "/api/catalogue"): READ,
    ("GET", "/api/events"): ANALYSTS,
    ("GET", "/api/integrity/receipt"): READ,
    ("POST", "/api/integrity/verification"): READ,
    ("GET", "/api/lag"): READ,
    ("GET", "/api/health"): PUBLIC,
    ("POST", "/api/tokens"): ADMIN,
    ("POST", "/api/tokens/{token_id}/revocation"): ADMIN,
}


def answer_class(status: int) -> Any:
    return status if status in (401, 403) else OK


@pytest.fixture
def world(sqlite_url: str) -> Iterator[tuple[FastAPI, TestClient, Tokens, dict[str, str]]]:
    """Programmes A and B, a joined company in A, a participant with an identity, a module with a session, a group,
    an activity, a grant with an allocation and a payment; the ids to put into paths and bodies."""
    app = create_app(Settings(database_url=sqlite_url))
    tokens = make_tokens(app)
    spare_token_id, _ = app.state.services.tokens.create(Role.ANALYST, "spare@ledger")
    with TestClient(app) as client:

        def post(path: str, body: dict[str, Any], token: str = tokens.coordinator) -> dict[str, Any]:
            response = client.post(path, headers=auth(token), json=body)
            assert response.status_code == 201, (path, response.text)
            result: dict[str, Any] = response.json()
            return result

        base = f"/api/programmes/{PROGRAMME_A}"
        for slug in (PROGRAMME_A, PROGRAMME_B):
            post("/api/programmes", launch(slug), tokens.admin)
        for org in (ORG, OTHER_ORG):
            post("/api/companies", company(org))
        post(f"{base}/companies/{ORG}/joining", {})
        person = post(
            f"{base}/participants",
            {
                "org_number": ORG,
                "target_group": "employed",
                "identity": {"name": "Kari Nordmann", "email": "kari@x.no"},
            },
        )["ids"]["participant_id"]
        module_id = post(f"{base}/modules", module())["ids"]["module_id"]
        session_id = post(f"{base}/modules/{module_id}/sessions", {"starts_on": "2021-10-12", "place": "Moss"})["ids"][
            "session_id"
        ]
        group_id = post(f"{base}/network-groups", {"name": "Østlandet", "basis": "geography"})["id"]
        activity_id = post(f"{base}/activities", activity())["id"]
        grant_id = post(f"{base}/grants", {"funder": "Kompetanse Norge", "amount": 1_000_000, "decision": DECISION})[
            "ids"
        ]["grant_id"]
        allocation = post(f"{base}/allocations", allocation_body(grant_id, 400_000))
        second = post(f"{base}/allocations", allocation_body(grant_id, 100_000))
        paid = post(f"{base}/disbursements", {"allocation_id": allocation["ids"]["allocation_id"], "amount": 1000})
        pending = post(f"{base}/payments", {"allocation_id": allocation["ids"]["allocation_id"], "amount": 2000})
        receipt = client.get("/api/integrity/receipt", headers=auth(tokens.analyst)).json()
        ids = {
            "slug": PROGRAMME_A,
            "org_number": ORG,
            "participant_id": person,
            "module_id": module_id,
            "session_id": session_id,
            "group_id": group_id,
            "activity_id": activity_id,
            "category": "education",
            "token_id": spare_token_id,
            "grant_id": grant_id,
            "allocation_id": allocation["ids"]["allocation_id"],
            "second_allocation_id": second["ids"]["allocation_id"],
            "entry_id": paid["ids"]["entry_id"],
            "payment_id": pending["ids"]["payment_id"],
            "receipt_position": str(receipt["position"]),
            "receipt_chain": receipt["chain"],
            "receipt_issued_at": receipt["issued_at"],
            "period": "2021-H1",
            "deliverable_id": "5b0e4d7e-0d0e-4c9a-9a57-2d1f4c3b8a01",  # none agreed: a 404 gets past the door
            "claim_id": "8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f",
        }
        yield app, client, tokens, ids
    app.state.services.ledger.close()


def launch(slug: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": f"Programme {slug}",
        "owner": "Klyngen",
        "funders": ["Kompetanse Norge"],
        "starts_on": "2021-01-01",
        "ends_on": "2022-12-31",
        "currency": "NOK",
        "caps": {"companies": 40},
    }


def company(org: str) -> dict[str, Any]:
    return {"org_number": org, "name": f"Bedrift {org}", "region": "Viken", "sector": "food", "size": "small"}


def module() -> dict[str, Any]:
    return {"title": "Lean i praksis", "providers": ["NMBU"], "theme": "lean", "region": "Viken"}


def activity() -> dict[str, Any]:
    return {
        "title": "Truckførerkurs",
        "kind": "group",
        "competence_area": "logistics",
        "region": "Viken",
        "provider": "Fagskolen i Viken",
        "planned_on": "2021-11-01",
    }


def allocation_body(grant_id: str, amount: int) -> dict[str, Any]:
    return {
        "grant_id": grant_id,
        "recipient_kind": "provider",
        "recipient": "NMBU",
        "amount": amount,
        "decision": DECISION,
        "category": "general",
    }


def body_for(method: str, path: str, ids: dict[str, str]) -> dict[str, Any] | None:
    """A body that passes validation for the route (None for GETs and bodiless POSTs)."""
    if method == "GET":
        return None
    bodies: dict[str, dict[str, Any]] = {
        "/api/programmes": launch(PROGRAMME_A),
        "/caps": {"name": "companies", "value": 45, "decision": DECISION},
        "/targets": {"name": "participants", "value": 500, "decision": DECISION},
        "/closure": {"decision": DECISION},
        "/api/companies": company(OTHER_ORG),
        "/api/companies/{org_number}": {"name": "Nortura SA", "region": "Viken", "sector": "food", "size": "large"},
        "/presentations": {"channel": "Teams"},
        "/goals": {"goals": ["Digital produksjonsplanlegging"]},
        "/needs": {"competence_areas": ["automation"]},
        "/withdrawal": {"reason": "no capacity"},
        "/participants": {"org_number": ORG, "target_group": "furloughed"},
        "/grants": {"funder": "Kompetanse Norge", "amount": 10_000, "decision": DECISION},
        "/allocations": allocation_body(ids["grant_id"], 1_000),
        "/reallocations": {
            "from_allocation_id": ids["allocation_id"],
            "to_allocation_id": ids["second_allocation_id"],
            "amount": 1_000,
            "reason": "moved to the second provider",
            "decision": DECISION,
        },
        "/disbursements": {"allocation_id": ids["allocation_id"], "amount": 500, "kind": "payment"},
        "/expenditures": {"allocation_id": ids["allocation_id"], "amount": 100, "period": "2021-H2"},
        "/reversals": {"entry_id": ids["entry_id"], "reason": "wrong account", "decision": DECISION},
        "/budget-lines/{category}": {"amount": 500_000, "decision": DECISION},
        "/payment-control": {"single_step_below": 100_000, "decision": DECISION},
        "/payments": {"allocation_id": ids["allocation_id"], "amount": 300},
        "/payment-stops": {"scope": "grant", "target_id": ids["grant_id"], "reason": "audit", "decision": DECISION},
        "/payment-stops/lifting": {"scope": "grant", "target_id": ids["grant_id"], "decision": DECISION},
        "/repayment-claims": {"allocation_id": ids["allocation_id"], "amount": 10, "reason": "r", "decision": DECISION},
        "/repayments": {"allocation_id": ids["allocation_id"], "amount": 5},
        "/returns": {"grant_id": ids["grant_id"], "amount": 1, "decision": DECISION},
        "/in-kind-rates": {"grant_id": ids["grant_id"], "rate_per_hour": 30_000, "decision": DECISION},
        "/contributions/cash": {"grant_id": ids["grant_id"], "amount": 100, "contributor": "c", "period": "2021-H2"},
        "/contributions/in-kind": {
            "grant_id": ids["grant_id"],
            "participant_minutes": 60,
            "contributor": "c",
            "period": "2021-H2",
        },
        "/reporting-calendar": {"frequency": "half_yearly", "starts_on": "2021-01-01", "decision": DECISION},
        "/unit-costs": {
            "allocation_id": ids["allocation_id"],
            "unit": "participant_hour",
            "rate": 400,
            "decision": DECISION,
        },
        "/flat-rates": {
            "allocation_id": ids["allocation_id"],
            "base_category": "staff",
            "rate_bp": 1500,
            "decision": DECISION,
        },
        "/lump-sums": {"allocation_id": ids["allocation_id"], "title": "Plan", "amount": 100, "decision": DECISION},
        "/api/programmes/{slug}/claims": {"grant_id": ids["grant_id"], "period": "2021-H1"},
        "/approval": {"decision": DECISION} if "/claims/" in path else {},
        "/network-groups": {"name": "Nord", "basis": "geography"},
        "/members": {"org_number": ORG},
        "/removals": {"org_number": ORG},
        "/modules": module(),
        "/sessions": {"starts_on": "2021-11-09", "place": "Ås"},
        "/cancellation": {"reason": "too few participants"},
        "/enrolments": {"participant_ids": [ids["participant_id"]]},
        "/attendance": {"attendance": [{"participant_id": ids["participant_id"], "minutes": 300}]},
        "/completions": {"participant_id": ids["participant_id"]},
        "/activities": activity(),
        "/activities/{activity_id}/held": {"minutes": 120, "participant_count": 8},
        "/forum/meetings": {"title": "Forum", "sectors": ["education", "business"], "format": "workshop"},
        "/forum/offers": {"title": "Fagskole i automasjon", "provider": "Fagskolen i Østfold"},
        "/api/integrity/verification": {
            "position": int(ids["receipt_position"]),
            "chain": ids["receipt_chain"],
            "issued_at": ids["receipt_issued_at"],
        },
        "/api/tokens": {"role": "analyst", "actor": "new@ledger", "programmes": []},
    }
    for suffix, body in bodies.items():
        if path == suffix or (suffix.startswith("/") and not suffix.startswith("/api/") and path.endswith(suffix)):
            return body
    return {}


REQUIRED_QUERY = {
    "/revisions": "?since_position=0",
    "/provenance": "?answer=status&figure=pipeline.presented",
}  # operations that need a query parameter to answer


def concrete(path: str, ids: dict[str, str], slug: str = PROGRAMME_A) -> str:
    query = next((q for suffix, q in REQUIRED_QUERY.items() if path.removesuffix(".csv").endswith(suffix)), "")
    return path.format(**{**ids, "slug": slug}) + query


def call(
    client: TestClient, method: str, path: str, token: str | None, body: dict[str, Any] | None
) -> tuple[int, bytes]:
    headers = auth(token) if token else {}
    response = client.request(method, path, headers=headers, json=body)
    return response.status_code, response.content


def operations(app: FastAPI) -> list[tuple[str, str]]:
    found = [(method.upper(), path) for path, item in app.openapi()["paths"].items() for method in item]
    # closing the programme goes last, so the other commands meet an open programme
    return sorted(found, key=lambda op: op[1].endswith("/closure"))


def test_every_route_with_every_role_matches_the_table(
    world: tuple[FastAPI, TestClient, Tokens, dict[str, str]],
) -> None:
    app, client, tokens, ids = world
    found = operations(app)
    assert set(found) == set(EXPECTED), "the table and the OpenAPI document disagree"
    by_role = {
        "coordinator": tokens.coordinator,
        "funder": tokens.funder,
        "analyst": tokens.analyst,
        "admin": tokens.admin,
        "none": None,
    }
    mismatches = []
    for method, template in found:
        path = concrete(template, ids)
        body = body_for(method, template, ids)
        for role, expected in zip(ROLES, EXPECTED[(method, template)], strict=True):
            status, content = call(client, method, path, by_role[role], body)
            assert status < 500, (method, path, role, content)
            if answer_class(status) != expected:
                mismatches.append((method, template, role, expected, status, content[:200]))
    assert mismatches == []


def test_a_coordinator_neither_reads_nor_changes_another_programme(
    world: tuple[FastAPI, TestClient, Tokens, dict[str, str]],
) -> None:
    app, client, tokens, ids = world
    head = app.state.services.projector.head()
    for method, template in operations(app):
        if "{slug}" not in template:
            continue
        body = body_for(method, template, ids)
        for token in (tokens.coordinator_b, tokens.funder_b):
            status, content = call(client, method, concrete(template, ids), token, body)
            assert status == 403, (method, template, status, content)
    # the programme list and the catalogue show B's coordinator nothing of A
    listed = client.get("/api/programmes", headers=auth(tokens.coordinator_b)).json()
    assert [p["slug"] for p in listed] == [PROGRAMME_B]
    catalogue = client.get("/api/catalogue", headers=auth(tokens.coordinator_b)).json()
    assert catalogue["modules"] == []
    # nor may B's coordinator launch a programme its token does not name
    status, _ = call(client, "POST", "/api/programmes", tokens.coordinator_b, launch("viken"))
    assert status == 403
    assert app.state.services.projector.head() == head


def test_a_funder_never_runs_a_command(world: tuple[FastAPI, TestClient, Tokens, dict[str, str]]) -> None:
    app, client, tokens, ids = world
    head = app.state.services.projector.head()
    commands = [
        (method, template)
        for method, template in operations(app)
        if method in ("POST", "PUT") and template != "/api/integrity/verification"
    ]
    assert len(commands) > 40
    for method, template in commands:
        for slug in (PROGRAMME_A, PROGRAMME_B):
            status, content = call(
                client, method, concrete(template, ids, slug), tokens.funder, body_for(method, template, ids)
            )
            assert status == 403, (method, template, slug, content)
    assert app.state.services.projector.head() == head


def test_an_analyst_never_reads_who_a_participant_is(
    world: tuple[FastAPI, TestClient, Tokens, dict[str, str]],
) -> None:
    app, client, tokens, ids = world
    assert (
        client.get(f"/api/participants/{ids['participant_id']}/identity", headers=auth(tokens.analyst)).status_code
        == 403
    )
    admin_view = client.get(f"/api/participants/{ids['participant_id']}/identity", headers=auth(tokens.admin))
    assert admin_view.json()["name"] == "Kari Nordmann"
    for method, template in operations(app):
        if method != "GET" or "identity" in template:
            continue
        response = client.get(concrete(template, ids), headers=auth(tokens.analyst))
        assert response.status_code == 200, (template, response.text)
        assert b"Kari Nordmann" not in response.content, template
        assert b"kari@x.no" not in response.content, template


def test_a_revoked_token_is_refused(world: tuple[FastAPI, TestClient, Tokens, dict[str, str]]) -> None:
    _, client, tokens, _ = world
    created = client.post(
        "/api/tokens",
        headers=auth(tokens.admin),
        json={"role": "coordinator", "actor": "temp@fremtid", "programmes": [PROGRAMME_A]},
    )
    assert created.status_code == 201
    token, token_id = created.json()["token"], created.json()["token_id"]
    assert client.get(f"/api/programmes/{PROGRAMME_A}", headers=auth(token)).status_code == 200
    revoked = client.post(f"/api/tokens/{token_id}/revocation", headers=auth(tokens.admin))
    assert revoked.status_code == 200
    refused = client.get(f"/api/programmes/{PROGRAMME_A}", headers=auth(token))
    assert refused.status_code == 401
    assert refused.json()["error"] == "unauthenticated"
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    status, _ = call(
        client,
        "POST",
        f"/api/programmes/{PROGRAMME_A}/grants",
        token,
        {"funder": "x", "amount": 1, "decision": DECISION},
    )
    assert status == 401
    assert client.post(f"/api/tokens/{token_id}/revocation", headers=auth(tokens.admin)).status_code == 404
    assert client.get("/api/lag", headers=auth("pl_not-a-token")).status_code == 401
    assert client.get("/api/lag", headers={"Authorization": "Basic abc"}).status_code == 401


def test_a_company_is_corrected_by_an_admin_or_a_coordinator_of_a_programme_it_takes_part_in(
    client: TestClient, tokens: Tokens
) -> None:
    launched(client, tokens, cap=1)  # ORGS[0] joined programme A
    assert (
        client.post("/api/programmes", headers=auth(tokens.admin), json=launch_body(slug=PROGRAMME_B)).status_code
        == 201
    )
    correction = {**company_body(ORGS[0]), "name": "Renamed AS"}
    correction.pop("org_number")
    path = f"/api/companies/{ORGS[0]}"
    elsewhere = client.put(path, headers=auth(tokens.coordinator_b), json=correction)
    assert elsewhere.status_code == 403, elsewhere.text
    assert client.put(path, headers=auth(tokens.coordinator), json=correction).status_code == 201
    assert client.put(path, headers=auth(tokens.admin), json={**correction, "name": "Again AS"}).status_code == 201


def test_idempotency_keys_are_the_callers_own(client: TestClient, tokens: Tokens) -> None:
    """Two coordinators of two programmes using one key each get their own command recorded, never the other's
    answer; the same caller retrying gets its first answer."""
    for slug in (PROGRAMME_A, PROGRAMME_B):
        assert (
            client.post("/api/programmes", headers=auth(tokens.admin), json=launch_body(slug=slug)).status_code == 201
        )
    grant = {"funder": "Kompetanse Norge", "amount": 1_000, "decision": DECISION}
    key = {"Idempotency-Key": "grant-2021-1"}
    first = client.post(
        f"/api/programmes/{PROGRAMME_A}/grants", headers={**auth(tokens.coordinator), **key}, json=grant
    )
    other = client.post(
        f"/api/programmes/{PROGRAMME_B}/grants", headers={**auth(tokens.coordinator_b), **key}, json=grant
    )
    again = client.post(
        f"/api/programmes/{PROGRAMME_A}/grants", headers={**auth(tokens.coordinator), **key}, json=grant
    )
    assert (first.status_code, other.status_code, again.status_code) == (201, 201, 200)
    assert other.json()["id"] != first.json()["id"] and other.json()["replayed"] is False
    assert (again.json()["ids"], again.json()["replayed"]) == (first.json()["ids"], True)
