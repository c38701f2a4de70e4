"""The funder's report page: download a receipt for the ledger as it stands, and later give it back to verify
that nothing before it changed and to see what changed since (the revision report), corrections of the past
marked. The receipt is the API's (/api/integrity/receipt), checked by the API's own declaration of one."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api import i18n
from api.deps import ServicesDep, may_read
from api.pages import check_csrf, page_principal, programme_currency, render
from api.routes.reads import ReceiptBody
from api.routes.revisions import report
from bootstrap import Services
from projections.integrity.answers import Receipt
from projections.integrity.verification import take_receipt, verify

router = APIRouter(include_in_schema=False)

MAX_RECEIPT_BYTES = 4096
"""A receipt is a position, a hash and a time: anything longer is not one."""


@router.get("/programmes/{slug}/report", response_class=HTMLResponse)
def report_page(slug: str, request: Request, services: ServicesDep) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    return render(request, "report.html", "report", principal=principal, services=services, slug=slug)


@router.get("/programmes/{slug}/receipt")
def receipt_download(slug: str, request: Request, services: ServicesDep) -> Response:
    """The receipt as a file to keep with the report it was taken for."""
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    receipt = take_receipt(services.ledger)
    return Response(
        receipt.model_dump_json(indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{slug}-receipt-{receipt.position}.json"'},
    )


@router.post("/programmes/{slug}/report", response_class=HTMLResponse)
async def report_since(slug: str, request: Request, services: ServicesDep) -> Response:
    form = await request.form(max_part_size=MAX_RECEIPT_BYTES)
    text = ""
    upload = form.get("receipt_file")
    if isinstance(upload, UploadFile) and upload.filename:
        text = (await upload.read(MAX_RECEIPT_BYTES + 1)).decode("utf-8", errors="replace")
    pasted = form.get("receipt_text")
    if not text.strip() and isinstance(pasted, str):
        text = pasted
    csrf = form.get("_csrf")
    answer: Response = await run_in_threadpool(
        _report_since, slug, request, services, text, csrf if isinstance(csrf, str) else ""
    )
    return answer


def _report_since(slug: str, request: Request, services: Services, text: str, csrf: str) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    check_csrf(request, csrf)
    words = i18n.Words(i18n.choose(request))
    try:
        if len(text) > MAX_RECEIPT_BYTES:
            raise ValueError
        body = ReceiptBody.model_validate(json.loads(text))
    except (ValueError, ValidationError):
        return render(
            request, "report.html", "report", principal=principal, services=services, slug=slug,
            problem=words("receipt_unreadable"), status_code=422,
        )  # fmt: skip
    receipt = Receipt(**body.model_dump())
    verification = verify(services.ledger, services.views, receipt)
    revisions = report(services, slug, (receipt.position, None), (None, None), None) if verification.ok else None
    return render(
        request, "report.html", "report", principal=principal, services=services, slug=slug,
        receipt=receipt, verification=verification, revisions=revisions, currency=programme_currency(services, slug),
    )  # fmt: skip
