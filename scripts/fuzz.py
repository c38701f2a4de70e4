"""Property-based fuzzing of the HTTP API: schemathesis generates requests from the app's own OpenAPI document
and sends them to the app in-process, against a fresh store holding the five demo programmes.

Every operation is fuzzed through all of schemathesis' phases (examples, coverage, fuzzing, stateful), once with
a coordinator's token and once with an admin's, half the request target and half the time budget each. Requests
are counted at the app's door (an ASGI wrapper), not by the generator, so nothing the app answers goes uncounted:
a 5xx, or an exception that escapes the app, is a server error whatever the checks say. Many generated paths get
real slugs and ids from the demo's events, so the commands get past "unknown programme" into the rules, and some
get one odd value (a NUL, a space, a long run) that schemathesis seldom puts in a path.

Usage: scripts/fuzz [--requests N] [--seed S] [--store sqlite|postgresql://...] [--time-budget SECONDS]
Exit status: 0 no server error; 1 a server error (each distinct one printed with its operation and a curl
command that replays it); 2 fewer requests than asked for within the time budget.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import random
import shlex
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlunparse

import psycopg
import schemathesis
from hypothesis import strategies as st
from psycopg import sql
from requests import RequestException
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.python import asgi as schemathesis_asgi

import scenarios
from api.app import create_app
from api.tokens import Role
from projections.facts import facts_from
from storage.settings import Settings, StoreLocation

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from fastapi import FastAPI
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parent.parent
REQUEST_TIMEOUT = 15  # seconds; the slowest right answer is a read that waits 5 s for wait_for
SERVER = "http://127.0.0.1:8000"  # where `ledger serve` listens: the curl commands replay against it
PHASES = ("examples", "coverage", "fuzzing", "stateful")
# Each phase's share of a pass's requests and time; what a phase leaves over goes to the next. The examples are
# few (they take what they need), coverage walks every operation's boundaries, fuzzing and stateful never end.
PHASE_SHARES = (("examples", 0.1), ("coverage", 0.4), ("fuzzing", 0.25), ("stateful", 0.25))
# Checks whose failures are reported but do not fail the run: they judge the answers against the document.
# (positive_data_acceptance and negative_data_rejection are left out: the real ids put into paths change what
# the generator meant to be valid or invalid, and a rule's 409 is a right answer to valid input.)
CONFORMANCE_CHECKS = (
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
)
CHECKS = ("not_a_server_error", *CONFORMANCE_CHECKS)
# Path parameters whose values the demo's events hold. Token ids are left out: revoking the fuzzing token would
# end its own run with a wall of 401s.
REAL_ID_PARAMETERS = ("slug", "org_number", "participant_id", "module_id", "session_id", "group_id", "activity_id")
ODD_PATH_VALUES = ("\x00", "x\x00y", " ", "%", "..", "ü", "\U0001f600", "A" * 5000, "-1", "9" * 40)
AGGREGATE_PARAMETERS = {
    "ledger:CourseModule": "module_id",
    "ledger:NetworkGroup": "group_id",
    "ledger:Activity": "activity_id",
}


# --- what the app received and answered --------------------------------------------------------------------


@dataclass(frozen=True)
class Exchange:
    """One request as the app received it, and what became of it."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    status: int | None  # None: the app never started an answer
    operation: str  # e.g. "POST /api/programmes/{slug}/caps", or the raw path when no route matched
    error: str = ""  # the exception that escaped the app, with where it was raised

    def curl(self, tokens: dict[str, str]) -> str:
        """A curl command that sends the same request to a server on SERVER. Tokens are named, not shown (they
        belong to the fuzzed store): `$ADMIN_TOKEN`, `$COORDINATOR_TOKEN`."""
        url = f"{SERVER}{self.path}" + (f"?{self.query}" if self.query else "")
        parts = ["curl", "-sS", "-X", self.method, shlex.quote(url)]
        for name, value in self.headers:
            if name in (
                "host",
                "user-agent",
                "accept-encoding",
                "connection",
                "content-length",
                "x-schemathesis-testcaseid",
            ):
                continue
            named = next((role for role, token in tokens.items() if token and token in value), None)
            if named is not None:  # double quotes, so that the shell puts the token in
                parts += ["-H", f'"{name}: {value.replace(tokens[named], f"${named.upper()}_TOKEN")}"']
            else:
                parts += ["-H", shell_word(f"{name}: {value}".encode("latin-1"))]
        if self.body:
            parts += ["--data-binary", body_argument(self.body)]
        return " ".join(parts)


