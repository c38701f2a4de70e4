"""Shared by the command routes: the body base class, the answer of a command, the documented errors."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.responses import JSONResponse
from ledger.application import CommandResult, Ctx


class Body(BaseModel):
    """Every command body: unknown fields are refused; `effective_on` when it took effect, if not today."""

    model_config = ConfigDict(extra="forbid")
    effective_on: date | None = Field(
        None, description="When it took effect, if not when recorded", examples=["2021-10-14"]
    )


class DecisionBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str = Field(min_length=1, max_length=500, examples=["Board meeting 2021-02-03, case 21/14"])
    body: str = Field(min_length=1, max_length=500, examples=["Trepartsorganet"])


class CommandResponse(BaseModel):
    id: str = Field(description="The aggregate the command changed")
    version: int = Field(description="Its version now; send it as If-Match to guard the next change")
    position: int = Field(description="Log position of the stored events; pass as wait_for to read your write")
    ids: dict[str, str] = Field(description="Ids the command created (entry_id, allocation_id, session_id...)")
    replayed: bool = Field(description="True when an Idempotency-Key retry returned the first answer")


class ErrorResponse(BaseModel):
    error: str = Field(examples=["rule_violated"])
    message: str = Field(examples=["company_cap_reached: the programme's cap of 40 companies is reached"])
    field: str | None = Field(None, examples=["amount"])
    rule: str | None = Field(None, examples=["company_cap_reached"])


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        401: "No token, or an unknown or revoked one",
        403: "The token's role or programmes do not allow this",
        404: "An id names nothing the ledger knows",
        409: "A rule forbids it (cap full, insufficient balance...), a stale If-Match, or a reused Idempotency-Key",
        422: "Invalid input (wrong type, malformed JSON, oversized body): the field and the reason",
        503: "The read models did not reach wait_for in time",
    }
    return {code: {"model": ErrorResponse, "description": text[code]} for code in codes}


COMMAND_ERRORS = errors(401, 403, 404, 409, 422)
READ_ERRORS = errors(401, 403, 404, 422, 503)


def run(ctx: Ctx, body: Body | None, call: Callable[[Ctx], CommandResult]) -> JSONResponse:
    if body is not None and body.effective_on is not None:
        ctx = dataclasses.replace(ctx, effective_on=body.effective_on)
    result = call(ctx)
    return JSONResponse(
        result.as_dict(), status_code=200 if result.replayed else 201, headers={"ETag": f'"{result.version}"'}
    )


def fields(body: BaseModel, *exclude: str) -> dict[str, Any]:
    """The body's fields as command arguments (decisions as plain dicts)."""
    return {k: v for k, v in body.model_dump().items() if k not in ("effective_on", *exclude)}
