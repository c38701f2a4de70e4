"""The revision report's answer: what changed in a programme's published figures between two moments, and which
events recorded between them changed it (docs/figures.md, "Revision report")."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, JsonValue

from projections.answers import Answer


class Moment(Answer):
    """A moment of the log: a position and the time the event at it was recorded (null before the first)."""

    position: int
    recorded_at: datetime | None


class FigureChange(Answer):
    """One published figure whose value differs between the two moments."""

    answer: str = Field(description="status, audit or evaluation")
    figure: str = Field(description="its path in that answer, e.g. pipeline.joined or companies[NO912345017].stage")
    old: JsonValue = Field(description="its value at the first moment (null: it did not exist yet)")
    new: JsonValue = Field(description="its value at the second moment (null: it no longer exists)")
    positions: list[int] = Field(description="the events recorded between the moments that changed it, in order")


class RevisionEvent(Answer):
    """An event of the programme recorded between the two moments."""

    position: int
    event: str
    recorded_at: datetime
    effective_on: date = Field(description="the day it took effect")
    actor: str
    decision_reference: str | None
    decision_body: str | None
    back_dated: bool = Field(description="it took effect before the first moment's day: a correction of the past")
    figures_changed: int = Field(description="how many published figures it changed when it was recorded")


class RevisionReport(Answer):
    """Everything the ledger published about a programme that changed between two moments."""

    programme: str
    funder: str | None = Field(description="when given, only the audit entries of this funder's grants")
    since: Moment
    until: Moment
    changes: list[FigureChange]
    events: list[RevisionEvent]
    resend_months: list[str] = Field(
        description="months (YYYY-MM) whose participant data must be re-sent: from the earliest month a participant "
        "fact recorded between the moments took effect in, through the last month reported at the first moment "
        "(the month before its day)"
    )


class Contribution(Answer):
    """One event behind a figure: the figure's value before and after it was folded in."""

    position: int
    event: str
    recorded_at: datetime
    effective_on: date
    actor: str
    decision_reference: str | None
    decision_body: str | None
    before: JsonValue = Field(description="the figure before this event (null: it did not exist yet)")
    after: JsonValue = Field(description="the figure after it")
    contribution: int | float | None = Field(description="after - before, for a number (null: not a number)")


class Provenance(Answer):
    """The events behind one published figure as of a moment; for a number, the contributions add up to it."""

    answer: str
    figure: str
    value: JsonValue = Field(description="the figure as of the moment")
    position: int = Field(description="the log position of the moment")
    effective_on: date | None = Field(description="the effective date asked, if any")
    contributions: list[Contribution]
