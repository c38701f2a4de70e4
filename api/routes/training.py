"""Network groups, course modules and their sessions, activities, and the forum: all within a programme."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes.common import command_routes
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

command_routes(
    router,
    (
        ("POST", "/network-groups", FormNetworkGroup),
        ("POST", "/network-groups/{group_id}/members", AddCompanyToGroup),
        ("POST", "/network-groups/{group_id}/removals", RemoveCompanyFromGroup),
        ("POST", "/modules", OfferModule),
        ("POST", "/modules/{module_id}/sessions", ScheduleSession),
        ("POST", "/modules/{module_id}/sessions/{session_id}/held", HoldSession),
        ("POST", "/modules/{module_id}/sessions/{session_id}/cancellation", CancelSession),
        ("POST", "/modules/{module_id}/enrolments", EnrolParticipants),
        ("POST", "/modules/{module_id}/sessions/{session_id}/attendance", RecordAttendance),
        ("POST", "/modules/{module_id}/completions", RecordModuleCompletion),
        ("POST", "/activities", PlanActivity),
        ("POST", "/activities/{activity_id}/held", HoldActivity),
        ("POST", "/activities/{activity_id}/cancellation", CancelActivity),
        ("POST", "/forum/meetings", HoldForumMeeting),
        ("POST", "/forum/offers", CoCreateEducationOffer),
    ),
)
