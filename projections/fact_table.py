"""The analysts' copy of the log: one row per event, typed columns, no personal data (`ledger export facts`).

The columns are declared once, here: the envelope (position, times, event, aggregate, actor, programme) and one
column per field of the event catalogue, typed by the field's annotation. A field of the same name has one type
across events (checked at import). Participants' identities never reach an event (they are sealed in the key
store), so no column can hold one; a participant's ESF attributes (gender, age band, employment status,
education level) are pseudonymous statistics and have columns of their own. Lists and mappings (goals, regions,
named participants, caps) are JSON text. The receipts of retried commands keep only the command's name: their
key, fingerprint and stored answer are the ledger's own bookkeeping."""

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

from ledger.domain.base import LedgerEvent
from ledger.events import EVENTS

if TYPE_CHECKING:
    from projections.facts import Fact

ESF_ATTRIBUTES = ("gender", "age_band", "employment_status", "education_level")
LEFT_OUT = frozenset({"key", "fingerprint", "result", "originator_topic"})
"""Fields that are no analyst's fact: a receipt's bookkeeping and the library's own."""


@dataclass(frozen=True)
class FactColumn:
    name: str
    kind: str  # "text", "integer", "boolean", "date", "timestamp", "json"
    description: str


ENVELOPE = (
    FactColumn("position", "integer", "the event's position in the log"),
    FactColumn("recorded_at", "timestamp", "when it was recorded (UTC)"),
    FactColumn("effective_on", "date", "the day it took effect: stated, else the day recorded"),
    FactColumn("event", "text", "its type, e.g. CompanyJoined"),
    FactColumn("aggregate_id", "text", "the aggregate (programme, module, company...) it belongs to"),
    FactColumn("version", "integer", "its version in that aggregate"),
    FactColumn("actor", "text", "who recorded it"),
    FactColumn("programme_id", "text", "the programme it belongs to (null: a company's or a receipt)"),
    FactColumn("decision_reference", "text", "the decision it was recorded on"),
    FactColumn("decision_body", "text", "the body that decided"),
    *(FactColumn(name, "text", "a participant's ESF attribute (null: not given)") for name in ESF_ATTRIBUTES),
)


ENVELOPE_NAMES = frozenset(c.name for c in ENVELOPE)  # an event's own programme_id is the envelope's


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


def _data_columns() -> tuple[FactColumn, ...]:
    envelope = set(typing.get_type_hints(LedgerEvent))
    kinds: dict[str, str] = {}
    for event in EVENTS:
        for name, annotation in typing.get_type_hints(event).items():
            if name in envelope or name in LEFT_OUT or name in ("decision", "attributes") or name in ENVELOPE_NAMES:
                continue
            kind = _kind(annotation)
            if kinds.setdefault(name, kind) != kind:
                raise TypeError(f"field {name} is {kinds[name]} in one event and {kind} in {event.__name__}")
    return tuple(FactColumn(name, kinds[name], f"the event's {name}") for name in sorted(kinds))


COLUMNS: tuple[FactColumn, ...] = ENVELOPE + _data_columns()


def fact_row(fact: Fact, programme_id: str | None) -> dict[str, Any]:
    """One event as a row of the fact table: every column present, null where the event has no such field."""
    row: dict[str, Any] = dict.fromkeys(c.name for c in COLUMNS)
    data = fact.data
    decision = data.get("decision") or {}
    attributes = data.get("attributes") or {}
    row.update(position=fact.position, recorded_at=_utc(fact.recorded_at), effective_on=fact.effective_date,
               event=fact.name, aggregate_id=fact.originator_id, version=fact.version, actor=fact.actor,
               programme_id=programme_id, decision_reference=decision.get("reference"),
               decision_body=decision.get("body"))  # fmt: skip
    for name in ESF_ATTRIBUTES:
        row[name] = attributes.get(name)
    for column in COLUMNS[len(ENVELOPE) :]:
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
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def arrow_schema() -> Any:
    """The fact table's Parquet schema: timestamps in UTC, days as dates, amounts and counts as int64."""
    types_of = {"text": pa.string(), "integer": pa.int64(), "boolean": pa.bool_(), "date": pa.date32(),
                "timestamp": pa.timestamp("us", tz="UTC"), "json": pa.string()}  # fmt: skip
    return pa.schema([pa.field(c.name, types_of[c.kind]) for c in COLUMNS])


def write_parquet(path: str, batches: typing.Iterable[list[dict[str, Any]]]) -> int:
    """Write row batches to a Parquet file (one row group per batch, so memory follows a batch); returns rows."""
    schema = arrow_schema()
    written = 0
    with pq.ParquetWriter(path, schema) as writer:
        for rows in batches:
            if rows:
                writer.write_table(pa.Table.from_pylist(rows, schema=schema))
                written += len(rows)
    return written


def write_csv(sink: typing.TextIO, batches: typing.Iterable[list[dict[str, Any]]]) -> int:
    """Write row batches as CSV with a header (dates ISO, times ISO with zone); returns rows."""
    writer = csv.DictWriter(sink, fieldnames=[c.name for c in COLUMNS])
    writer.writeheader()
    written = 0
    for rows in batches:
        for row in rows:
            writer.writerow({k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()})
        written += len(rows)
    return written
