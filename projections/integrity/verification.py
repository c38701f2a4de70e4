"""Tamper evidence. Every event is linked into a SHA-256 hash chain by the transaction that commits it
(storage/chain.py). A receipt (position, chain hash, time) taken today lets a funder check later that the history
up to that position is unchanged; verification re-reads the stored events, recomputes the chain, and compares it,
position by position, with the chain stored at commit, with the integrity read model's index, and with the
receipt. It names the first position that differs and why: an event altered, removed, moved or inserted, a link
of the stored chain altered, the index altered, or the log truncated."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, select

from projections.integrity.answers import Receipt, Verification
from projections.schema import event_index, integrity_head
from storage.chain import GENESIS, chained, event_digest, link

if TYPE_CHECKING:
    from projections.facts import EventLog


def _failed(checked: int, position: int | None, reason: str) -> Verification:
    return Verification(ok=False, checked_up_to=checked, first_bad_position=position, reason=reason)


def take_receipt(ledger: EventLog) -> Receipt:
    """The head of the chain stored at commit: no read model needs to have caught up."""
    head = chained(ledger.recorder).chain_head()
    position, chain = (0, GENESIS) if head is None else (head.position, head.chain)
    return Receipt(position=position, chain=chain, issued_at=datetime.now(UTC).isoformat())


def verify(ledger: EventLog, views: Engine, receipt: Receipt | None = None, batch: int = 1000) -> Verification:
    """Recompute the chain from the stored events, up to the receipt's position or the end of the log, and
    compare it with the chain stored at commit, the integrity index and the receipt. Reads a window of positions
    at a time from each, so memory stays flat on any history."""
    chain_store = chained(ledger.recorder)
    stored_head = chain_store.chain_head()
    last = max(ledger.recorder.max_notification_id() or 0, stored_head.position if stored_head else 0)
    upto = receipt.position if receipt is not None else last
    with views.connect() as db:
        indexed_head = db.execute(select(integrity_head.c.position).where(integrity_head.c.name == "log")).scalar()
    indexed_upto = indexed_head or 0
    chain, checked = GENESIS, 0
    after = 0
    while after < upto:
        # the next `batch` rows of each source; the window ends where the first full one ends (positions may
        # have gaps, and a receipt may name a position far beyond the log)
        stored_events = ledger.recorder.select_notifications(
            start=after, stop=upto, limit=batch, inclusive_of_start=False
        )
        stored_links = chain_store.chain_rows(after, upto, batch)
        indexed_rows = _index(views, after, upto, batch)
        full = [rows[-1] for rows in (
            [n.id for n in stored_events], [row.position for row in stored_links], list(indexed_rows)
        ) if len(rows) == batch]  # fmt: skip
        window_end = min(full, default=upto)
        events = {n.id: n for n in stored_events if n.id <= window_end}
        links = {row.position: row for row in stored_links if row.position <= window_end}
        index = {position: row for position, row in indexed_rows.items() if position <= window_end}
        if not (events or links or index):
            break
        for position in sorted(events.keys() | links.keys() | index.keys()):
            event, stored, indexed = events.get(position), links.get(position), index.get(position)
            if event is None:
                what = "removed or moved" if stored is not None else "never recorded, yet the index holds it"
                return _failed(checked, position, f"the event at position {position} was {what}")
            digest = event_digest(event)
            chain = link(chain, digest)
            if stored is None:
                return _failed(
                    checked, position, f"the event at position {position} has no link in the chain stored at "
                    "commit: it was inserted behind the ledger's back",
                )  # fmt: skip
            if stored.digest != digest:
                return _failed(checked, position, f"the event at position {position} was altered")
            if stored.chain != chain:
                return _failed(checked, position, f"the chain stored at commit was altered at position {position}")
            if position <= indexed_upto and (
                indexed is None or (indexed["digest"], indexed["chain"]) != (digest, chain)
            ):
                return _failed(
                    checked, position, f"the integrity index differs from the log at position {position} "
                    "(the index was altered; `ledger rebuild integrity` restores it from the log)",
                )  # fmt: skip
            checked = position
        after = window_end
    if receipt is not None:
        if checked < receipt.position:
            return _failed(checked, checked + 1, "the log ends before the receipt's position: it was truncated")
        if chain != receipt.chain:
            return _failed(
                checked, None, "the chain differs from the receipt: the history up to it was rewritten, and the "
                "chain stored at commit with it",
            )  # fmt: skip
    return Verification(ok=True, checked_up_to=checked, first_bad_position=None, reason="")


def _index(views: Engine, after: int, upto: int, limit: int) -> dict[int, Any]:
    with views.connect() as db:
        rows = db.execute(
            select(event_index.c.position, event_index.c.digest, event_index.c.chain)
            .where(event_index.c.position > after, event_index.c.position <= upto)
            .order_by(event_index.c.position).limit(limit)
        ).mappings()  # fmt: skip
        return {row["position"]: row for row in rows}
