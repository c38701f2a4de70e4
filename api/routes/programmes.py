"""Programmes: launch, caps and targets, closing; the list and each programme's status."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response
from sqlalchemy import Connection

from api.deps import (
    AsOfDep,
    CtxDep,
    PrincipalDep,
    ServicesDep,
    allow,
    may_read,
    may_write,
    programme_answer,
    programme_view,
    store_view,
)
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
def programme_status(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> Response:
    """The coordinators' dashboard: pipeline against cap and target, groups, modules, sessions, funds. Answered
    with its ETag, and kept while the programme's read models stay where they are."""
    may_read(principal, slug)

    def dashboard(db: Connection, programme_id: str) -> ProgrammeStatus:
        found = status.programme_status(db, programme_id)
        if found is None:
            raise HTTPException(404, f"programme {slug} did not exist at that moment")
        return found

    def etag() -> dict[str, str]:
        return {"ETag": f'"{services.ledger.programme(slug, copy=False).version}"'}

    return programme_answer(services, slug, moment, "status", dashboard, etag)


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
