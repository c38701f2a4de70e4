"""Provenance: the events behind one published figure, as of a moment (docs/figures.md, "Provenance").

The programme's events up to the moment (those in effect by the day, for an effective date) are folded one at a
time and the figure read after each: every event after which it differs is behind it, with the value before and
after and, for a number, its contribution (after - before). The contributions add up to the figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.errors import InvalidInput, NotFound
from projections.as_of import fold_into, in_effect, memory_views, programme_facts
from projections.revisions.answers import Contribution, Provenance
from projections.revisions.report import MAX_EVENTS, answers_of, event_fields, figures_of

if TYPE_CHECKING:
    from datetime import date

    from pydantic import JsonValue
    from sqlalchemy import Engine

    from projections.facts import EventLog, Fact

ANSWERS = ("status", "audit", "evaluation")


def provenance(
    ledger: EventLog,
    views: Engine,
    programme_id: str,
    answer: str,
    figure: str,
    position: int,
    effective_on: date | None = None,
) -> Provenance:
    """The events behind `figure` of `answer` (a path as in the revision report) as of a log position, and of an
    effective date if given."""
    if answer not in ANSWERS:
        raise InvalidInput("answer", f"must be one of {', '.join(ANSWERS)}")
    facts = programme_facts(ledger, views, programme_id, position)
    if effective_on is not None:
        facts = [f for f in facts if in_effect(f, effective_on)]
    if len(facts) > MAX_EVENTS:
        raise InvalidInput("figure", f"{len(facts)} events lie behind the programme's figures at that moment; "
                           f"provenance walks at most {MAX_EVENTS}")  # fmt: skip
    compute = {answer: answers_of(programme_id, None)[answer]}
    memory = memory_views()
    value: JsonValue = None
    seen = False
    contributions: list[Contribution] = []
    try:
        for fact in facts:
            fold_into(memory, [fact])
            figures = figures_of(memory, compute)[answer]
            seen = seen or figure in figures
            after = figures.get(figure)
            if after != value:
                contributions.append(_contribution(fact, value, after))
                value = after
    finally:
        memory.dispose()
    if not seen:
        raise NotFound("figure", f"{answer} {figure}", "figure")
    return Provenance(answer=answer, figure=figure, value=value, position=position, effective_on=effective_on,
                      contributions=contributions)  # fmt: skip


def _contribution(fact: Fact, before: JsonValue, after: JsonValue) -> Contribution:
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (before or 0, after or 0))
    return Contribution(
        **event_fields(fact),
        before=before,
        after=after,
        contribution=(after or 0) - (before or 0) if numeric else None,  # type: ignore[operator]
    )
