"""The integrity fold: the event index and the SHA-256 hash chain over the log,
chain(n) = sha256(chain(n-1) || digest(event n)). It indexes every event alike, so it is one function, no handlers.

The index also tells which programme each event belongs to, so one programme's history can be read (and folded
as of any moment) without reading any other programme's events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from projections.folding import ReadModel, programme_of
from storage.chain import GENESIS, link

if TYPE_CHECKING:
    from projections.facts import Fact
    from projections.rows import Rows

OWNERS = "integrity_owners"


def apply(fact: Fact, rows: Rows) -> None:
    programme_id = programme_of(fact, rows, OWNERS)
    head = rows.get("integrity_head", ("log",)) or {"name": "log", "position": 0, "chain": GENESIS}
    chain = link(head["chain"], fact.digest)
    rows.insert(
        "integrity_events",
        {
            "position": fact.position,
            "originator_id": fact.originator_id,
            "version": fact.version,
            "programme_id": programme_id,
            "recorded_at": fact.recorded_at.isoformat(),
            "effective_on": fact.effective_date,
            "digest": fact.digest,
            "chain": chain,
        },
    )
    rows.put("integrity_head", {"name": "log", "position": fact.position, "chain": chain})


READ_MODEL = ReadModel("integrity", (OWNERS, "integrity_events", "integrity_head"), apply)
