"""The hash chain over the log, written when the events are committed, in the same transaction, beside them.

chain(n) = sha256(chain(n-1) || digest(event n)), where the digest covers the stored event's identity, version,
topic and bytes. Because the chain is written by the transaction that commits each event, nothing rebuilt later
(a read model, an index) can recompute it over a rewritten history: verification recomputes the chain from the
events and compares it with this one and with any receipt (projections/integrity/verification.py).

The recorders below are the event store's own (SQLite, PostgreSQL) with one addition each: after the events of a
save are inserted, under the store's write lock, their chain links are inserted too. A store of an earlier version
has no chain for the events it already holds: `backfill` links them once, when the ledger is opened."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any, NamedTuple

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.sql import SQL, Identifier

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from eventsourcing.persistence import ApplicationRecorder, StoredEvent
    from eventsourcing.sqlite import SQLiteCursor
    from psycopg import Cursor
    from psycopg.rows import DictRow

GENESIS = "0" * 64
CHAIN_TABLE = "ledger_chain"
BACKFILL_BATCH = 5000


def event_digest(stored: StoredEvent) -> str:
    """SHA-256 of what the chain covers of a stored event: identity, version, topic and state, hex."""
    digest = hashlib.sha256()
    for part in (str(stored.originator_id), str(stored.originator_version), stored.topic):
        digest.update(part.encode())
        digest.update(b"\x00")
    digest.update(bytes(stored.state))
    return digest.hexdigest()


def link(previous: str, digest: str) -> str:
    return hashlib.sha256(bytes.fromhex(previous) + bytes.fromhex(digest)).hexdigest()


class Link(NamedTuple):
    position: int
    digest: str
    chain: str


def links(previous: str, positioned: Iterable[tuple[int, StoredEvent]]) -> list[Link]:
    """The chain links of events in log order, following the link `previous`."""
    made = []
    for position, stored in positioned:
        digest = event_digest(stored)
        previous = link(previous, digest)
        made.append(Link(position, digest, previous))
    return made


class ChainedSQLiteRecorder(SQLiteApplicationRecorder):
    """SQLite's recorder, linking each save's events in the transaction that inserts them."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {CHAIN_TABLE} "
            "(position INTEGER PRIMARY KEY, digest TEXT NOT NULL, chain TEXT NOT NULL)",
        ]

    def _insert_events(self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int]:
        positions = list(super()._insert_events(c, stored_events, **kwargs) or [])
        self._link(c, list(zip(positions, stored_events, strict=True)))
        return positions

    def _link(self, c: SQLiteCursor, positioned: list[tuple[int, StoredEvent]]) -> None:
        # The insert above holds SQLite's write lock: no other writer can add a link between this read and write.
        c.execute(f"SELECT chain FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
        row = c.fetchone()
        previous = GENESIS if row is None else row["chain"]
        c.executemany(
            f"INSERT INTO {CHAIN_TABLE} (position, digest, chain) VALUES (?, ?, ?)", links(previous, positioned)
        )

    def chain_rows(self, after: int, upto: int, limit: int) -> list[Link]:
        """The first `limit` stored links with after < position <= upto, in order."""
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT position, digest, chain FROM {CHAIN_TABLE} WHERE position > ? AND position <= ? "
                "ORDER BY position LIMIT ?",
                (after, upto, limit),
            )
            return [Link(row["position"], row["digest"], row["chain"]) for row in c.fetchall()]

    def chain_head(self) -> Link | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(f"SELECT position, digest, chain FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
            row = c.fetchone()
            return None if row is None else Link(row["position"], row["digest"], row["chain"])

    def backfill(self) -> int:
        """Link the events an earlier version stored without a chain; returns how many were linked."""
        linked = 0
        while True:
            with self.datastore.transaction(commit=True) as c:
                c.execute(f"SELECT position, chain FROM {CHAIN_TABLE} ORDER BY position DESC LIMIT 1")
                row = c.fetchone()
                after, previous = (0, GENESIS) if row is None else (row["position"], row["chain"])
                c.execute(
                    f"SELECT rowid, originator_id, originator_version, topic, state FROM {self.events_table_name} "
                    "WHERE rowid > ? ORDER BY rowid LIMIT ?",
                    (after, BACKFILL_BATCH),
                )
                rows = c.fetchall()
                if not rows:
                    return linked
                positioned = [(row["rowid"], _stored(self, row)) for row in rows]
                c.executemany(
                    f"INSERT INTO {CHAIN_TABLE} (position, digest, chain) VALUES (?, ?, ?)", links(previous, positioned)
                )
                linked += len(rows)


class ChainedPostgresRecorder(PostgresApplicationRecorder):
    """PostgreSQL's recorder, linking each save's events in the transaction that inserts them, under the lock the
    recorder takes on the events table (so links are made in commit order)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chain_table = Identifier(self.datastore.schema, CHAIN_TABLE)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (position BIGINT PRIMARY KEY, digest TEXT NOT NULL, chain TEXT NOT NULL)"
            ).format(self.chain_table)
        )

    def _fetch_ids_after_insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = list(super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs) or [])
        curs.execute(SQL("SELECT chain FROM {} ORDER BY position DESC LIMIT 1").format(self.chain_table))
        row = curs.fetchone()
        previous = GENESIS if row is None else row["chain"]
        curs.executemany(
            SQL("INSERT INTO {} (position, digest, chain) VALUES (%s, %s, %s)").format(self.chain_table),
            links(previous, zip(positions, stored_events, strict=True)),
        )
        return positions

    def chain_rows(self, after: int, upto: int, limit: int) -> list[Link]:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT position, digest, chain FROM {} WHERE position > %s AND position <= %s "
                    "ORDER BY position LIMIT %s").format(self.chain_table),
                (after, upto, limit),
            )  # fmt: skip
            return [Link(row["position"], row["digest"], row["chain"]) for row in curs.fetchall()]

    def chain_head(self) -> Link | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT position, digest, chain FROM {} ORDER BY position DESC LIMIT 1").format(self.chain_table)
            )
            row = curs.fetchone()
            return None if row is None else Link(row["position"], row["digest"], row["chain"])

    def backfill(self) -> int:
        linked = 0
        events = Identifier(self.datastore.schema, self.events_table_name)
        while True:
            with self.datastore.transaction(commit=True) as curs:
                for statement in self.lock_table_statements:  # writers wait: the links follow commit order
                    curs.execute(statement)
                curs.execute(
                    SQL("SELECT position, chain FROM {} ORDER BY position DESC LIMIT 1").format(self.chain_table)
                )
                row = curs.fetchone()
                after, previous = (0, GENESIS) if row is None else (row["position"], row["chain"])
                curs.execute(
                    SQL(
                        "SELECT notification_id AS rowid, originator_id, originator_version, topic, state FROM {} "
                        "WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
                    ).format(events),
                    (after, BACKFILL_BATCH),
                )
                rows = curs.fetchall()
                if not rows:
                    return linked
                positioned = [(row["rowid"], _stored(self, row)) for row in rows]
                curs.executemany(
                    SQL("INSERT INTO {} (position, digest, chain) VALUES (%s, %s, %s)").format(self.chain_table),
                    links(previous, positioned),
                )
                linked += len(rows)


ChainedRecorder = ChainedSQLiteRecorder | ChainedPostgresRecorder


def _stored(recorder: ApplicationRecorder, row: Any) -> StoredEvent:
    from eventsourcing.persistence import StoredEvent  # noqa: PLC0415 (only for a store of an earlier version)

    originator_id = row["originator_id"]
    if isinstance(recorder, SQLiteApplicationRecorder):
        originator_id = recorder.convert_originator_id(originator_id)
    return StoredEvent(
        originator_id=originator_id,
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


def chained(recorder: ApplicationRecorder) -> ChainedRecorder:
    """The ledger's recorder, which keeps the chain (every ledger is opened with one)."""
    if not isinstance(recorder, ChainedSQLiteRecorder | ChainedPostgresRecorder):
        raise TypeError(f"the event store's recorder {type(recorder).__name__} keeps no hash chain")
    return recorder
