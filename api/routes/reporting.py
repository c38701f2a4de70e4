"""Reporting to funders: the reporting calendar, closing periods, simplified cost options (unit costs, flat rates,
lump sums and deliverables), payment claims through their steps; and the claims answer (JSON and CSV), as of any
moment, by query."""

from __future__ import annotations

import io

from fastapi import APIRouter
from fastapi.responses import Response

from api.deps import AsOf, AsOfDep, PrincipalDep, ServicesDep, caught_up, checked_slug, may_read
from api.routes.common import READ_ERRORS, command_routes
from bootstrap import Services
from ledger.commands import (
    AgreeLumpSum,
    ApproveClaim,
    ClosePeriod,
    CompleteDeliverable,
    DraftClaim,
    PayClaim,
    SetFlatRate,
    SetReportingCalendar,
    SetUnitCost,
    SubmitClaim,
)
from ledger.errors import NotFound
from projections.as_of import position_at
from projections.claims.answers import Claims
from projections.claims.queries import claim_lines_table, claims_as_of
from projections.spreadsheet import write_rows

router = APIRouter(prefix="/api/programmes/{slug}", tags=["reporting and claims"])

command_routes(
    router,
    (
        ("PUT", "/reporting-calendar", SetReportingCalendar),
        ("POST", "/periods/{period}/closing", ClosePeriod),
        ("POST", "/unit-costs", SetUnitCost),
        ("POST", "/flat-rates", SetFlatRate),
        ("POST", "/lump-sums", AgreeLumpSum),
        ("POST", "/deliverables/{deliverable_id}/completion", CompleteDeliverable),
        ("POST", "/claims", DraftClaim),
        ("POST", "/claims/{claim_id}/submission", SubmitClaim),
        ("POST", "/claims/{claim_id}/approval", ApproveClaim),
        ("POST", "/claims/{claim_id}/payment", PayClaim),
    ),
)


def claims_at(services: Services, slug: str, moment: AsOf) -> Claims:
    """The claims as of the moment: the read model's facts up to it, by query (no replay)."""
    checked_slug(slug)
    caught_up(services, moment)
    with services.views.connect() as db:
        programme_id = services.answers.programme_id(db, slug)
        if programme_id is None:
            raise NotFound("programme", slug)
        position = moment.position
        if moment.time is not None:
            position = position_at(services.views, moment.time)
        return claims_as_of(db, programme_id, slug, position, moment.day)


@router.get("/claims", response_model=Claims, responses=READ_ERRORS)
def claims(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> Claims:
    """Per reporting period and grant: what is eligible (actual costs, unit costs, flat rates, lump sums), the
    adjustments for late facts in closed periods, advances cleared, what is payable, the claim's steps, and every
    line's events. A closed period's figures are sealed at its closing."""
    may_read(principal, slug)
    return claims_at(services, slug, moment)


@router.get("/claims.csv", responses=READ_ERRORS, response_class=Response)
def claims_csv(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> Response:
    """The claims' lines, one per row, with their period, grant and the events behind each."""
    may_read(principal, slug)
    out = io.StringIO()
    write_rows(out, claim_lines_table(claims_at(services, slug, moment)))
    return Response(out.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{slug}-claims.csv"'})  # fmt: skip
