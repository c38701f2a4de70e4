"""The claims as of a moment, by query: the programme's claim facts up to the moment, read in one indexed query,
and the figures made from them (figures.py). No history is replayed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from projections.claims.figures import claims
from projections.schema import claim_facts, positions

if TYPE_CHECKING:
    from datetime import date

    from projections.claims.answers import Claims


def position(db: Connection) -> int:
    """How far the claims read model has read the log."""
    found = db.execute(select(positions.c.position).where(positions.c.read_model == "claims")).scalar()
    return int(found or 0)


def claims_as_of(
    db: Connection, programme_id: str, slug: str, up_to: int | None = None, effective_by: date | None = None
) -> Claims:
    """The programme's claims as of log position `up_to` (default: as far as the read model has read), counting
    only facts in effect by `effective_by` if given."""
    head = position(db)
    at = head if up_to is None else min(up_to, head)
    query = select(claim_facts).where(claim_facts.c.programme_id == programme_id, claim_facts.c.position <= at)
    if effective_by is not None:
        query = query.where(claim_facts.c.effective_on <= effective_by)
    rows: list[dict[str, Any]] = [dict(r._mapping) for r in db.execute(query.order_by(claim_facts.c.position))]
    return claims(slug, rows, at, effective_by)


def claim_lines_table(answer: Claims) -> list[dict[str, Any]]:
    """One row per claim line, with its claim's period and grant: the CSV export."""
    out: list[dict[str, Any]] = []
    for claim in answer.claims:
        for line in claim.lines:
            out.append(
                {
                    "period": claim.period,
                    "closed": claim.closed,
                    "sealed_position": claim.sealed_position,
                    "grant_id": claim.grant_id,
                    "funder": claim.funder,
                    "claim_state": claim.state,
                    **line.model_dump(mode="json", exclude={"positions"}),
                    "events": " ".join(str(p) for p in line.positions),
                }
            )
    return out