def shell_word(data: bytes) -> str:
    """Bytes (no NUL) as one bash word: quoted text, or $'...' with escapes."""
    text = data.decode("utf-8", "replace")
    if text.isprintable() and text.encode() == data:
        return shlex.quote(text)
    return "$'" + "".join(_escaped(byte, "'\\") for byte in data) + "'"


def body_argument(body: bytes) -> str:
    """curl's --data-binary argument for exactly these bytes: quoted text, or printf's output (a NUL cannot be
    an argument)."""
    text = body.decode("utf-8", "replace")
    if text.isprintable() and text.encode() == body and not text.startswith("@"):
        return shlex.quote(text)
    return "@<(printf '" + "".join(_escaped(byte, "'\\%") for byte in body) + "')"


def _escaped(byte: int, special: str) -> str:
    return chr(byte) if 0x20 <= byte < 0x7F and chr(byte) not in special else f"\\x{byte:02x}"


@dataclass
class Door:
    """An ASGI wrapper around the app that counts every request and keeps each one answered with a 5xx (or
    escaped by an exception). Such an exception is kept, not raised on: the answer (500) has been sent."""

    app: ASGIApp
    operations: int  # in the app's OpenAPI document
    requests: int = 0
    server_errors: list[Exchange] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    limit: int | None = None
    on_limit: Callable[[], None] | None = None

    def stop_after(self, requests: int | None, stop: Callable[[], None] | None) -> None:
        """Call `stop` once `requests` more requests have come in (None: never)."""
        with self.lock:
            self.limit = None if requests is None else self.requests + requests
            self.on_limit = stop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        status: int | None = None

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        error = ""
        try:
            await self.app(scope, receive_and_keep, send_and_note)
        except Exception as escaped:
            error = describe(escaped)
        except BaseException:  # cancelled: the client stopped waiting (REQUEST_TIMEOUT)
            error = f"no answer within {REQUEST_TIMEOUT} s"
            raise
        finally:
            self._note(exchange(scope, b"".join(chunks), status, error))

    def _note(self, answered: Exchange) -> None:
        with self.lock:
            self.requests += 1
            if answered.status is not None:
                self.statuses[answered.status] += 1
            if answered.error or answered.status is None or answered.status >= 500:
                self.server_errors.append(answered)
            stop = self.on_limit if self.limit is not None and self.requests >= self.limit else None
        if stop is not None:
            stop()

    def seen(self) -> int:
        with self.lock:
            return self.requests


