"""Network groups, course modules and their sessions, activities, and the forum: all within a programme."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from api.deps import CtxDep, PrincipalDep, ServicesDep, may_write
from api.responses import JSONResponse
from api.routes.common import COMMAND_ERRORS, Body, CommandResponse, fields, run
from ledger.application import Ledger
from ledger.errors import NotFound

router = APIRouter(prefix="/api/programmes/{slug}", tags=["training"])


def _belongs(ledger: Ledger, slug: str, what: str, identifier: str) -> None:
    """An id under a programme's path must be of that programme: another programme's id is unknown here."""
    loaders = {"network group": ledger.network_group, "module": ledger.module, "activity": ledger.activity}
    aggregate: Any = loaders[what](identifier, copy=False)  # read-only: no copy needed
    if aggregate.programme_id != str(ledger.programme(slug, copy=False).id):
        raise NotFound(what, identifier)


class FormGroup(Body):
    name: str = Field(examples=["Østlandet nord"])
    basis: str = Field(examples=["geography"], description="geography, production or theme")


class Member(Body):
    org_number: str


class OfferModule(Body):
    title: str = Field(examples=["Operativt forbedringsarbeid og digitalisert samhandling"])
    providers: list[str] = Field(examples=[["OsloMet", "Fagskolen i Østfold"]])
    theme: str = Field(examples=["digitalisation"])
    region: str = Field(examples=["Viken"])
    competence_areas: list[str] = []


class ScheduleSession(Body):
    starts_on: date
    place: str = Field(examples=["Moss"])
    online: StrictBool = False
    minutes: StrictInt = Field(360, description="Length in minutes")


class Cancellation(Body):
    reason: str


class Enrolment(Body):
    participant_ids: list[str]


class Attended(BaseModel):
    model_config = ConfigDict(extra="forbid")
    participant_id: str
    minutes: StrictInt


class Attendance(Body):
    attendance: list[Attended] = Field(max_length=10_000)


class Completion(Body):
    participant_id: str


class PlanActivity(Body):
    title: str = Field(examples=["Truckførerkurs"])
    kind: str = Field(examples=["group"], description="group or individual")
    competence_area: str
    region: str
    provider: str
    planned_on: date


class HoldActivity(Body):
    minutes: StrictInt
    participant_ids: list[str] = []
    participant_count: StrictInt | None = None


class ForumMeeting(Body):
    title: str
    sectors: list[str] = Field(examples=[["education", "business", "county", "social partners"]])
    format: str = Field(examples=["digital speed-date"])


class EducationOffer(Body):
    title: str
    provider: str
    meeting_id: str | None = None


def _add(
    path: str,
    method: str,
    body_type: type[Body],
    doc: str,
    owner: tuple[str, str] | None = None,
    extra: tuple[str, ...] = (),
) -> None:
    """A command route; `owner` = (path parameter, kind) checked to belong to the programme; `extra` path
    parameters are passed on to the command as they are."""

    def route(
        slug: str, body: Any, ctx: CtxDep, services: ServicesDep, principal: PrincipalDep, **path_params: str
    ) -> JSONResponse:
        may_write(principal, slug)
        if owner is not None:
            _belongs(services.ledger, slug, owner[1], path_params[owner[0]])
        if (
            "session_id" in path_params
            and path_params["session_id"] not in services.ledger.module(path_params["module_id"]).sessions
        ):
            raise NotFound("session", path_params["session_id"])  # an unknown id in the path, like the module's
        command = getattr(services.ledger, method)
        scoped = {"programme": slug} if owner is None else {}
        args = {**scoped, **path_params, **fields(body)}
        return run(ctx, body, lambda c: command(c, **args))

    import inspect

    parameters = [
        inspect.Parameter("slug", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=str),
        *[
            inspect.Parameter(p, inspect.Parameter.KEYWORD_ONLY, annotation=str)
            for p in ((owner[0],) if owner else ()) + extra
        ],
        inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body_type),
        inspect.Parameter("ctx", inspect.Parameter.KEYWORD_ONLY, annotation=CtxDep),
        inspect.Parameter("services", inspect.Parameter.KEYWORD_ONLY, annotation=ServicesDep),
        inspect.Parameter("principal", inspect.Parameter.KEYWORD_ONLY, annotation=PrincipalDep),
    ]

    def endpoint(slug: str, **kwargs: Any) -> JSONResponse:
        body, ctx, services, principal = (kwargs.pop(k) for k in ("body", "ctx", "services", "principal"))
        return route(slug, body, ctx, services, principal, **kwargs)

    endpoint.__signature__ = inspect.Signature(parameters, return_annotation=JSONResponse)  # type: ignore[attr-defined]
    endpoint.__doc__ = doc
    endpoint.__name__ = method
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        status_code=201,
        response_model=CommandResponse,
        responses=COMMAND_ERRORS,
        name=method,
    )


GROUP = ("group_id", "network group")
MODULE = ("module_id", "module")
ACTIVITY = ("activity_id", "activity")

_add("/network-groups", "form_network_group", FormGroup, "Form a network group by geography, production or theme.")
_add("/network-groups/{group_id}/members", "add_company_to_group", Member, "Add a joined company.", GROUP)
_add("/network-groups/{group_id}/removals", "remove_company_from_group", Member, "Remove a company.", GROUP)
_add("/modules", "offer_module", OfferModule, "Offer a course module by one or more providers.")
_add("/modules/{module_id}/sessions", "schedule_session", ScheduleSession, "Schedule a session.", MODULE)
_add(
    "/modules/{module_id}/sessions/{session_id}/held",
    "hold_session",
    Body,
    "The session was held.",
    MODULE,
    ("session_id",),
)
_add(
    "/modules/{module_id}/sessions/{session_id}/cancellation",
    "cancel_session",
    Cancellation,
    "The session was cancelled.",
    MODULE,
    ("session_id",),
)
_add("/modules/{module_id}/enrolments", "enrol_participants", Enrolment, "Enrol participants.", MODULE)
_add(
    "/modules/{module_id}/sessions/{session_id}/attendance",
    "record_attendance",
    Attendance,
    "Record who attended a held session, for how many minutes (up to 10,000 per call).",
    MODULE,
    ("session_id",),
)
_add("/modules/{module_id}/completions", "record_module_completion", Completion, "A participant completed.", MODULE)
_add("/activities", "plan_activity", PlanActivity, "Plan an activity for a group or an individual.")
_add("/activities/{activity_id}/held", "hold_activity", HoldActivity, "The activity was held.", ACTIVITY)
_add("/activities/{activity_id}/cancellation", "cancel_activity", Cancellation, "The activity was cancelled.", ACTIVITY)
_add("/forum/meetings", "hold_forum_meeting", ForumMeeting, "A cross-sector forum meeting was held.")
_add("/forum/offers", "co_create_education_offer", EducationOffer, "An education offer was co-created.")
