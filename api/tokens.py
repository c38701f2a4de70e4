"""API tokens: a role and the programmes it covers. Only a SHA-256 hash of each token is stored."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from sqlalchemy import JSON, Column, Engine, MetaData, String, Table, Text, insert, inspect, or_, select, text, update

token_metadata = MetaData()
tokens_table = Table(
    "api_tokens",
    token_metadata,
    Column("token_id", String(40), primary_key=True),
    Column("token_hash", String(64), unique=True, nullable=False),
    Column("role", String(20), nullable=False),
    Column("programmes", JSON, nullable=False),
    Column("actor", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("revoked_at", String(40)),
    Column("expires_at", String(40)),  # null: never (tokens made before tokens expired)
)

LIFETIME = timedelta(days=90)
"""How long a token works unless it is made for longer or shorter."""

RECHECK_SECONDS = 2.0
"""How long a token found valid is trusted without asking the table again: a revocation made by another API
process takes effect within this time (at once in the process that revoked it). Every request asked the table
before, a third of a cheap read's time on SQLite and 9 ms on PostgreSQL (docs/performance.md)."""


class Role(StrEnum):
    COORDINATOR = "coordinator"
    FUNDER = "funder"
    ANALYST = "analyst"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    token_id: str
    role: Role
    programmes: tuple[str, ...]
    actor: str

    def covers(self, slug: str) -> bool:
        return self.role in (Role.ADMIN, Role.ANALYST) or slug in self.programmes


@dataclass(frozen=True)
class TokenRecord:
    """What is kept of a token (never the token itself)."""

    token_id: str
    role: Role
    actor: str
    programmes: tuple[str, ...]
    created_at: str
    expires_at: str | None
    revoked_at: str | None

    def works(self, now: str) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TokenStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._trusted: dict[str, tuple[float, Principal, str | None]] = {}  # hash -> (checked, principal, expiry)
        self._lock = threading.Lock()
        token_metadata.create_all(engine)
        with engine.begin() as db:  # a token table of an earlier version gains the expiry (null: never)
            schema = db.get_execution_options().get("schema_translate_map", {}).get(None)
            if "expires_at" not in {c["name"] for c in inspect(db).get_columns(tokens_table.name, schema=schema)}:
                table = db.dialect.identifier_preparer.format_table(tokens_table.to_metadata(MetaData(), schema=schema))
                db.execute(text(f"ALTER TABLE {table} ADD COLUMN expires_at VARCHAR(40)"))

    def create(
        self, role: Role, actor: str, programmes: list[str] | None = None, lifetime: timedelta = LIFETIME
    ) -> tuple[str, str]:
        """Returns (token id, token). The token itself is shown once and never stored; it works for `lifetime`."""
        token = "pl_" + secrets.token_urlsafe(24)
        token_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        with self.engine.begin() as db:
            db.execute(
                insert(tokens_table).values(
                    token_id=token_id,
                    token_hash=_hash(token),
                    role=role.value,
                    programmes=list(programmes or []),
                    actor=actor,
                    created_at=now.isoformat(),
                    expires_at=(now + lifetime).isoformat(),
                )
            )
        return token_id, token

    def listed(self) -> list[TokenRecord]:
        """Every token, newest first."""
        with self.engine.connect() as db:
            rows = db.execute(select(tokens_table).order_by(tokens_table.c.created_at.desc())).mappings().all()
        return [
            TokenRecord(
                row["token_id"],
                Role(row["role"]),
                row["actor"],
                tuple(row["programmes"]),
                row["created_at"],
                row["expires_at"],
                row["revoked_at"],
            )
            for row in rows
        ]

    def revoke(self, token_id: str) -> bool:
        with self._lock:
            self._trusted.clear()
        with self.engine.begin() as db:
            result = db.execute(
                update(tokens_table)
                .where(tokens_table.c.token_id == token_id, tokens_table.c.revoked_at.is_(None))
                .values(revoked_at=datetime.now(UTC).isoformat())
            )
        return result.rowcount == 1

    def authenticate(self, token: str) -> Principal | None:
        """The token's principal, or None if it is unknown, revoked or expired."""
        hashed, now = _hash(token), datetime.now(UTC).isoformat()
        known = self._trusted_now(hashed, now)
        if known is not None:
            return known
        principal, expires_at = self._look_up(hashed, now)
        with self._lock:
            if len(self._trusted) >= 1024:
                self._trusted.clear()
            if principal is None:
                self._trusted.pop(hashed, None)
            else:
                self._trusted[hashed] = (time.monotonic(), principal, expires_at)
        return principal

    def trusted(self, token: str) -> Principal | None:
        """The token's principal if it was found valid less than `RECHECK_SECONDS` ago (no I/O), else None."""
        return self._trusted_now(_hash(token), datetime.now(UTC).isoformat())

    def _trusted_now(self, hashed: str, now: str) -> Principal | None:
        with self._lock:
            trusted = self._trusted.get(hashed)
        if trusted is None:
            return None
        checked, known, until = trusted
        if time.monotonic() - checked < RECHECK_SECONDS and (until is None or until > now):
            return known
        return None

    def _look_up(self, hashed: str, now: str) -> tuple[Principal | None, str | None]:
        with self.engine.connect() as db:
            row = (
                db.execute(
                    select(tokens_table).where(
                        tokens_table.c.token_hash == hashed,
                        tokens_table.c.revoked_at.is_(None),
                        or_(
                            tokens_table.c.expires_at.is_(None),
                            tokens_table.c.expires_at > now,
                        ),
                    )
                )
                .mappings()
                .first()
            )
        if row is None:
            return None, None
        return Principal(row["token_id"], Role(row["role"]), tuple(row["programmes"]), row["actor"]), row["expires_at"]
