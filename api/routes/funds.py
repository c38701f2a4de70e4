"""Funds: grants, budget lines, allocations by decision, reallocations, disbursements, expenditure, reversals, and
payments by two people (the payment control, requests, approvals, confirmations, cancellations, expiries), and
sanctions (payment stops and their lifts, repayment claims, repayments, unused funds returned), and co-financing
(the in-kind rate, contributions in cash and in kind)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CtxDep, PrincipalDep, ServicesDep, may_write
from api.responses import JSONResponse
from api.routes.common import COMMAND, BodyOf, answer
from ledger.commands import (
    AllocateFunds,
    ApprovePayment,
    AwardGrant,
    CancelPayment,
    ClaimRepayment,
    ConfirmPayment,
    DisburseFunds,
    ExpirePayment,
    LiftPaymentStop,
    ReallocateFunds,
    ReceiveRepayment,
    RecordCashContribution,
    RecordInKindContribution,
    ReportExpenditure,
    RequestPayment,
    ReturnUnusedFunds,
    ReverseEntry,
    SetBudgetLine,
    SetInKindRate,
    SetPaymentControl,
    StopPayments,
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


@router.put("/payment-control", **COMMAND)
def set_payment_control(
    slug: str, body: BodyOf[SetPaymentControl], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Require two people for every payment from an amount on, by a decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/payments", **COMMAND)
def request_payment(
    slug: str, body: BodyOf[RequestPayment], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Request a payment from an allocation: its amount is reserved until it is paid, cancelled or expires."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/payments/{payment_id}/approval", **COMMAND)
def approve_payment(
    slug: str,
    payment_id: str,
    body: BodyOf[ApprovePayment],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Approve (attest) a requested payment; another person confirms it as paid."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, payment_id=payment_id)))


@router.post("/payments/{payment_id}/confirmation", **COMMAND)
def confirm_payment(
    slug: str,
    payment_id: str,
    body: BodyOf[ConfirmPayment],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Confirm a requested payment as paid (not by the person who approved it)."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, payment_id=payment_id)))


@router.post("/payments/{payment_id}/cancellation", **COMMAND)
def cancel_payment(
    slug: str,
    payment_id: str,
    body: BodyOf[CancelPayment],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Cancel a pending payment, with the reason."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, payment_id=payment_id)))


@router.post("/payments/{payment_id}/expiry", **COMMAND)
def expire_payment(
    slug: str,
    payment_id: str,
    body: BodyOf[ExpirePayment],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Record that a pending payment ran out after its last day."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, payment_id=payment_id)))


@router.post("/payment-stops", **COMMAND)
def stop_payments(
    slug: str, body: BodyOf[StopPayments], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Stop payments from a grant or an allocation by a funder's decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/payment-stops/lifting", **COMMAND)
def lift_payment_stop(
    slug: str, body: BodyOf[LiftPaymentStop], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Lift the payment stop on a grant or an allocation, by a decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/repayment-claims", **COMMAND)
def claim_repayment(
    slug: str, body: BodyOf[ClaimRepayment], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Claim back money paid on an allocation, by a decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/repayments", **COMMAND)
def receive_repayment(
    slug: str, body: BodyOf[ReceiveRepayment], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Record money owed back as repaid."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/returns", **COMMAND)
def return_unused_funds(
    slug: str, body: BodyOf[ReturnUnusedFunds], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Return unallocated money of a grant to its funder, by a decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/in-kind-rates", **COMMAND)
def set_in_kind_rate(
    slug: str, body: BodyOf[SetInKindRate], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Set the value of a participant-hour in kind for a grant's co-financing, by a decision."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/contributions/cash", **COMMAND)
def record_cash_contribution(
    slug: str, body: BodyOf[RecordCashContribution], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Record a co-financing contribution in cash to a grant."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/contributions/in-kind", **COMMAND)
def record_in_kind_contribution(
    slug: str, body: BodyOf[RecordInKindContribution], ctx: CtxDep, services: ServicesDep, principal: PrincipalDep
) -> JSONResponse:
    """Record participants' attended time as a co-financing contribution in kind."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))
