"""What routes depend on: the services, the caller, the as-of moment, and the command context."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import Connection

from api.answers import Kept
from api.tokens import Principal, Role
from bootstrap import Services
from ledger.application import Ctx
from ledger.errors import InvalidInput, NotFound
from ledger.values import MAX_POSITION, Slug
from projections.as_of import position_at
from projections.days import as_of_versions

# Dependencies that do no I/O are `async`: FastAPI runs a synchronous one in its thread pool, and each such hop
# cost a request about as much CPU as a cached answer (docs/performance.md).


async def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def _token_of(request: Request, authorization: str | None) -> str:
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    if request.method in ("GET", "HEAD"):  # the pages' cookie reads; a write needs the header (no CSRF by cookie)
        token = token or request.cookies.get("ledger_token")
    if not token:
        raise HTTPException(
            401, "a token is required: Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"}
        )
    return token


def _known(principal: Principal | None) -> Principal:
    if principal is None:
        raise HTTPException(401, "the token is unknown or revoked", headers={"WWW-Authenticate": "Bearer"})
    return principal


def principal_of(request: Request, services: Services, authorization: str | None) -> Principal:
    """The caller, for code already off the event loop (the pages)."""
    return _known(services.tokens.authenticate(_token_of(request, authorization)))


async def current_principal(
    request: Request,
    services: ServicesDep,
    authorization: Annotated[str | None, Header(description="Bearer <token>")] = None,
) -> Principal:
    """The caller: a token trusted a moment ago without leaving the event loop, else looked up in a thread."""
    token = _token_of(request, authorization)
    return _known(services.tokens.trusted(token) or await run_in_threadpool(services.tokens.authenticate, token))


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def allow(principal: Principal, *roles: Role, programme: str | None = None) -> None:
    """403 unless the caller has one of the roles and, for a programme, covers it (admin covers all)."""
    if principal.role == Role.ADMIN:
        return
    if principal.role not in roles:
        raise HTTPException(403, f"role {principal.role.value} may not do this")
    if programme is not None and not principal.covers(programme):
        raise HTTPException(403, f"this token does not cover programme {programme}")


def may_write(principal: Principal, programme: str) -> None:
    allow(principal, Role.COORDINATOR, programme=programme)


def may_read(principal: Principal, programme: str) -> None:
    allow(principal, Role.COORDINATOR, Role.FUNDER, Role.ANALYST, programme=programme)


async def command_context(
    request: Request,
    principal: PrincipalDep,
    if_match: Annotated[str | None, Header(description='Expected version, e.g. "3"; 409 if stale')] = None,
    idempotency_key: Annotated[
        str | None,
        Header(
            max_length=200,
            description="Retry key, the caller's own: same key and body give the first answer. Keys are scoped "
            "to the token and the programme, so another caller's key never meets yours.",
        ),
    ] = None,
) -> Ctx:
    expected = None
    if if_match is not None:
        raw = if_match.strip().removeprefix("W/").strip('"')
        if not raw.isdigit() or len(raw) > 10:
            raise InvalidInput("If-Match", 'must be a version number, e.g. "3"')
        expected = int(raw)
    if idempotency_key is not None and idempotency_key.strip():
        scope = request.path_params.get("slug", "")
        idempotency_key = f"{principal.token_id}/{scope}/{idempotency_key.strip()}"
    return Ctx(actor=principal.actor, expected_version=expected, idempotency_key=idempotency_key)


CtxDep = Annotated[Ctx, Depends(command_context)]


@dataclass(frozen=True)
class AsOf:
    position: int | None
    time: datetime | None
    day: date | None
    wait_for: int | None

    @property
    def now(self) -> bool:
        return self.position is None and self.time is None and self.day is None


async def as_of(
    as_of_position: Annotated[int | None, Query(ge=0, le=MAX_POSITION, description="As of this log position")] = None,
    as_of_time: Annotated[datetime | None, Query(description="As of this recorded time (ISO 8601)")] = None,
    as_of_date: Annotated[
        date | None,
        Query(
            description="As of this effective date (alone: as the ledger stands now; "
            "with a position or a time: as it stood then)"
        ),
    ] = None,
    wait_for: Annotated[
        int | None,
        Query(ge=0, le=MAX_POSITION, description="Wait (up to 5 s) until the read models reach this log position"),
    ] = None,
) -> AsOf:
    if as_of_position is not None and as_of_time is not None:
        raise InvalidInput("as_of", "give at most one of as_of_position and as_of_time (with as_of_date or not)")
    if as_of_time is not None and as_of_time.tzinfo is None:
        raise InvalidInput("as_of_time", "must carry a time zone, e.g. 2021-06-23T12:00:00Z")
    return AsOf(as_of_position, as_of_time, as_of_date, wait_for)


AsOfDep = Annotated[AsOf, Depends(as_of)]


def caught_up(services: Services, moment: AsOf) -> None:
    reshaping = services.projector.reshaping
    if reshaping:  # tables of an earlier version's shape: no answer until the new ones are built
        reached, head = min((services.projector.rebuilding.get(n, (0, 0)) for n in reshaping), default=(0, 0))
        progress = f" ({reached} of {head} events)" if head else ""
        raise HTTPException(
            503, f"the read models {', '.join(sorted(reshaping))} are being rebuilt for this version{progress}; retry"
        )
    if moment.wait_for is not None and moment.wait_for > services.projector.head():
        # a position no command has been given yet: waiting cannot help, say so at once
        raise InvalidInput("wait_for", f"position {moment.wait_for} is beyond the log head")
    if moment.wait_for is not None and not services.projector.wait_for(moment.wait_for, timeout=5.0):
        raise HTTPException(503, f"the read models have not reached position {moment.wait_for} yet; retry")


_SLUG = TypeAdapter(Slug)


def checked_slug(slug: str) -> str:
    """A slug from a path, refused (422 naming it) when no programme could have it, before any store is asked:
    PostgreSQL fails on a NUL in a query's text rather than find nothing."""
    try:
        return _SLUG.validate_python(slug)
    except ValidationError as error:
        raise InvalidInput("slug", error.errors()[0]["msg"]) from None