def describe(error: BaseException) -> str:
    """The exception's class and first line, and the innermost frame of the project's own code it passed
    through: what tells one server error from another (the rest of the message holds the input)."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [
        frame
        for frame in frames
        if frame.filename.startswith(str(ROOT)) and "/.venv/" not in frame.filename and frame.filename != __file__
    ]
    place = f" at {Path(ours[-1].filename).relative_to(ROOT)}:{ours[-1].lineno}" if ours else ""
    first_line = next(iter(str(error).splitlines()), "")[:200]
    return f"{type(error).__name__}: {first_line}{place}"


def exchange(scope: Scope, body: bytes, status: int | None, error: str) -> Exchange:
    route = scope.get("route")
    path = scope["path"]
    operation = f"{scope['method']} {getattr(route, 'path', path)}"
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in scope["headers"]]
    query = scope.get("query_string", b"").decode("latin-1")
    raw_path = scope.get("raw_path", path.encode()).decode("latin-1")
    return Exchange(scope["method"], raw_path, query, headers, body, status, operation, error)


# --- the store, the demo and real ids ----------------------------------------------------------------------


@contextlib.contextmanager
def fresh_store(store: str) -> Iterator[tuple[str, list[str]]]:
    """A fresh store: `sqlite` (a new file in a temporary folder) or a PostgreSQL URL (a new schema in its
    database). Yields its URL and a list to append to when the store is worth keeping (it then outlives the run
    and is named, so a server error can be looked into)."""
    keep: list[str] = []
    if store == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="ledger-fuzz-"))
        try:
            yield f"sqlite:///{folder}/ledger.sqlite3", keep
        finally:
            if keep:
                print(f"the store is kept in {folder}", file=sys.stderr)
            else:
                shutil.rmtree(folder, ignore_errors=True)
        return
    where = StoreLocation(store)
    if where.kind != "postgres":
        raise SystemExit(f"--store: 'sqlite' or a postgresql:// URL, not {store!r}")
    schema = f"fuzz_{uuid.uuid4().hex[:12]}"
    server = where.postgres_dsn()
    with psycopg.connect(server, autocommit=True) as db:
        db.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    options = [(name, value) for name, value in parse_qsl(where.parsed.query) if name != "schema"]
    url = urlunparse(where.parsed._replace(query=urlencode([*options, ("schema", schema)])))
    try:
        yield url, keep
    finally:
        if keep:
            print(f"the store is kept: {url}", file=sys.stderr)
        else:
            with psycopg.connect(server, autocommit=True) as db:
                db.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def real_ids(app: FastAPI) -> dict[str, dict[str, list[str]]]:
    """Per programme slug, the values each path parameter can take in it, mined from the event log."""
    ledger = app.state.services.ledger
    notifications = ledger.recorder.select_notifications(start=0, limit=1_000_000, inclusive_of_start=False)
    slug_of: dict[str, str] = {}  # programme id -> slug
    programme_of: dict[str, str] = {}  # aggregate id -> programme id
    found: dict[str, dict[str, set[str]]] = {}
    for fact in facts_from(ledger.mapper, notifications):
        record = fact.as_record()
        data, aggregate = record["data"], record["aggregate_id"]
        if record["event"] == "ProgrammeLaunched":
            slug_of[aggregate] = data["slug"]
            programme_of[aggregate] = aggregate
        if "programme_id" in data:
            programme_of.setdefault(aggregate, data["programme_id"])
        programme = programme_of.get(aggregate)
        if programme is None or programme not in slug_of:
            continue
        values = found.setdefault(slug_of[programme], {})
        topic = data.get("originator_topic")
        if topic in AGGREGATE_PARAMETERS:
            values.setdefault(AGGREGATE_PARAMETERS[topic], set()).add(aggregate)
        for name in ("org_number", "participant_id", "session_id"):
            for value in _values(data, name):
                values.setdefault(name, set()).add(value)
    return {slug: {name: sorted(v) for name, v in values.items()} | {"slug": [slug]} for slug, values in found.items()}


def _values(data: Any, name: str) -> Iterator[str]:
    """Every value of `name` anywhere in an event's data (ids also sit in lists, e.g. participant_ids)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if key in (name, f"{name}s") and isinstance(value, str):
                yield value
            elif key == f"{name}s" and isinstance(value, list):
                yield from (v for v in value if isinstance(v, str))
            else:
                yield from _values(value, name)
    elif isinstance(data, list):
        for value in data:
            yield from _values(value, name)


def operation_count(app: FastAPI) -> int:
    return sum(len(methods) for methods in app.openapi()["paths"].values())


def demo_app(url: str) -> FastAPI:
    """The app on `url` (an empty store) with the five demo programmes loaded and projected."""
    app = create_app(Settings(database_url=url))
    services = app.state.services
    scenarios.load_all(services.ledger)
    services.projector.run_once()
    return app


# --- fuzzing -----------------------------------------------------------------------------------------------


@dataclass
class Pass:
    """What one token's pass found."""

    role: str
    requests: int = 0
    seconds: float = 0.0
    # (check, operation, what failed) -> how often: answers that differ from the document (not server errors)
    check_failures: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)  # errors schemathesis met calling the app
    notes: list[str] = field(default_factory=list)  # errors of generation, not of the app


