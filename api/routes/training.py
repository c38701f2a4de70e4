"""Network groups, course modules and their sessions, activities, and the forum: all within a programme."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CtxDep, PrincipalDep, ServicesDep, may_write
from api.responses import JSONResponse
from api.routes.common import COMMAND, BodyOf, answer
from ledger.commands import (
    AddCompanyToGroup,
    CancelActivity,
    CancelSession,
    CoCreateEducationOffer,
    EnrolParticipants,
    FormNetworkGroup,
    HoldActivity,
    HoldForumMeeting,
    HoldSession,
    OfferModule,
    PlanActivity,
    RecordAttendance,
    RecordModuleCompletion,
    RemoveCompanyFromGroup,
    ScheduleSession,
)

router = APIRouter(prefix="/api/programmes/{slug}", tags=["training"])


@router.post("/network-groups", **COMMAND)
def form_network_group(
    slug: str,
    body: BodyOf[FormNetworkGroup],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Form a network group by geography, production or theme."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/network-groups/{group_id}/members", **COMMAND)
def add_company_to_group(
    slug: str,
    group_id: str,
    body: BodyOf[AddCompanyToGroup],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Add a joined company to a group."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, group_id=group_id)))


@router.post("/network-groups/{group_id}/removals", **COMMAND)
def remove_company_from_group(
    slug: str,
    group_id: str,
    body: BodyOf[RemoveCompanyFromGroup],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Remove a company from a group."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, group_id=group_id)))


@router.post("/modules", **COMMAND)
def offer_module(
    slug: str,
    body: BodyOf[OfferModule],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Offer a course module by one or more providers."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/modules/{module_id}/sessions", **COMMAND)
def schedule_session(
    slug: str,
    module_id: str,
    body: BodyOf[ScheduleSession],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Schedule a session."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, module_id=module_id)))


@router.post("/modules/{module_id}/sessions/{session_id}/held", **COMMAND)
def hold_session(
    slug: str,
    module_id: str,
    session_id: str,
    body: BodyOf[HoldSession],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The session was held."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, module_id=module_id, session_id=session_id)))


@router.post("/modules/{module_id}/sessions/{session_id}/cancellation", **COMMAND)
def cancel_session(
    slug: str,
    module_id: str,
    session_id: str,
    body: BodyOf[CancelSession],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The session was cancelled."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, module_id=module_id, session_id=session_id)))


@router.post("/modules/{module_id}/enrolments", **COMMAND)
def enrol_participants(
    slug: str,
    module_id: str,
    body: BodyOf[EnrolParticipants],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Enrol participants."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, module_id=module_id)))


@router.post("/modules/{module_id}/sessions/{session_id}/attendance", **COMMAND)
def record_attendance(
    slug: str,
    module_id: str,
    session_id: str,
    body: BodyOf[RecordAttendance],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Record who attended a held session, for how many minutes (up to 10,000 per call)."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, module_id=module_id, session_id=session_id)))


@router.post("/modules/{module_id}/completions", **COMMAND)
def record_module_completion(
    slug: str,
    module_id: str,
    body: BodyOf[RecordModuleCompletion],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """A participant completed the module."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, module_id=module_id)))


@router.post("/activities", **COMMAND)
def plan_activity(
    slug: str,
    body: BodyOf[PlanActivity],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """Plan an activity for a group or an individual."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/activities/{activity_id}/held", **COMMAND)
def hold_activity(
    slug: str,
    activity_id: str,
    body: BodyOf[HoldActivity],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The activity was held."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, activity_id=activity_id)))


@router.post("/activities/{activity_id}/cancellation", **COMMAND)
def cancel_activity(
    slug: str,
    activity_id: str,
    body: BodyOf[CancelActivity],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """The activity was cancelled."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug, activity_id=activity_id)))


@router.post("/forum/meetings", **COMMAND)
def hold_forum_meeting(
    slug: str,
    body: BodyOf[HoldForumMeeting],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """A cross-sector forum meeting was held."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))


@router.post("/forum/offers", **COMMAND)
def co_create_education_offer(
    slug: str,
    body: BodyOf[CoCreateEducationOffer],
    ctx: CtxDep,
    services: ServicesDep,
    principal: PrincipalDep,
) -> JSONResponse:
    """An education offer was co-created."""
    may_write(principal, slug)
    return answer(services.ledger.handle(ctx, body.command(programme=slug)))
