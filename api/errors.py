"""Every error becomes one JSON shape naming what is wrong: {"error", "message", and "field" or "rule"}."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.responses import JSONResponse
from ledger.errors import IdempotencyConflict, InvalidInput, LedgerError, NotFound, RuleViolated, VersionConflict

if TYPE_CHECKING:
    from fastapi import FastAPI, Request

log = logging.getLogger("ledger.api")

STATUS = {InvalidInput: 422, NotFound: 404, RuleViolated: 409, VersionConflict: 409, IdempotencyConflict: 409}


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": code, "message": message, **extra}


def install(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def ledger_error(_: Request, error: LedgerError) -> JSONResponse:
        status = next((code for cls, code in STATUS.items() if isinstance(error, cls)), 409)
        return JSONResponse(error.as_dict(), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "invalid")}
            for e in error.errors()
        ]
        first = problems[0] if problems else {"field": "body", "message": "invalid request"}
        return JSONResponse(
            error_body("invalid_input", first["message"], field=first["field"], problems=problems), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:
            # FastAPI's answer to a body it cannot parse at all (not UTF-8): invalid input like any malformed JSON
            return JSONResponse(error_body("invalid_input", str(error.detail), field="body"), status_code=422)
        codes = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}
        return JSONResponse(
            error_body(codes.get(error.status_code, "http_error"), str(error.detail)),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=error)
        return JSONResponse(
            error_body("internal_error", "an unexpected error occurred; nothing was half-written"), status_code=500
        )
