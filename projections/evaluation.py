"""Evaluation (analysts): weekly counts per programme by effective date, the base of the time series.
The funnel, breakdowns, costs and ESF indicators are queries over these and the status and audit tables."""

from __future__ import annotations

from projections.facts import Fact
from projections.folding import ReadModel, bump, programme_of, week_of
from projections.rows import Rows

OWNERS = "eval_owners"

_COUNTED = {
    "CompanyPresented": "presentations",
    "CompanyJoined": "joins",
    "CompanyWithdrew": "withdrawals",
    "SessionHeld": "sessions_held",
    "ParticipantRegistered": "participants_registered",
    "ActivityHeld": "activities_held",
}


def apply(fact: Fact, rows: Rows) -> None:
    programme_id = programme_of(fact, rows, OWNERS)
    if programme_id is None:
        return
    deltas: dict[str, int] = {}
    if fact.name in _COUNTED:
        deltas[_COUNTED[fact.name]] = 1
    if fact.name == "AttendanceRecorded":
        deltas["attendance_minutes"] = fact.data["minutes"]
    if fact.name == "ActivityHeld":
        deltas["activity_minutes"] = fact.data["minutes"]
    if deltas:
        bump(rows, "eval_weekly", {"programme_id": programme_id, "week": week_of(fact.effective_date)}, **deltas)


READ_MODEL = ReadModel("evaluation", (OWNERS, "eval_weekly"), apply)
