"""Keeps the read models caught up with the event store, exactly once.

Each batch of events is folded into the read models' rows and, in the same transaction, each read model's
position is advanced with a conditional update (it must still be where this projector read it), so a crash at
any point leaves rows and positions consistent, and two projectors never apply one event twice. Events a read
model ignores still advance its position. SQLite has no subscriptions: the projector polls. On PostgreSQL it
also LISTENs to the store's notifications, with the poll as the fallback when a notification is lost."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql
from sqlalchemy import Connection, Engine, MetaData, Table, delete, insert, inspect, select, update
from sqlalchemy.exc import OperationalError

from projections.audit.fold import READ_MODEL as AUDIT
from projections.claims.fold import READ_MODEL as CLAIMS
from projections.days import DayVersions, Recorded, day_tables
from projections.evaluation.fold import READ_MODEL as EVALUATION
from projections.facts import EventLog, Fact, fact_from
from projections.folding import EVERY_PROGRAMME
from projections.integrity.fold import READ_MODEL as INTEGRITY
from projections.rows import SqlRows
from projections.schema import TABLES, metadata, positions, programme_changes, schemas
from projections.status.fold import READ_MODEL as STATUS

if TYPE_CHECKING:
    from projections.folding import ReadModel

log = logging.getLogger("ledger.projector")

READ_MODELS: dict[str, ReadModel] = {m.name: m for m in (STATUS, AUDIT, EVALUATION, INTEGRITY, CLAIMS)}


def stored_tables(model: ReadModel) -> tuple[str, ...]:
    """A read model's tables, with its tables by effective day."""
    return model.tables + day_tables(model)


for _model in READ_MODELS.values():
    stored_tables(_model)  # declares the by-day tables in the metadata before any is created
BATCH_SIZE = 1000

Progress = Callable[[int, int], None]  # (position reached, log head)


class ConcurrentProjection(Exception):
    """Another projector advanced a read model first; this batch was rolled back and will be re-read."""


@dataclass(frozen=True)
class Stall:
    """A read model stopped before an event its fold cannot apply (or that cannot be read): the other read models
    go on; a rebuild after the cause is fixed clears it."""

    read_model: str
    position: int  # the event's position: the read model holds everything before it
    event: str
    error: str


class RebuildFailed(Exception):
    """A rebuild met an event it could not apply (or read): nothing of it was kept, the read models stand as before."""

    def __init__(self, names: list[str], position: int, event: str, error: str) -> None:
        super().__init__(
            f"rebuilding {', '.join(names)} stopped at position {position} ({event}): {error}; "
            "the read models are as they were before the rebuild"
        )
        self.position = position
        self.event = event
        self.error = error


