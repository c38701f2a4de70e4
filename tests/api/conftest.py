"""Fixtures for the API tests: an app on a fresh store (SQLite and PostgreSQL), a client, and tokens per role."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import Role
from storage.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

PROGRAMME_A = "fremtid"
PROGRAMME_B = "kongsberg"


@dataclass(frozen=True)
class Tokens:
    """One token per role: a coordinator and a funder of programme A, a coordinator of B, an analyst, an admin."""

    admin: str
    coordinator: str
    funder: str
    analyst: str
    coordinator_b: str
    funder_b: str


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def make_tokens(app: FastAPI) -> Tokens:
    store = app.state.services.tokens
    return Tokens(
        admin=store.create(Role.ADMIN, "admin@ledger")[1],
        coordinator=store.create(Role.COORDINATOR, "kari@fremtid", [PROGRAMME_A])[1],
        funder=store.create(Role.FUNDER, "funder@kompetanse-norge", [PROGRAMME_A])[1],
        analyst=store.create(Role.ANALYST, "analyst@evaluering")[1],
        coordinator_b=store.create(Role.COORDINATOR, "ola@kongsberg", [PROGRAMME_B])[1],
        funder_b=store.create(Role.FUNDER, "funder@kongsberg", [PROGRAMME_B])[1],
    )


@pytest.fixture
def app(store_url: str) -> Iterator[FastAPI]:
    application = create_app(Settings(database_url=store_url))
    yield application
    application.state.services.ledger.close()


@pytest.fixture
def tokens(app: FastAPI) -> Tokens:
    return make_tokens(app)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client
