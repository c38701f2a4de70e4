"""The main flows over HTTP, on SQLite and PostgreSQL: a programme launched, companies registered and joined up to
the cap, participants, a module with sessions and attendance, money granted, allocated, paid and reversed; then every
read model, the exports, receipts, as-of reads and read-your-writes. And the errors: each names the field or the
rule, and a rejected command leaves the ledger as it was."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any

import orjson

from tests.api.conftest import PROGRAMME_A, Tokens, auth
from tests.commands_given import norwegian_org_numbers

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

BASE = f"/api/programmes/{PROGRAMME_A}"
DECISION = {"reference": "Styremøte 2021-04-12, sak 7", "body": "Styringsgruppen"}
ORGS = norwegian_org_numbers(4)


def launch_body(slug: str = PROGRAMME_A, cap: int = 3) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": "FREMtid for kompetanse",
        "owner": "NHO Mat og Drikke",
        "funders": ["Kompetanse Norge"],
        "starts_on": "2021-03-01",
        "ends_on": "2024-06-30",
        "currency": "NOK",
        "regions": ["Viken"],
        "themes": ["food industry"],
        "caps": {"companies": cap},
        "targets": {"participants": 100},
        "effective_on": "2020-01-01",
    }


def company_body(org: str) -> dict[str, Any]:
    return {"org_number": org, "name": f"Bedrift {org}", "region": "Viken", "sector": "food", "size": "medium"}


def command(client: TestClient, token: str, path: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = client.post(path, headers={**auth(token), **headers}, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def events(client: TestClient, token: str, after: int = 0, limit: int = 10_000) -> list[dict[str, Any]]:
    response = client.get("/api/events", headers=auth(token), params={"after": after, "limit": limit})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/x-ndjson")
    return [orjson.loads(line) for line in response.text.splitlines() if line]


def read(client: TestClient, token: str, path: str, **params: Any) -> Any:
    response = client.get(path, headers=auth(token), params=params)
    assert response.status_code == 200, response.text
    return response.json()


def launched(client: TestClient, tokens: Tokens, cap: int = 3) -> dict[str, Any]:
    """A launched programme with ORGS[:cap] joined."""
    result = command(client, tokens.coordinator, "/api/programmes", launch_body(cap=cap))
    for org in ORGS:
        command(client, tokens.coordinator, "/api/companies", company_body(org))
    for org in ORGS[:cap]:
        command(client, tokens.coordinator, f"{BASE}/companies/{org}/presentations", {"channel": "Teams"})
        result = command(client, tokens.coordinator, f"{BASE}/companies/{org}/joining", {})
    return result


def funded(client: TestClient, tokens: Tokens) -> dict[str, str]:
    grant = command(
        client,
        tokens.coordinator,
        f"{BASE}/grants",
        {"funder": "Kompetanse Norge", "amount": 1_000_000, "decision": DECISION},
    )
    allocation = command(
        client,
        tokens.coordinator,
        f"{BASE}/allocations",
        {
            "grant_id": grant["ids"]["grant_id"],
            "recipient_kind": "provider",
            "recipient": "NMBU",
            "amount": 600_000,
            "decision": DECISION,
        },
    )
    return {"grant_id": grant["ids"]["grant_id"], "allocation_id": allocation["ids"]["allocation_id"]}


def test_a_programme_from_launch_to_reports(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    launched(client, tokens, cap=3)

    # the fourth company hits the cap: 409 naming the rule, nothing written
    head = events(client, tokens.analyst)[-1]["position"]
    full = client.post(f"{BASE}/companies/{ORGS[3]}/joining", headers=auth(c), json={})
    assert full.status_code == 409
    assert full.json()["rule"] == "company_cap_reached"
    assert events(client, tokens.analyst)[-1]["position"] == head

    # participants, a module with a session, enrolment, attendance
    people = [
        command(
            client,
            c,
            f"{BASE}/participants",
            {
                "org_number": ORGS[0],
                "target_group": "employed",
                "gender": "female",
                "age_band": "30_54",
                "identity": {"name": f"Kari Nordmann {n}", "email": f"kari{n}@example.no"},
            },
        )["ids"]["participant_id"]
        for n in range(7)
    ]
    module = command(
        client,
        c,
        f"{BASE}/modules",
        {
            "title": "Operativt forbedringsarbeid og digitalisert samhandling",
            "providers": ["OsloMet", "Fagskolen i Østfold"],
            "theme": "digitalisation",
            "region": "Viken",
        },
    )
    module_id = module["ids"]["module_id"]
    session = command(
        client, c, f"{BASE}/modules/{module_id}/sessions", {"starts_on": "2020-10-13", "place": "Moss", "minutes": 360}
    )
    session_id = session["ids"]["session_id"]
    command(client, c, f"{BASE}/modules/{module_id}/enrolments", {"participant_ids": people})
    command(client, c, f"{BASE}/modules/{module_id}/sessions/{session_id}/held", {})
    attended = command(
        client,
        c,
        f"{BASE}/modules/{module_id}/sessions/{session_id}/attendance",
        {"attendance": [{"participant_id": p, "minutes": 360} for p in people]},
    )

    # status, read after the write with wait_for
    status = read(client, c, BASE, wait_for=attended["position"])
    assert status["pipeline"]["joined"] == 3, status
    assert status["pipeline"]["cap"] == 3
    assert status["participants"]["total"] == 7
    assert status["training"]["attendances"] == 7
    assert status["training"]["participant_hours"] == 42.0
    assert [s["session_id"] for s in status["sessions"]["held"]] == [session_id]

    # money: grant, allocation, disbursement, its reversal
    ids = funded(client, tokens)
    paid = command(
        client,
        c,
        f"{BASE}/disbursements",
        {"allocation_id": ids["allocation_id"], "amount": 200_000, "kind": "advance"},
    )
    before_reversal = paid["position"]
    reversed_ = command(
        client,
        c,
        f"{BASE}/reversals",
        {"entry_id": paid["ids"]["entry_id"], "reason": "paid to the wrong account", "decision": DECISION},
    )
    audit = read(client, tokens.funder, f"{BASE}/audit", wait_for=reversed_["position"])
    assert audit["reconciliation"]["balanced"] is True
    totals = audit["reconciliation"]["totals"]
    assert (totals["granted"], totals["allocated"], totals["disbursed"]) == (1_000_000, 600_000, 0)
    assert [e["event"] for e in audit["entries"]] == [
        "GrantAwarded",
        "FundsAllocated",
        "FundsDisbursed",
        "EntryReversed",
    ]
    assert all(e["actor"] == "kari@fremtid" for e in audit["entries"])
    assert audit["entries"][-1]["decision_reference"] == DECISION["reference"]
    funds = read(client, c, BASE)["funds"]
    assert (funds["granted"], funds["allocated"], funds["disbursed"]) == (1_000_000, 600_000, 0)

    # as of the position before the reversal: the payment is still there
    then = read(client, tokens.funder, BASE, as_of_position=before_reversal)
    assert then["funds"]["disbursed"] == 200_000
    old_audit = read(client, tokens.funder, f"{BASE}/audit", as_of_position=before_reversal)
    assert old_audit["reconciliation"]["totals"]["disbursed"] == 200_000
    assert [e["event"] for e in old_audit["entries"]][-1] == "FundsDisbursed"

    # evaluation and catalogue
    evaluation = read(client, tokens.analyst, f"{BASE}/evaluation")
    assert evaluation["funnel"]["joined"] == 3
    assert evaluation["costs"]["participants"] == 7
    catalogue = read(client, tokens.analyst, "/api/catalogue", theme="digitalisation")
    assert [m["module_id"] for m in catalogue["modules"]] == [module_id]
    assert read(client, c, "/api/catalogue", theme="no such theme")["modules"] == []

    # CSV exports
    audit_csv = client.get(f"{BASE}/audit.csv", headers=auth(tokens.funder))
    assert audit_csv.status_code == 200
    assert audit_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(audit_csv.text)))
    assert [r["event"] for r in rows] == ["GrantAwarded", "FundsAllocated", "FundsDisbursed", "EntryReversed"]
    assert rows[0]["amount"] == "1000000"
    weekly_csv = client.get(f"{BASE}/evaluation.csv", headers=auth(tokens.analyst))
    assert weekly_csv.status_code == 200
    weekly = list(csv.DictReader(io.StringIO(weekly_csv.text)))
    assert weekly and "cumulative_companies_joined" in weekly[0]
    assert int(weekly[-1]["cumulative_companies_joined"]) == 3

    # the event stream pages through the whole log, in order, without gaps or repeats
    everything = events(client, tokens.analyst)
    pages: list[dict[str, Any]] = []
    after = 0
    while page := events(client, tokens.analyst, after=after, limit=7):
        assert len(page) <= 7
        pages.extend(page)
        after = page[-1]["position"]
    assert [e["position"] for e in pages] == [e["position"] for e in everything]
    assert [e["position"] for e in everything] == list(range(1, len(everything) + 1))
    assert everything[-1]["position"] == reversed_["position"]
    # identifying details never enter the log
    assert b"Kari Nordmann" not in client.get("/api/events", headers=auth(tokens.analyst)).content

    # receipt and verification
    receipt = read(client, tokens.funder, "/api/integrity/receipt")
    assert receipt["position"] == reversed_["position"]
    verified = client.post("/api/integrity/verification", headers=auth(tokens.funder), json=receipt)
    assert verified.status_code == 200
    assert verified.json()["ok"] is True
    forged = client.post(
        "/api/integrity/verification", headers=auth(tokens.funder), json={**receipt, "chain": "0" * 64}
    )
    assert forged.status_code == 200
    assert forged.json()["ok"] is False


def test_each_event_records_the_actor_of_the_token(client: TestClient, tokens: Tokens) -> None:
    command(client, tokens.admin, "/api/programmes", launch_body())
    command(client, tokens.coordinator, "/api/companies", company_body(ORGS[0]))
    command(client, tokens.coordinator, f"{BASE}/companies/{ORGS[0]}/joining", {})
    actors = [(e["event"], e["actor"]) for e in events(client, tokens.analyst)]
    assert actors[0] == ("ProgrammeLaunched", "admin@ledger")
    assert ("CompanyRegistered", "kari@fremtid") in actors
    assert actors[-1][1] == "kari@fremtid"
    assert {actor for _, actor in actors} == {"admin@ledger", "kari@fremtid"}


def test_read_your_writes_with_wait_for(client: TestClient, tokens: Tokens) -> None:
    launched(client, tokens, cap=3)
    for n in range(5):
        result = command(
            client,
            tokens.coordinator,
            f"{BASE}/participants",
            {"org_number": ORGS[n % 3], "target_group": "furloughed"},
        )
        status = read(client, tokens.coordinator, BASE, wait_for=result["position"])
        assert status["participants"]["total"] == n + 1
    # a position no command has reached yet is refused at once, naming the parameter
    beyond = client.get(BASE, headers=auth(tokens.coordinator), params={"wait_for": result["position"] + 1000})
    assert beyond.status_code == 422
    assert beyond.json()["field"] == "wait_for"


def test_as_of_reads_show_the_old_figures(client: TestClient, tokens: Tokens) -> None:
    first = command(client, tokens.coordinator, "/api/programmes", launch_body(cap=2))
    raised = command(
        client, tokens.coordinator, f"{BASE}/caps", {"name": "companies", "value": 40, "decision": DECISION}
    )
    now = read(client, tokens.funder, BASE, wait_for=raised["position"])
    assert now["pipeline"]["cap"] == 40
    then = read(client, tokens.funder, BASE, as_of_position=first["position"])
    assert then["pipeline"]["cap"] == 2
    listed = read(client, tokens.analyst, "/api/programmes", as_of_position=first["position"])
    assert [p["slug"] for p in listed] == [PROGRAMME_A]
    # before the launch the programme did not exist
    assert client.get(BASE, headers=auth(tokens.funder), params={"as_of_position": 0}).status_code == 404
    # both axes at once: as the ledger stood at the launch, what was in effect on a day (the cap is in force
    # whatever the day it is asked about)
    both = read(client, tokens.funder, BASE, as_of_position=first["position"], as_of_date="2030-01-01")
    assert both["pipeline"]["cap"] == 2
    # at most one recorded moment; a time needs a zone
    two = client.get(
        BASE, headers=auth(tokens.funder), params={"as_of_position": 1, "as_of_time": "2021-06-23T12:00:00Z"}
    )
    assert (two.status_code, two.json()["field"]) == (422, "as_of")
    naive = client.get(BASE, headers=auth(tokens.funder), params={"as_of_time": "2021-06-23T12:00:00"})
    assert (naive.status_code, naive.json()["field"]) == (422, "as_of_time")


def test_if_match_and_idempotency_key(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    written = launched(client, tokens, cap=1)
    status = client.get(BASE, headers=auth(c), params={"wait_for": written["position"]})
    version = status.headers["ETag"]
    body = {"name": "companies", "value": 10, "decision": DECISION}
    ok = client.post(f"{BASE}/caps", headers={**auth(c), "If-Match": version}, json=body)
    assert ok.status_code == 201
    assert ok.headers["ETag"] == f'"{ok.json()["version"]}"'
    head = events(client, tokens.analyst)[-1]["position"]
    stale = client.post(f"{BASE}/caps", headers={**auth(c), "If-Match": version}, json={**body, "value": 11})
    assert stale.status_code == 409
    assert stale.json()["error"] == "version_conflict"
    bad = client.post(f"{BASE}/caps", headers={**auth(c), "If-Match": "soon"}, json=body)
    assert (bad.status_code, bad.json()["field"]) == (422, "If-Match")
    assert events(client, tokens.analyst)[-1]["position"] == head

    key = {"Idempotency-Key": "grant-2021-1"}
    grant = {"funder": "Kompetanse Norge", "amount": 500_000, "decision": DECISION}
    first = client.post(f"{BASE}/grants", headers={**auth(c), **key}, json=grant)
    assert first.status_code == 201
    again = client.post(f"{BASE}/grants", headers={**auth(c), **key}, json=grant)
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    assert again.json()["ids"] == first.json()["ids"]
    head = events(client, tokens.analyst)[-1]["position"]
    other = client.post(f"{BASE}/grants", headers={**auth(c), **key}, json={**grant, "amount": 600_000})
    assert other.status_code == 409
    assert other.json()["error"] == "idempotency_conflict"
    assert events(client, tokens.analyst)[-1]["position"] == head
    assert read(client, c, BASE, wait_for=head)["funds"]["granted"] == 500_000


WRONG_INPUT = [
    ("/grants", {"funder": "KN", "amount": 1000.5, "decision": DECISION}, "body.amount"),
    ("/grants", {"funder": "KN", "amount": "1000", "decision": DECISION}, "body.amount"),
    ("/grants", {"funder": "KN", "amount": 1000, "decision": DECISION, "vat": 25}, "body.vat"),
    ("/grants", {"funder": "KN", "amount": 1000}, "body.decision"),
    ("/grants", {"funder": "KN", "amount": 1000, "decision": {**DECISION, "by": "me"}}, "body.decision.by"),
    ("/caps", {"name": "companies", "value": "forty", "decision": DECISION}, "body.value"),
    ("/caps", {"name": "companies", "value": 40.0, "decision": DECISION}, "body.value"),
    ("/modules", {"title": "M", "providers": "OsloMet", "theme": "t", "region": "Viken"}, "body.providers"),
]


def test_wrong_input_is_422_naming_the_field_and_changes_nothing(client: TestClient, tokens: Tokens) -> None:
    launched(client, tokens, cap=1)
    before = events(client, tokens.analyst)
    for path, body, field in WRONG_INPUT:
        response = client.post(f"{BASE}{path}", headers=auth(tokens.coordinator), json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert response.json()["error"] == "invalid_input"
        assert response.json()["field"] == field, (body, response.json())
    assert events(client, tokens.analyst) == before


def test_malformed_oversized_and_domain_invalid_bodies(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    launched(client, tokens, cap=1)
    before = events(client, tokens.analyst)
    h = {**auth(c), "Content-Type": "application/json"}

    broken = client.post(f"{BASE}/grants", headers=h, content=b'{"funder": "KN", "amount": ')
    assert broken.status_code == 422
    assert broken.json()["field"].startswith("body")
    not_utf8 = client.post(f"{BASE}/grants", headers=h, content=b'{"funder": "\xff\xfe"}')
    assert not_utf8.status_code == 422
    assert not_utf8.json()["field"] == "body"

    huge = {"funder": "KN" * 600_000, "amount": 1, "decision": DECISION}
    oversized = client.post(f"{BASE}/grants", headers=auth(c), json=huge)
    assert oversized.status_code == 422
    assert oversized.json()["field"] == "body"

    bad_org = client.post("/api/companies", headers=auth(c), json=company_body("923609017"))
    assert bad_org.status_code == 422
    assert bad_org.json()["field"] == "body.org_number"
    negative = client.post(f"{BASE}/grants", headers=auth(c), json={"funder": "KN", "amount": -5, "decision": DECISION})
    assert negative.status_code == 422
    assert negative.json()["field"] == "body.amount"

    assert events(client, tokens.analyst) == before


def test_unknown_ids_are_404(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    launched(client, tokens, cap=1)
    module_a = command(
        client, c, f"{BASE}/modules", {"title": "M", "providers": ["NMBU"], "theme": "lean", "region": "Viken"}
    )["ids"]["module_id"]
    command(client, tokens.admin, "/api/programmes", launch_body(slug="kongsberg"))
    module_b = command(
        client,
        tokens.coordinator_b,
        "/api/programmes/kongsberg/modules",
        {"title": "Industri 4.0", "providers": ["USN"], "theme": "industry 4.0", "region": "Buskerud"},
    )["ids"]["module_id"]
    before = events(client, tokens.analyst)
    unknown = "5c7d0a52-8a6c-4d8b-9b1a-3f1e2d4c5b6a"
    session = {"starts_on": "2021-01-12", "place": "Kongsberg"}

    # a module of the other programme is unknown under this one
    other = client.post(f"{BASE}/modules/{module_b}/sessions", headers=auth(c), json=session)
    assert other.status_code == 404
    assert other.json()["error"] == "not_found"
    for path, body in [
        (f"{BASE}/modules/{unknown}/sessions", session),
        (f"{BASE}/modules/{module_a}/sessions/{unknown}/held", {}),
        (f"{BASE}/network-groups/{unknown}/members", {"org_number": ORGS[0]}),
        (f"{BASE}/activities/{unknown}/held", {"minutes": 60}),
        (f"{BASE}/companies/{norwegian_org_numbers(5)[4]}/joining", {}),
        (f"/api/programmes/nowhere/participants/{unknown}/erasure", {}),
    ]:
        response = client.post(path, headers=auth(tokens.admin if "erasure" in path else c), json=body)
        assert response.status_code == 404, (path, response.text)
    malformed = client.post(f"{BASE}/modules/not-a-uuid/sessions", headers=auth(c), json=session)
    assert (malformed.status_code, malformed.json()["field"]) == (422, "module_id")
    # an unknown id inside a body is 404 too, naming the field and the id
    allocation = {"recipient_kind": "provider", "recipient": "USN", "amount": 1, "decision": DECISION}
    for path, body, field in [
        (f"{BASE}/reversals", {"entry_id": unknown, "reason": "r", "decision": DECISION}, "entry_id"),
        (f"{BASE}/disbursements", {"allocation_id": unknown, "amount": 1}, "allocation_id"),
        (f"{BASE}/expenditures", {"allocation_id": unknown, "amount": 1, "period": "2021-H1"}, "allocation_id"),
        (f"{BASE}/allocations", {**allocation, "grant_id": unknown}, "grant_id"),
        (
            f"{BASE}/reallocations",
            {
                "from_allocation_id": unknown,
                "to_allocation_id": unknown,
                "amount": 1,
                "reason": "r",
                "decision": DECISION,
            },
            "from_allocation_id",
        ),
    ]:
        response = client.post(path, headers=auth(c), json=body)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["field"] == field and unknown in response.json()["message"], response.text
    assert client.get("/api/programmes/nowhere", headers=auth(tokens.admin)).status_code == 404
    assert client.get("/api/programmes/nowhere/audit", headers=auth(tokens.analyst)).status_code == 404
    assert client.get(f"/api/participants/{unknown}/identity", headers=auth(tokens.admin)).status_code == 404
    assert client.post(f"/api/tokens/{unknown}/revocation", headers=auth(tokens.admin)).status_code == 404
    assert events(client, tokens.analyst) == before


def test_money_rules_are_409_and_change_nothing(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    launched(client, tokens, cap=1)
    ids = funded(client, tokens)
    before = events(client, tokens.analyst)
    over_allocated = client.post(
        f"{BASE}/allocations",
        headers=auth(c),
        json={
            "grant_id": ids["grant_id"],
            "recipient_kind": "company",
            "recipient": "Nortura",
            "amount": 400_001,
            "decision": DECISION,
        },
    )
    assert over_allocated.status_code == 409
    assert over_allocated.json()["error"] == "rule_violated"
    over_paid = client.post(
        f"{BASE}/disbursements", headers=auth(c), json={"allocation_id": ids["allocation_id"], "amount": 600_001}
    )
    assert over_paid.status_code == 409
    assert over_paid.json()["rule"]
    assert events(client, tokens.analyst) == before
    audit = read(client, tokens.funder, f"{BASE}/audit", wait_for=before[-1]["position"])
    assert audit["reconciliation"]["balanced"] is True
    assert audit["reconciliation"]["totals"]["allocated"] == 600_000


def test_participants_and_erasure(client: TestClient, tokens: Tokens) -> None:
    launched(client, tokens, cap=1)
    person = command(
        client,
        tokens.coordinator,
        f"{BASE}/participants",
        {
            "org_number": ORGS[0],
            "target_group": "laid_off",
            "identity": {"name": "Ola Nordmann", "email": "ola@example.no"},
        },
    )["ids"]["participant_id"]
    identity = read(client, tokens.admin, f"/api/participants/{person}/identity")
    assert identity["name"] == "Ola Nordmann"
    left = command(client, tokens.coordinator, f"{BASE}/participants/{person}/leaving", {})
    assert left["version"] > 0
    command(client, tokens.coordinator, f"{BASE}/participants/{person}/reentry", {})
    erased = command(client, tokens.admin, f"{BASE}/participants/{person}/erasure", {})
    assert client.get(f"/api/participants/{person}/identity", headers=auth(tokens.admin)).status_code == 404
    status = read(client, tokens.coordinator, BASE, wait_for=erased["position"])
    assert status["participants"]["total"] == 1
    assert status["participants"]["erased"] == 1
    assert events(client, tokens.analyst)[-1]["actor"] == "admin@ledger"
