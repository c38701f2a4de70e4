"""Programmes: launched with their frame, caps and targets revised by decision, closed by decision."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from ledger.commands.base import Command, ProgrammeCommand, UnitOfWork
from ledger.domain.activity import Forum
from ledger.domain.funds import Funds
from ledger.domain.programme import Programme
from ledger.errors import InvalidInput, RuleViolated
from ledger.values import CapName, Count, Currency, Day, Decision, NonEmptyTexts, Slug, TargetName, Text, Texts


class LaunchProgramme(Command):
    """Launch a programme: its owner, funders, period, currency, regions, themes, caps and targets."""

    command: ClassVar[str] = "launch_programme"
    slug: Slug = Field(examples=["fremtid"], description="2-63 lower-case letters, digits or hyphens")
    name: Text = Field(examples=["FREMtid for kompetanse"])
    owner: Text = Field(examples=["NHO Mat og Drikke"])
    funders: NonEmptyTexts = Field(examples=[["Kompetanse Norge"]])
    starts_on: Day
    ends_on: Day
    currency: Currency = Field(examples=["NOK"])
    regions: Texts = []
    themes: Texts = []
    caps: dict[CapName, Count] = Field({}, examples=[{"companies": 40}])
    targets: dict[TargetName, Count] = Field({}, examples=[{"participants": 5000, "activities": 1200}])

    @model_validator(mode="after")
    def _period(self) -> LaunchProgramme:
        if self.ends_on < self.starts_on:
            raise InvalidInput("ends_on", "must not be before starts_on")
        return self

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        programme_id = Programme.create_id(self.slug)
        if work.exists(programme_id):
            raise RuleViolated("programme_exists", f"programme {self.slug} already exists")
        on, actor = self.effective_on, work.actor
        work.add(Programme(self.slug, self.name, self.owner, list(self.funders), self.starts_on, self.ends_on,
                           self.currency.value, list(self.regions), list(self.themes),
                           {str(k): v for k, v in self.caps.items()}, {str(k): v for k, v in self.targets.items()},
                           actor, on))  # fmt: skip
        work.add(Funds(str(programme_id), self.currency.value, actor, on))
        work.add(Forum(str(programme_id), actor, on))
        return {"programme": self.slug}


class ReviseCap(ProgrammeCommand):
    """Revise a cap by decision (never below what the programme already has)."""

    command: ClassVar[str] = "revise_cap"
    name: CapName = Field(examples=["companies"])
    value: Count = Field(examples=[40])
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        programme = work.change(Programme, self.programme_id, "programme")
        programme.revise_cap(self.name.value, self.value, self.decision.as_dict(), work.actor, self.effective_on)
        return {}


class ReviseTarget(ProgrammeCommand):
    """Revise a target by decision (targets are reported against, not enforced)."""

    command: ClassVar[str] = "revise_target"
    name: TargetName = Field(examples=["participants"])
    value: Count = Field(examples=[5000])
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        programme = work.change(Programme, self.programme_id, "programme")
        programme.revise_target(self.name.value, self.value, self.decision.as_dict(), work.actor, self.effective_on)
        return {}


class CloseProgramme(ProgrammeCommand):
    """Close the programme by decision: no more facts are recorded in it (erasures excepted)."""

    command: ClassVar[str] = "close_programme"
    decision: Decision

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        programme = work.change(Programme, self.programme_id, "programme")
        programme.close(self.decision.as_dict(), work.actor, self.effective_on)
        return {}
