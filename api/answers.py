"""Live read answers kept until the read models move (a cache the services carry for the read routes)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from projections.projector import Projector


class Answers:
    """Live answers kept until the read models move: each is stored with the projector's positions and served
    only while they are unchanged, so a cached answer is always the answer the tables would give."""

    def __init__(self, projector: Projector, size: int = 256) -> None:
        self.projector = projector
        self.size = size
        self._answers: dict[tuple[str, ...], tuple[tuple[int, ...], Any]] = {}

    def _positions(self) -> tuple[int, ...]:
        return tuple(sorted(self.projector.positions().values()))

    def get(self, key: tuple[str, ...]) -> Any:
        found = self._answers.get(key)
        if found is None or found[0] != self._positions():
            return None
        return found[1]

    def put(self, key: tuple[str, ...], answer: Any) -> None:
        if len(self._answers) >= self.size:
            self._answers.clear()
        self._answers[key] = (self._positions(), answer)
