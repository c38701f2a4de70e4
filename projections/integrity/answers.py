"""The integrity answers: a receipt for the history so far, the verdict of checking the history against one,
and how far each read model is behind the log."""

from __future__ import annotations

from projections.answers import Answer


class Receipt(Answer):
    """Keep it: a later verification proves that the history up to `position` is unchanged."""

    position: int
    chain: str  # the SHA-256 hash chain at that position, hex
    issued_at: str  # ISO 8601, UTC


class Verification(Answer):
    """ok, or the first position that differs (None when only the chain's end differs) and why."""

    ok: bool
    checked_up_to: int
    first_bad_position: int | None
    reason: str


class StalledReadModel(Answer):
    """A read model stopped before an event its fold could not apply: it holds everything before `position`."""

    read_model: str
    position: int
    event: str
    error: str


class Lag(Answer):
    head: int  # the log's last position
    lag: dict[str, int]  # events each read model is behind it
    stalled: list[StalledReadModel]


class Health(Answer):
    """`ok`, or `degraded` while a read model is stalled (its name and position; the reason is on /api/lag)."""

    status: str
    stalled: dict[str, int]
