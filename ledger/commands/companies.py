"""Companies: registered once by organisation number, then presented, joined, onboarded, given goals and a needs
analysis, withdrawn or completed in each programme's pipeline."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from ledger.commands.base import Command, ProgrammeCommand, UnitOfWork
from ledger.domain.company import Company
from ledger.domain.programme import Programme
from ledger.errors import RuleViolated
from ledger.values import CompanySize, NonEmptyTexts, OrgNumber, Text


class RegisterCompany(Command):
    """Register a company once; it can then take part in several programmes."""

    command: ClassVar[str] = "register_company"
    org_number: OrgNumber
    name: Text = Field(examples=["SEW Eurodrive AS"])
    region: Text = Field(examples=["Viken"])
    sector: Text = Field(examples=["manufacturing"])
    size: CompanySize = Field(examples=["medium"])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        if work.exists(Company.create_id(self.org_number)):
            raise RuleViolated("company_exists", f"company {self.org_number} is already registered")
        country, _ = self.org_number[:2], self.org_number[2:]
        work.add(Company(self.org_number, country, self.name, self.region, self.sector, self.size.value,
                         work.actor, self.effective_on))  # fmt: skip
        return {"org_number": self.org_number}


class CorrectCompany(Command):
    """Correct a registered company's details; the earlier details stay in its history."""

    command: ClassVar[str] = "correct_company"
    addresses: ClassVar[tuple[str, ...]] = ("org_number",)
    org_number: OrgNumber
    name: Text
    region: Text
    sector: Text
    size: CompanySize

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        company = work.change(Company, Company.create_id(self.org_number), "company")
        company.correct_details(self.name, self.region, self.sector, self.size.value, work.actor, self.effective_on)
        return {"org_number": self.org_number}


class CompanyCommand(ProgrammeCommand):
    """A step of one company in one programme's pipeline."""

    addresses: ClassVar[tuple[str, ...]] = ("programme", "org_number")
    org_number: OrgNumber

    def pipeline(self, work: UnitOfWork) -> Programme:
        return work.change(Programme, self.programme_id, "programme")


class PresentCompany(CompanyCommand):
    """The programme was presented to the company (on site, on Teams...)."""

    command: ClassVar[str] = "present_company"
    channel: Text = Field("on site", examples=["Teams"])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        programme = self.pipeline(work)
        programme.present_company(work.registered_company(self.org_number), self.channel, work.actor,
                                  self.effective_on)  # fmt: skip
        return {}


class JoinCompany(CompanyCommand):
    """The company joined (the programme's company cap is enforced)."""

    command: ClassVar[str] = "join_company"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        programme = self.pipeline(work)
        programme.join_company(work.registered_company(self.org_number), work.actor, self.effective_on)
        return {}


class HoldOnboarding(CompanyCommand):
    """The onboarding meeting (bli kjent-møte) was held."""

    command: ClassVar[str] = "hold_onboarding"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.pipeline(work).hold_onboarding(self.org_number, work.actor, self.effective_on)
        return {}


class SetCompanyGoals(CompanyCommand):
    """The company set its own goals."""

    command: ClassVar[str] = "set_company_goals"
    goals: NonEmptyTexts = Field(examples=[["Digital production planning"]])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.pipeline(work).set_goals(self.org_number, list(self.goals), work.actor, self.effective_on)
        return {}


class AnalyseCompanyNeeds(CompanyCommand):
    """The company's competence needs were analysed."""

    command: ClassVar[str] = "analyse_company_needs"
    competence_areas: NonEmptyTexts = Field(examples=[["automation", "data analysis"]])

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        areas = list(self.competence_areas)
        self.pipeline(work).analyse_needs(self.org_number, areas, work.actor, self.effective_on)
        return {}


class WithdrawCompany(CompanyCommand):
    """The company withdrew from the programme."""

    command: ClassVar[str] = "withdraw_company"
    reason: Text

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.pipeline(work).withdraw_company(self.org_number, self.reason, work.actor, self.effective_on)
        return {}


class CompleteCompany(CompanyCommand):
    """The company completed the programme."""

    command: ClassVar[str] = "complete_company"

    def handle(self, work: UnitOfWork) -> dict[str, str]:
        self.pipeline(work).complete_company(self.org_number, work.actor, self.effective_on)
        return {}
