"""Companies: registration by organisation number, and each company's way through a programme's pipeline."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.deps import CtxDep, PrincipalDep, ServicesDep, allow, may_write
from api.responses import JSONResponse
from api.routes.common import COMMAND, BodyOf, answer
from api.tokens import Principal, Role
from bootstrap import Services
from ledger.commands import (
    AnalyseCompanyNeeds,
    CompleteCompany,
    CorrectCompany,
    HoldOnboarding,
    JoinCompany,
    PresentCompany,
    RegisterCompany,
    SetCompanyGoals,
    WithdrawCompany,
)
from ledger.errors import NotFound

router = APIRouter(tags=["companies"])
PIPELINE = "/api/programmes/{slug}/companies/{org_number}"


@router.post("/api/companies", **COMMAND)
def register_company(
    body: BodyOf[RegisterCompany], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Register a company once; it can then take part in several programmes (coordinators)."""
    allow(principal, Role.COORDINATOR)
    return answer(services.ledger.handle(ctx, body.command()))


@router.put("/api/companies/{org_number}", **COMMAND)
def correct_company(
    org_number: str, body: BodyOf[CorrectCompany], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Replace a company's details (the old ones stay in its history): an admin, or a coordinator of a programme
    the company takes part in."""
    command = body.command(org_number=org_number)
    may_correct(principal, services, command.org_number)
    return answer(services.ledger.handle(ctx, command))


def may_correct(principal: Principal, services: Services, org_number: str) -> None:
    allow(principal, Role.COORDINATOR)
    if principal.role == Role.ADMIN:
        return
    for slug in principal.programmes:
        try:
            programme = services.ledger.programme(slug, copy=False)
        except NotFound:
            continue
        if org_number in programme.companies:
            return
    raise HTTPException(403, "this token covers no programme the company takes part in")


@router.post(f"{PIPELINE}/presentations", **COMMAND)
def present_company(
    slug: str,
    org_number: str,
    body: BodyOf[PresentCompany],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The programme was presented to the company."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, org_number=org_number)))


@router.post(f"{PIPELINE}/joining", **COMMAND)
def join_company(
    slug: str, org_number: str, body: BodyOf[JoinCompany], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """The company joined (the programme's company cap is enforced)."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, org_number=org_number)))


@router.post(f"{PIPELINE}/onboarding", **COMMAND)
def hold_onboarding(
    slug: str,
    org_number: str,
    body: BodyOf[HoldOnboarding],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The onboarding meeting (bli kjent-møte) was held."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, org_number=org_number)))


@router.post(f"{PIPELINE}/goals", **COMMAND)
def set_company_goals(
    slug: str,
    org_number: str,
    body: BodyOf[SetCompanyGoals],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The company set its goals."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, org_number=org_number)))


@router.post(f"{PIPELINE}/needs", **COMMAND)
def analyse_company_needs(
    slug: str,
    org_number: str,
    body: BodyOf[AnalyseCompanyNeeds],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The company's competence needs were analysed."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, org_number=org_number)))


@router.post(f"{PIPELINE}/withdrawal", **COMMAND)
def withdraw_company(
    slug: str,
    org_number: str,
    body: BodyOf[WithdrawCompany],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The company withdrew."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, org_number=org_number)))


@router.post(f"{PIPELINE}/completion", **COMMAND)
def complete_company(
    slug: str,
    org_number: str,
    body: BodyOf[CompleteCompany],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The company completed the programme."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, org_number=org_number)))
