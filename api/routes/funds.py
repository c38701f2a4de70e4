"""Funds: grants, budget lines, allocations by decision, reallocations, disbursements, expenditure, reversals, and
payments by two people (the payment control, requests, approvals, confirmations, cancellations, expiries), and
sanctions (payment stops and their lifts, repayment claims, repayments, unused funds returned), and co-financing
(the in-kind rate, contributions in cash and in kind)."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes.common import command_routes
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

command_routes(
    router,
    (
        ("POST", "/grants", AwardGrant),
        ("PUT", "/budget-lines/{category}", SetBudgetLine),
        ("POST", "/allocations", AllocateFunds),
        ("POST", "/reallocations", ReallocateFunds),
        ("POST", "/disbursements", DisburseFunds),
        ("POST", "/expenditures", ReportExpenditure),
        ("POST", "/reversals", ReverseEntry),
        ("PUT", "/payment-control", SetPaymentControl),
        ("POST", "/payments", RequestPayment),
        ("POST", "/payments/{payment_id}/approval", ApprovePayment),
        ("POST", "/payments/{payment_id}/confirmation", ConfirmPayment),
        ("POST", "/payments/{payment_id}/cancellation", CancelPayment),
        ("POST", "/payments/{payment_id}/expiry", ExpirePayment),
        ("POST", "/payment-stops", StopPayments),
        ("POST", "/payment-stops/lifting", LiftPaymentStop),
        ("POST", "/repayment-claims", ClaimRepayment),
        ("POST", "/repayments", ReceiveRepayment),
        ("POST", "/returns", ReturnUnusedFunds),
        ("POST", "/in-kind-rates", SetInKindRate),
        ("POST", "/contributions/cash", RecordCashContribution),
        ("POST", "/contributions/in-kind", RecordInKindContribution),
    ),
)
