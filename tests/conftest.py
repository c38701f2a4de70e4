"""Fixtures: a ledger on a fresh SQLite file, and on a fresh PostgreSQL schema.

PostgreSQL tests use LEDGER_TEST_POSTGRES_URL, by default postgresql://postgres@127.0.0.1:5432/test: they run
whenever that server answers, and skip with the reason when it does not; with LEDGER_REQUIRE_POSTGRES=1 (set by
.ci/run) an unreachable server fails them instead."""

from __future__ import annotations

import functools
import os
import uuid
from typing import TYPE_CHECKING

import psycopg
import pytest
from psycopg import sql

from bootstrap import open_ledger

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ledger.application import Ledger

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
POSTGRES_URL = os.environ.get("LEDGER_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
REQUIRE_POSTGRES = os.environ.get("LEDGER_REQUIRE_POSTGRES") == "1"


@functools.cache
def _postgres_unavailable_reason() -> str | None:
    """Why the PostgreSQL tests cannot run, or None; asked once per test run."""
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return (
            f"PostgreSQL at {POSTGRES_URL} does not answer ({first_line}); "
            "start it, or set LEDGER_TEST_POSTGRES_URL to one that does"
        )
    return None


@pytest.fixture(scope="session")
def postgres_server() -> str:
    reason = _postgres_unavailable_reason()
    if reason is not None:
        if REQUIRE_POSTGRES:
            pytest.fail(reason)
        pytest.skip(reason)
    return POSTGRES_URL


@pytest.fixture
def postgres_url(postgres_server: str) -> Iterator[str]:
    """A fresh schema for one test, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    separator = "&" if "?" in postgres_server else "?"
    yield f"{postgres_server}{separator}schema={schema}"
    with psycopg.connect(postgres_server, autocommit=True) as db:
        db.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/ledger.sqlite3"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest) -> str:
    """Run a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def ledger(store_url: str) -> Iterator[Ledger]:
    app = open_ledger(store_url)
    yield app
    app.close()


@pytest.fixture
def sqlite_ledger(sqlite_url: str) -> Iterator[Ledger]:
    app = open_ledger(sqlite_url)
    yield app
    app.close()
