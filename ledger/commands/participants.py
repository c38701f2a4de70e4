"""Participants: registered under a pseudonymous id (identifying details sealed apart), leaving, re-entering,
erased on request (crypto-shredding: the key is destroyed, the counts stay)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, ClassVar

from pydantic import Field

from ledger.commands.base import ProgrammeCommand, UnitOfWork
from ledger.domain.programme import Programme
from ledger.errors import IdempotencyConflict, RuleViolated
from ledger.identity import Identity
from ledger.values import AgeBand, EducationLevel, EmploymentStatus, Gender, Id, OrgNumber, TargetGroup

if TYPE_CHECKING:
    from ledger.application import Ledger


class RegisterParticipant(ProgrammeCommand):
    """Register a participant of a joined company; `ids.participant_id` is the pseudonymous id used everywhere.
    A missing ESF attribute is allowed (the participant then counts in totals only)."""

    command: ClassVar[str] = "register_participant"
    org_number: OrgNumber
    target_group: TargetGroup = Field(examples=["furloughed"])
    gender: Gender | None = Field(None, examples=["female"])
    age_band: AgeBand | None = Field(None, examples=["30_54"])
    employment_status: EmploymentStatus | None = Field(None, examples=["employed"])
    education_level: EducationLevel | None = Field(None, examples=["isced_3_4"])
    identity: Identity | None = None
    participant_id: Id | None = Field(None, description="A pseudonymous id chosen by the caller; else a new one")

    def unfingerprinted(self) -> set[str]:
        # Never the identifying details themselves: the fingerprint is stored with the idempotency receipt and
        # outlives an erasure, and a hash of a name or personal number can be checked against a guess.
        return {"identity"}

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        pid = self.participant_id or str(uuid.uuid4())
        attributes = {
            "gender": self.gender, "age_band": self.age_band,
            "employment_status": self.employment_status, "education_level": self.education_level,
        }  # fmt: skip
        programme = work.change(Programme, self.programme_id, "programme")
        programme.register_participant(pid, self.org_number, self.target_group.value,
                                       {k: None if v is None else v.value for k, v in attributes.items()},
                                       work.actor, self.effective_on)  # fmt: skip
        if self.identity is not None:
            # One person may take part in several programmes under one pseudonymous id: their sealed identity
            # is kept once, and a different identity under a known id is refused.
            known = work.vault.open(pid)
            if known is None:
                work.vault.seal(pid, self.identity)
                work.ledger.sealed.append(pid)
            elif known != self.identity:
                raise RuleViolated(
                    "participant_identity_differs",
                    f"participant {pid} is already recorded with other identifying details",
                )
        return {"participant_id": pid}

    def replayed(self, ledger: Ledger, ids: dict[str, str], key: str) -> None:
        """The fingerprint leaves the identity out, so a retry is checked against the sealed details."""
        if self.identity is not None and ledger.vault is not None:
            stored = ledger.vault.open(ids["participant_id"])
            if stored is not None and stored != self.identity:
                raise IdempotencyConflict(key)


class ParticipantCommand(ProgrammeCommand):
    addresses: ClassVar[tuple[str, ...]] = ("programme", "participant_id")
    participant_id: Id

    def programme_of(self, work: UnitOfWork) -> Programme:
        return work.change(Programme, self.programme_id, "programme")


class RecordParticipantLeft(ParticipantCommand):
    """The participant left the programme."""

    command: ClassVar[str] = "record_participant_left"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.programme_of(work).record_participant_left(self.participant_id, work.actor, self.effective_on)
        return {}


class ReenterParticipant(ParticipantCommand):
    """The participant came back; a re-entry keeps the attributes of the first entry."""

    command: ClassVar[str] = "reenter_participant"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.programme_of(work).reenter_participant(self.participant_id, work.actor, self.effective_on)
        return {}


class EraseParticipant(ParticipantCommand):
    """Erase a person: the key and sealed details are destroyed, then the erasure is recorded. Counts stay right:
    the pseudonymous events remain, only the person behind them is gone."""

    command: ClassVar[str] = "erase_participant"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.programme_of(work).erase_participant(self.participant_id, work.actor, self.effective_on)
        work.vault.erase(self.participant_id)
        return {}
