"""Live read answers kept while the programme's read models stay where they are (a cache the services carry for
the read routes): a programme's status, audit or evaluation is computed once per change of that programme, not
once per request, and kept as the bytes sent."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from projections.projector import programme_changed_at
from projections.status.queries import programme_id_for

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Connection

Version = tuple[object, ...]


@dataclass(frozen=True)
class Kept:
    body: bytes
    headers: dict[str, str]


class Answers:
    """Each answer is kept with the version it was computed at: where each read model last changed the programme
    (or every programme), and the day (a live answer counts what took effect by today). The version is read
    before the answer is computed, so an answer kept is never older than its version says; it is served only
    while the version is unchanged, so a kept answer is always the answer the tables would give. The versions
    live in the read models' database: API processes that share a store never serve each other's stale
    answers."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._kept: dict[tuple[str, ...], tuple[Version, Kept]] = {}
        self._lock = threading.Lock()
        self._ids: dict[str, str] = {}
        self._computing: dict[tuple[str, ...], threading.Lock] = {}

    def programme_id(self, db: Connection, slug: str) -> str | None:
        """The programme's id once the read models have it (an id never changes: it is kept, and only then)."""
        found = self._ids.get(slug)
        if found is None:
            found = programme_id_for(db, slug)
            if found is not None:
                with self._lock:
                    self._ids[slug] = found
        return found

    @staticmethod
    def version(db: Connection, programme_id: str) -> Version:
        return (datetime.now(UTC).date(), programme_changed_at(db, programme_id))

    def get(self, key: tuple[str, ...], version: Version) -> Kept | None:
        with self._lock:
            found = self._kept.get(key)
        if found is None or found[0] != version:
            return None
        return found[1]

    @contextmanager
    def computing(self, key: tuple[str, ...]) -> Iterator[None]:
        """One computation per answer at a time: readers who missed the same answer wait for the first one's
        instead of all computing it (at 64 clients, a changed evaluation was computed by many threads at once and
        the slowest waited seconds)."""
        with self._lock:
            lock = self._computing.setdefault(key, threading.Lock())
        with lock:
            yield

    def put(self, key: tuple[str, ...], version: Version, kept: Kept) -> None:
        with self._lock:
            if len(self._kept) >= self.size:
                self._kept.clear()
            self._kept[key] = (version, kept)
