"""A course module offered by one or more providers: its sessions, enrolments, attendance and completions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from ledger.domain import dated
from ledger.domain.base import LedgerAggregate
from ledger.errors import NotFound, RuleViolated
from ledger.events import training as ev

if TYPE_CHECKING:
    from datetime import date

SCHEDULED, HELD, CANCELLED = "scheduled", "held", "cancelled"


class CourseModule(LedgerAggregate):
    TOPIC = "ledger:CourseModule"
    FOLLOWS_CREATION = "module"

    class Created(LedgerAggregate.Created):
        TOPIC = "ledger:CourseModule.Created"

    # the events it records (ledger/events): the library looks them up by name on the class
    ModuleOffered = ev.ModuleOffered
    SessionScheduled = ev.SessionScheduled
    SessionHeld = ev.SessionHeld
    SessionCancelled = ev.SessionCancelled
    ParticipantEnrolled = ev.ParticipantEnrolled
    AttendanceRecorded = ev.AttendanceRecorded
    ModuleCompleted = ev.ModuleCompleted

    @event(ev.ModuleOffered)
    def __init__(
        self,
        programme_id: str,
        title: str,
        providers: list[str],
        theme: str,
        region: str,
        competence_areas: list[str],
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.programme_id = programme_id
        self.title = title
        self.providers = list(providers)
        self.theme = theme
        self.region = region
        self.competence_areas = list(competence_areas)
        self.sessions: dict[str, dict[str, Any]] = {}
        self.enrolled: dict[str, bool] = {}  # participant id -> completed
        self.enrolled_on: dict[str, str] = {}  # participant id -> the day the enrolment took effect
        self.attended: dict[str, dict[str, int]] = {}  # session id -> participant id -> minutes (O(1) look-up)

    def _require_session(self, session_id: str) -> dict[str, Any]:
        session = self.sessions.get(session_id)
        if session is None:
            raise NotFound("session", session_id)  # an unknown id, like an unknown module
        return session

    def schedule_session(
        self,
        session_id: str,
        starts_on: date,
        place: str,
        online: bool,
        minutes: int,
        actor: str,
        effective_on: date | None = None,
    ) -> None:
        if session_id in self.sessions:
            raise RuleViolated("session_exists", f"session {session_id} is already scheduled")
        self._session_scheduled(
            session_id=session_id,
            starts_on=starts_on,
            place=place,
            online=online,
            minutes=minutes,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.SessionScheduled)
    def _session_scheduled(
        self,
        session_id: str,
        starts_on: date,
        place: str,
        online: bool,
        minutes: int,
        actor: str,
        effective_on: date | None,
    ) -> None:
        self.sessions[session_id] = {
            "starts_on": starts_on,
            "minutes": minutes,
            "status": SCHEDULED,
            "since": self.fact_on.isoformat(),  # the day its scheduling, then its holding, took effect
        }
        self.attended[session_id] = {}

    def hold_session(self, session_id: str, actor: str, effective_on: date | None) -> None:
        session = self._require_session(session_id)
        if session["status"] != SCHEDULED:
            raise RuleViolated("session_not_scheduled", f"session {session_id} is {session['status']}")
        since = session.get("since")
        dated.require_not_before(dated.effective(effective_on), since, "effective_before_scheduled", "its scheduling")
        self._session_held(session_id=session_id, actor=actor, effective_on=effective_on)

    @event(ev.SessionHeld)
    def _session_held(self, session_id: str, actor: str, effective_on: date | None) -> None:
        self.sessions[session_id]["status"] = HELD
        self.sessions[session_id]["since"] = self.fact_on.isoformat()

    def cancel_session(self, session_id: str, reason: str, actor: str, effective_on: date | None) -> None:
        session = self._require_session(session_id)
        if session["status"] != SCHEDULED:
            raise RuleViolated("session_not_scheduled", f"session {session_id} is {session['status']}")
        since = session.get("since")
        dated.require_not_before(dated.effective(effective_on), since, "effective_before_scheduled", "its scheduling")
        self._session_cancelled(session_id=session_id, reason=reason, actor=actor, effective_on=effective_on)

    @event(ev.SessionCancelled)
    def _session_cancelled(self, session_id: str, reason: str, actor: str, effective_on: date | None) -> None:
        self.sessions[session_id]["status"] = CANCELLED

    def enrol(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        if participant_id in self.enrolled:
            raise RuleViolated("already_enrolled", f"participant {participant_id} is already enrolled")
        self._participant_enrolled(participant_id=participant_id, actor=actor, effective_on=effective_on)

    @event(ev.ParticipantEnrolled)
    def _participant_enrolled(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        self.enrolled[participant_id] = False
        self.enrolled_on[participant_id] = self.fact_on.isoformat()

    def _require_enrolled_by(self, participant_id: str, effective_on: date | None) -> None:
        """Attendance and completion follow the enrolment on the effective axis."""
        if participant_id not in self.enrolled:
            raise RuleViolated("not_enrolled", f"participant {participant_id} is not enrolled in this module")
        since = getattr(self, "enrolled_on", {}).get(participant_id)  # snapshots of earlier versions lack it
        what = f"participant {participant_id}'s enrolment"
        dated.require_not_before(dated.effective(effective_on), since, "effective_before_enrolled", what)

    def record_attendance(
        self, session_id: str, participant_id: str, minutes: int, actor: str, effective_on: date | None
    ) -> None:
        session = self._require_session(session_id)
        if session["status"] != HELD:
            raise RuleViolated("session_not_held", f"session {session_id} is {session['status']}, not held")
        self._require_enrolled_by(participant_id, effective_on)
        if participant_id in self.attended[session_id]:
            raise RuleViolated("attendance_exists", f"attendance of {participant_id} is already recorded")
        since = session.get("since")
        dated.require_not_before(dated.effective(effective_on), since, "effective_before_held", "the session's holding")
        if minutes > session["minutes"]:
            raise RuleViolated(
                "attendance_exceeds_session", f"{minutes} minutes exceed the session's {session['minutes']}"
            )
        self._attendance_recorded(
            session_id=session_id,
            participant_id=participant_id,
            minutes=minutes,
            actor=actor,
            effective_on=effective_on,
        )

    @event(ev.AttendanceRecorded)
    def _attendance_recorded(
        self, session_id: str, participant_id: str, minutes: int, actor: str, effective_on: date | None
    ) -> None:
        self.attended[session_id][participant_id] = minutes

    def record_completion(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        self._require_enrolled_by(participant_id, effective_on)
        if self.enrolled[participant_id]:
            raise RuleViolated("already_completed", f"participant {participant_id} has already completed")
        self._completion_recorded(participant_id=participant_id, actor=actor, effective_on=effective_on)

    @event(ev.ModuleCompleted)
    def _completion_recorded(self, participant_id: str, actor: str, effective_on: date | None) -> None:
        self.enrolled[participant_id] = True
