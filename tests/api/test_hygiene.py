"""Browser and export hygiene: security headers on every answer, the pages' cookie reads but never writes (no
cross-site request can use it), Secure behind TLS, and CSV cells a spreadsheet would run as formulas
neutralised."""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from tests.api.conftest import auth
from tests.api.test_api_flows import BASE, DECISION, funded, launched

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.conftest import Tokens


def test_every_answer_carries_the_security_headers(client: TestClient, tokens: Tokens) -> None:
    for path in ("/login", "/api/health", f"{BASE}"):
        response = client.get(path, headers=auth(tokens.admin))
        assert response.headers["x-content-type-options"] == "nosniff", path
        assert response.headers["referrer-policy"] == "no-referrer", path
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy, path


def test_the_pages_cookie_reads_but_cannot_write(client: TestClient, tokens: Tokens) -> None:
    last = launched(client, tokens, cap=3)
    login = client.post("/login", data={"token": tokens.coordinator}, follow_redirects=False)
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie  # plain http here
    assert client.get(BASE, params={"wait_for": last["position"]}).status_code == 200  # the cookie now held reads
    grant = {"funder": "Kompetanse Norge", "amount": 1, "decision": DECISION}
    assert client.post(f"{BASE}/grants", json=grant).status_code == 401


def test_behind_tls_the_cookie_is_secure(client: TestClient, tokens: Tokens) -> None:
    login = client.post("https://testserver/login", data={"token": tokens.admin}, follow_redirects=False)
    assert "Secure" in login.headers["set-cookie"]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(client: TestClient, tokens: Tokens) -> None:
    launched(client, tokens, cap=3)
    funded(client, tokens)
    formula = '=HYPERLINK("http://evil.example","click")'
    grant = {"funder": formula, "amount": 500, "decision": {"reference": "+1 sak", "body": "@board"}}
    awarded = client.post(f"{BASE}/grants", headers=auth(tokens.coordinator), json=grant)
    assert awarded.status_code == 201
    wait = {"wait_for": awarded.json()["position"]}
    text = client.get(f"{BASE}/audit.csv", headers=auth(tokens.funder), params=wait).text
    rows = list(csv.DictReader(io.StringIO(text)))
    last = rows[-1]
    assert last["funder"] == "'" + formula
    assert (last["decision_reference"], last["decision_body"]) == ("'+1 sak", "'@board")
    assert not any(value.startswith(("=", "+", "@")) for row in rows for value in row.values())
