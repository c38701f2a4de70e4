"""Open the ledger, its read models and its projector on the configured store."""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event

from ledger.application import Ledger
from ledger.identity import IdentityVault
from projections.projector import Projector
from storage.keystore import PostgresKeyStore, SqliteKeyStore
from storage.settings import Settings, StoreLocation


def location(url: str | None = None) -> StoreLocation:
    return StoreLocation(url or Settings().database_url)


def open_ledger(url: str | None = None) -> Ledger:
    where = location(url)
    if where.kind == "sqlite":
        return Ledger(env=where.event_store_env(), vault=IdentityVault(SqliteKeyStore(where.key_store_path())))
    # Processes opening the ledger at once race on CREATE ... IF NOT EXISTS ("tuple concurrently updated"):
    # one at a time, under an advisory lock that closing the connection releases.
    with psycopg.connect(where.postgres_dsn(), autocommit=True) as lock:
        lock.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"programme-ledger-open:{where.schema}",))
        key_store = PostgresKeyStore(where.postgres_dsn(), where.schema)
        return Ledger(env=where.event_store_env(), vault=IdentityVault(key_store))


def views_engine(url: str | None = None, *, writer: bool = False) -> Engine:
    """The read models' database. On SQLite a `writer` engine starts each transaction with BEGIN IMMEDIATE: a
    transaction that reads (the positions) and then writes can otherwise fail at once with "database is locked"
    when another writer committed in between, instead of waiting out the busy timeout."""
    where = location(url)
    if where.kind == "sqlite":
        engine = create_engine(where.views_url(), connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            if writer:
                connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN itself

        if writer:

            @event.listens_for(engine, "begin")
            def _begin_immediate(connection: Any) -> None:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    engine = create_engine(where.views_url(), pool_size=5, max_overflow=5, pool_pre_ping=True)
    if where.schema:
        engine = engine.execution_options(schema_translate_map={None: where.schema})
    return engine


def open_projector(ledger: Ledger, url: str | None = None, read_models: list[str] | None = None) -> Projector:
    where = location(url)
    listen = where.postgres_dsn() if where.kind == "postgres" else None
    return Projector(ledger, views_engine(url, writer=True), read_models, listen_dsn=listen)
