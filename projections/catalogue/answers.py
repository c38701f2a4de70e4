"""The training offer's answers: the catalogue of modules and activities across programmes, and a programme's
forum (meetings between industry and education, and the education offers co-created there)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field

from ledger.values import ActivityKind
from projections.answers import Answer
from projections.status.answers import ActivityStatus, Module

if TYPE_CHECKING:
    from collections.abc import Callable


class CatalogueModule(Module):
    programme: str | None  # the programme's slug


class CatalogueActivity(Answer):
    activity_id: str
    programme_id: str
    title: str
    kind: ActivityKind
    competence_area: str
    region: str
    provider: str
    planned_on: date
    status: ActivityStatus
    held_on: date | None
    minutes: int
    participants: int
    programme: str | None  # the programme's slug


class Catalogue(Answer):
    modules: list[CatalogueModule]
    activities: list[CatalogueActivity]

    def of_programmes(self, covers: Callable[[str], bool]) -> Catalogue:
        """Only the offers of the programmes a reader may see."""
        return Catalogue(
            modules=[m for m in self.modules if m.programme and covers(m.programme)],
            activities=[a for a in self.activities if a.programme and covers(a.programme)],
        )


class MeetingDetail(Answer):
    sectors: list[str]
    format: str


class OfferDetail(Answer):
    provider: str
    meeting_id: str | None  # the forum meeting it came from, if any


class ForumMeeting(Answer):
    item_id: str
    programme_id: str
    kind: Literal["meeting"]
    title: str
    detail: MeetingDetail
    held_on: date


class ForumOffer(Answer):
    item_id: str
    programme_id: str
    kind: Literal["offer"]
    title: str
    detail: OfferDetail
    held_on: date


ForumItem = Annotated[ForumMeeting | ForumOffer, Field(discriminator="kind")]
"""A forum meeting or an education offer co-created in the forum, told apart by `kind`."""
