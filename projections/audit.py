"""Funding audit (funders): every money event in log order with the running balances of the accounts it moved,
the decision, the deciding body, the actor, the effective and recorded times; reversals linked both ways."""

from __future__ import annotations

from typing import Any

from projections.facts import Fact
from projections.folding import ReadModel, bump, change, programme_of, put_new
from projections.rows import Rows

OWNERS = "audit_owners"
ENTRIES = "audit_entries"
ACCOUNTS = "audit_accounts"


def _post(rows: Rows, programme_id: str, source: str, target: str, amount: int) -> tuple[int, int]:
    """Move an amount between two accounts; returns their balances afterwards."""
    src = bump(rows, ACCOUNTS, {"programme_id": programme_id, "account": source}, balance=-amount, debits=amount)
    dst = bump(rows, ACCOUNTS, {"programme_id": programme_id, "account": target}, balance=amount, credits=amount)
    return src["balance"], dst["balance"]


def _entry(rows: Rows, fact: Fact, programme_id: str, entry_id: str, kind: str, **values: Any) -> None:
    decision = fact.data.get("decision") or {}
    put_new(
        rows,
        ENTRIES,
        entry_id=entry_id,
        position=fact.position,
        programme_id=programme_id,
        event=fact.name,
        kind=kind,
        actor=fact.actor,
        effective_on=fact.effective_date,
        recorded_at=fact.recorded_at.isoformat(),
        decision_reference=decision.get("reference"),
        decision_body=decision.get("body"),
        reason=fact.data.get("reason"),
        **values,
    )


def _movement(rows: Rows, fact: Fact, programme_id: str, kind: str, source: str, target: str, **values: Any) -> None:
    amount = fact.data["amount"]
    from_balance, to_balance = _post(rows, programme_id, source, target, amount)
    _entry(
        rows,
        fact,
        programme_id,
        fact.data["entry_id"],
        kind,
        from_account=source,
        to_account=target,
        amount=amount,
        from_balance=from_balance,
        to_balance=to_balance,
        **values,
    )


def apply(fact: Fact, rows: Rows) -> None:
    programme_id = programme_of(fact, rows, OWNERS)
    if programme_id is None:
        return
    d = fact.data
    name = fact.name
    if name == "GrantAwarded":
        put_new(
            rows,
            "audit_grants",
            grant_id=d["grant_id"],
            programme_id=programme_id,
            funder=d["funder"],
            co_financing_share_bp=d["co_financing_share_bp"],
        )
        _movement(
            rows,
            fact,
            programme_id,
            "grant",
            f"funder:{d['funder']}",
            f"grant:{d['grant_id']}",
            grant_id=d["grant_id"],
            funder=d["funder"],
        )
    elif name == "BudgetLineSet":
        rows.put("audit_budget_lines", {"programme_id": programme_id, "category": d["category"], "amount": d["amount"]})
        _entry(
            rows,
            fact,
            programme_id,
            f"budget-line-{fact.position}",
            "budget_line",
            amount=d["amount"],
            category=d["category"],
        )
    elif name == "FundsAllocated":
        put_new(
            rows,
            "audit_allocations",
            allocation_id=d["allocation_id"],
            programme_id=programme_id,
            grant_id=d["grant_id"],
            recipient_kind=d["recipient_kind"],
            recipient=d["recipient"],
            category=d["category"],
        )
        _movement(
            rows,
            fact,
            programme_id,
            "allocation",
            f"grant:{d['grant_id']}",
            f"allocation:{d['allocation_id']}",
            grant_id=d["grant_id"],
            allocation_id=d["allocation_id"],
            recipient_kind=d["recipient_kind"],
            recipient=d["recipient"],
            category=d["category"],
        )
    elif name == "FundsReallocated":
        target = rows.get("audit_allocations", (programme_id, d["to_allocation_id"])) or {}
        _movement(
            rows,
            fact,
            programme_id,
            "reallocation",
            f"allocation:{d['from_allocation_id']}",
            f"allocation:{d['to_allocation_id']}",
            allocation_id=d["to_allocation_id"],
            recipient_kind=target.get("recipient_kind"),
            recipient=target.get("recipient"),
            category=target.get("category"),
        )
    elif name == "FundsDisbursed":
        allocation = rows.get("audit_allocations", (programme_id, d["allocation_id"])) or {}
        _movement(
            rows,
            fact,
            programme_id,
            d["kind"],
            f"allocation:{d['allocation_id']}",
            f"disbursed:{d['allocation_id']}",
            allocation_id=d["allocation_id"],
            recipient=allocation.get("recipient"),
            category=allocation.get("category"),
        )
    elif name == "ExpenditureReported":
        allocation = bump(
            rows,
            "audit_allocations",
            {"programme_id": programme_id, "allocation_id": d["allocation_id"]},
            spent=d["amount"],
        )
        _entry(
            rows,
            fact,
            programme_id,
            d["entry_id"],
            "expenditure",
            allocation_id=d["allocation_id"],
            amount=d["amount"],
            period=d["period"],
            recipient=allocation.get("recipient"),
            category=allocation.get("category"),
        )
    elif name == "EntryReversed":
        original = rows.get(ENTRIES, (d["reversed_entry_id"],))
        if original is None:
            return
        change(rows, ENTRIES, (d["reversed_entry_id"],), reversed_by_entry_id=d["entry_id"])
        link = {
            "reverses_entry_id": d["reversed_entry_id"],
            "allocation_id": original["allocation_id"],
            "grant_id": original["grant_id"],
            "recipient": original["recipient"],
            "category": original["category"],
        }
        if original["kind"] == "expenditure":
            bump(
                rows,
                "audit_allocations",
                {"programme_id": programme_id, "allocation_id": original["allocation_id"]},
                spent=-original["amount"],
            )
            _entry(rows, fact, programme_id, d["entry_id"], "reversal", amount=original["amount"], **link)
        else:
            source, target, amount = original["to_account"], original["from_account"], original["amount"]
            from_balance, to_balance = _post(rows, programme_id, source, target, amount)
            _entry(
                rows,
                fact,
                programme_id,
                d["entry_id"],
                "reversal",
                from_account=source,
                to_account=target,
                amount=amount,
                from_balance=from_balance,
                to_balance=to_balance,
                **link,
            )


READ_MODEL = ReadModel(
    "audit", (OWNERS, ENTRIES, ACCOUNTS, "audit_allocations", "audit_grants", "audit_budget_lines"), apply
)