class Projector:
    def __init__(
        self,
        ledger: EventLog,
        engine: Engine,
        read_models: Iterable[str] | None = None,
        batch_size: int = BATCH_SIZE,
        listen_dsn: str | None = None,
        reader: Engine | None = None,
    ) -> None:
        self.ledger = ledger
        self.listen_dsn = listen_dsn
        self.engine = engine
        self.reader = reader or engine  # positions and stalls, read without the writer's lock
        self.models = [READ_MODELS[name] for name in (read_models or READ_MODELS)]
        self.batch_size = batch_size
        self._stop = threading.Event()
        self._rows = SqlRows()
        self._days = DayVersions()
        self._written: dict[str, int] = {}  # positions this projector last committed
        self.rebuilding: dict[str, tuple[int, int]] = {}  # read model -> (position reached, head) while rebuilt
        self.reshaping: set[str] = set()  # of those, the ones whose stored tables are of an earlier shape
        with engine.begin() as db:
            self.outdated = _outdated(db)
            self.reshaping = {name for name, why in self.outdated.items() if why == "shape"}
            self.rebuilding = dict.fromkeys(self.outdated, (0, 0))
            metadata.create_all(db)
            known = {r.read_model for r in db.execute(select(positions.c.read_model))}
            for model in READ_MODELS.values():
                if model.name not in known:
                    db.execute(insert(positions).values(read_model=model.name, position=0))

    def _forget(self) -> None:
        """Drop the rows and versions kept between batches: after a rollback, or when another projector wrote."""
        self._rows.forget()
        self._days.forget()

    def dispose(self) -> None:
        """Close the projector's connections (the writer's and the reader's)."""
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()

    # --- positions and lag ---------------------------------------------------------------------------------

    def positions(self) -> dict[str, int]:
        with self.reader.connect() as db:
            return {r.read_model: r.position for r in db.execute(select(positions))}

    def head(self) -> int:
        return self.ledger.recorder.max_notification_id() or 0

    def lag(self) -> dict[str, int]:
        """How many events each read model is behind the log head."""
        head = self.head()
        return {name: head - position for name, position in self.positions().items()}

    def stalls(self) -> list[Stall]:
        """The read models stopped on an event, and why."""
        with self.reader.connect() as db:
            found = db.execute(select(positions).where(positions.c.stalled_at.is_not(None))).mappings()
            return [Stall(r["read_model"], r["stalled_at"], r["stalled_event"], r["stalled_error"]) for r in found]

    def _running(self) -> list[ReadModel]:
        stalled = {s.read_model for s in self.stalls()}
        return [m for m in self.models if m.name not in stalled]

    # --- catching up ---------------------------------------------------------------------------------------

    def run_once(self, progress: Progress | None = None) -> int:
        """Fold every event not yet applied, batch by batch; returns how many events were read. A read model
        whose fold fails on an event stalls there (see `Stall`); the others go on. Read models built by an
        earlier version (another shape or fold) are rebuilt first (`rebuild_outdated`)."""
        done = self.rebuild_outdated()
        while True:
            running = self._running()
            if not running:
                return done
            count = self._batch(running)
            done += count
            if progress is not None:
                current = self.positions()
                progress(min(current[m.name] for m in running), self.head())
            if count < self.batch_size:
                return done

    def _batch(self, running: list[ReadModel]) -> int:
        start = min(self.positions()[m.name] for m in running)
        notifications = self.ledger.recorder.select_notifications(
            start=start, limit=self.batch_size, inclusive_of_start=False
        )
        if not notifications:
            return 0
        facts: list[Fact] = []
        unreadable: tuple[int, str] | None = None
        for notification in notifications:
            try:
                facts.append(fact_from(self.ledger.mapper, notification, notification.id))
            except Exception as error:  # an event that cannot be read stalls every read model before it
                unreadable = (notification.id, f"{type(error).__name__}: {error}")
                break
        last = facts[-1].position if facts else start
        try:
            if facts:
                with self.engine.begin() as db:
                    self.apply(db, facts, last, running)
        except (ConcurrentProjection, OperationalError):
            self._forget()
            raise
        except Exception:
            self._forget()
            self._isolate(facts, running)
        except BaseException:  # the process is stopping: nothing of the batch was committed
            self._forget()
            raise
        else:
            self._written = {m.name: last for m in running}
        if unreadable is not None:
            for model in self._running():
                self._stall(model, unreadable[0], "unreadable", unreadable[1])
        return len(notifications)

    def _isolate(self, facts: list[Fact], running: list[ReadModel]) -> None:
        """A batch failed: apply it to each read model alone, and event by event to the one that fails, so
        that one stalls just before the event and the others go on."""
        for model in running:
            for fact in facts:
                try:
                    with self.engine.begin() as db:
                        self.apply(db, [fact], fact.position, [model])
                except (ConcurrentProjection, OperationalError):
                    self._forget()
                    raise
                except BaseException as error:
                    self._forget()
                    if not isinstance(error, Exception):
                        raise
                    log.exception("read model %s stalled at position %d (%s)", model.name, fact.position, fact.name)
                    self._stall(model, fact.position, fact.name, f"{type(error).__name__}: {error}")
                    break
        self._written = {}

    def _stall(self, model: ReadModel, position: int, event: str, error: str) -> None:
        with self.engine.begin() as db:
            db.execute(
                update(positions)
                .where(positions.c.read_model == model.name)
                .values(stalled_at=position, stalled_event=event[:80], stalled_error=error[:2000])
            )

    def apply(self, db: Connection, facts: list[Fact], last: int, models: list[ReadModel] | None = None) -> None:
        """Fold facts into each read model still behind them and advance its position, in the caller's
        transaction."""
        models = self.models if models is None else models
        current = {r.read_model: r.position for r in db.execute(select(positions))}
        if any(current[m.name] != self._written.get(m.name) for m in models):
            self._forget()  # someone else moved a position: rows kept from earlier batches may be stale
        rows = self._rows.bind(db)
        days = self._days.bind(db)
        for model in models:
            behind = current[model.name]
            if behind >= last:
                continue
            changed: dict[str, int] = {}
            by_day: list[tuple[Fact, Recorded]] = []  # each fact with what its live fold read and wrote
            for fact in facts:
                if fact.position > behind:
                    if model.by_day:
                        recorded = Recorded(rows)
                        programme_id = model.apply(fact, recorded)
                        by_day.append((fact, recorded))
                    else:
                        programme_id = model.apply(fact, rows)
                    if programme_id is not None:
                        changed[programme_id] = fact.position
            days.prefetch(address for _, recorded in by_day for address in (*recorded.read, *recorded.writes))
            for fact, recorded in by_day:
                days.apply(model, fact, recorded)
            _mark_changed(db, model.name, changed)
            advanced_row = db.execute(
                update(positions)
                .where(positions.c.read_model == model.name, positions.c.position == behind)
                .values(position=last)
            )
            if advanced_row.rowcount != 1:
                raise ConcurrentProjection(model.name)
        rows.flush()
        days.flush()

    def wait_for(self, position: int, timeout: float = 5.0, interval: float = 0.05) -> bool:
        """Wait (bounded) until every read model has reached the position: read-your-writes. A stalled read
        model never will: it is not waited for (`stalls` says so)."""
        deadline = time.monotonic() + timeout
        running = {m.name for m in self._running()}
        while min([p for name, p in self.positions().items() if name in running], default=position) < position:
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)
        return True

    # --- running -------------------------------------------------------------------------------------------

    def run_forever(self, poll_interval: float = 0.5) -> None:
        """Catch up, then wait for news: a PostgreSQL notification or, failing that, the next poll."""
        listener = self._listener()
        try:
            while not self._stop.is_set():
                try:
                    self.run_once()
                except ConcurrentProjection:
                    continue
                except Exception:  # a transient store error must not end the projector: log, wait, go on
                    log.exception("projector batch failed; retrying after %.1f s", poll_interval)
                    self._stop.wait(poll_interval)
                    continue
                if listener is not None:
                    try:
                        next(listener.notifies(timeout=poll_interval, stop_after=1), None)
                    except Exception:  # a dropped LISTEN connection falls back to polling
                        listener = None
                else:
                    self._stop.wait(poll_interval)
        finally:
            if listener is not None:
                listener.close()

    def stop(self) -> None:
        self._stop.set()

    def resume(self) -> None:
        """Allow `run_forever` again after a `stop` (an app whose lifespan starts a second time)."""
        self._stop.clear()

    def _listener(self) -> Any:
        channel = getattr(self.ledger.recorder, "channel_name", None)
        if channel is None or self.listen_dsn is None:
            return None
        connection = psycopg.connect(self.listen_dsn, autocommit=True)
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        return connection

    # --- rebuilding ----------------------------------------------------------------------------------------

    def rebuild_outdated(self) -> int:
        """Rebuild the read models built by an earlier version of the ledger: their tables of another shape, or
        their fold of another version (`ReadModel.version`). Each is rebuilt in one transaction, so readers go on
        with the previous tables until the new ones commit; while a read model's tables change shape, the API
        answers 503 for it (`reshaping`), naming the progress. Progress is logged."""
        if not self.outdated:
            return 0
        names = [m.name for m in self.models if m.name in self.outdated]
        if not names:
            return 0
        self.reshaping = {name for name in names if self.outdated[name] == "shape"}
        self.rebuilding = dict.fromkeys(names, (0, self.head()))
        logged = [0.0]

        def progress(reached: int, head: int) -> None:
            self.rebuilding = dict.fromkeys(names, (reached, head))
            if time.monotonic() - logged[0] >= 5 or reached >= head:
                logged[0] = time.monotonic()
                log.warning("rebuilding %s: %d of %d events", ", ".join(names), reached, head)

        log.warning("read models %s were built by an earlier version: rebuilding them from the log", names)
        try:
            done = self.rebuild(names, progress, reshape=bool(self.reshaping))
        except RebuildFailed as failed:  # the previous tables stay; the read models stall, naming the event
            log.error("%s", failed)
            self.outdated = {}
            for name in names:
                self._stall(READ_MODELS[name], failed.position, failed.event, f"rebuild: {failed.error}")
            self.rebuilding = {}
            return 0
        self.outdated, self.rebuilding, self.reshaping = {}, {}, set()
        return done

    def rebuild(self, names: str | Iterable[str], progress: Progress | None = None, reshape: bool = False) -> int:
        """Empty read models and replay the whole log into them, in batches (one pass over the log however many
        are rebuilt; memory bounded by the batch), all in one transaction. Readers go on reading the previous
        read models until it commits (SQLite's WAL and PostgreSQL's MVCC show them the last committed state), so
        none sees a half-built one; a rebuild that fails (an event it cannot apply, a crash, a kill) rolls back
        and leaves the previous read models, stalls included, in place: `RebuildFailed` names the event.
        `reshape`: drop the tables and create them in the current shape first (in the same transaction). The
        shape and fold the read models are built with are recorded when it commits."""
        chosen = [names] if isinstance(names, str) else list(names)
        solo = Projector(self.ledger, self.engine, chosen, self.batch_size)
        head = self.head()
        done = 0
        with self.engine.begin() as db:
            for name in chosen:
                model = READ_MODELS[name]
                for table in stored_tables(model):
                    if reshape:
                        TABLES[table].drop(db, checkfirst=True)
                        TABLES[table].create(db)
                    else:
                        db.execute(delete(TABLES[table]))
                db.execute(delete(schemas).where(schemas.c.read_model == name))
                db.execute(insert(schemas).values(read_model=name, fingerprint=fingerprint(model)))
                db.execute(
                    update(positions)
                    .where(positions.c.read_model == name)
                    .values(position=0, stalled_at=None, stalled_event=None, stalled_error=None)
                )
            solo._written = dict.fromkeys(chosen, 0)
            solo._days.empty = True  # every version is made by this rebuild: none to look up
            start = 0
            while True:
                notifications = self.ledger.recorder.select_notifications(
                    start=start, limit=self.batch_size, inclusive_of_start=False
                )
                if not notifications:
                    break
                facts = [solo._readable(chosen, n) for n in notifications]
                last = facts[-1].position
                try:
                    with db.begin_nested():
                        solo.apply(db, facts, last)
                except Exception:
                    solo._forget()
                    solo._name_failing(db, chosen, facts)
                    raise
                solo._written = dict.fromkeys(chosen, last)
                start = last
                done += len(facts)
                if progress is not None:
                    progress(last, head)
                if len(notifications) < self.batch_size:
                    break
        return done

    def _readable(self, names: list[str], notification: Any) -> Fact:
        try:
            return fact_from(self.ledger.mapper, notification, notification.id)
        except Exception as error:
            raise RebuildFailed(names, notification.id, "unreadable", f"{type(error).__name__}: {error}") from None

    def _name_failing(self, db: Connection, names: list[str], facts: list[Fact]) -> None:
        """A batch of a rebuild failed: apply it event by event (each rolled back) to find the event to name."""
        for fact in facts:
            try:
                with db.begin_nested():
                    self.apply(db, [fact], fact.position)
                    self._written = dict.fromkeys(names, fact.position)
            except Exception as error:
                self._forget()
                raise RebuildFailed(names, fact.position, fact.name, f"{type(error).__name__}: {error}") from None


