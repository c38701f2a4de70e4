"""Shared by the command routes: the body of a command (its fields less those in the path), the answer of a
command, the documented errors."""

from __future__ import annotations

import inspect
from functools import cache
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, create_model

from api.deps import CtxDep, PrincipalDep, ServicesDep, may_write
from api.responses import JSONResponse
from ledger.application import CommandResult
from ledger.commands import Command

C = TypeVar("C", bound=Command)


@cache
def body_model(command: type[Command]) -> type[BaseModel]:
    """The HTTP body of a command: its own fields (types, limits, descriptions) less those it `addresses`,
    which the route takes from the path. Unknown fields are refused."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in command.model_fields.items() if name not in command.addresses
    }
    model = create_model(
        f"{command.__name__}Body", __config__=ConfigDict(extra="forbid", frozen=True), __doc__=command.__doc__, **fields
    )

    def to_command(self: BaseModel, **path: Any) -> Command:
        return command(**path, **{name: getattr(self, name) for name in type(self).model_fields})

    setattr(model, "command", to_command)  # noqa: B010 (a method added to a model made at run time)
    return model


if TYPE_CHECKING:

    class BodyOf(BaseModel, Generic[C]):
        """`BodyOf[JoinCompany]`: the body of that command, as a route's parameter type."""

        def command(self, **path: Any) -> C: ...

else:

    class BodyOf:
        def __class_getitem__(cls, command: type[Command]) -> type[BaseModel]:
            return body_model(command)


class CommandResponse(BaseModel):
    id: str = Field(description="The aggregate the command changed")
    version: int = Field(description="Its version now; send it as If-Match to guard the next change")
    position: int = Field(description="Log position of the stored events; pass as wait_for to read your write")
    ids: dict[str, str] = Field(description="Ids the command created (entry_id, allocation_id, session_id...)")
    replayed: bool = Field(description="True when an Idempotency-Key retry returned the first answer")


class ErrorResponse(BaseModel):
    error: str = Field(examples=["rule_violated"])
    message: str = Field(examples=["company_cap_reached: the programme's cap of 40 companies is reached"])
    field: str | None = Field(None, examples=["amount"])
    rule: str | None = Field(None, examples=["company_cap_reached"])
    on: str | None = Field(
        None, examples=["2021-03-01"], description="For a rule that must hold on every day: the day it would break"
    )


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    text = {
        401: "No token, or an unknown or revoked one",
        403: "The token's role or programmes do not allow this",
        404: "An id names nothing the ledger knows",
        409: "A rule forbids it (cap full, insufficient balance...), a stale If-Match, or a reused Idempotency-Key",
        422: "Invalid input (wrong type, malformed JSON, oversized body): the field and the reason",
        503: "The read models did not reach wait_for in time",
    }
    return {code: {"model": ErrorResponse, "description": text[code]} for code in codes}


COMMAND_ERRORS = errors(401, 403, 404, 409, 422)
READ_ERRORS = errors(401, 403, 404, 422, 503)
REPLAYED = {200: {"model": CommandResponse, "description": "An Idempotency-Key retry: the first answer, replayed"}}
COMMAND: dict[str, Any] = {
    "status_code": 201,
    "response_model": CommandResponse,
    "responses": {**REPLAYED, **COMMAND_ERRORS},
}
"""What every command route declares: 201 Created (200 for an idempotent replay), the answer, the errors."""


def answer(result: CommandResult) -> JSONResponse:
    """A command's answer: 201, or 200 when an Idempotency-Key retry returned the first answer; the new version
    as ETag."""
    return JSONResponse(
        result.as_dict(), status_code=200 if result.replayed else 201, headers={"ETag": f'"{result.version}"'}
    )


def command_routes(router: APIRouter, table: tuple[tuple[str, str, type[Command]], ...]) -> None:
    """Declare a command route for each (method, path, command) of `table`: the path's parameters are the
    programme's slug and the fields the command `addresses`, the body its other fields; the command's docstring
    documents the route. One declaration per route, instead of one function each."""
    for method, path, command in table:
        addressed = [name for name in command.addresses if name != "programme"]

        def route(*, _command: type[Command] = command, _addressed: list[str] = addressed, **kwargs: Any) -> Any:
            slug, principal = kwargs["slug"], kwargs["principal"]
            may_write(principal, slug)
            path_fields = {name: kwargs[name] for name in _addressed}
            built = kwargs["body"].command(programme=slug, **path_fields)
            return answer(kwargs["services"].ledger.handle(kwargs["ctx"], built))

        keyword = inspect.Parameter.KEYWORD_ONLY
        route.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("slug", keyword, annotation=str),
                *(inspect.Parameter(name, keyword, annotation=str) for name in addressed),
                inspect.Parameter("body", keyword, annotation=body_model(command)),
                inspect.Parameter("ctx", keyword, annotation=CtxDep),
                inspect.Parameter("services", keyword, annotation=ServicesDep),
                inspect.Parameter("principal", keyword, annotation=PrincipalDep),
            ]
        )
        route.__name__ = command.command
        router.add_api_route(
            path, route, methods=[method], name=command.command, description=command.__doc__, **COMMAND
        )
