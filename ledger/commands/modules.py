"""Course modules: offered by providers, their sessions scheduled, held or cancelled, participants enrolled, their
attendance in minutes, and completions."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from ledger.commands.base import ProgrammeCommand, UnitOfWork
from ledger.domain import dated
from ledger.domain.module import CourseModule
from ledger.errors import InvalidInput, RuleViolated
from ledger.values import MAX_BATCH, Day, Flag, Id, Ids, Minutes, NonEmptyTexts, Text, Texts

if TYPE_CHECKING:
    from datetime import date

    from ledger.domain.programme import Programme


def require_current_participant(programme: Programme, pid: str, effective_on: date | None) -> None:
    """A participant named by a training command must be registered in the programme, by the command's effective
    day, and not erased."""
    if not programme.has_participant(pid):
        raise RuleViolated("participant_unknown", f"participant {pid} is not registered in {programme.slug}")
    if programme.participant_erased(pid):
        raise RuleViolated("participant_erased", f"participant {pid} was erased")
    dated.require_not_before(
        dated.effective(effective_on),
        programme.registered_on(pid),
        "effective_before_registered",
        f"participant {pid}'s registration",
    )


def distinct(field: str, ids: list[str]) -> None:
    if len(set(ids)) != len(ids):
        raise InvalidInput(field, "names a participant twice")


class OfferModule(ProgrammeCommand):
    """Offer a course module by one or more providers."""

    command: ClassVar[str] = "offer_module"
    title: Text = Field(examples=["Operativt forbedringsarbeid og digitalisert samhandling"])
    providers: NonEmptyTexts = Field(examples=[["OsloMet", "Fagskolen i Østfold"]])
    theme: Text = Field(examples=["digitalisation"])
    region: Text = Field(examples=["Viken"])
    competence_areas: Texts = []

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        work.open_programme(self.programme_id)
        module = work.add(CourseModule(str(self.programme_id), self.title, list(self.providers), self.theme,
                                       self.region, list(self.competence_areas), work.actor,
                                       self.effective_on))  # fmt: skip
        return {"module_id": str(module.id)}


class ModuleCommand(ProgrammeCommand):
    """A change to one module of the programme (a module of another programme is unknown here)."""

    addresses: ClassVar[tuple[str, ...]] = ("programme", "module_id")
    module_id: Id

    def module(self, work: UnitOfWork) -> tuple[CourseModule, Programme]:
        module = work.in_programme(CourseModule, self.module_id, "module", self.programme)
        return module, work.open_programme(self.programme_id)


class ScheduleSession(ModuleCommand):
    """Schedule a session of the module."""

    command: ClassVar[str] = "schedule_session"
    starts_on: Day
    place: Text = Field(examples=["Moss"])
    online: Flag = False
    minutes: Minutes = Field(360, description="Length in minutes")

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        module, _ = self.module(work)
        session_id = str(uuid.uuid4())
        module.schedule_session(session_id, self.starts_on, self.place, self.online, self.minutes, work.actor,
                                self.effective_on)  # fmt: skip
        return {"session_id": session_id}


class HoldSession(ModuleCommand):
    """The session was held."""

    command: ClassVar[str] = "hold_session"
    addresses: ClassVar[tuple[str, ...]] = ("programme", "module_id", "session_id")
    session_id: Id

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        module, _ = self.module(work)
        module.hold_session(self.session_id, work.actor, self.effective_on)
        return {}


class CancelSession(ModuleCommand):
    """The session was cancelled."""

    command: ClassVar[str] = "cancel_session"
    addresses: ClassVar[tuple[str, ...]] = ("programme", "module_id", "session_id")
    session_id: Id
    reason: Text

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        module, _ = self.module(work)
        module.cancel_session(self.session_id, self.reason, work.actor, self.effective_on)
        return {}


class EnrolParticipants(ModuleCommand):
    """Enrol registered participants in the module."""

    command: ClassVar[str] = "enrol_participants"
    participant_ids: Ids = Field(min_length=1)

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        distinct("participant_ids", self.participant_ids)
        module, programme = self.module(work)
        for pid in self.participant_ids:
            require_current_participant(programme, pid, self.effective_on)
            module.enrol(pid, work.actor, self.effective_on)
        return {}


class Attended(BaseModel):
    """One participant's attendance of a session, in minutes."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    participant_id: Id
    minutes: Minutes


class RecordAttendance(ModuleCommand):
    """Record who attended a held session and for how many minutes: one event per participant, one transaction
    (up to 10,000 per call)."""

    command: ClassVar[str] = "record_attendance"
    addresses: ClassVar[tuple[str, ...]] = ("programme", "module_id", "session_id")
    session_id: Id
    attendance: list[Attended] = Field(min_length=1, max_length=MAX_BATCH)

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        module, _ = self.module(work)
        for row in self.attendance:
            module.record_attendance(self.session_id, row.participant_id, row.minutes, work.actor, self.effective_on)
        return {}


class RecordModuleCompletion(ModuleCommand):
    """A participant completed the module."""

    command: ClassVar[str] = "record_module_completion"
    participant_id: Id

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        module, _ = self.module(work)
        module.record_completion(self.participant_id, work.actor, self.effective_on)
        return {}
