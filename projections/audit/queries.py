"""The funders' questions, answered from the audit tables: the funding audit (optionally one funder's grants),
its reconciliation, and the money summary."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, select

from projections.audit.answers import (
    Account,
    AuditEntry,
    CoFinancing,
    CoFinancingPeriod,
    EntryKind,
    FundingAudit,
    Funds,
    Payment,
    PaymentState,
    PaymentStop,
    RecipientFunds,
    ReconciledAccount,
    Reconciliation,
    Totals,
)
from projections.schema import (
    audit_accounts,
    audit_allocations,
    audit_budget_lines,
    audit_contributions,
    audit_entries,
    audit_grants,
    audit_payment_stops,
    audit_payments,
)


def _kind(account: str) -> str:
    return account.split(":", 1)[0]


def funds(db: Connection, programme_id: str) -> Funds:
    """Granted, allocated, disbursed, spent and remaining (unallocated), from the account balances."""
    totals = {"funder": 0, "grant": 0, "allocation": 0, "disbursed": 0, "repayment_due": 0, "repaid": 0}
    for row in db.execute(select(audit_accounts).where(audit_accounts.c.programme_id == programme_id)):
        kind = _kind(row.account)
        if kind in totals:
            totals[kind] += row.balance
    spent = sum(
        r.spent
        for r in db.execute(select(audit_allocations.c.spent).where(audit_allocations.c.programme_id == programme_id))
    )
    pending = sum(
        r.amount
        for r in db.execute(
            select(audit_payments.c.amount).where(
                audit_payments.c.programme_id == programme_id, audit_payments.c.state == PaymentState.PENDING.value
            )
        )
    )
    return Funds(
        granted=-totals["funder"],
        allocated=totals["allocation"] + totals["disbursed"],
        disbursed=totals["disbursed"],
        outstanding=totals["allocation"],
        spent=spent,
        remaining=totals["grant"],
        pending=pending,
        repayment_due=totals["repayment_due"],
        repaid=totals["repaid"],
        co_financing_shortfall=sum(grant.shortfall for grant in co_financing(db, programme_id, periods=False)),
    )


def _entries(db: Connection, programme_id: str) -> list[AuditEntry]:
    query = select(audit_entries).where(audit_entries.c.programme_id == programme_id)
    return [AuditEntry.model_validate(dict(r)) for r in db.execute(query.order_by(audit_entries.c.position)).mappings()]


def _funders_entries(db: Connection, programme_id: str, funder: str, entries: list[AuditEntry]) -> list[AuditEntry]:
    """The entries of one funder's grants and of the allocations made from them."""
    grant_ids = {
        r.grant_id
        for r in db.execute(
            select(audit_grants.c.grant_id).where(
                audit_grants.c.programme_id == programme_id, audit_grants.c.funder == funder
            )
        )
    }
    allocation_ids = {
        r.allocation_id
        for r in db.execute(
            select(audit_allocations.c.allocation_id).where(
                audit_allocations.c.programme_id == programme_id, audit_allocations.c.grant_id.in_(grant_ids)
            )
        )
    }
    return [e for e in entries if e.grant_id in grant_ids or e.allocation_id in allocation_ids]


def funding_audit(db: Connection, programme_id: str, funder: str | None = None) -> FundingAudit:
    """Every money event in log order with running balances, decisions and links; the reconciliation."""
    entries = _entries(db, programme_id)
    if funder is not None:
        entries = _funders_entries(db, programme_id, funder, entries)
    accounts = db.execute(
        select(audit_accounts).where(audit_accounts.c.programme_id == programme_id).order_by(audit_accounts.c.account)
    ).mappings()
    budget = {
        r.category: r.amount
        for r in db.execute(select(audit_budget_lines).where(audit_budget_lines.c.programme_id == programme_id))
    }
    payments = payments_of(db, programme_id)
    if funder is not None:
        shown = {e.allocation_id for e in entries}
        payments = [p for p in payments if p.allocation_id in shown]
    return FundingAudit(
        entries=entries,
        accounts=[Account.model_validate(dict(r)) for r in accounts],
        budget_lines=budget,
        reconciliation=reconciliation(db, programme_id),
        payments=payments,
        payment_stops=payment_stops_of(db, programme_id, entries if funder is not None else None),
        co_financing=[grant for grant in co_financing(db, programme_id) if funder is None or grant.funder == funder],
        recipients=recipients_of(db, programme_id, payments, entries, only_shown=funder is not None),
    )