def _history_indexed(services: Services, moment: AsOf) -> None:
    """An answer as of a past moment reads the history through the event index (a read model): it waits
    (bounded) until the index holds the history up to the moment, or the head for a time or a date, rather than
    answer from part of it."""
    head = services.projector.head()
    upto = head if moment.position is None else min(moment.position, head)
    if not services.projector.wait_for(upto, timeout=5.0):
        raise HTTPException(503, f"the read models have not reached position {upto} yet; retry")


def recorded_position(services: Services, moment: AsOf) -> int | None:
    """The log position an answer stands at: the one given, the last recorded by the time given, or None (now)."""
    if moment.time is not None:
        return position_at(services.views, moment.time)
    return moment.position


@contextmanager
def programme_view(services: Services, slug: str, moment: AsOf) -> Iterator[tuple[Connection, str]]:
    """A connection to one programme's read models, now or as of a moment, and the programme's id."""
    checked_slug(slug)
    caught_up(services, moment)
    if not moment.now:
        _history_indexed(services, moment)
    with services.views.connect() as live:
        programme_id = services.answers.programme_id(live, slug)
    if programme_id is None:
        raise NotFound("programme", slug)
    if moment.now:
        with services.views.connect() as db:
            yield db, programme_id
        return
    with as_of_versions(services.views, day=moment.day, position=recorded_position(services, moment)) as db:
        yield db, programme_id


def programme_answer(
    services: Services,
    slug: str,
    moment: AsOf,
    name: str,
    compute: Callable[[Connection, str], BaseModel],
    headers: Callable[[], dict[str, str]] = dict,
    variant: tuple[str, ...] = (),
) -> Response:
    """A programme's read answer (`compute` on a connection and the programme's id) as JSON. Live, it is kept
    until the programme's read models change (`Answers`) and a repeated question costs two indexed reads; as of a
    moment it is computed each time. `variant`: the query parameters that shape the answer, part of its key."""
    if not moment.now:
        with programme_view(services, slug, moment) as (db, programme_id):
            return _json(compute(db, programme_id), headers())
    checked_slug(slug)
    caught_up(services, moment)
    key = (name, slug, *variant)
    with services.views.connect() as db:
        found = services.answers.programme_id(db, slug)
        if found is None:
            raise NotFound("programme", slug)
        version = services.answers.version(db, found)  # read first: the answer is at least this new
        kept = services.answers.get(key, version)
        if kept is None:
            with services.answers.computing(key):
                version = services.answers.version(db, found)  # another reader may have computed it meanwhile
                kept = services.answers.get(key, version)
                if kept is None:
                    kept = Kept(compute(db, found).model_dump_json().encode(), headers())
                    services.answers.put(key, version, kept)
    return Response(kept.body, media_type="application/json", headers=kept.headers)


def _json(answer: BaseModel, headers: dict[str, str]) -> Response:
    return Response(answer.model_dump_json().encode(), media_type="application/json", headers=headers)


@contextmanager
def store_view(services: Services, moment: AsOf) -> Iterator[Connection]:
    caught_up(services, moment)
    if moment.now:
        with services.views.connect() as db:
            yield db
        return
    _history_indexed(services, moment)
    with as_of_versions(services.views, day=moment.day, position=recorded_position(services, moment)) as db:
        yield db
