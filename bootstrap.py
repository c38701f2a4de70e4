"""The composition root: the one place that opens the configured store and wires the ledger, the read models,
the projector and the token store. The API, the pages and the `ledger` command all get their services here, so
a store is opened the same way whichever door a user comes in by."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from api.answers import Answers
from api.tokens import TokenStore
from ledger.application import Ledger
from ledger.identity import IdentityVault
from projections.projector import Projector
from storage.chain import chained
from storage.keystore import PostgresKeyStore, SqliteKeyStore
from storage.open import location, views_engine
from storage.settings import Settings, StoreLocation

if TYPE_CHECKING:
    from sqlalchemy import Engine


class StoreMissing(Exception):
    """A command that reads an existing ledger found no store where the settings point (a SQLite file that does
    not exist): refusing beats quietly creating an empty ledger in whatever folder the user happens to be in."""

    def __init__(self, where: StoreLocation) -> None:
        self.where = where
        super().__init__(
            f"no ledger at {where.sqlite_path.resolve()} (LEDGER_DATABASE_URL={where.url}); "
            "run `ledger demo` or `ledger serve` to create one, or point LEDGER_DATABASE_URL at an existing store"
        )


@dataclass
class Services:
    """Everything a request or a CLI command needs, opened once per process."""

    settings: Settings
    ledger: Ledger
    views: Engine  # for reading; the projector writes through its own engine
    projector: Projector
    tokens: TokenStore
    answers: Answers

    def close(self) -> None:
        self.projector.stop()
        self.ledger.close()
        self.views.dispose()
        self.projector.dispose()


def store_exists(url: str) -> bool:
    """Whether a ledger is there to read. Only a SQLite file can be missing; a PostgreSQL schema is created on
    first use by whoever has the rights to."""
    where = location(url)
    return where.kind != "sqlite" or where.sqlite_path.exists()


def open_key_store(where: StoreLocation, keys_url: str = "") -> SqliteKeyStore | PostgresKeyStore:
    """The participants' key store: the one `keys_url` names, else beside the ledger (see Settings.keys_url)."""
    keys = StoreLocation(keys_url) if keys_url else None
    if keys is None:
        if where.kind == "sqlite":
            return SqliteKeyStore(where.key_store_path())
        return PostgresKeyStore(where.postgres_dsn(), where.schema)
    if keys.kind == "sqlite":
        return SqliteKeyStore(keys.sqlite_path)
    return PostgresKeyStore(keys.postgres_dsn(), keys.schema)


def open_ledger(url: str | None = None, keys_url: str | None = None) -> Ledger:
    """The ledger (commands and the event store) with its identity vault, on SQLite or PostgreSQL."""
    where = location(url)
    keys = Settings().keys_url if keys_url is None else keys_url
    if where.kind == "sqlite":
        ledger = Ledger(env=where.event_store_env(), vault=IdentityVault(open_key_store(where, keys)))
        chained(ledger.recorder).backfill()  # a store of an earlier version: link the events it holds
        return ledger
    # Processes opening the ledger at once race on CREATE ... IF NOT EXISTS ("tuple concurrently updated"):
    # one at a time, under an advisory lock that closing the connection releases.
    with psycopg.connect(where.postgres_dsn(), autocommit=True) as lock:
        lock.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"programme-ledger-open:{where.schema}",))
        ledger = Ledger(env=where.event_store_env(), vault=IdentityVault(open_key_store(where, keys)))
        chained(ledger.recorder).backfill()
        return ledger


def open_projector(ledger: Ledger, url: str | None = None, read_models: list[str] | None = None) -> Projector:
    """The projector, writing through its own engine (BEGIN IMMEDIATE on SQLite) and woken by PostgreSQL's
    LISTEN/NOTIFY where there is one. Its positions are read through a reader engine: every cached answer and
    every `wait_for` asks for them, and on SQLite the writer's BEGIN IMMEDIATE made each such read wait for the
    projector's batch and for every other such read."""
    where = location(url)
    listen = where.postgres_dsn() if where.kind == "postgres" else None
    return Projector(ledger, views_engine(url, writer=True), read_models, listen_dsn=listen, reader=views_engine(url))


def build_services(settings: Settings | None = None, *, create: bool = True) -> Services:
    """Open the store the settings name. With `create=False` a missing SQLite file raises `StoreMissing`
    instead of becoming a new, empty ledger."""
    settings = settings or Settings()
    if not create and not store_exists(settings.database_url):
        raise StoreMissing(location(settings.database_url))
    ledger = open_ledger(settings.database_url, settings.keys_url)
    ledger.reconcile_identities(timedelta(seconds=settings.identity_grace_seconds))  # what a crash left behind
    projector = open_projector(ledger, settings.database_url)
    views = views_engine(settings.database_url)
    return Services(
        settings=settings,
        ledger=ledger,
        views=views,
        projector=projector,
        tokens=TokenStore(views),
        answers=Answers(),
    )


def demo_tokens_path(url: str) -> Path:
    """Where `ledger demo` keeps the demo tokens: beside a SQLite store (`var/ledger.demo-tokens.json` for
    `var/ledger.sqlite3`), or under `var/` for a PostgreSQL database and schema."""
    where = location(url)
    if where.kind == "sqlite":
        return where.sqlite_path.with_suffix(".demo-tokens.json")
    name = where.parsed.path.lstrip("/") or "postgres"
    host = where.parsed.hostname or "127.0.0.1"
    suffix = f"-{where.schema}" if where.schema else ""
    return Path("var") / f"{host}-{name}{suffix}.demo-tokens.json"
