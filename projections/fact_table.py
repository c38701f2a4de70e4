"""The analysts' copy of the log: one row per event, typed columns, no personal data (`ledger export facts`).

The columns are declared once, here:

- the envelope: `position`, `recorded_at` (UTC), `effective_on` (the day it took effect: stated, else the day
  recorded), `event`, `aggregate_id`, `version`, `actor` (the account that recorded it, as the audit shows it),
  `programme_id` and `programme` (its slug) from the event index, `module_id`, `activity_id` and `group_id` (the
  aggregate's id, where the event is a course module's, an activity's or a network group's), the decision's
  `decision_reference` and `decision_body`, and a participant's ESF attributes;
- one column per field of the event catalogue (`ledger.events`), typed by the field's annotation: text, int64
  (money is integer minor units), boolean, date; a field of the same name has one type across events (checked
  when the columns are derived). Lists and mappings (goals, regions, providers, pseudonymous participant ids,
  caps) are JSON text.

What is left out, and why: participants' identities (name, email, personal number) never reach an event (they are
sealed in the key store), so no column can hold one; a field whose name suggests a person's details (`PERSONAL`)
refuses to become a column, so a new one must be decided on here first. The ESF attributes (gender, age band,
employment status, education level) are pseudonymous statistics the ESF indicators publish, and are kept. A
command receipt keeps only the command's name: its idempotency key, fingerprint and stored answer are the ledger's
own bookkeeping. Company names are kept: a company is not a person."""

from __future__ import annotations

import csv
import types
import typing
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from ledger.domain.activity import Activity
from ledger.domain.base import LedgerEvent
from ledger.domain.module import CourseModule
from ledger.domain.network import NetworkGroup
from ledger.events import EVENTS

if TYPE_CHECKING:
    from collections.abc import Iterable

    from projections.facts import Fact

BATCH = 10_000
"""Rows per batch (and per Parquet row group): what the export holds in memory at once."""

ESF_ATTRIBUTES = ("gender", "age_band", "employment_status", "education_level")
LEFT_OUT = frozenset({"key", "fingerprint", "result", "originator_topic"})
"""Fields that are no analyst's fact: a receipt's bookkeeping and the library's own."""
FLATTENED = frozenset({"decision", "attributes", "programme_id", "slug"})
"""Fields with envelope columns of their own: the decision's two parts, the ESF attributes, the programme."""
PERSONAL = ("identity", "email", "phone", "birth", "personal_number", "address", "first_name", "last_name")
"""Field names that would carry a person's details: such a field is refused a column until decided on here."""
AGGREGATE_IDS = (("module_id", CourseModule), ("activity_id", Activity), ("group_id", NetworkGroup))


@dataclass(frozen=True)
class FactColumn:
    name: str
    kind: str  # "text", "integer", "boolean", "date", "timestamp", "json"
    description: str


ENVELOPE = (
    FactColumn("position", "integer", "the event's position in the log"),
    FactColumn("recorded_at", "timestamp", "when it was recorded (UTC)"),
    FactColumn("effective_on", "date", "the day it took effect: stated, else the day recorded (UTC)"),
    FactColumn("event", "text", "its type, e.g. CompanyJoined"),
    FactColumn("aggregate_id", "text", "the aggregate (programme, module, company...) it belongs to"),
    FactColumn("version", "integer", "its version in that aggregate"),
    FactColumn("actor", "text", "the account that recorded it"),
    FactColumn("programme_id", "text", "the programme it belongs to (null: a company's or a receipt)"),
    FactColumn("programme", "text", "that programme's slug"),
    *(FactColumn(name, "text", f"the aggregate_id of a {kind.__name__}'s event") for name, kind in AGGREGATE_IDS),
    FactColumn("decision_reference", "text", "the decision it was recorded on"),
    FactColumn("decision_body", "text", "the body that decided"),
    *(FactColumn(name, "text", "a participant's ESF attribute (null: not given)") for name in ESF_ATTRIBUTES),
)


def _kind(annotation: Any) -> str:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return _kind(args[0]) if len(args) == 1 else "json"
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    if annotation is str:
        return "text"
    if annotation is date:
        return "date"
    return "json"


