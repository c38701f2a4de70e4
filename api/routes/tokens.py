"""Tokens (admin): create with a role, programmes and a lifetime; revoke. The admin page uses the same
declaration (`NewToken`) and the same store (which also lists them there)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path
from pydantic import BaseModel, ConfigDict, Field

from api.deps import PrincipalDep, ServicesDep, allow
from api.routes.common import errors
from api.tokens import LIFETIME, Role
from ledger.values import Actor, Id, Slug

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


class NewToken(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    actor: Actor = Field(examples=["kari.nordmann@fremtid"])
    programmes: list[Slug] = Field([], max_length=1000, examples=[["fremtid"]])
    days: int = Field(LIFETIME.days, ge=1, le=3650, description="How many days it works")


@router.post("", status_code=201, responses=errors(401, 403, 422))
def create_token(body: NewToken, services: ServicesDep, principal: PrincipalDep) -> dict[str, Any]:
    """Create a token; the token itself is shown once here and only its hash is stored."""
    allow(principal)
    token_id, token = services.tokens.create(body.role, body.actor, body.programmes, timedelta(days=body.days))
    return {"token_id": token_id, "token": token, "role": body.role, "programmes": body.programmes}


@router.post("/{token_id}/revocation", responses=errors(401, 403, 404, 422))
def revoke_token(
    token_id: Annotated[Id, Path(description="The token's id, as `ledger token list` shows it")],
    services: ServicesDep,
    principal: PrincipalDep,
) -> dict[str, Any]:
    allow(principal)
    if not services.tokens.revoke(token_id):
        raise HTTPException(404, f"unknown or already revoked token: {token_id}")
    return {"token_id": token_id, "revoked": True}
