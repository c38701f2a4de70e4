"""Funds: grants, budget lines, allocations by decision, reallocations, disbursements, expenditure, reversals."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field, StrictInt

from api.deps import CtxDep, PrincipalDep, ServicesDep, may_write
from api.responses import JSONResponse
from api.routes.common import COMMAND_ERRORS, Body, CommandResponse, DecisionBody, fields, run

router = APIRouter(prefix="/api/programmes/{slug}", tags=["funds"])
MINOR = "integer minor units (øre, öre, cent)"


class Grant(Body):
    funder: str = Field(examples=["Kompetanse Norge"])
    amount: StrictInt = Field(examples=[1_000_000_000], description=MINOR)
    decision: DecisionBody
    co_financing_share_bp: StrictInt = Field(0, examples=[5000], description="Required co-financing, basis points")


class BudgetLine(Body):
    amount: StrictInt = Field(description=MINOR)
    decision: DecisionBody


class Allocation(Body):
    grant_id: str
    recipient_kind: str = Field(examples=["provider"], description="provider, company, module, target_group, purpose")
    recipient: str = Field(examples=["Fagskolen i Viken"])
    amount: StrictInt = Field(description=MINOR)
    decision: DecisionBody
    category: str = Field("general", examples=["education"])


class Reallocation(Body):
    from_allocation_id: str
    to_allocation_id: str
    amount: StrictInt = Field(description=MINOR)
    reason: str
    decision: DecisionBody


class Disbursement(Body):
    allocation_id: str
    amount: StrictInt = Field(description=MINOR)
    kind: str = Field("payment", description="advance or payment")
    decision: DecisionBody | None = None


class Expenditure(Body):
    allocation_id: str
    amount: StrictInt = Field(description=MINOR)
    period: str = Field(examples=["2021-H1"])


class Reversal(Body):
    entry_id: str = Field(description="The money entry to reverse")
    reason: str
    decision: DecisionBody


def _command(path: str, method: str, body_type: type[Body], doc: str, http: str = "POST") -> None:
    def route(
        slug: str,
        body: Body,  # the concrete body type is set on __annotations__ below
        ctx: CtxDep,
        services: ServicesDep,
        principal: PrincipalDep,
    ) -> JSONResponse:
        may_write(principal, slug)
        command = getattr(services.ledger, method)
        return run(ctx, body, lambda c: command(c, programme=slug, **fields(body)))

    route.__annotations__["body"] = body_type  # resolved here, not from the module's names
    route.__doc__ = doc
    route.__name__ = method
    router.add_api_route(
        path,
        route,
        methods=[http],
        status_code=201,
        response_model=CommandResponse,
        responses=COMMAND_ERRORS,
        name=method,
    )


_command("/grants", "award_grant", Grant, "A funder's grant puts money at the programme's disposal.")
_command("/allocations", "allocate_funds", Allocation, "Allocate from a grant by a decision (never beyond the grant).")
_command(
    "/reallocations", "reallocate_funds", Reallocation, "Move outstanding funds between allocations by a decision."
)
_command("/disbursements", "disburse_funds", Disbursement, "Pay an advance or payment (never beyond the allocation).")
_command("/expenditures", "report_expenditure", Expenditure, "Report expenditure against an allocation.")
_command("/reversals", "reverse_entry", Reversal, "Reverse an earlier money entry by a decision.")


@router.put("/budget-lines/{category}", status_code=201, response_model=CommandResponse, responses=COMMAND_ERRORS)
def set_budget_line(
    slug: str, category: str, body: BudgetLine, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Set (replace) the budget line of a cost category; allocations to it may not exceed it."""
    may_write(principal, slug)
    return run(
        ctx, body, lambda c: services.ledger.set_budget_line(c, programme=slug, category=category, **fields(body))
    )
