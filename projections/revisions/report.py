"""The revision report: a programme's published figures at two moments of the log, every figure that differs, and
the events recorded between the moments that changed each (docs/figures.md, "Revision report").

The programme's read models are copied as they stood at the first moment (from the stored versions), then the
events recorded between the moments are folded one at a time, each answer compared before and after: so each
figure names exactly the events that moved it, back-dated ones included, and a figure moved and moved back is not
a change."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import JsonValue
from sqlalchemy import select

from ledger.errors import InvalidInput
from ledger.events import (
    ActivityHeld,
    AttendanceRecorded,
    ModuleCompleted,
    ParticipantEnrolled,
    ParticipantErased,
    ParticipantLeft,
    ParticipantReentered,
    ParticipantRegistered,
)
from projections.as_of import fold_into, position_at, programme_facts, programme_rows_at
from projections.audit import queries as audit
from projections.claims.queries import claims_as_of
from projections.evaluation import queries as evaluation
from projections.revisions.answers import FigureChange, Moment, RevisionEvent, RevisionReport
from projections.schema import event_index
from projections.status import queries as status

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Connection, Engine

    from projections.claims.answers import Claim
    from projections.facts import EventLog, Fact

# Participant data as the Swedish ESF reports it to SCB month by month: who took part, from when to when, and
# their hours. A fact of these that takes effect in a month already reported forces that month and every later one
# reported to be sent again.
PARTICIPANT_DATA = (
    ParticipantRegistered,
    ParticipantLeft,
    ParticipantReentered,
    ParticipantErased,
    ParticipantEnrolled,
    AttendanceRecorded,
    ActivityHeld,
    ModuleCompleted,
)

# In a list of things, the field that names each one, so a figure keeps its name when the list grows.
NAMED_BY = ("org_number", "group_id", "module_id", "session_id", "activity_id", "participant_id", "entry_id",
            "grant_id", "allocation_id", "account", "week", "period", "name", "recipient")  # fmt: skip

Figures = dict[str, JsonValue]

MAX_EVENTS = 5_000
"""The most events of a programme one report walks through (each is folded and every answer compared): a longer
window is refused, naming a later first moment that fits."""


def moment_at(views: Engine, position: int) -> Moment:
    """The moment just after the event at a position was recorded (position 0: before the first event)."""
    with views.connect() as db:
        recorded = db.execute(select(event_index.c.recorded_at).where(event_index.c.position == position)).scalar()
    return Moment(position=position, recorded_at=datetime.fromisoformat(recorded) if recorded else None)


def moments_between(
    views: Engine, head: int, since: int | datetime | None, until: int | datetime | None
) -> tuple[int, int]:
    """The two log positions a report compares: each given as a position (a receipt's) or a recorded time;
    the second defaults to the log head. Refused (naming the field) unless first <= second <= head."""
    if since is None:
        raise InvalidInput("since", "give the first moment: a log position (a receipt's) or a recorded time")
    first, last = _position(views, "since", since), head if until is None else _position(views, "until", until)
    if last > head:
        raise InvalidInput("until", f"position {last} is beyond the log head ({head})")
    if first > last:
        raise InvalidInput("since", f"the first moment ({first}) is after the second ({last})")
    return first, last


def _position(views: Engine, name: str, moment: int | datetime) -> int:
    if isinstance(moment, int):
        return moment
    if moment.tzinfo is None:
        raise InvalidInput(name, "a time must carry a time zone, e.g. 2021-06-23T12:00:00Z")
    return position_at(views, moment)


def revision_report(
    ledger: EventLog,
    views: Engine,
    programme_id: str,
    slug: str,
    since: int,
    until: int,
    funder: str | None = None,
) -> RevisionReport:
    """The figures of the programme (or only a funder's grants: the audit) that differ between the log positions
    `since` and `until` (since <= until), with the events recorded between them that changed each."""
    first, last = moment_at(views, since), moment_at(views, until)
    between = [f for f in programme_facts(ledger, views, programme_id, until, since) if f.position > since]
    if len(between) > MAX_EVENTS:
        fits = between[-MAX_EVENTS - 1].position
        raise InvalidInput("since", f"{len(between)} events of the programme lie between the moments; a report "
                           f"walks at most {MAX_EVENTS}: give a first moment at or after position {fits}")  # fmt: skip
    answers = answers_of(programme_id, funder)
    memory = programme_rows_at(views, programme_id, since)
    try:
        start = figures_of(memory, answers, funder)
        current = start
        moved: dict[tuple[str, str], list[int]] = {}
        changed_by: dict[int, int] = {}
        for fact in between:
            fold_into(memory, [fact])
            after = figures_of(memory, answers, funder)
            differing = _differing(current, after)
            for key in differing:
                moved.setdefault(key, []).append(fact.position)
            changed_by[fact.position] = len(differing)
            current = after
    finally:
        memory.dispose()
    changes = [
        FigureChange(answer=answer, figure=figure, old=start.get(answer, {}).get(figure),
                     new=current.get(answer, {}).get(figure), positions=moved[(answer, figure)])
        for answer, figure in sorted(_differing(start, current))
    ]  # fmt: skip
    claim_changes = claims_changed(views, programme_id, slug, since, until, funder)
    changes = sorted([*changes, *claim_changes], key=lambda c: (c.answer, c.figure))
    for change in claim_changes:
        for position in change.positions:
            changed_by[position] = changed_by.get(position, 0) + 1
    reported_day = (first.recorded_at or datetime.now(UTC)).date()
    # with a funder, the events that changed that funder's figures; else every event of the programme
    events = [
        _event(fact, reported_day, changed_by[fact.position])
        for fact in between
        if funder is None or changed_by[fact.position]
    ]
    return RevisionReport(
        programme=slug,
        funder=funder,
        since=first,
        until=last,
        changes=changes,
        events=events,
        resend_months=resend_months([f for f in between if issubclass(f.kind, PARTICIPANT_DATA)], first),
    )


def claims_changed(
    views: Engine, programme_id: str, slug: str, since: int, until: int, funder: str | None
) -> list[FigureChange]:
    """The claims' figures that differ between the two moments. The claims are computed by query at each moment
    (no replay); a changed figure of a claim names the events recorded between the moments that are behind the
    claim's lines or are its closing or steps (the events behind a claim, not one figure: claims are not folded
    event by event)."""
    with views.connect() as db:
        before, after = (claims_as_of(db, programme_id, slug, at) for at in (since, until))
    mine = [c for c in (*before.claims, *after.claims) if funder is None or c.funder == funder]
    behind: dict[str, set[int]] = {}
    for claim in mine:
        key = f"{claim.period} {claim.grant_id}"
        found = behind.setdefault(key, set())
        found |= {p for line in claim.lines for p in line.positions} | {s.position for s in claim.steps}
        if claim.sealed_position is not None:
            found.add(claim.sealed_position)

    def figures(claims: list[Claim]) -> Figures:
        chosen = [c for c in claims if funder is None or c.funder == funder]
        return flatten({f"{c.period} {c.grant_id}": c.model_dump(mode="json", exclude={"lines", "steps"})
                        for c in chosen})  # fmt: skip

    old, new = figures(before.claims), figures(after.claims)
    changes = []
    for figure in sorted(k for k in old.keys() | new.keys() if old.get(k) != new.get(k)):
        named = figure.split(".", 1)[0]
        positions = sorted(p for p in behind.get(named, set()) if since < p <= until)
        changes.append(FigureChange(answer="claims", figure=figure, old=old.get(figure), new=new.get(figure),
                                    positions=positions))  # fmt: skip
    return changes


AnswerOf = dict[str, "Callable[[Connection], Any]"]


def answers_of(programme_id: str, funder: str | None) -> AnswerOf:
    if funder is not None:
        return {"audit": lambda db: audit.funding_audit(db, programme_id, funder)}
    return {
        "status": lambda db: status.programme_status(db, programme_id),
        "audit": lambda db: audit.funding_audit(db, programme_id),
        "evaluation": lambda db: evaluation.evaluation(db, programme_id),
    }


def figures_of(memory: Engine, answers: AnswerOf, funder: str | None = None) -> dict[str, Figures]:
    """Each answer's figures by path (an answer the programme did not have yet has none). For a funder, the
    audit's entries of that funder's grants (its accounts and reconciliation are the programme's)."""
    found: dict[str, Figures] = {}
    with memory.connect() as db:
        for name, answer in answers.items():
            result = answer(db)
            found[name] = {} if result is None else flatten(result.model_dump(mode="json"))
    if funder is not None:
        found = {name: {k: v for k, v in flat.items() if k.startswith("entries[")} for name, flat in found.items()}
    return found


def flatten(value: Any, path: str = "") -> Figures:
    """A JSON answer as figures by path: `pipeline.joined`, `companies[NO912345017].stage`. A list of things is
    keyed by what names each (`NAMED_BY`), a list of plain values is one figure, an empty list none."""
    if isinstance(value, dict):
        flat: Figures = {}
        for key, item in value.items():
            flat.update(flatten(item, f"{path}.{key}" if path else key))
        return flat
    if isinstance(value, list) and not value:
        return {}  # nothing listed: no figure (an empty list of things would otherwise turn into its items later)
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        name = next((n for n in NAMED_BY if all(n in item for item in value)), None)
        flat = {}
        for index, item in enumerate(value):
            flat.update(flatten(item, f"{path}[{item[name] if name else index}]"))
        return flat
    return {path: value}


def _differing(old: dict[str, Figures], new: dict[str, Figures]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for answer in old.keys() | new.keys():
        before, after = old.get(answer, {}), new.get(answer, {})
        found |= {(answer, f) for f in before.keys() | after.keys() if before.get(f) != after.get(f)}
    return found


def event_fields(fact: Fact) -> dict[str, Any]:
    """What the revision report and provenance say of an event: where, what, when, who, on what decision."""
    decision = fact.data.get("decision") or {}
    return {"position": fact.position, "event": fact.name, "recorded_at": fact.recorded_at,
            "effective_on": fact.effective_date, "actor": fact.actor,
            "decision_reference": decision.get("reference"), "decision_body": decision.get("body")}  # fmt: skip


def _event(fact: Fact, reported_day: date, figures_changed: int) -> RevisionEvent:
    return RevisionEvent(
        **event_fields(fact), back_dated=fact.effective_date < reported_day, figures_changed=figures_changed
    )


def resend_months(participant_facts: list[Fact], since: Moment) -> list[str]:
    """SCB's rule: participant data is reported month by month, after the month; a fact recorded since that takes
    effect in a month already reported (before the first moment's month) forces that month and every later
    month reported to be sent again."""
    if since.recorded_at is None or not participant_facts:
        return []
    reported_until = _month(since.recorded_at.date())  # the first month not yet reported
    earliest = min(_month(f.effective_date) for f in participant_facts)
    months: list[str] = []
    year, month = earliest
    while (year, month) < reported_until:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month(day: date) -> tuple[int, int]:
    return day.year, day.month


def revision_rows(report: RevisionReport) -> list[dict[str, Any]]:
    """The report's changes as spreadsheet rows: one per figure, the events that changed it by position."""
    return [
        {"answer": c.answer, "figure": c.figure, "old": _cell(c.old), "new": _cell(c.new),
         "positions": " ".join(str(p) for p in c.positions)}
        for c in report.changes
    ]  # fmt: skip


def _cell(value: JsonValue) -> Any:
    return orjson.dumps(value).decode() if isinstance(value, (list, dict)) else value
