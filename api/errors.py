"""Every error of the API becomes one JSON shape naming what is wrong: {"error", "message", and "field" or
"rule"}; an error of a page becomes a page with a way back (api/pages.py)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import pages
from api.responses import JSONResponse
from ledger.errors import IdempotencyConflict, InvalidInput, LedgerError, NotFound, RuleViolated, VersionConflict

if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from starlette.responses import Response

log = logging.getLogger("ledger.api")

STATUS = {InvalidInput: 422, NotFound: 404, RuleViolated: 409, VersionConflict: 409, IdempotencyConflict: 409}


def error_body(code: str, message: str, **extra: object) -> dict[str, object]:
    return {"error": code, "message": message, **extra}


def install(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> Response:
        status = next((code for cls, code in STATUS.items() if isinstance(error, cls)), 409)
        if pages.is_page(request):
            return await run_in_threadpool(pages.error_page, request, status, str(error.as_dict()["message"]))
        return JSONResponse(error.as_dict(), status_code=status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "invalid")}
            for e in error.errors()
        ]
        first = problems[0] if problems else {"field": "body", "message": "invalid request"}
        if pages.is_page(request):
            detail = f"{first['field']}: {first['message']}"
            return await run_in_threadpool(pages.error_page, request, 422, detail)
        return JSONResponse(
            error_body("invalid_input", first["message"], field=first["field"], problems=problems), status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if pages.is_page(request):
            return await run_in_threadpool(pages.error_page, request, error.status_code, str(error.detail))
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
    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error", exc_info=error)
        if pages.is_page(request):
            return await run_in_threadpool(pages.error_page, request, 500, None)
        return JSONResponse(
            error_body("internal_error", "an unexpected error occurred; nothing was half-written"), status_code=500
        )
