"""What scripts/fuzz found: inputs that reached a store unchecked and made a 500 (PostgreSQL refuses a NUL in
any text). Each is now refused at the door with 422 naming the field, on both stores, and nothing is written."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest
from sqlalchemy import select

from api.tokens import tokens_table
from tests.api.conftest import auth
from tests.api.test_api_flows import BASE, launched

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from tests.api.conftest import Tokens

NOT_A_SLUG = ["x\x00y", "Not A Slug", "a" * 64]
READS = ["", "/audit", "/audit.csv", "/evaluation", "/evaluation.csv", "/forum"]


def _token_ids(client: TestClient) -> set[str]:
    store = client.app.state.services.tokens
    with store.engine.connect() as db:
        return set(db.execute(select(tokens_table.c.token_id)).scalars())


@pytest.mark.parametrize("read", READS)
@pytest.mark.parametrize("slug", NOT_A_SLUG)
def test_a_read_of_a_programme_whose_slug_cannot_be_one_is_refused_naming_the_slug(
    client: TestClient, tokens: Tokens, slug: str, read: str
) -> None:
    response = client.get(f"/api/programmes/{quote(slug, safe='')}{read}", headers=auth(tokens.admin))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "slug"


@pytest.mark.parametrize("actor", ["kari\x00@fremtid", "bell\x07", "   ", "a" * 201])
def test_a_token_for_an_actor_that_is_no_text_is_refused_and_none_is_made(
    client: TestClient, tokens: Tokens, actor: str
) -> None:
    before = _token_ids(client)
    response = client.post("/api/tokens", headers=auth(tokens.admin), json={"role": "analyst", "actor": actor})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "body.actor"
    assert _token_ids(client) == before


@pytest.mark.parametrize("programme", ["x\x00y", "Not A Slug", ""])
def test_a_token_for_a_programme_that_is_no_slug_is_refused(client: TestClient, tokens: Tokens, programme: str) -> None:
    body = {"role": "coordinator", "actor": "kari@fremtid", "programmes": [programme]}
    response = client.post("/api/tokens", headers=auth(tokens.admin), json=body)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "body.programmes.0"


@pytest.mark.parametrize("token_id", ["x\x00y", "not-a-token-id", "0" * 100])
def test_revoking_a_token_id_that_cannot_be_one_is_refused_naming_it(
    client: TestClient, tokens: Tokens, token_id: str
) -> None:
    response = client.post(f"/api/tokens/{quote(token_id, safe='')}/revocation", headers=auth(tokens.admin))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "path.token_id"


def test_the_audit_of_one_funder_named_with_a_nul_is_refused(client: TestClient, tokens: Tokens) -> None:
    launched(client, tokens)
    response = client.get(f"{BASE}/audit", headers=auth(tokens.admin), params={"funder": "Kompetanse\x00Norge"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "query.funder"


@pytest.mark.parametrize("name", ["theme", "region", "provider"])
@pytest.mark.parametrize("value", ["Viken\x00", "x" * 501])
def test_a_catalogue_filter_that_is_no_text_is_refused_naming_it(
    client: TestClient, tokens: Tokens, name: str, value: str
) -> None:
    response = client.get("/api/catalogue", headers=auth(tokens.analyst), params={name: value})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == f"query.{name}"


def test_a_command_documents_the_200_of_a_replayed_idempotency_key(client: TestClient, tokens: Tokens) -> None:
    """Found as an answer the document did not declare: a retry with the same key and body answers 200."""
    launched(client, tokens)
    headers = {**auth(tokens.coordinator), "Idempotency-Key": "caps-1"}
    body = {"name": "companies", "value": 5, "decision": {"reference": "Sak 7", "body": "Styret"}}
    first, again = (client.post(f"{BASE}/caps", headers=headers, json=body) for _ in range(2))
    assert (first.status_code, again.status_code) == (201, 200), again.text
    documented = client.get("/openapi.json").json()["paths"]["/api/programmes/{slug}/caps"]["post"]["responses"]
    assert {"200", "201"} <= set(documented)
    assert documented["200"]["content"] == documented["201"]["content"]
