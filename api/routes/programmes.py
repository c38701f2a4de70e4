"""Programmes: launch, caps and targets, closing; the list and each programme's status."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AsOfDep, CtxDep, PrincipalDep, ServicesDep, allow, may_read, may_write, programme_view, store_view
from api.responses import JSONResponse
from api.routes.common import COMMAND, READ_ERRORS, BodyOf, answer
from api.tokens import Role
from ledger.commands import CloseProgramme, LaunchProgramme, ReviseCap, ReviseTarget
from projections.catalogue import queries as catalogue
from projections.catalogue.answers import ForumItem
from projections.status import queries as status
from projections.status.answers import ProgrammeStatus, ProgrammeSummary

router = APIRouter(prefix="/api/programmes", tags=["programmes"])


@router.post("", **COMMAND)
def launch_programme(
    body: BodyOf[LaunchProgramme], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Launch a programme (admin, or a coordinator whose token names the new slug)."""
    command = body.command()
    allow(principal, Role.COORDINATOR, programme=command.slug)
    return answer(services.ledger.handle(ctx, command))


@router.get("", response_model=list[ProgrammeSummary], responses=READ_ERRORS)
def list_programmes(services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> list[ProgrammeSummary]:
    """Every programme the token may read, with headline figures."""
    with store_view(services, moment) as db:
        return [p for p in status.list_programmes(db) if principal.covers(p.slug)]


@router.get("/{slug}", response_model=ProgrammeStatus, responses=READ_ERRORS)
def programme_status(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> JSONResponse:
    """The coordinators' dashboard: pipeline against cap and target, groups, modules, sessions, funds. Answered
    with its ETag, and kept while the read models stay where they are."""
    may_read(principal, slug)
    cached = services.answers.get(("status", slug)) if moment.now and moment.wait_for is None else None
    if cached is not None:
        return JSONResponse(cached[0], headers={"ETag": cached[1]})
    with programme_view(services, slug, moment) as (db, programme_id):
        dashboard = status.programme_status(db, programme_id)
    if dashboard is None:
        return JSONResponse({"error": "not_found", "message": f"programme {slug} did not exist at that moment"}, 404)
    body = dashboard.model_dump(mode="json")  # a ProgrammeStatus, validated when the query built it
    etag = f'"{services.ledger.programme(slug, copy=False).version}"'
    if moment.now:
        services.answers.put(("status", slug), (body, etag))
    return JSONResponse(body, headers={"ETag": etag})


@router.post("/{slug}/caps", **COMMAND)
def revise_cap(
    slug: str, body: BodyOf[ReviseCap], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Revise a cap by decision (never below what the programme already has)."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/{slug}/targets", **COMMAND)
def revise_target(
    slug: str, body: BodyOf[ReviseTarget], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Revise a target by decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/{slug}/closure", **COMMAND)
def close_programme(
    slug: str, body: BodyOf[CloseProgramme], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Close the programme by decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.get("/{slug}/forum", response_model=list[ForumItem], responses=READ_ERRORS)
def forum(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> list[ForumItem]:
    """The forum's meetings and co-created education offers."""
    may_read(principal, slug)
    with programme_view(services, slug, moment) as (db, programme_id):
        return catalogue.forum(db, programme_id)
