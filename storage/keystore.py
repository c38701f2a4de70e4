"""Key stores for the identity vault. Keys and sealed details sit in two tables; erasure deletes both rows so
that no byte of either survives in the database files."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

if TYPE_CHECKING:
    from pathlib import Path


class SqliteKeyStore:
    """A separate SQLite file with secure_delete (freed pages are zeroed) and a rollback journal that is
    removed after each commit, so no old page version lingers in a write-ahead log."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=DELETE")
        self._db.execute("PRAGMA secure_delete=ON")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS participant_keys (participant_id TEXT PRIMARY KEY, key BLOB NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS participant_identities (participant_id TEXT PRIMARY KEY, sealed BLOB NOT NULL)"
        )
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(participant_identities)")}
        if "sealed_at" not in columns:  # a key store of an earlier version: its identities count as sealed long ago
            self._db.execute("ALTER TABLE participant_identities ADD COLUMN sealed_at TEXT")

    def put(self, participant_id: str, key: bytes, sealed: bytes) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("INSERT INTO participant_keys VALUES (?, ?)", (participant_id, key))
                self._db.execute(
                    "INSERT INTO participant_identities (participant_id, sealed, sealed_at) VALUES (?, ?, ?)",
                    (participant_id, sealed, _now()),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def get(self, participant_id: str) -> tuple[bytes, bytes] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT k.key, i.sealed FROM participant_keys k JOIN participant_identities i USING (participant_id)"
                " WHERE participant_id = ?",
                (participant_id,),
            ).fetchone()
        return None if row is None else (bytes(row[0]), bytes(row[1]))

    def destroy(self, participant_id: str) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM participant_keys WHERE participant_id = ?", (participant_id,))
            self._db.execute("DELETE FROM participant_identities WHERE participant_id = ?", (participant_id,))
            self._db.execute("COMMIT")

    def sealed_before(self, cutoff: datetime) -> list[str]:
        """The participants whose identity was sealed before `cutoff` (or by a version that kept no time)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT participant_id FROM participant_identities WHERE sealed_at IS NULL OR sealed_at < ?",
                (cutoff.isoformat(),),
            ).fetchall()
        return [row[0] for row in rows]

    def close(self) -> None:
        self._db.close()


def _now() -> str:
    return datetime.now(UTC).isoformat()


class PostgresKeyStore:
    """Keys in PostgreSQL. After a delete, VACUUM removes the dead row versions from the table's pages."""

    def __init__(self, dsn: str, schema: str = "") -> None:
        self.dsn = dsn
        self.schema = schema or "public"
        self._keys = sql.Identifier(self.schema, "participant_keys")
        self._identities = sql.Identifier(self.schema, "participant_identities")
        with self._connect() as db:
            db.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
            db.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} (participant_id TEXT PRIMARY KEY, key BYTEA NOT NULL)").format(
                    self._keys
                )
            )
            db.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (participant_id TEXT PRIMARY KEY, sealed BYTEA NOT NULL)"
                ).format(self._identities)
            )
            db.execute(sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS sealed_at TEXT").format(self._identities))

    def _connect(self) -> psycopg.Connection:
        return psycopg.connect(self.dsn)

    def put(self, participant_id: str, key: bytes, sealed: bytes) -> None:
        with self._connect() as db:
            db.execute(sql.SQL("INSERT INTO {} VALUES (%s, %s)").format(self._keys), (participant_id, key))
            db.execute(
                sql.SQL("INSERT INTO {} (participant_id, sealed, sealed_at) VALUES (%s, %s, %s)").format(
                    self._identities
                ),
                (participant_id, sealed, _now()),
            )

    def get(self, participant_id: str) -> tuple[bytes, bytes] | None:
        with self._connect() as db:
            row = db.execute(
                sql.SQL(
                    "SELECT k.key, i.sealed FROM {} k JOIN {} i USING (participant_id) WHERE participant_id = %s"
                ).format(self._keys, self._identities),
                (participant_id,),
            ).fetchone()
        return None if row is None else (bytes(row[0]), bytes(row[1]))

    def sealed_before(self, cutoff: datetime) -> list[str]:
        with self._connect() as db:
            rows = db.execute(
                sql.SQL("SELECT participant_id FROM {} WHERE sealed_at IS NULL OR sealed_at < %s").format(
                    self._identities
                ),
                (cutoff.isoformat(),),
            ).fetchall()
        return [row[0] for row in rows]

    def destroy(self, participant_id: str) -> None:
        with self._connect() as db:
            db.execute(sql.SQL("DELETE FROM {} WHERE participant_id = %s").format(self._keys), (participant_id,))
            db.execute(
                sql.SQL("DELETE FROM {} WHERE participant_id = %s").format(self._identities),
                (participant_id,),
            )
        with psycopg.connect(self.dsn, autocommit=True) as db:
            db.execute(sql.SQL("VACUUM {}").format(self._keys))
            db.execute(sql.SQL("VACUUM {}").format(self._identities))
