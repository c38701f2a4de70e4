"""The coordinators' pages: the companies with their stage now and the days they first reached each stage
(searchable, filterable, sortable), network groups with their members by name, modules with their sessions, and
forms for the everyday facts. A form is the command's own declaration (api/forms.py); it carries an idempotency
key, so a double click records once, and the expected version of what the command changes, so a form opened
before someone else's change is refused rather than recorded over it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api import forms, i18n
from api.deps import AsOf, ServicesDep, may_read, may_write, programme_view
from api.pages import account_names, check_csrf, named, page_principal, render
from bootstrap import Services
from ledger.application import Ctx
from ledger.commands import (
    AnalyseCompanyNeeds,
    ApprovePayment,
    CancelPayment,
    Command,
    ConfirmPayment,
    HoldActivity,
    HoldOnboarding,
    HoldSession,
    JoinCompany,
    LiftPaymentStop,
    PresentCompany,
    RecordAttendance,
    RecordCashContribution,
    RecordInKindContribution,
    RegisterCompany,
    RegisterParticipant,
    ReportExpenditure,
    RequestPayment,
    SetCompanyGoals,
    StopPayments,
    WithdrawCompany,
)
from ledger.commands.companies import CompanyCommand
from ledger.commands.funds import FundsCommand
from ledger.errors import InvalidInput, LedgerError, NotFound, VersionConflict
from projections.audit import queries as audit_queries
from projections.audit.answers import EntryKind, FundingAudit, PaymentState
from projections.status import queries as status_queries
from projections.status.answers import ProgrammeCompany, ProgrammeStatus, Stage

router = APIRouter(include_in_schema=False)

FORMS: dict[str, type[Command]] = {
    command.command: command
    for command in (
        RegisterCompany,
        PresentCompany,
        JoinCompany,
        HoldOnboarding,
        SetCompanyGoals,
        AnalyseCompanyNeeds,
        WithdrawCompany,
        RegisterParticipant,
        HoldSession,
        RecordAttendance,
        HoldActivity,
        ReportExpenditure,
        RequestPayment,
        ApprovePayment,
        ConfirmPayment,
        CancelPayment,
        StopPayments,
        LiftPaymentStop,
        RecordCashContribution,
        RecordInKindContribution,
    )
}
"""The everyday facts recorded on a page, by the command's stable name: the coordinators' and the money steps a
funder's payment routine asks for (approval, confirmation, cancellation, stops and lifts, contributions), which
the API lets a coordinator's token take (the funder's token reads)."""

SORTS = ("name", "stage", "presented_on", "joined_on", "onboarded_on")


def _status(services: Services, slug: str, as_of_date: date | None = None) -> ProgrammeStatus:
    moment = AsOf(position=None, time=None, day=as_of_date, wait_for=None)
    with programme_view(services, slug, moment) as (db, programme_id):
        status = status_queries.programme_status(db, programme_id)
    if status is None:
        raise NotFound("programme", slug)
    return status


def _sorted(companies: list[ProgrammeCompany], sort: str) -> list[ProgrammeCompany]:
    if sort == "name":
        return sorted(companies, key=lambda c: (c.name or c.org_number).casefold())
    if sort == "stage":
        order = list(Stage)
        return sorted(companies, key=lambda c: (order.index(c.stage), (c.name or "").casefold()))
    # a date: the earliest first, those that never reached the stage last
    return sorted(companies, key=lambda c: (getattr(c, sort) is None, getattr(c, sort) or date.min))


@router.get("/programmes/{slug}/companies", response_class=HTMLResponse)
def companies_page(
    slug: str,
    request: Request,
    services: ServicesDep,
    q: Annotated[str, Query(max_length=100)] = "",
    stage: Annotated[Stage | None, Query()] = None,
    sort: Annotated[str, Query(pattern="^(" + "|".join(SORTS) + ")$")] = "name",
    as_of_date: Annotated[date | None, Query()] = None,
) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    status = _status(services, slug, as_of_date)
    needle = q.strip().casefold()
    shown = [
        c
        for c in status.companies
        if (stage is None or c.stage == stage)
        and (not needle or needle in (c.name or "").casefold() or needle in c.org_number.casefold())
    ]
    return render(
        request,
        "companies.html",
        "companies",
        principal=principal,
        services=services,
        slug=slug,
        status=status,
        companies=_sorted(shown, sort),
        q=q,
        stage=stage.value if stage else "",
        stages=[s.value for s in Stage],
        sort=sort,
        sorts=SORTS,
        as_of_date=as_of_date,
        suffix=f"?as_of_date={as_of_date.isoformat()}" if as_of_date else "",
        may_record=principal.role.value in ("coordinator", "admin"),
    )


@router.get("/programmes/{slug}/training", response_class=HTMLResponse)
def training_page(
    slug: str, request: Request, services: ServicesDep, as_of_date: Annotated[date | None, Query()] = None
) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_read(principal, slug)
    status = _status(services, slug, as_of_date)
    names = {c.org_number: c.name or c.org_number for c in status.companies}
    titles = {m.module_id: m.title for m in status.modules}
    sessions = sorted(
        [*status.sessions.held, *status.sessions.upcoming, *status.sessions.cancelled], key=lambda s: s.starts_on
    )
    return render(
        request,
        "training.html",
        "training",
        principal=principal,
        services=services,
        slug=slug,
        status=status,
        names=names,
        titles=titles,
        sessions=sessions,
        as_of_date=as_of_date,
        suffix=f"?as_of_date={as_of_date.isoformat()}" if as_of_date else "",
    )


def _choices(
    status: ProgrammeStatus, command: type[Command], audit: FundingAudit, words: i18n.Words
) -> dict[str, list[tuple[str, str]]]:
    """The things a form's fields name, by name: companies (all for a presentation, those in the programme for
    the later stages and a participant's registration), modules, sessions (still to be held; held, for the
    attendance), allocations and grants by the party they name, payments still pending."""
    choices: dict[str, list[tuple[str, str]]] = {}
    if (issubclass(command, CompanyCommand) and command is not PresentCompany) or command is RegisterParticipant:
        choices["org_number"] = [
            (c.org_number, f"{c.name or c.org_number} ({words.option(c.stage)})") for c in status.companies
        ]
    titles = {m.module_id: m.title for m in status.modules}
    choices["module_id"] = [(m.module_id, m.title) for m in status.modules]
    sessions = status.sessions.held if command is RecordAttendance else status.sessions.upcoming
    choices["session_id"] = [
        (s.session_id, f"{titles.get(s.module_id, '')} · {words.day(s.starts_on)} · {s.place}") for s in sessions
    ]
    names = account_names(audit, status, words)
    currency = status.programme.currency
    grants = [(e.grant_id, names.get(f"grant:{e.grant_id}", e.grant_id)) for e in audit.entries
              if e.kind == EntryKind.GRANT and e.grant_id]  # fmt: skip
    allocations = {
        e.allocation_id: names.get(f"allocation:{e.allocation_id}", e.allocation_id)
        for e in audit.entries
        if e.allocation_id and e.kind == EntryKind.ALLOCATION
    }
    choices["grant_id"] = grants
    choices["allocation_id"] = list(allocations.items())
    choices["target_id"] = [*grants, *allocations.items()]
    choices["payment_id"] = [
        (p.payment_id, f"{named(p.recipient, names)} · {words.money(p.amount, currency)} · {words.day(p.requested_on)}"
         + (f" · {words('audit.approved')} {p.approved_by}" if p.approved_by else ""))
        for p in audit.payments
        if p.state == PaymentState.PENDING
    ]  # fmt: skip
    return choices


def _expected_version(services: Services, slug: str, command: type[Command]) -> int | None:
    """The version of what the command changes, when the form can know it: the programme for a company's
    stage, the programme's funds for money. (A new company, a module's session or an activity is guarded by the
    idempotency key alone.)"""
    if issubclass(command, CompanyCommand) or command is RegisterParticipant:
        return int(services.ledger.programme(slug).version)
    if issubclass(command, FundsCommand):
        return int(services.ledger.funds(slug).version)
    return None


def _command_of(name: str) -> type[Command]:
    command = FORMS.get(name)
    if command is None:
        raise HTTPException(404, f"no form records {name}")
    return command


def _form_page(
    request: Request,
    services: Services,
    slug: str,
    command: type[Command],
    *,
    values: dict[str, str] | None = None,
    problems: dict[str, str] | None = None,
    problem: str = "",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    principal = page_principal(request, services)
    words = i18n.Words(i18n.choose(request))
    moment = AsOf(position=None, time=None, day=None, wait_for=None)
    with programme_view(services, slug, moment) as (db, programme_id):
        status = status_queries.programme_status(db, programme_id)
        audit = audit_queries.funding_audit(db, programme_id)
    if status is None:
        raise NotFound("programme", slug)
    version = _expected_version(services, slug, command)
    return render(
        request,
        "record.html",
        "record",
        title=words(f"command.{command.command}"),
        principal=principal,
        services=services,
        status_code=status_code,
        slug=slug,
        status=status,
        command=command.command,
        purpose=words(f"purpose.{command.command}"),
        inputs=forms.inputs(
            command, words, values, problems, leave_out=("programme",), choices=_choices(status, command, audit, words)
        ),
        problem=problem,
        idempotency_key=str(uuid.uuid4()),
        expected_version="" if version is None else str(version),
        forms=list(FORMS),
        **context,
    )


@router.get("/programmes/{slug}/record/{name}", response_class=HTMLResponse)
def record_form(
    slug: str,
    name: str,
    request: Request,
    services: ServicesDep,
    recorded: Annotated[int | None, Query(ge=0)] = None,
    replayed: Annotated[bool, Query()] = False,
) -> Response:
    """The form, empty; after a recording, with the log position it was stored at (a number, never text)."""
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_write(principal, slug)
    return _form_page(request, services, slug, _command_of(name), recorded=recorded, replayed=replayed)


@router.post("/programmes/{slug}/record/{name}", response_class=HTMLResponse)
async def record(slug: str, name: str, request: Request, services: ServicesDep) -> Response:
    submitted = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    answer: Response = await run_in_threadpool(_record, slug, name, request, services, submitted)
    return answer


def _record(slug: str, name: str, request: Request, services: Services, form: dict[str, str]) -> Response:
    principal = page_principal(request, services)
    if principal is None:
        return RedirectResponse("/login", status_code=303)
    may_write(principal, slug)
    check_csrf(request, form.get("_csrf", ""))
    command_type = _command_of(name)
    words = i18n.Words(i18n.choose(request))
    given = {"programme": slug} if "programme" in command_type.model_fields else {}
    command, problems = forms.parsed(command_type, form, given)
    values = {k: v for k, v in form.items() if not k.startswith("_")}
    if not isinstance(command, Command):
        return _form_page(request, services, slug, command_type, values=values, problems=problems, status_code=422)
    key = form.get("_idempotency_key", "").strip()[:200]
    raw_version = form.get("_expected_version", "")
    ctx = Ctx(
        actor=principal.actor,
        expected_version=int(raw_version) if raw_version.isdigit() else None,
        idempotency_key=f"{principal.token_id}/{slug}/{key}" if key else None,
    )
    try:
        result = services.ledger.handle(ctx, command)
    except InvalidInput as error:
        return _form_page(
            request, services, slug, command_type, values=values, problems={error.field: error.reason},
            status_code=422,
        )  # fmt: skip
    except VersionConflict:
        return _form_page(
            request, services, slug, command_type, values=values, problem=words("form_stale"), status_code=409
        )
    except LedgerError as error:
        return _form_page(
            request, services, slug, command_type, values=values, status_code=409,
            problem=words("form_problem", message=error.as_dict()["message"]),
        )  # fmt: skip
    services.projector.wait_for(result.position, timeout=5.0)
    return RedirectResponse(
        f"/programmes/{slug}/record/{name}?recorded={result.position}&replayed={str(result.replayed).lower()}",
        status_code=303,
    )
