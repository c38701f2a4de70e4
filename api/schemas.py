"""The read models' answers, field by field, for the OpenAPI document. They document (and the property test checks
every answer against them); routes return the query results as they are."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


class _Doc(BaseModel):
    model_config = ConfigDict(extra="allow")


class Funds(_Doc):
    granted: int = 0
    allocated: int = 0
    disbursed: int = 0
    outstanding: int = 0
    spent: int = 0
    remaining: int = 0


class _Programme(_Doc):
    slug: str | None = None
    name: str | None = None
    owner: str | None = None
    currency: str | None = None
    starts_on: str | None = None
    ends_on: str | None = None
    closed: bool | None = None
    caps: dict[str, int] | None = None
    targets: dict[str, int] | None = None


class ProgrammeSummary(_Programme):
    companies_active: int | None = None
    participants: int | None = None
    sessions_held: int | None = None
    activities_held: int | None = None
    funds: Funds | None = None


class ProgrammeFrame(_Programme):
    id: str | None = None
    funders: list[str] | None = None
    regions: list[str] | None = None
    themes: list[str] | None = None


class Pipeline(_Doc):
    presented: int | None = None
    joined: int | None = None
    onboarded: int | None = None
    withdrawn: int | None = None
    completed: int | None = None
    active: int | None = None
    presentations: int | None = None
    ever_joined: int | None = None
    cap: int | None = None
    target: int | None = None


class ProgrammeCompany(_Doc):
    org_number: str | None = None
    name: str | None = None
    stage: str | None = None
    presentations: int | None = None
    presented_on: str | None = None
    joined_on: str | None = None
    onboarded_on: str | None = None
    withdrawn_on: str | None = None
    completed_on: str | None = None
    goals: list[str] | None = None
    competence_areas: list[str] | None = None


class NetworkGroup(_Doc):
    group_id: str | None = None
    name: str | None = None
    basis: str | None = None
    members: list[str] | None = None


class Module(_Doc):
    module_id: str | None = None
    programme: str | None = None
    title: str | None = None
    providers: list[str] | None = None
    theme: str | None = None
    region: str | None = None
    competence_areas: list[str] | None = None
    enrolled: int | None = None
    completed: int | None = None
    sessions_held: int | None = None
    training_minutes: int | None = None


class Session(_Doc):
    session_id: str | None = None
    module_id: str | None = None
    starts_on: str | None = None
    place: str | None = None
    online: bool | None = None
    minutes: int | None = None
    status: str | None = None
    held_on: str | None = None
    attendees: int | None = None
    attended_minutes: int | None = None


class Sessions(_Doc):
    held: list[Session] | None = None
    upcoming: list[Session] | None = None
    cancelled: list[Session] | None = None


class Training(_Doc):
    enrolments: int | None = None
    completions: int | None = None
    attendances: int | None = None
    training_hours: float | None = None


class Activities(_Doc):
    planned: int | None = None
    held: int | None = None
    cancelled: int | None = None
    hours: float | None = None
    participants: int | None = None


class Participants(_Doc):
    total: int | None = None
    erased: int | None = None
    by_target_group: dict[str, int] | None = None


class ProgrammeStatus(_Doc):
    programme: ProgrammeFrame | None = None
    pipeline: Pipeline | None = None
    companies: list[ProgrammeCompany] | None = None
    network_groups: list[NetworkGroup] | None = None
    modules: list[Module] | None = None
    sessions: Sessions | None = None
    training: Training | None = None
    activities: Activities | None = None
    participants: Participants | None = None
    forum: dict[str, int] | None = None
    funds: Funds | None = None


class AuditEntry(_Doc):
    entry_id: str | None = None
    position: int | None = None
    event: str | None = None
    kind: str | None = None
    grant_id: str | None = None
    allocation_id: str | None = None
    from_account: str | None = None
    to_account: str | None = None
    amount: int | None = None
    from_balance: int | None = None
    to_balance: int | None = None
    funder: str | None = None
    recipient_kind: str | None = None
    recipient: str | None = None
    category: str | None = None
    period: str | None = None
    decision_reference: str | None = None
    decision_body: str | None = None
    reason: str | None = None
    actor: str | None = None
    effective_on: str | None = None
    recorded_at: str | None = None
    reverses_entry_id: str | None = None
    reversed_by_entry_id: str | None = None


class Account(_Doc):
    account: str | None = None
    balance: int | None = None
    credits: int | None = None
    debits: int | None = None


class ReconciledAccount(_Doc):
    account: str | None = None
    balance: int | None = None
    from_entries: int | None = None
    balanced: bool | None = None


class Reconciliation(_Doc):
    balanced: bool | None = None
    totals: dict[str, int | bool] | None = None
    accounts: list[ReconciledAccount] | None = None


class FundingAudit(_Doc):
    entries: list[AuditEntry] | None = None
    accounts: list[Account] | None = None
    budget_lines: dict[str, int] | None = None
    reconciliation: Reconciliation | None = None


class Week(_Doc):
    week: str | None = None
    cumulative: dict[str, int] | None = None


class Funnel(_Doc):
    presented: int | None = None
    joined: int | None = None
    onboarded: int | None = None
    withdrawn: int | None = None
    completed: int | None = None
    conversion_presented_to_joined: float | None = None
    median_days_presented_to_joined: float | None = None
    median_days_joined_to_onboarded: float | None = None


class Cell(_Doc):
    participants: int | None = None
    hours: float | None = None


class Costs(_Doc):
    spent: int | None = None
    participants: int | None = None
    training_hours: float | None = None
    cost_per_participant: int | None = None
    cost_per_training_hour: int | None = None


class EsfPeriod(_Doc):
    period: str | None = None
    participants: int | None = None
    supported_smes: int | None = None
    gender: dict[str, int] | None = None
    age_band: dict[str, int] | None = None
    employment_status: dict[str, int] | None = None
    education_level: dict[str, int] | None = None


class Evaluation(_Doc):
    weekly: list[Week] | None = None
    funnel: Funnel | None = None
    participation: dict[str, dict[str, Cell]] | None = None
    costs: Costs | None = None
    esf_indicators: list[EsfPeriod] | None = None


class CatalogueActivity(_Doc):
    activity_id: str | None = None
    programme: str | None = None
    title: str | None = None
    kind: str | None = None
    competence_area: str | None = None
    region: str | None = None
    provider: str | None = None
    planned_on: str | None = None
    status: str | None = None
    held_on: str | None = None
    minutes: int | None = None
    participants: int | None = None


class Catalogue(_Doc):
    modules: list[Module] | None = None
    activities: list[CatalogueActivity] | None = None


class ForumItem(_Doc):
    item_id: str | None = None
    kind: str | None = None
    title: str | None = None
    detail: dict[str, Any] | None = None
    held_on: str | None = None


class Receipt(_Doc):
    position: int | None = None
    chain: str | None = None
    issued_at: str | None = None


class Verification(_Doc):
    ok: bool | None = None
    checked_up_to: int | None = None
    first_bad_position: int | None = None
    reason: str | None = None


class Lag(_Doc):
    head: int | None = None
    lag: dict[str, int] | None = None


def documented(model: Any) -> dict[int | str, dict[str, Any]]:
    """The 200 answer's schema for a route that returns a query result as it is."""
    return {200: {"model": model, "description": "The read model's answer"}}
