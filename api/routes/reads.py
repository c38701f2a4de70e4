"""Read models over HTTP: the funding audit, the evaluation, the catalogue, exports, integrity, lag."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from api.deps import (
    AsOfDep,
    PrincipalDep,
    ServicesDep,
    allow,
    current_principal,
    may_read,
    programme_answer,
    programme_view,
    store_view,
)
from api.routes.common import READ_ERRORS, errors
from api.tokens import Role
from ledger.values import MAX_POSITION, Text
from projections.audit import queries as audit
from projections.audit.answers import FundingAudit
from projections.catalogue import queries as catalogue_queries
from projections.catalogue.answers import Catalogue
from projections.evaluation import queries as evaluation_queries
from projections.evaluation.answers import Evaluation
from projections.facts import facts_from
from projections.integrity.answers import Health, Lag, Receipt, StalledReadModel, Verification
from projections.integrity.verification import take_receipt, verify
from projections.spreadsheet import write_rows

router = APIRouter(prefix="/api", tags=["read models"])


def _csv(rows: list[dict[str, Any]], filename: str) -> Response:
    out = io.StringIO()
    write_rows(out, rows)
    return Response(
        out.getvalue(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/programmes/{slug}/audit", response_model=FundingAudit, responses=READ_ERRORS)
def funding_audit(
    slug: str,
    services: ServicesDep,
    principal: PrincipalDep,
    moment: AsOfDep,
    funder: Annotated[Text | None, Query(description="Only this funder's grants")] = None,
) -> Response:
    """Every money event in order with running balances, decisions, actors, times; the reconciliation."""
    may_read(principal, slug)

    def answer(db: Connection, programme_id: str) -> FundingAudit:
        return audit.funding_audit(db, programme_id, funder)

    return programme_answer(services, slug, moment, "audit", answer, variant=(funder or "",))


@router.get("/programmes/{slug}/audit.csv", responses=READ_ERRORS, response_class=Response)
def funding_audit_csv(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> Response:
    may_read(principal, slug)
    with programme_view(services, slug, moment) as (db, programme_id):
        entries = audit.audit_table(db, programme_id)
    return _csv(entries, f"{slug}-audit.csv")


@router.get("/programmes/{slug}/evaluation", response_model=Evaluation, responses=READ_ERRORS)
def evaluation(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> Response:
    """Time series, funnel, participation, costs and ESF indicators per reporting period."""
    may_read(principal, slug)
    return programme_answer(services, slug, moment, "evaluation", evaluation_queries.evaluation)


@router.get("/programmes/{slug}/evaluation.csv", responses=READ_ERRORS, response_class=Response)
def evaluation_csv(slug: str, services: ServicesDep, principal: PrincipalDep, moment: AsOfDep) -> Response:
    """The weekly series (with cumulative columns) as CSV."""
    allow(principal, Role.ANALYST, Role.COORDINATOR, Role.FUNDER, programme=slug)
    with programme_view(services, slug, moment) as (db, programme_id):
        flat = evaluation_queries.weekly_table(db, programme_id)
    return _csv(flat, f"{slug}-evaluation-weekly.csv")


@router.get("/catalogue", response_model=Catalogue, responses=READ_ERRORS)
def catalogue(
    services: ServicesDep,
    principal: PrincipalDep,
    moment: AsOfDep,
    theme: Text | None = None,
    region: Text | None = None,
    provider: Text | None = None,
) -> Catalogue:
    """All modules and activities across the programmes the token may read, by theme, region, provider."""
    with store_view(services, moment) as db:
        found = catalogue_queries.catalogue(db, theme, region, provider)
    return found.of_programmes(principal.covers)


@router.get("/events", responses=errors(401, 403, 422), response_class=StreamingResponse)
def export_events(
    services: ServicesDep,
    principal: PrincipalDep,
    after: Annotated[int, Query(ge=0, le=MAX_POSITION, description="Start after this log position")] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> StreamingResponse:
    """The raw event stream as JSON lines, one page at a time (analysts). The next page starts after the last
    line's position."""
    allow(principal, Role.ANALYST)

    def lines() -> Iterator[bytes]:
        notifications = services.ledger.recorder.select_notifications(
            start=after, limit=limit, inclusive_of_start=False
        )
        for fact in facts_from(services.ledger.mapper, notifications):
            yield orjson.dumps(fact.as_record(), default=str) + b"\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


class ReceiptBody(BaseModel):
    position: int = Field(ge=0, le=MAX_POSITION)
    chain: str = Field(pattern="^[0-9a-f]{64}$")
    issued_at: str = Field(max_length=40)


@router.get("/integrity/receipt", response_model=Receipt, responses=errors(401, 403))
def receipt(services: ServicesDep, principal: PrincipalDep) -> Receipt:
    """A receipt for the history so far: keep it, and verify later that nothing before it changed."""
    allow(principal, Role.FUNDER, Role.ANALYST, Role.COORDINATOR)
    return take_receipt(services.ledger)  # the chain stored at commit: no read model need catch up


@router.post("/integrity/verification", response_model=Verification, responses=errors(401, 403, 422))
def verification(body: ReceiptBody, services: ServicesDep, principal: PrincipalDep) -> Verification:
    """Recompute the hash chain up to the receipt; names the first position that differs, if any."""
    allow(principal, Role.FUNDER, Role.ANALYST, Role.COORDINATOR)
    return verify(services.ledger, services.views, Receipt(**body.model_dump()))


@router.get("/lag", response_model=Lag, responses=errors(401), dependencies=[Depends(current_principal)])
def lag(services: ServicesDep) -> Lag:
    """How far each read model is behind the log head."""
    stalled = [StalledReadModel(**vars(s)) for s in services.projector.stalls()]
    return Lag(head=services.projector.head(), lag=services.projector.lag(), stalled=stalled)


@router.get("/health", tags=["health"], response_model=Health)
def health(services: ServicesDep) -> Health:
    """No authentication: `ok`, or `degraded` naming each stalled read model and its position."""
    stalled = {s.read_model: s.position for s in services.projector.stalls()}
    return Health(status="degraded" if stalled else "ok", stalled=stalled)