@dataclass
class Report:
    store: str
    seed: int
    requested: int
    requests: int = 0
    seconds: float = 0.0
    passes: list[Pass] = field(default_factory=list)
    server_errors: list[Exchange] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    tokens: dict[str, str] = field(default_factory=dict)

    def distinct_server_errors(self) -> dict[tuple[str, str], list[Exchange]]:
        """Server errors grouped by operation and cause (the exception, else the status and the answer)."""
        groups: dict[tuple[str, str], list[Exchange]] = {}
        for found in self.server_errors:
            cause = found.error or f"status {found.status}"
            groups.setdefault((found.operation, cause), []).append(found)
        return groups

    @property
    def fivexx(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    @property
    def crashes(self) -> list[str]:
        return [crash for one in self.passes for crash in one.crashes]

    @property
    def failed(self) -> bool:
        return bool(self.server_errors or self.crashes)


def project_config(*, token: str, seed: int, phase: str, seconds: int, max_examples: int) -> SchemathesisConfig:
    """schemathesis' settings for one phase of one token's pass."""
    return SchemathesisConfig.from_dict(
        {
            "seed": seed,
            "max-time": max(1, seconds),
            "suppress-health-check": ["all"],
            "headers": {"Authorization": f"Bearer {token}"},
            "workers": 1,  # the app runs on one event loop and under the GIL: more workers only add contention
            "continue-on-failure": True,
            # an answer slower than this is a server error (a hung request), not something to wait out
            "request-timeout": REQUEST_TIMEOUT,
            "phases": {name: {"enabled": name == phase} for name in PHASES},
            "generation": {"mode": "all", "database": "none", "max-examples": max_examples},
            "checks": {"enabled": False} | {name: {"enabled": True} for name in CHECKS},
            "output": {"sanitization": {"enabled": False}},
        }
    )


def with_real_ids(
    path_parameters: dict[str, Any] | None, pools: list[dict[str, list[str]]]
) -> st.SearchStrategy[dict[str, Any] | None]:
    """The generated path parameters; or real ones of one programme in their place; or real ones but for one
    that gets an odd value (a NUL, a space, a long run): in a path, schemathesis seldom tries those."""
    if not path_parameters or not pools:
        return st.just(path_parameters)
    generated = path_parameters

    def real_in(pool: dict[str, list[str]]) -> st.SearchStrategy[dict[str, str]]:
        known = [name for name in generated if name in REAL_ID_PARAMETERS and pool.get(name)]
        return st.fixed_dictionaries({name: st.sampled_from(pool[name]) for name in known})

    chosen = st.sampled_from(pools).flatmap(real_in).map(lambda found: {**generated, **found})
    odd = chosen.flatmap(
        lambda found: st.sampled_from(sorted(found)).flatmap(
            lambda name: st.sampled_from(ODD_PATH_VALUES).map(lambda value: {**found, name: value})
        )
    )
    return st.one_of(st.just(generated), chosen, odd)


def fuzz_as(
    door: Door,
    *,
    role: str,
    token: str,
    pools: list[dict[str, list[str]]],
    seed: int,
    requests: int,
    seconds: float,
) -> Pass:
    """One token's pass over every operation, phase by phase, until it has sent `requests` or spent `seconds`.
    Each phase gets its share of both (what one leaves goes to the next), so a small pass still reaches the
    fuzzing and stateful phases, and the fuzzing phase spreads its share over every operation."""
    result = Pass(role)
    started, first = time.monotonic(), door.seen()
    for index, (phase, share) in enumerate(PHASE_SHARES):
        shares_left = sum(weight for _, weight in PHASE_SHARES[index:])
        quota = math.ceil((requests - (door.seen() - first)) * share / shares_left)
        phase_seconds = (seconds - (time.monotonic() - started)) * share / shares_left
        if quota <= 0 or phase_seconds < 1:
            continue
        # the fuzzing phase's examples per operation: its share spread over every operation
        per_operation = max(1, quota // door.operations)
        config = project_config(
            token=token, seed=seed + index, phase=phase, seconds=int(phase_seconds), max_examples=per_operation
        )
        schema = schemathesis.openapi.from_asgi("/openapi.json", door, config=config)

        def flatmap_path_parameters(_: Any, path_parameters: dict[str, Any] | None) -> st.SearchStrategy[Any]:
            return with_real_ids(path_parameters, pools)

        schema.hook(flatmap_path_parameters)
        stream = from_schema(schema).execute()
        door.stop_after(quota, stream.stop)
        for event in stream:
            note(result, event)
        door.stop_after(None, None)
    result.requests = door.seen() - first
    result.seconds = time.monotonic() - started
    return result


def note(result: Pass, event: events.EngineEvent) -> None:
    """Keep what an engine event says about the app: failed checks, and errors met calling it."""
    if isinstance(event, events.ScenarioFinished):
        for checks in event.recorder.checks.values():
            for check in checks:
                if check.failure_info is not None and check.name in CONFORMANCE_CHECKS:
                    failure = check.failure_info.failure
                    what = f"{failure.title}: {failure.message.splitlines()[0] if failure.message else ''}"
                    result.check_failures[(check.name, event.recorder.label, what.rstrip(": "))] += 1
    elif isinstance(event, events.NonFatalError):
        text = f"{event.label}: {event.info.title}: {event.info.message}".strip()
        (result.crashes if _from_the_app(event.value) else result.notes).append(text)
    elif isinstance(event, events.FatalError):
        raise RuntimeError(f"schemathesis stopped: {event.exception}") from event.exception


def _from_the_app(error: BaseException) -> bool:
    """Whether an error schemathesis met says the server failed (it timed out or dropped the request), as
    opposed to one of generation. (An exception the app raises never gets this far: the door keeps it.)"""
    return isinstance(error, RequestException)


@contextlib.contextmanager
def quiet_app_log() -> Iterator[None]:
    """Silence the app's log of unexpected errors: the door keeps each one, and a traceback per request would
    bury the report."""
    log = logging.getLogger("ledger.api")
    was, log.disabled = log.disabled, True
    try:
        yield
    finally:
        log.disabled = was


def fuzz(url: str, *, requests: int, seed: int, time_budget: float) -> Report:
    """Fuzz the API on `url`, an empty store: load the demo, then a coordinator pass and an admin pass, each
    with half the requests and half the time. The coordinator goes first: the admin may close its programme."""
    report = Report(store=url, seed=seed, requested=requests)
    app = demo_app(url)
    started = time.monotonic()  # the budget is the fuzzing's: loading the demo (40-50 s on PostgreSQL) is not
    services = app.state.services
    door = Door(app, operations=operation_count(app))
    try:
        ids = real_ids(app)
        slugs = sorted(ids)
        plan = [("coordinator", Role.COORDINATOR, slugs[:1]), ("admin", Role.ADMIN, [])]
        for index, (name, role, programmes) in enumerate(plan):
            # each token is made just before its pass: no earlier pass can have revoked it
            _, token = services.tokens.create(role, f"fuzz-{name}@ledger", programmes)
            report.tokens[name] = token
            left = len(plan) - index
            seconds = max(1.0, (started + time_budget - time.monotonic()) / left)
            share = (requests - door.seen()) // left + 1
            pools = [ids[slug] for slug in programmes or slugs]
            with quiet_app_log():
                one = fuzz_as(
                    door, role=name, token=token, pools=pools, seed=seed + 10 * index, requests=share, seconds=seconds
                )
            report.passes.append(one)
    finally:
        # schemathesis keeps an app's lifespan (the projector thread) running until the process ends: end it here
        with contextlib.suppress(Exception):
            schemathesis_asgi.shutdown_lifespans()
        services.close()
    report.requests = door.requests
    report.server_errors = door.server_errors
    report.statuses = door.statuses
    report.seconds = time.monotonic() - started
    return report


# --- the command line ---------------------------------------------------------------------------------------


def print_report(report: Report) -> None:
    """The figures first (requests, 5xx, seconds), then each distinct server error with a request that replays
    it, then the answers that differ from the document."""
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(report.statuses.items()))
    print(f"store: {report.store}; seed: {report.seed}")
    for one in report.passes:
        print(f"  {one.role}: {one.requests} requests in {one.seconds:.0f} s")
    print(f"requests: {report.requests} in {report.seconds:.0f} s ({statuses})")
    print(f"5xx: {report.fivexx} ({len(report.distinct_server_errors())} distinct)")
    for (operation, cause), found in sorted(report.distinct_server_errors().items()):
        print(f"\n{len(found)} x {operation}: {cause}")
        print(f"  replay: {found[0].curl(report.tokens)}")
    for crash in sorted(set(report.crashes)):
        print(f"\ncrashed check (the app timed out or dropped the request): {crash}")
    differences = Counter[tuple[str, str, str]]()
    for one in report.passes:
        differences.update(one.check_failures)
    if differences:
        print("\nanswers that differ from the OpenAPI document (not server errors):")
    for (check, operation, what), count in sorted(differences.items()):
        print(f"  {count} x {operation}: {check}: {what}")
    notes = sorted({note for one in report.passes for note in one.notes})
    for note in notes:
        print(f"note: schemathesis could not generate for {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000, metavar="N", help="requests to send (10000)")
    parser.add_argument("--seed", type=int, metavar="S", help="the generator's seed (printed; random unless given)")
    parser.add_argument(
        "--store", default="sqlite", help="sqlite (a temporary file) or a postgresql:// URL (a fresh schema in it)"
    )
    parser.add_argument(
        "--time-budget",
        type=float,
        default=300,
        metavar="SECONDS",
        help="fuzz at most this long, after loading the demo (300)",
    )
    options = parser.parse_args(argv)
    if options.requests < 1 or options.time_budget <= 0:
        parser.error("--requests and --time-budget must be positive")
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**32)
    with fresh_store(options.store) as (url, keep):
        report = fuzz(url, requests=options.requests, seed=seed, time_budget=options.time_budget)
        if report.failed:
            keep.append(url)
    print_report(report)
    if report.failed:
        return 1
    if report.requests < options.requests:
        print(f"only {report.requests} of {options.requests} requests within {options.time_budget:.0f} s")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
