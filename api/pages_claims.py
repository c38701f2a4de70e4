"""The funder's claims page: per reporting period and grant, what is eligible (actual costs, unit costs, flat
rates, lump sums), the adjustments for facts recorded after a period closed that took effect in it (marked, with
the period they belong to), advances cleared, what is payable, the claim's steps and who took each; every line
with the events behind it. It renders the API's own Claims answer (projections/claims), and downloads it as CSV
in the reader's locale."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from api import i18n
from api.deps import AsOf, ServicesDep, may_read
from api.pages import page_principal, render
from api.routes.reporting import claims_at
from bootstrap import Services
from projections.claims.answers import Claims
from projections.schema import programmes

router = APIRouter(include_in_schema=False)

FIGURES = ("actual", "unit_costs", "flat_rates", "lump_sums", "adjustments", "eligible", "advances_cleared",
           "payable")  # fmt: skip
"""The claim's money figures, in the order the download gives them."""


def _claims(services: Services, slug: str, as_of_date: date | None) -> tuple[Claims, str]:
    """The claims and the programme's currency."""
    moment = AsOf(position=None, time=None, day=as_of_date, wait_for=None)
    answer = claims_at(services, slug, moment)
    with services.views.connect() as db:
        currency = db.execute(select(programmes.c.currency).where(programmes.c.slug == slug)).scalar()
    return answer, currency or "NOK"


@router.get("/programmes/{slug}/claims", response_class=HTMLResponse)
def claims_page(
    slug: str, request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    answer, currency = _claims(services, slug, as_of_date)
    periods: dict[str, list[object]] = {}
    for claim in answer.claims:
        periods.setdefault(claim.period, []).append(claim)
    return render(request, "claims.html", "claims", principal=principal, services=services, slug=slug,
                  answer=answer, periods=periods, currency=currency, as_of_date=as_of_date,
                  suffix=f"?as_of_date={as_of_date.isoformat()}" if as_of_date else "")  # fmt: skip


@router.get("/programmes/{slug}/claims.csv")
def claims_csv(
    slug: str, request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    """One row per claim: UTF-8 with a byte-order mark, money in the major unit with the reader's decimal mark,
    `;` between cells where that mark is a comma."""
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    answer, currency = _claims(services, slug, as_of_date)
    words = i18n.Words(i18n.choose(request))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if words.decimal_mark == "," else ",", lineterminator="\r\n")
    writer.writerow([words("period_col"), words("claims.closed"), words("claims.grant"),
                     *(words(f"claims.{f}") for f in FIGURES), words("claims.state")])  # fmt: skip
    for claim in answer.claims:
        money = [words.plain(words.major(getattr(claim, f), currency), 2) for f in FIGURES]
        writer.writerow([claim.period, words("yes") if claim.closed else words("no"), claim.funder or claim.grant_id,
                         *money, words(f"claims.state.{claim.state or 'none'}")])  # fmt: skip
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{slug}-claims.csv"'},
    )