def _mark_changed(db: Connection, read_model: str, changed: dict[str, int]) -> None:
    """Advance the read model's change position of each programme the facts changed (see `programme_changes`)."""
    for programme_id, position in changed.items():
        key = (programme_changes.c.read_model == read_model, programme_changes.c.programme_id == programme_id)
        moved = db.execute(update(programme_changes).where(*key).values(position=position))
        if moved.rowcount == 0:
            db.execute(
                insert(programme_changes).values(read_model=read_model, programme_id=programme_id, position=position)
            )


def programme_changed_at(db: Connection, programme_id: str) -> tuple[tuple[str, str, int], ...]:
    """Where each read model last changed the programme's answers, or every programme's: a live answer computed
    after reading this is still the tables' answer while this reads the same."""
    found = db.execute(
        select(programme_changes.c.read_model, programme_changes.c.programme_id, programme_changes.c.position).where(
            programme_changes.c.programme_id.in_((programme_id, EVERY_PROGRAMME))
        )
    )
    return tuple(sorted((r.read_model, r.programme_id, r.position) for r in found))


def fingerprint(model: ReadModel) -> str:
    """The shape of a read model's tables (names, columns, types, keys and indexes) and its fold's version."""
    shape = []
    for name in sorted(stored_tables(model)):
        table = TABLES[name]
        columns = [(c.name, str(c.type), c.primary_key, c.nullable) for c in table.columns]
        indexes = sorted(tuple(c.name for c in index.columns) for index in table.indexes)
        shape.append((name, columns, indexes))
    return hashlib.sha256(repr((shape, model.version)).encode()).hexdigest()


