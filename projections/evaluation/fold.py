"""The evaluation fold: weekly counts per programme by effective date, the base of the time series. One handler
per counted event; the companies' first arrivals, the funnel, breakdowns, costs and ESF indicators are queries
over these and the status and audit tables (docs/figures.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.events import (
    ActivityHeld,
    AttendanceRecorded,
    CompanyPresented,
    ParticipantRegistered,
    SessionHeld,
    SessionScheduled,
)
from projections.folding import At, Fold, ReadModel, bump, put_new, week_of

if TYPE_CHECKING:
    from projections.rows import Rows

OWNERS = "eval_owners"
WEEKLY = "eval_weekly"
SESSIONS = "eval_sessions"

fold = Fold(OWNERS)


def _count(rows: Rows, at: At, **deltas: int) -> None:
    """Add to the counters of the week the event took effect in."""
    bump(rows, WEEKLY, {"programme_id": at.programme_id, "week": week_of(at.effective_on)}, **deltas)


@fold.on(CompanyPresented)
def company_presented(_: CompanyPresented, at: At, rows: Rows) -> None:
    _count(rows, at, presentations=1)


@fold.on(SessionScheduled)
def session_scheduled(e: SessionScheduled, at: At, rows: Rows) -> None:
    """A session's own length, counted as delivered when it is held."""
    put_new(rows, SESSIONS, session_id=e.session_id, programme_id=at.programme_id, minutes=e.minutes)


@fold.on(SessionHeld)
def session_held(e: SessionHeld, at: At, rows: Rows) -> None:
    session = rows.get(SESSIONS, (e.session_id,))
    _count(rows, at, sessions_held=1, session_minutes=session["minutes"] if session else 0)


@fold.on(ParticipantRegistered)
def participant_registered(_: ParticipantRegistered, at: At, rows: Rows) -> None:
    _count(rows, at, participants_registered=1)


@fold.on(AttendanceRecorded)
def attendance_recorded(e: AttendanceRecorded, at: At, rows: Rows) -> None:
    _count(rows, at, attendance_minutes=e.minutes)


@fold.on(ActivityHeld)
def activity_held(e: ActivityHeld, at: At, rows: Rows) -> None:
    _count(rows, at, activities_held=1, activity_minutes=e.minutes,
           activity_participant_minutes=e.minutes * e.participant_count)  # fmt: skip


READ_MODEL = ReadModel("evaluation", (OWNERS, WEEKLY, SESSIONS), fold, by_day=True)