def recipients_of(
    db: Connection, programme_id: str, payments: list[Payment], entries: list[AuditEntry], *, only_shown: bool
) -> list[RecipientFunds]:
    """Per recipient (in the order first allocated to), its allocations' balances: outstanding (`remaining`) and
    disbursed from the accounts, spent from the allocations, pending from the payments (for one funder, the
    allocations of its grants)."""
    balances = {
        r.account: r.balance
        for r in db.execute(select(audit_accounts).where(audit_accounts.c.programme_id == programme_id))
    }
    pending: dict[str, int] = defaultdict(int)
    for payment in payments:
        if payment.state == PaymentState.PENDING:
            pending[payment.allocation_id] += payment.amount
    first: dict[str, int] = {}
    for entry in entries:
        if entry.allocation_id is not None:
            first.setdefault(entry.allocation_id, entry.position)
    rows = db.execute(select(audit_allocations).where(audit_allocations.c.programme_id == programme_id)).all()
    by: dict[tuple[str | None, str], dict[str, int]] = {}
    for row in sorted(rows, key=lambda r: (first.get(r.allocation_id, 0), r.allocation_id)):
        if only_shown and row.allocation_id not in first:
            continue
        figures = by.setdefault(
            (row.recipient_kind, row.recipient or ""),
            {"allocations": 0, "disbursed": 0, "spent": 0, "remaining": 0, "pending": 0},
        )
        figures["allocations"] += 1
        figures["remaining"] += balances.get(f"allocation:{row.allocation_id}", 0)
        figures["disbursed"] += balances.get(f"disbursed:{row.allocation_id}", 0)
        figures["spent"] += row.spent
        figures["pending"] += pending[row.allocation_id]
    return [
        RecipientFunds(recipient_kind=kind, recipient=recipient, allocated=f["remaining"] + f["disbursed"], **f)
        for (kind, recipient), f in by.items()
    ]


def payment_stops_of(db: Connection, programme_id: str, shown: list[AuditEntry] | None = None) -> list[PaymentStop]:
    """The payment stops in the order they were recorded (for one funder, those on its grants and allocations)."""
    query = select(audit_payment_stops).where(audit_payment_stops.c.programme_id == programme_id)
    stops = [
        PaymentStop.model_validate({k: v for k, v in r.items() if k != "programme_id"})
        for r in db.execute(query.order_by(audit_payment_stops.c.position)).mappings()
    ]
    if shown is None:
        return stops
    targets = {e.grant_id for e in shown} | {e.allocation_id for e in shown}
    return [s for s in stops if s.target_id in targets]


def payments_of(db: Connection, programme_id: str) -> list[Payment]:
    """The payments by two people, in the order they were requested."""
    query = select(audit_payments).where(audit_payments.c.programme_id == programme_id)
    rows = db.execute(query.order_by(audit_payments.c.position)).mappings()
    return [Payment.model_validate({k: v for k, v in r.items() if k != "programme_id"}) for r in rows]


def audit_table(db: Connection, programme_id: str) -> list[dict[str, Any]]:
    """The audit entries as flat rows (dates as ISO text), for CSV exports from the API and the command line."""
    return [entry.model_dump(mode="json") for entry in _entries(db, programme_id)]


