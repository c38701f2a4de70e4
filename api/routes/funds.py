"""Funds: grants, budget lines, allocations by decision, reallocations, disbursements, expenditure, reversals."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CtxDep, PrincipalDep, ServicesDep, may_write
from api.responses import JSONResponse
from api.routes.common import COMMAND, BodyOf, answer
from ledger.commands import (
    AllocateFunds,
    AwardGrant,
    DisburseFunds,
    ReallocateFunds,
    ReportExpenditure,
    ReverseEntry,
    SetBudgetLine,
)

router = APIRouter(prefix="/api/programmes/{slug}", tags=["funds"])


@router.post("/grants", **COMMAND)
def award_grant(
    slug: str, body: BodyOf[AwardGrant], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """A funder's grant puts money at the programme's disposal."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.put("/budget-lines/{category}", **COMMAND)
def set_budget_line(
    slug: str, category: str, body: BodyOf[SetBudgetLine], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Set (replace) the budget line of a cost category; allocations to it may not exceed it."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, category=category)))


@router.post("/allocations", **COMMAND)
def allocate_funds(
    slug: str, body: BodyOf[AllocateFunds], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Allocate from a grant by a decision (never beyond the grant)."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/reallocations", **COMMAND)
def reallocate_funds(
    slug: str, body: BodyOf[ReallocateFunds], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Move outstanding funds between allocations by a decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/disbursements", **COMMAND)
def disburse_funds(
    slug: str, body: BodyOf[DisburseFunds], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Pay an advance or payment (never beyond the allocation)."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/expenditures", **COMMAND)
def report_expenditure(
    slug: str, body: BodyOf[ReportExpenditure], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Report expenditure against an allocation."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/reversals", **COMMAND)
def reverse_entry(
    slug: str, body: BodyOf[ReverseEntry], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Reverse an earlier money entry by a decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))
