"""The accounts money moves between (see ledger/domain/funds.py): named by kind and id, so a balance reads as
what it is (`grant:<id>`, `allocation:<id>`)."""

from __future__ import annotations

Posting = tuple[str, str, int]  # (from account, to account, amount)


def funder_account(funder: str) -> str:
    return f"funder:{funder}"


def grant_account(grant_id: str) -> str:
    return f"grant:{grant_id}"


def allocation_account(allocation_id: str) -> str:
    return f"allocation:{allocation_id}"


def disbursed_account(allocation_id: str) -> str:
    return f"disbursed:{allocation_id}"


def repayment_due_account(allocation_id: str) -> str:
    """What the recipient of an allocation owes back by a repayment claim."""
    return f"repayment_due:{allocation_id}"


def repaid_account(grant_id: str) -> str:
    """What recipients repaid to the funder of a grant."""
    return f"repaid:{grant_id}"


def is_external(account: str) -> bool:
    return account.startswith("funder:")
