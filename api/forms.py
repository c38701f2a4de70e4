"""HTML forms made from the declarations they fill: a command's fields (or an API body such as a new token) give
each input its type, limits, choices and whether it is required, so a form never retypes a rule. The submitted
form is checked by the same declaration, and each problem is shown beside its field."""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from api import i18n
from ledger.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pydantic.fields import FieldInfo


@dataclass
class Input:
    """One input of a form, as the template draws it."""

    name: str
    label: str
    kind: str  # text, number, date, select, checkbox, list (one value a line)
    required: bool
    value: str = ""
    hint: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    limits: dict[str, str] = field(default_factory=dict)  # HTML attributes: min, max, maxlength, minlength, pattern
    error: str = ""


def _unwrapped(annotation: Any) -> tuple[Any, bool]:
    """The type inside `X | None` (and whether None is allowed)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        if len(inner) == 1:
            return inner[0], True
    return annotation, False


def _limits(metadata: list[Any], into: dict[str, str]) -> None:
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            into["min"] = str(item.ge)
        elif isinstance(item, annotated_types.Gt) and isinstance(item.gt, int):
            into["min"] = str(item.gt + 1)
        elif isinstance(item, annotated_types.Le):
            into["max"] = str(item.le)
        elif isinstance(item, annotated_types.Lt) and isinstance(item.lt, int):
            into["max"] = str(item.lt - 1)
        elif isinstance(item, annotated_types.MaxLen):
            into["maxlength"] = str(item.max_length)
        elif isinstance(item, annotated_types.MinLen) and item.min_length > 0:
            into["minlength"] = str(item.min_length)
        elif getattr(item, "pattern", None):
            into["pattern"] = str(item.pattern).removeprefix("^").removesuffix("$")


def _label(words: i18n.Words, name: str) -> str:
    known = i18n.CATALOGUE[words.language].get(f"field.{name}")
    return known or name.replace("_", " ").replace(".", ": ").capitalize()


def inputs(
    model: type[BaseModel],
    words: i18n.Words,
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
    leave_out: tuple[str, ...] = (),
    prefix: str = "",
    choices: Mapping[str, list[tuple[str, str]]] | None = None,
) -> list[Input]:
    """The inputs of a model's fields less `leave_out`; a nested model's fields come as `outer.inner`. `choices`:
    the known values of a field that names something (a company's org number: the companies by name)."""
    values, problems = values or {}, problems or {}
    found: list[Input] = []
    for name, info in model.model_fields.items():
        if name in leave_out:
            continue
        for entry in _inputs_of(f"{prefix}{name}", info, words, values, problems):
            if choices and entry.name in choices and entry.kind == "text":
                entry.kind, entry.choices = "select", choices[entry.name]
            found.append(entry)
    return found


def _inputs_of(
    name: str, info: FieldInfo, words: i18n.Words, values: Mapping[str, str], problems: Mapping[str, str]
) -> list[Input]:
    annotation, optional = _unwrapped(info.annotation)
    limits: dict[str, str] = {}
    _limits(list(info.metadata), limits)
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        _limits(extra, limits)
    required = info.is_required() and not optional
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return inputs(annotation, words, values, problems, prefix=f"{name}.")
    default = "" if info.is_required() or info.default is None else str(getattr(info.default, "value", info.default))
    entry = Input(
        name=name,
        label=_label(words, name),
        kind="text",
        required=required,
        value=values.get(name, default),
        hint=info.description or "",
        limits=limits,
        error=problems.get(name, ""),
    )
    if get_origin(annotation) is list:
        entry.kind = "list"
        item, *_ = get_args(annotation) or (str,)
        if get_origin(item) is Annotated:
            item_limits: dict[str, str] = {}
            _limits(list(get_args(item)[1:]), item_limits)
            entry.limits = {k: v for k, v in item_limits.items() if k == "maxlength"}
    elif isinstance(annotation, type) and issubclass(annotation, Enum):
        entry.kind = "select"
        entry.choices = [(str(member.value), str(member.value).replace("_", " ")) for member in annotation]
    elif annotation is bool:
        entry.kind = "checkbox"
    elif annotation is int:
        entry.kind = "number"
    elif annotation is date:
        entry.kind = "date"
    return [entry]


def parsed(
    model: type[BaseModel], form: Mapping[str, str], given: Mapping[str, Any]
) -> tuple[BaseModel | None, dict[str, str]]:
    """The model from a submitted form (and the values the page gives itself, such as the programme), or the
    problems by field name. Empty inputs are left out, so an optional field takes its declared default."""
    data: dict[str, Any] = {}
    for name, raw in form.items():
        if name.startswith("_") or raw.strip() == "":
            continue
        info = _field(model, name)
        if info is None:
            continue
        annotation, _ = _unwrapped(info.annotation)
        value: Any = raw
        if get_origin(annotation) is list:
            value = [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]
        elif annotation is bool:
            value = raw in ("on", "true", "1")
        outer, _, inner = name.partition(".")
        if inner:
            data.setdefault(outer, {})[inner] = value
        else:
            data[name] = value
    data.update(given)
    try:
        checked = _plain(model).model_validate(data)
    except ValidationError as error:
        problems: dict[str, str] = {}
        for problem in error.errors(include_url=False):
            where = ".".join(str(part) for part in problem.get("loc", ()) if not isinstance(part, int))
            problems.setdefault(where or "_form", str(problem.get("msg", "invalid")))
        return None, problems
    try:
        return model(**{name: getattr(checked, name) for name in type(checked).model_fields}), {}
    except InvalidInput as error:
        return None, {error.field: error.reason}


@cache
def _plain(model: type[BaseModel]) -> type[BaseModel]:
    """The model's fields with their types and limits, as a model that reports every problem (a command's own
    constructor stops at the first, as the API answers)."""
    fields: dict[str, Any] = {name: (info.annotation, info) for name, info in model.model_fields.items()}
    plain: type[BaseModel] = create_model(f"{model.__name__}Form", __config__=ConfigDict(extra="forbid"), **fields)
    return plain


def _field(model: type[BaseModel], name: str) -> FieldInfo | None:
    outer, _, inner = name.partition(".")
    info = model.model_fields.get(outer)
    if info is None or not inner:
        return info
    annotation, _ = _unwrapped(info.annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation.model_fields.get(inner)
    return None