def _outdated(db: Connection) -> dict[str, str]:
    """The read models built by an earlier version, each with why: "shape" (a stored table is missing or has
    other columns than now: the tables must be made again) or "fold" (the same tables, another fold version or
    other keys or indexes: the rows must be made again). A read model never built is created and caught up
    from the log as usual: it has nothing to keep serving meanwhile."""
    schemas.create(db, checkfirst=True)
    inspector = inspect(db)
    schema = (db.get_execution_options().get("schema_translate_map") or {}).get(None)  # PostgreSQL's, if any
    existing = set(inspector.get_table_names(schema=schema))
    if "view_snapshots" in existing:  # an earlier version's snapshots: answers as of a position are by query now
        Table("view_snapshots", MetaData()).drop(db)
    if positions.name in existing:
        columns = {c["name"] for c in inspector.get_columns(positions.name, schema=schema)}
        if columns != set(positions.c.keys()):  # positions of an earlier shape: every read model starts again
            log.warning("read-model positions changed shape; rebuilding every read model from the log")
            positions.drop(db)
            db.execute(delete(schemas))
            for model in READ_MODELS.values():
                for name in stored_tables(model):
                    TABLES[name].drop(db, checkfirst=True)
            existing = set()
    built = {r.read_model: r.fingerprint for r in db.execute(select(schemas))}
    outdated: dict[str, str] = {}
    for model in READ_MODELS.values():
        if built.get(model.name) == fingerprint(model):
            continue
        tables = stored_tables(model)
        if model.name not in built and not existing & set(tables):  # never built: made now, caught up as usual
            db.execute(insert(schemas).values(read_model=model.name, fingerprint=fingerprint(model)))
            continue
        same = all(
            name in existing
            and {c["name"] for c in inspector.get_columns(name, schema=schema)} == set(TABLES[name].c.keys())
            for name in tables
        )
        outdated[model.name] = "fold" if same else "shape"
    return outdated