def data_columns(events: Iterable[type[LedgerEvent]]) -> tuple[FactColumn, ...]:
    """One column per field of the events, by name, typed by its annotation. Refuses a name typed two ways, a
    name that is an envelope column, and a name that suggests a person's details."""
    envelope = set(typing.get_type_hints(LedgerEvent))
    taken = {c.name for c in ENVELOPE}
    kinds: dict[str, str] = {}
    for event in events:
        for name, annotation in typing.get_type_hints(event).items():
            if name in envelope or name in LEFT_OUT or name in FLATTENED:
                continue
            if any(hint in name for hint in PERSONAL):
                raise TypeError(f"field {name} of {event.__name__} may hold a person's details: decide on it here")
            if name in taken:
                raise TypeError(f"field {name} of {event.__name__} is also an envelope column")
            kind = _kind(annotation)
            if kinds.setdefault(name, kind) != kind:
                raise TypeError(f"field {name} is {kinds[name]} in one event and {kind} in {event.__name__}")
    return tuple(FactColumn(name, kinds[name], f"the event's {name}") for name in sorted(kinds))


COLUMNS: tuple[FactColumn, ...] = ENVELOPE + data_columns(EVENTS)
_DATA = COLUMNS[len(ENVELOPE) :]


def fact_row(fact: Fact, programme_id: str | None, programme: str | None) -> dict[str, Any]:
    """One event as a row of the fact table: every column present, null where the event has no such field."""
    row: dict[str, Any] = dict.fromkeys(c.name for c in COLUMNS)
    data = fact.data
    decision = data.get("decision") or {}
    attributes = data.get("attributes") or {}
    row.update(position=fact.position, recorded_at=_utc(fact.recorded_at), effective_on=fact.effective_date,
               event=fact.name, aggregate_id=fact.originator_id, version=fact.version, actor=fact.actor,
               programme_id=programme_id, programme=programme, decision_reference=decision.get("reference"),
               decision_body=decision.get("body"))  # fmt: skip
    for name, aggregate in AGGREGATE_IDS:
        if isinstance(fact.event, aggregate.Event):
            row[name] = fact.originator_id
    for name in ESF_ATTRIBUTES:
        row[name] = attributes.get(name)
    for column in _DATA:
        value = data.get(column.name)
        if value is None:
            continue
        if column.kind == "json":
            value = orjson.dumps(value, default=str).decode()
        elif column.kind == "date" and isinstance(value, str):
            value = date.fromisoformat(value)
        row[column.name] = value
    return row


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def arrow_schema() -> pa.Schema:
    """The fact table's Parquet schema: timestamps in UTC, days as date32, amounts and counts as int64."""
    types_of = {"text": pa.string(), "integer": pa.int64(), "boolean": pa.bool_(), "date": pa.date32(),
                "timestamp": pa.timestamp("us", tz="UTC"), "json": pa.string()}  # fmt: skip
    return pa.schema([pa.field(c.name, types_of[c.kind]) for c in COLUMNS])


def write_parquet(path: str, batches: Iterable[list[dict[str, Any]]]) -> int:
    """Write row batches to a Parquet file (one row group per batch, so memory follows a batch); returns rows."""
    schema = arrow_schema()
    written = 0
    with pq.ParquetWriter(path, schema) as writer:
        for rows in batches:
            if rows:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                written += len(rows)
        if not written:  # an empty table still has its columns
            writer.write_table(schema.empty_table())
    return written


def write_csv(sink: typing.TextIO, batches: Iterable[list[dict[str, Any]]]) -> int:
    """Write row batches as CSV with a header: dates ISO 8601, times ISO 8601 in UTC, booleans true/false, null
    as an empty field; returns rows."""
    writer = csv.DictWriter(sink, fieldnames=[c.name for c in COLUMNS])
    writer.writeheader()
    written = 0
    for rows in batches:
        writer.writerows({k: as_text(v) for k, v in row.items()} for row in rows)
        written += len(rows)
    return written


def as_text(value: Any) -> str:
    """A value as the CSV has it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return str(value)
