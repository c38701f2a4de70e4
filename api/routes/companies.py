"""Companies: registration by organisation number, and each company's way through a programme's pipeline."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field

from api.deps import CtxDep, PrincipalDep, ServicesDep, allow, may_write
from api.responses import JSONResponse
from api.routes.common import COMMAND_ERRORS, Body, CommandResponse, fields, run
from api.tokens import Role

router = APIRouter(tags=["companies"])


class RegisterCompany(Body):
    org_number: str = Field(examples=["923609016"], description="Norwegian 9 digits (MOD11) or Swedish 10 (Luhn)")
    name: str = Field(examples=["SEW Eurodrive AS"])
    region: str = Field(examples=["Viken"])
    sector: str = Field(examples=["manufacturing"])
    size: str = Field(examples=["medium"], description="micro, small, medium or large")


class CorrectCompany(Body):
    name: str
    region: str
    sector: str
    size: str


class Presentation(Body):
    channel: str = Field("on site", examples=["Teams"])


class Goals(Body):
    goals: list[str] = Field(examples=[["Digital production planning"]])


class Needs(Body):
    competence_areas: list[str] = Field(examples=[["automation", "data analysis"]])


class Withdrawal(Body):
    reason: str


@router.post("/api/companies", status_code=201, response_model=CommandResponse, responses=COMMAND_ERRORS)
def register_company(
    body: RegisterCompany, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Register a company once; it can then take part in several programmes (coordinators)."""
    allow(principal, Role.COORDINATOR)
    return run(ctx, body, lambda c: services.ledger.register_company(c, **fields(body)))


@router.put("/api/companies/{org_number}", status_code=201, response_model=CommandResponse, responses=COMMAND_ERRORS)
def correct_company(
    org_number: str, body: CorrectCompany, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Replace a company's details (the old ones stay in its history)."""
    allow(principal, Role.COORDINATOR)
    return run(ctx, body, lambda c: services.ledger.correct_company(c, org_number=org_number, **fields(body)))


def _pipeline(path: str, method: str, body_type: type[Body], doc: str) -> None:
    def route(
        slug: str,
        org_number: str,
        body: Body,  # the concrete body type is set on __annotations__ below
        ctx: CtxDep,
        services: ServicesDep,
        principal: PrincipalDep,
    ) -> JSONResponse:
        may_write(principal, slug)
        command = getattr(services.ledger, method)
        return run(ctx, body, lambda c: command(c, programme=slug, org_number=org_number, **fields(body)))

    route.__annotations__["body"] = body_type  # resolved here, not from the module's names
    route.__doc__ = doc
    route.__name__ = method
    router.add_api_route(
        f"/api/programmes/{{slug}}/companies/{{org_number}}/{path}",
        route,
        methods=["POST"],
        status_code=201,
        response_model=CommandResponse,
        responses=COMMAND_ERRORS,
        name=method,
    )


_pipeline("presentations", "present_company", Presentation, "The programme was presented to the company.")
_pipeline("joining", "join_company", Body, "The company joined (the programme's company cap is enforced).")
_pipeline("onboarding", "hold_onboarding", Body, "The onboarding meeting (bli kjent-møte) was held.")
_pipeline("goals", "set_company_goals", Goals, "The company set its goals.")
_pipeline("needs", "analyse_company_needs", Needs, "The company's competence needs were analysed.")
_pipeline("withdrawal", "withdraw_company", Withdrawal, "The company withdrew.")
_pipeline("completion", "complete_company", Body, "The company completed the programme.")
