"""One setting selects the store: LEDGER_DATABASE_URL, a SQLite file (default) or a PostgreSQL database."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEDGER_")

    # sqlite:///var/ledger.sqlite3 (relative path) or sqlite:////abs/path, or
    # postgresql://user:password@host:5432/dbname?schema=ledger
    database_url: str = "sqlite:///var/ledger.sqlite3"
    # Run the projector inside the API process (the embedded default). With several API processes on
    # PostgreSQL, set it to false and run `ledger project` once beside them.
    run_projector: bool = True
    # Where participants' keys and sealed identities live: a store of their own, so that backups and the
    # write-ahead log of the event store never hold a key (docs/erasure.md). A SQLite file (sqlite:///...) or a
    # PostgreSQL database (postgresql://...?schema=keys), best on another server. Unset: `<file>.keys` beside a
    # SQLite ledger; with PostgreSQL, the ledger's own schema (set it in production).
    keys_url: str = ""
    # An identity sealed longer ago than this with no registration event was left by a crash: it is destroyed
    # at start-up and every ten minutes while the API runs.
    identity_grace_seconds: int = 600
    max_body_bytes: int = 1_048_576
    # Requests the API works on at once (its thread pool); more wait their turn in arrival order. One
    # interpreter lock serves them all: with 40 (the framework's default) at 64 clients, a request that needs
    # the lock many times waited seconds behind the others (docs/performance.md).
    api_threads: int = Field(default=8, ge=1, le=200)
    host: str = "127.0.0.1"
    port: int = 8000


class StoreLocation:
    """The parsed database URL, with what the event store, the key store and the read models each need."""

    def __init__(self, url: str) -> None:
        self.url = url
        parsed = urlparse(url)
        self.kind = "postgres" if parsed.scheme in ("postgres", "postgresql") else parsed.scheme
        if self.kind not in ("sqlite", "postgres"):
            raise ValueError(f"LEDGER_DATABASE_URL: unsupported scheme {parsed.scheme!r} (sqlite or postgresql)")
        self.parsed = parsed
        query = parse_qs(parsed.query)
        self.schema = query.get("schema", [""])[0]

    @property
    def sqlite_path(self) -> Path:
        return Path(self.parsed.path[1:] if self.parsed.path.startswith("/") else self.parsed.path)

    def event_store_env(self) -> dict[str, str]:
        if self.kind == "sqlite":
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            return {
                "PERSISTENCE_MODULE": "eventsourcing.sqlite",
                "APPLICATION_RECORDER_TOPIC": "storage.chain:ChainedSQLiteRecorder",
                "SQLITE_DBNAME": str(self.sqlite_path),
                "SQLITE_LOCK_TIMEOUT": "30",
                # One process writes a SQLite ledger: its cache is the truth, so a load need not ask the store for
                # newer events first (a stale cache after another process wrote only costs a retry).
                "AGGREGATE_CACHE_FASTFORWARD": "n",
            }
        env = {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "APPLICATION_RECORDER_TOPIC": "storage.chain:ChainedPostgresRecorder",
            "POSTGRES_DBNAME": self.parsed.path.lstrip("/") or "postgres",
            "POSTGRES_HOST": self.parsed.hostname or "127.0.0.1",
            "POSTGRES_PORT": str(self.parsed.port or 5432),
            "POSTGRES_USER": self.parsed.username or "postgres",
            "POSTGRES_PASSWORD": self.parsed.password or "",
            "POSTGRES_POOL_SIZE": "2",
            "POSTGRES_MAX_OVERFLOW": "18",
            "POSTGRES_LOCK_TIMEOUT": "10",
        }
        if self.schema:
            env["POSTGRES_SCHEMA"] = self.schema
        return env

    def postgres_dsn(self) -> str:
        parsed = self.parsed
        auth = parsed.username or "postgres"
        if parsed.password:
            auth += f":{parsed.password}"
        return f"postgresql://{auth}@{parsed.hostname or '127.0.0.1'}:{parsed.port or 5432}{parsed.path}"

    def key_store_path(self) -> Path:
        """The SQLite key store is a file of its own beside the events, with secure delete on."""
        return self.sqlite_path.with_name(self.sqlite_path.name + ".keys")

    def views_url(self) -> str:
        """Where the read models live: a SQLite file beside the events (so the projector never waits for the
        command writers' lock), or the same PostgreSQL schema."""
        if self.kind == "sqlite":
            return f"sqlite:///{self.sqlite_path}.views"
        return "postgresql+psycopg://" + self.postgres_dsn().split("://", 1)[1]
