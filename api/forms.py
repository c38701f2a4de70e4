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
    kind: str  # text, number, date, select, checkbox, list (one value a line), rows (a list of records)
    required: bool
    value: str = ""
    hint: str = ""
    choices: list[tuple[str, str]] = field(default_factory=list)
    limits: dict[str, str] = field(default_factory=dict)  # HTML attributes: min, max, maxlength, minlength, pattern
    error: str = ""
    rows: list[list[Input]] = field(default_factory=list)  # kind "rows": each row's inputs, `name.<row>.<field>`
    columns: list[str] = field(default_factory=list)  # kind "rows": the labels of a row's inputs


ROWS = 8
"""How many rows a field that is a list of records offers (no script adds rows); blank rows are left out."""


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


def _record_of(annotation: Any) -> type[BaseModel] | None:
    """The record type of a field that is a list of records (a session's attendance: participant and minutes)."""
    if get_origin(annotation) is not list:
        return None
    item, *_ = get_args(annotation) or (str,)
    return item if isinstance(item, type) and issubclass(item, BaseModel) else None


def _hint(words: i18n.Words, name: str) -> str:
    """A described field's declared hint in the reader's language (`hint.<last part>`); none where no language
    has one (a test requires one for every described field of a form)."""
    key = f"hint.{[part for part in name.split('.') if not part.isdigit()][-1]}"
    return i18n.CATALOGUE[words.language].get(key, "")


def _label(words: i18n.Words, name: str) -> str:
    """A field's declared label: by its last part (`decision.reference`: `field.decision.reference`, else
    `field.reference`; a row's `attendance.0.minutes`: `field.minutes`)."""
    catalogue = i18n.CATALOGUE[words.language]
    parts = [part for part in name.split(".") if not part.isdigit()]
    for key in (".".join(parts), parts[-1]):
        if f"field.{key}" in catalogue:
            return catalogue[f"field.{key}"]
    return name.replace("_", " ").replace(".", ": ").capitalize()


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
        hint=_hint(words, name) if info.description else "",
        limits=limits,
        error=problems.get(name, ""),
    )
    if get_origin(annotation) is list and _record_of(annotation) is not None:
        record = _record_of(annotation)
        assert record is not None
        entry.kind, entry.value = "rows", ""
        given = {int(k.split(".")[1]) for k in values if k.startswith(f"{name}.") and k.split(".")[1].isdigit()}
        count = max(ROWS, max(given, default=-1) + 1)
        entry.rows = [inputs(record, words, values, problems, prefix=f"{name}.{row}.") for row in range(count)]
        for row in entry.rows:
            for cell in row:
                cell.required = False  # a blank row is left out; a row begun is checked whole
        entry.columns = [cell.label for cell in entry.rows[0]]
    elif get_origin(annotation) is list:
        entry.kind = "list"
        item, *_ = get_args(annotation) or (str,)
        if get_origin(item) is Annotated:
            item_limits: dict[str, str] = {}
            _limits(list(get_args(item)[1:]), item_limits)
            entry.limits = {k: v for k, v in item_limits.items() if k == "maxlength"}
    elif isinstance(annotation, type) and issubclass(annotation, Enum):
        entry.kind = "select"
        entry.choices = [(str(member.value), words.option(member)) for member in annotation]
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
    rows: dict[str, dict[int, dict[str, Any]]] = {}
    for name, raw in form.items():
        outer, _, rest = name.partition(".")
        index, _, inner = rest.partition(".")
        info = model.model_fields.get(outer)
        if info is not None and index.isdigit() and inner and _record_of(_unwrapped(info.annotation)[0]):
            record = _record_of(_unwrapped(info.annotation)[0])
            cell = record.model_fields.get(inner) if record is not None else None
            if raw.strip():
                typed = _whole_number(_unwrapped(cell.annotation)[0], raw.strip()) if cell is not None else raw.strip()
                rows.setdefault(outer, {}).setdefault(int(index), {})[inner] = typed
            continue
        if name.startswith("_") or raw.strip() == "":
            continue
        info = _field(model, name)
        if info is None:
            continue
        annotation, _ = _unwrapped(info.annotation)
        value: Any = _whole_number(annotation, raw)
        if get_origin(annotation) is list:
            value = [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]
        elif annotation is bool:
            value = raw in ("on", "true", "1")
        outer, _, inner = name.partition(".")
        if inner:
            data.setdefault(outer, {})[inner] = value
        else:
            data[name] = value
    row_of: dict[str, list[int]] = {}  # the form's row number of each record kept, blank rows left out
    for outer, by_row in rows.items():
        row_of[outer] = sorted(by_row)
        data[outer] = [by_row[row] for row in row_of[outer]]
    data.update(given)
    try:
        checked = _plain(model).model_validate(data)
    except ValidationError as error:
        problems: dict[str, str] = {}
        for problem in error.errors(include_url=False):
            loc = list(problem.get("loc", ()))
            if len(loc) >= 2 and str(loc[0]) in row_of and isinstance(loc[1], int):
                loc[1] = row_of[str(loc[0])][loc[1]]  # beside the row as the form numbers it
                where = ".".join(str(part) for part in loc)
            else:
                where = ".".join(str(part) for part in loc if not isinstance(part, int))
            problems.setdefault(where or "_form", str(problem.get("msg", "invalid")))
        return None, problems
    try:
        return model(**{name: getattr(checked, name) for name in type(checked).model_fields}), {}
    except InvalidInput as error:
        return None, {error.field: error.reason}


def _whole_number(annotation: Any, raw: str) -> Any:
    """A number input's text as the integer its field declares (the ledger's integers refuse text, as the API's
    JSON does); anything else is left as typed, for the declaration to refuse with its own message."""
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    text = raw.strip()
    if annotation is int and text.lstrip("-").isdigit() and len(text) <= 20:
        return int(text)
    return raw


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
