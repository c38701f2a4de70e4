"""Participants: registered under a pseudonymous id; identifying details sealed apart; erasure by an admin."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import CtxDep, PrincipalDep, ServicesDep, allow, may_write
from api.responses import JSONResponse
from api.routes.common import COMMAND_ERRORS, READ_ERRORS, Body, CommandResponse, fields, run

router = APIRouter(tags=["participants"])


class IdentityBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=500)
    email: str | None = Field(None, max_length=500)
    personal_number: str | None = Field(None, max_length=50)


class RegisterParticipant(Body):
    org_number: str
    target_group: str = Field(examples=["furloughed"], description="employed, furloughed, laid_off or unemployed")
    gender: str | None = Field(None, examples=["female"])
    age_band: str | None = Field(None, examples=["30_54"], description="under_18, 18_29, 30_54, 55_plus")
    employment_status: str | None = Field(None, examples=["employed"])
    education_level: str | None = Field(None, examples=["isced_3_4"])
    identity: IdentityBody | None = None


@router.post(
    "/api/programmes/{slug}/participants", status_code=201, response_model=CommandResponse, responses=COMMAND_ERRORS
)
def register_participant(
    slug: str, body: RegisterParticipant, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Register a participant; the answer's ids.participant_id is the pseudonymous id used everywhere."""
    may_write(principal, slug)
    args: dict[str, Any] = fields(body)
    return run(ctx, body, lambda c: services.ledger.register_participant(c, programme=slug, **args))


@router.post(
    "/api/programmes/{slug}/participants/{participant_id}/leaving",
    status_code=201,
    response_model=CommandResponse,
    responses=COMMAND_ERRORS,
)
def participant_left(
    slug: str, participant_id: str, body: Body, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    may_write(principal, slug)
    return run(
        ctx, body, lambda c: services.ledger.record_participant_left(c, programme=slug, participant_id=participant_id)
    )


@router.post(
    "/api/programmes/{slug}/participants/{participant_id}/reentry",
    status_code=201,
    response_model=CommandResponse,
    responses=COMMAND_ERRORS,
)
def participant_reentered(
    slug: str, participant_id: str, body: Body, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """A re-entry keeps the attributes of the first entry."""
    may_write(principal, slug)
    return run(
        ctx, body, lambda c: services.ledger.reenter_participant(c, programme=slug, participant_id=participant_id)
    )


@router.post(
    "/api/programmes/{slug}/participants/{participant_id}/erasure",
    status_code=201,
    response_model=CommandResponse,
    responses=COMMAND_ERRORS,
)
def erase_participant(
    slug: str, participant_id: str, body: Body, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Erase a person (admin): the key is destroyed, an erasure event recorded, every count stays."""
    allow(principal)
    return run(ctx, body, lambda c: services.ledger.erase_participant(c, programme=slug, participant_id=participant_id))


@router.get("/api/participants/{participant_id}/identity", responses=READ_ERRORS)
def participant_identity(participant_id: str, services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    """The identifying details (admin only; 404 once erased)."""
    allow(principal)
    return services.ledger.read_identity(participant_id).__dict__
