"""The admin page: tokens (create with a role, programmes and a lifetime; list; revoke) through the token store
the API uses, with the API's own declaration of a new token; and erasure of a participant, asked twice, recorded
by the ledger's EraseParticipant command and proved by the ledger refusing to read the person's details after."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import forms, i18n
from api.deps import ServicesDep, allow
from api.pages import check_csrf, page_principal, render
from api.routes.tokens import NewToken
from api.tokens import Principal
from bootstrap import Services
from ledger.application import Ctx
from ledger.commands import EraseParticipant
from ledger.errors import InvalidInput, LedgerError, NotFound
from projections.status import queries as status_queries

router = APIRouter(include_in_schema=False)

ERASURE_GIVEN = ("programme",)
"""The erasure form's programme is a list of the programmes' names, not a typed slug."""


def _admin(request: Request, services: Services) -> Principal | None:
    principal = page_principal(request, services)
    if principal is not None:
        allow(principal)  # admin only: 403 (an error page) for any other role
    return principal


async def _submitted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: value for name, value in form.items() if isinstance(value, str)}


def _admin_page(
    request: Request,
    services: Services,
    principal: Principal,
    *,
    token_values: dict[str, str] | None = None,
    token_problems: dict[str, str] | None = None,
    erasure_values: dict[str, str] | None = None,
    erasure_problems: dict[str, str] | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    words = i18n.Words(i18n.choose(request))
    with services.views.connect() as db:
        programmes = status_queries.list_programmes(db)
    return render(
        request,
        "admin.html",
        "admin",
        principal=principal,
        services=services,
        status_code=status_code,
        tokens=services.tokens.listed(),
        now=datetime.now(UTC).isoformat(),
        token_inputs=forms.inputs(NewToken, words, token_values, token_problems),
        erasure_inputs=forms.inputs(EraseParticipant, words, erasure_values, erasure_problems, leave_out=ERASURE_GIVEN),
        programmes=programmes,
        erasure_programme=(erasure_values or {}).get("programme", ""),
        **context,
    )


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, services: ServicesDep) -> Response:
    principal = _admin(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    return _admin_page(request, services, principal)


@router.post("/admin/tokens", response_class=HTMLResponse)
async def create_token(request: Request, services: ServicesDep) -> Response:
    form = await _submitted(request)
    return await _in_thread(_create_token, request, services, form)


def _create_token(request: Request, services: Services, form: dict[str, str]) -> Response:
    principal = _admin(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("_csrf", ""))
    body, problems = forms.parsed(NewToken, form, {})
    if not isinstance(body, NewToken):
        return _admin_page(request, services, principal, token_values=form, token_problems=problems, status_code=422)
    _, token = services.tokens.create(body.role, body.actor, body.programmes, timedelta(days=body.days))
    return _admin_page(request, services, principal, new_token=token)


@router.post("/admin/tokens/{token_id}/revocation", response_class=HTMLResponse)
async def revoke_token(token_id: str, request: Request, services: ServicesDep) -> Response:
    form = await _submitted(request)
    return await _in_thread(_revoke_token, request, services, form, token_id)


def _revoke_token(request: Request, services: Services, form: dict[str, str], token_id: str) -> Response:
    principal = _admin(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("_csrf", ""))
    words = i18n.Words(i18n.choose(request))
    if not services.tokens.revoke(token_id):
        return _admin_page(request, services, principal, problem=words("token_unknown"), status_code=404)
    actor = next((t.actor for t in services.tokens.listed() if t.token_id == token_id), token_id)
    return _admin_page(request, services, principal, message=words("token_revoked", token_id=actor))


@dataclass(frozen=True)
class ErasureProof:
    """What shows the erasure happened: where the ledger recorded it, and its refusal to read the person now."""

    position: int
    version: int
    identity_gone: bool
    answer: str


@router.post("/admin/erasure", response_class=HTMLResponse)
async def erase(request: Request, services: ServicesDep) -> Response:
    form = await _submitted(request)
    return await _in_thread(_erase, request, services, form)


def _erase(request: Request, services: Services, form: dict[str, str]) -> Response:
    """First the question (with a fresh idempotency key, so a second click records once), then the erasure."""
    principal = _admin(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    check_csrf(request, form.get("_csrf", ""))
    slug = form.get("programme", "")
    with services.views.connect() as db:
        known = {p.slug: p.name for p in status_queries.list_programmes(db)}
    if slug not in known:
        raise HTTPException(404, f"unknown programme: {slug}")
    command, problems = forms.parsed(EraseParticipant, form, {"programme": slug})
    if not isinstance(command, EraseParticipant):
        return _admin_page(
            request, services, principal, erasure_values=form, erasure_problems=problems, status_code=422
        )
    values = {k: v for k, v in form.items() if not k.startswith("_")}
    if form.get("_confirmed") != "1":
        return render(
            request,
            "erasure.html",
            "erasure",
            principal=principal,
            services=services,
            values=values,
            programme_name=known[slug],
            idempotency_key=str(uuid.uuid4()),
        )
    key = form.get("_idempotency_key", "").strip()[:200] or None
    ctx = Ctx(
        actor=principal.actor,
        idempotency_key=f"{principal.token_id}/{slug}/{key}" if key else None,
    )
    words = i18n.Words(i18n.choose(request))
    try:
        result = services.ledger.handle(ctx, command)
    except InvalidInput as error:
        return _admin_page(
            request, services, principal, erasure_values=values, erasure_problems={error.field: error.reason},
            status_code=422,
        )  # fmt: skip
    except LedgerError as error:
        return _admin_page(
            request, services, principal, erasure_values=values, status_code=409,
            problem=words("form_problem", message=error.as_dict()["message"]),
        )  # fmt: skip
    try:
        services.ledger.read_identity(command.participant_id)
        proof = ErasureProof(result.position, result.version, identity_gone=False, answer="")
    except NotFound as gone:
        proof = ErasureProof(result.position, result.version, identity_gone=True, answer=gone.as_dict()["message"])
    return render(request, "erasure.html", "erasure", principal=principal, services=services, proof=proof)


async def _in_thread(function: Any, *args: Any) -> Response:
    """The store and the ledger are synchronous: run them off the event loop, as FastAPI does a plain route."""
    answer: Response = await run_in_threadpool(function, *args)
    return answer
