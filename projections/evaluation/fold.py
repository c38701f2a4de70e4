"""The evaluation fold: weekly counts per programme by effective date, the base of the time series. One handler
per counted event; the funnel, breakdowns, costs and ESF indicators are queries over these and the status and
audit tables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.events import (
    ActivityHeld,
    AttendanceRecorded,
    CompanyJoined,
    CompanyPresented,
    CompanyWithdrew,
    ParticipantRegistered,
    SessionHeld,
)
from projections.folding import At, Fold, ReadModel, bump, week_of

if TYPE_CHECKING:
    from projections.rows import Rows

OWNERS = "eval_owners"
WEEKLY = "eval_weekly"

fold = Fold(OWNERS)


def _count(rows: Rows, at: At, **deltas: int) -> None:
    """Add to the counters of the week the event took effect in."""
    bump(rows, WEEKLY, {"programme_id": at.programme_id, "week": week_of(at.effective_on)}, **deltas)


@fold.on(CompanyPresented)
def company_presented(_: CompanyPresented, at: At, rows: Rows) -> None:
    _count(rows, at, presentations=1)


@fold.on(CompanyJoined)
def company_joined(_: CompanyJoined, at: At, rows: Rows) -> None:
    _count(rows, at, joins=1)


@fold.on(CompanyWithdrew)
def company_withdrew(_: CompanyWithdrew, at: At, rows: Rows) -> None:
    _count(rows, at, withdrawals=1)


@fold.on(SessionHeld)
def session_held(_: SessionHeld, at: At, rows: Rows) -> None:
    _count(rows, at, sessions_held=1)


@fold.on(ParticipantRegistered)
def participant_registered(_: ParticipantRegistered, at: At, rows: Rows) -> None:
    _count(rows, at, participants_registered=1)


@fold.on(AttendanceRecorded)
def attendance_recorded(e: AttendanceRecorded, at: At, rows: Rows) -> None:
    _count(rows, at, attendance_minutes=e.minutes)


@fold.on(ActivityHeld)
def activity_held(e: ActivityHeld, at: At, rows: Rows) -> None:
    _count(rows, at, activities_held=1, activity_minutes=e.minutes)


READ_MODEL = ReadModel("evaluation", (OWNERS, WEEKLY), fold)
