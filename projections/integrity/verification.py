"""Tamper evidence. The events in log order form a SHA-256 hash chain (see fold.py). A receipt (position,
chain hash, time) taken today lets a funder check later that the history up to that position is unchanged;
verification re-reads the stored events, recomputes the chain, and names the first position that differs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, select

from projections.facts import EventLog, stored_event_digest
from projections.integrity.answers import Receipt, Verification
from projections.integrity.fold import GENESIS, link
from projections.schema import event_index, integrity_head


def _failed(checked: int, position: int | None, reason: str) -> Verification:
    return Verification(ok=False, checked_up_to=checked, first_bad_position=position, reason=reason)


def take_receipt(views: Engine) -> Receipt:
    """The head of the chain as the integrity read model has it (catch the projector up first)."""
    with views.connect() as db:
        head = db.execute(select(integrity_head).where(integrity_head.c.name == "log")).mappings().first()
    position, chain = (0, GENESIS) if head is None else (head["position"], head["chain"])
    return Receipt(position=position, chain=chain, issued_at=datetime.now(UTC).isoformat())


def verify(ledger: EventLog, views: Engine, receipt: Receipt | None = None, batch: int = 1000) -> Verification:
    """Recompute the chain from the stored events and compare it, event by event, with the chain indexed when
    the events were first projected, and at the end with the receipt. Names the first position that differs:
    an altered event (its digest changed), a removed one (a position missing), or a reordering."""
    upto = receipt.position if receipt is not None else None
    chain = GENESIS
    start = 0
    checked = 0
    with views.connect() as db:
        while True:
            query = (
                select(event_index.c.position, event_index.c.digest, event_index.c.chain)
                .where(event_index.c.position > start)
                .order_by(event_index.c.position)
                .limit(batch)
            )
            if upto is not None:
                query = query.where(event_index.c.position <= upto)
            indexed = db.execute(query).all()
            stored = ledger.recorder.select_notifications(start=start, limit=batch, stop=upto, inclusive_of_start=False)
            if not indexed and not stored:
                break
            for i in range(max(len(indexed), len(stored))):
                expected = indexed[i] if i < len(indexed) else None
                actual = stored[i] if i < len(stored) else None
                if expected is None:
                    assert actual is not None
                    if upto is not None:
                        return _failed(checked, actual.id, "an event is stored that was never indexed")
                    return _finish(checked, chain, receipt)  # not yet projected: verified as far as indexed
                if actual is None or actual.id != expected.position:
                    missing = expected.position if actual is None or actual.id > expected.position else actual.id
                    return _failed(checked, missing, f"the event at position {missing} was removed or moved")
                digest = stored_event_digest(actual).hex()
                chain = link(chain, digest)
                if digest != expected.digest or chain != expected.chain:
                    return _failed(checked, actual.id, f"the event at position {actual.id} was altered")
                checked = actual.id
            start = checked
            if len(indexed) < batch and len(stored) < batch:
                break
    return _finish(checked, chain, receipt)


def _finish(checked: int, chain: str, receipt: Receipt | None) -> Verification:
    if receipt is not None:
        if checked < receipt.position:
            return _failed(checked, checked + 1, "events up to the receipt's position are missing")
        if chain != receipt.chain:
            return _failed(checked, None, "the chain differs from the receipt: the history was rewritten")
    return Verification(ok=True, checked_up_to=checked, first_bad_position=None, reason="")
