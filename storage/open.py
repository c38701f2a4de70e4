"""Where the configured store is, and the read models' engines. Opening the ledger and its projector is
wired in `bootstrap` (the composition root); `open_ledger` and `open_projector` here only forward to it for
older imports."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event

from storage.settings import Settings, StoreLocation

if TYPE_CHECKING:
    from ledger.application import Ledger
    from projections.projector import Projector


def location(url: str | None = None) -> StoreLocation:
    return StoreLocation(url or Settings().database_url)


def open_ledger(url: str | None = None) -> Ledger:
    """Forwards to `bootstrap.open_ledger` (new code imports it from there)."""
    import bootstrap

    return bootstrap.open_ledger(url)


def views_engine(url: str | None = None, *, writer: bool = False) -> Engine:
    """The read models' database. On SQLite a `writer` engine starts each transaction with BEGIN IMMEDIATE: a
    transaction that reads (the positions) and then writes can otherwise fail at once with "database is locked"
    when another writer committed in between, instead of waiting out the busy timeout."""
    where = location(url)
    if where.kind == "sqlite":
        # as many pooled connections as the API's thread pool has threads: an overflow connection is opened and
        # closed per request (a file open and two pragmas), 7 % of a loaded API process's time
        engine = create_engine(
            where.views_url(),
            connect_args={"timeout": 30, "check_same_thread": False},
            pool_size=40,
            max_overflow=10,
        )

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
    engine = create_engine(where.views_url(), pool_size=10, max_overflow=10, pool_pre_ping=True)
    if where.schema:
        engine = engine.execution_options(schema_translate_map={None: where.schema})
    return engine


def open_projector(ledger: Ledger, url: str | None = None, read_models: list[str] | None = None) -> Projector:
    """Forwards to `bootstrap.open_projector` (new code imports it from there)."""
    import bootstrap

    return bootstrap.open_projector(ledger, url, read_models)
