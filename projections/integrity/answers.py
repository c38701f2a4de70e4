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


class Lag(Answer):
    head: int  # the log's last position
    lag: dict[str, int]  # events each read model is behind it
