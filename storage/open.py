"""Open the ledger on the configured store."""

from __future__ import annotations

from ledger.application import Ledger
from ledger.identity import IdentityVault
from storage.keystore import PostgresKeyStore, SqliteKeyStore
from storage.settings import Settings, StoreLocation


def open_ledger(url: str | None = None) -> Ledger:
    location = StoreLocation(url or Settings().database_url)
    key_store: SqliteKeyStore | PostgresKeyStore
    if location.kind == "sqlite":
        key_store = SqliteKeyStore(location.key_store_path())
    else:
        key_store = PostgresKeyStore(location.postgres_dsn(), location.schema)
    return Ledger(env=location.event_store_env(), vault=IdentityVault(key_store))