def reconciliation(db: Connection, programme_id: str) -> Reconciliation:
    """Proves the books from two independent sides: the flows summed from the entries, and the balances the fold
    kept. Per account, balance == credits - debits; in total, granted == allocated + unallocated and
    allocated == disbursed + outstanding."""
    moved = db.execute(
        select(audit_entries.c.from_account, audit_entries.c.to_account, audit_entries.c.amount).where(
            audit_entries.c.programme_id == programme_id, audit_entries.c.from_account.is_not(None)
        )
    ).all()
    flows: dict[str, int] = defaultdict(int)
    net: dict[tuple[str, str], int] = defaultdict(int)
    for source, target, amount in moved:
        flows[source] -= amount
        flows[target] += amount
        net[(_kind(source), _kind(target))] += amount
        net[(_kind(target), _kind(source))] -= amount
    balances: dict[str, int] = {
        r.account: r.balance
        for r in db.execute(select(audit_accounts).where(audit_accounts.c.programme_id == programme_id))
    }
    per_account = [
        ReconciledAccount(
            account=account,
            balance=balance,
            from_entries=flows.get(account, 0),
            balanced=balance == flows.get(account, 0),
        )
        for account, balance in sorted(balances.items())
    ]
    kinds: dict[str, int] = defaultdict(int)
    for account, balance in balances.items():
        kinds[_kind(account)] += balance
    granted, allocated = net[("funder", "grant")], net[("grant", "allocation")]
    disbursed = net[("allocation", "disbursed")]
    totals = Totals(
        granted=granted,
        allocated=allocated,
        unallocated=kinds["grant"],
        disbursed=disbursed,
        outstanding=kinds["allocation"],
        granted_equals_allocated_plus_unallocated=granted == allocated + kinds["grant"],
        allocated_equals_disbursed_plus_outstanding=allocated == disbursed + kinds["allocation"],
        sum_of_balances=sum(balances.values()),
    )
    balanced = (
        all(a.balanced for a in per_account)
        and totals.granted_equals_allocated_plus_unallocated
        and totals.allocated_equals_disbursed_plus_outstanding
        and totals.sum_of_balances == 0
    )
    return Reconciliation(balanced=balanced, totals=totals, accounts=per_account)


def _share(share_bp: int, spent: int, cash: int, in_kind: int) -> dict[str, int]:
    """The required co-financing: the share of the costs (the grant's expenditure plus the contributions), rounded
    up to whole minor units once; the shortfall is what the contributions lack of it."""
    contributed = cash + in_kind
    required = -(-share_bp * (spent + contributed) // 10_000)
    return {"spent": spent, "cash": cash, "in_kind": in_kind, "contributed": contributed, "required": required,
            "shortfall": max(0, required - contributed)}  # fmt: skip


def co_financing(db: Connection, programme_id: str, *, periods: bool = True) -> list[CoFinancing]:
    """Per grant (by grant id): its required share against the contributions recorded and not reversed,
    in all and per reporting period (the periods its expenditure and its contributions name)."""
    grants = db.execute(
        select(audit_grants.c.grant_id, audit_grants.c.funder, audit_grants.c.co_financing_share_bp)
        .where(audit_grants.c.programme_id == programme_id)
        .order_by(audit_grants.c.grant_id)
    ).all()
    grant_of = {
        r.allocation_id: r.grant_id
        for r in db.execute(
            select(audit_allocations.c.allocation_id, audit_allocations.c.grant_id).where(
                audit_allocations.c.programme_id == programme_id
            )
        )
    }
    by: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"spent": 0, "cash": 0, "in_kind": 0})
    for row in db.execute(
        select(audit_contributions).where(
            audit_contributions.c.programme_id == programme_id, audit_contributions.c.reversed.is_(False)
        )
    ):
        by[(row.grant_id, row.period)][row.kind] += row.amount
    entries = db.execute(
        select(audit_entries.c.entry_id, audit_entries.c.kind, audit_entries.c.allocation_id, audit_entries.c.amount,
               audit_entries.c.period, audit_entries.c.reverses_entry_id)
        .where(audit_entries.c.programme_id == programme_id,
               audit_entries.c.kind.in_([EntryKind.EXPENDITURE.value, EntryKind.REVERSAL.value]))
    ).all()  # fmt: skip
    expenditure = {e.entry_id: e for e in entries if e.kind == EntryKind.EXPENDITURE}
    for e in entries:
        original, sign = (e, 1) if e.kind == EntryKind.EXPENDITURE else (expenditure.get(e.reverses_entry_id), -1)
        if original is not None and original.allocation_id in grant_of:
            by[(grant_of[original.allocation_id], original.period)]["spent"] += sign * e.amount
    answer: list[CoFinancing] = []
    for grant_id, funder_, share_bp in grants:
        mine = {period: figures for (g, period), figures in by.items() if g == grant_id}
        total = {k: sum(f[k] for f in mine.values()) for k in ("spent", "cash", "in_kind")}
        rows = [CoFinancingPeriod(period=p, **_share(share_bp, **mine[p])) for p in sorted(mine)] if periods else []
        answer.append(
            CoFinancing(grant_id=grant_id, funder=funder_, share_bp=share_bp, **_share(share_bp, **total), periods=rows)
        )
    return answer
