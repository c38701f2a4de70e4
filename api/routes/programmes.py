"""Programmes: launch, caps and targets, closing; the list and each programme's status."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import Field, StrictInt

from api import schemas
from api.deps import AsOfDep, CtxDep, PrincipalDep, ServicesDep, allow, may_read, may_write, programme_view, store_view
from api.responses import JSONResponse
from api.routes.common import COMMAND_ERRORS, READ_ERRORS, Body, CommandResponse, DecisionBody, fields, run
from api.schemas import documented
from api.tokens import Role
from projections import queries

router = APIRouter(prefix="/api/programmes", tags=["programmes"])


class LaunchProgramme(Body):
    slug: str = Field(examples=["fremtid"], description="2-63 lower-case letters, digits or hyphens")
    name: str = Field(examples=["FREMtid for kompetanse"])
    owner: str = Field(examples=["NHO Mat og Drikke"])
    funders: list[str] = Field(examples=[["Kompetanse Norge"]])
    starts_on: date
    ends_on: date
    currency: str = Field(examples=["NOK"], description="NOK, SEK or EUR")
    regions: list[str] = []
    themes: list[str] = []
    caps: dict[str, StrictInt] = Field({}, examples=[{"companies": 40}], description="companies, participants")
    targets: dict[str, StrictInt] = Field({}, examples=[{"participants": 5000, "activities": 1200}])


class Limit(Body):
    name: str = Field(examples=["companies"])
    value: StrictInt = Field(examples=[40])
    decision: DecisionBody


class Close(Body):
    decision: DecisionBody


@router.post("", status_code=201, response_model=CommandResponse, responses=COMMAND_ERRORS)
def launch_programme(
    body: LaunchProgramme, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Launch a programme (admin, or a coordinator whose token names the new slug)."""
    allow(principal, Role.COORDINATOR, programme=body.slug)
    return run(ctx, body, lambda c: services.ledger.launch_programme(c, **fields(body)))


@router.get("", response_model=None, responses={**documented(list[schemas.ProgrammeSummary]), **READ_ERRORS})
def list_programmes(services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> list[dict[str, Any]]:
    """Every programme the token may read, with headline figures."""
    with store_view(services, moment) as db:
        return [p for p in queries.list_programmes(db) if principal.covers(p["slug"])]


@router.get("/{slug}", response_model=None, responses={**documented(schemas.ProgrammeStatus), **READ_ERRORS})
def programme_status(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> JSONResponse:
    """The coordinators' dashboard: pipeline against cap and target, groups, modules, sessions, funds."""
    may_read(principal, slug)
    cached = services.answers.get(("status", slug)) if moment.now and moment.wait_for is None else None
    if cached is not None:
        return JSONResponse(cached[0], headers={"ETag": cached[1]})
    with programme_view(services, slug, moment) as (db, programme_id):
        status = queries.programme_status(db, programme_id)
    if status is None:
        return JSONResponse({"error": "not_found", "message": f"programme {slug} did not exist at that moment"}, 404)
    etag = f'"{services.ledger.programme(slug, copy=False).version}"'
    if moment.now:
        services.answers.put(("status", slug), (status, etag))
    return JSONResponse(status, headers={"ETag": etag})


@router.post("/{slug}/caps", status_code=201, response_model=CommandResponse, responses=COMMAND_ERRORS)
def revise_cap(slug: str, body: Limit, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep) -> JSONResponse:
    may_write(principal, slug)
    return run(ctx, body, lambda c: services.ledger.revise_cap(c, programme=slug, **fields(body)))


@router.post("/{slug}/targets", status_code=201, response_model=CommandResponse, responses=COMMAND_ERRORS)
def revise_target(slug: str, body: Limit, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep) -> JSONResponse:
    may_write(principal, slug)
    return run(ctx, body, lambda c: services.ledger.revise_target(c, programme=slug, **fields(body)))


@router.post("/{slug}/closure", status_code=201, response_model=CommandResponse, responses=COMMAND_ERRORS)
def close_programme(
    slug: str, body: Close, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    may_write(principal, slug)
    return run(ctx, body, lambda c: services.ledger.close_programme(c, programme=slug, **fields(body)))


@router.get("/{slug}/forum", response_model=None, responses={**documented(list[schemas.ForumItem]), **READ_ERRORS})
def forum(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> list[dict[str, Any]]:
    """The forum's meetings and co-created education offers."""
    may_read(principal, slug)
    with programme_view(services, slug, moment) as (db, programme_id):
        return queries.forum(db, programme_id)
