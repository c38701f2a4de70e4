"""`ledger export facts`: one typed row per event, no personal data, in batches; the README's DuckDB query over the
Parquet copy gives the figure the ledger publishes, live and as of an effective day."""

from __future__ import annotations

import csv
import json
import math
import re
import typing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bootstrap import open_ledger
from cli.main import app
from ledger.events import EVENTS, LedgerEvent
from projections import fact_table
from projections.as_of import programme_as_of
from projections.fact_table import COLUMNS, FLATTENED, LEFT_OUT, arrow_schema, data_columns
from projections.status.queries import programme_id_for, programme_status
from scenarios import SLUGS, load_all
from scenarios.fremtid import load as load_fremtid
from storage.open import views_engine

if TYPE_CHECKING:
    from collections.abc import Iterator

README = Path(__file__).parent.parent / "README.md"
STORE_V1 = Path(__file__).parent / "fixtures" / "store-v1" / "ledger.sqlite3"


@dataclass
class Demo:
    url: str
    folder: Path
    people: list[str]  # every registered participant's name and email, as sealed in the key store
    company: str  # a company's name, which the copy keeps


def run(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"LEDGER_DATABASE_URL": url})
    assert result.exit_code == 0, result.stderr or result.output
    return result.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The five demo programmes, loaded through the commands, and their fact table as Parquet and as CSV."""
    folder = tmp_path_factory.mktemp("facts")
    url = f"sqlite:///{folder}/ledger.sqlite3"
    ledger = open_ledger(url)
    try:
        load_all(ledger)
        people: list[str] = []
        for participant_id in sorted(ledger.registered_participants()):
            identity = ledger.read_identity(participant_id)
            people += [identity.name, *([identity.email] if identity.email else [])]
        company = ledger.company(next(iter(ledger.programme("fremtid").companies))).name
    finally:
        ledger.close()
    run(url, "export", "facts", "-o", str(folder / "facts.parquet"))
    run(url, "export", "facts", "--format", "csv", "-o", str(folder / "facts.csv"))
    yield Demo(url, folder, people, company)


def events_of(url: str, *args: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run(url, "export", "events", *args).splitlines()]


def parquet_rows(path: Path) -> list[dict[str, Any]]:
    return pq.read_table(path).to_pylist()


def readme_query() -> tuple[str, str]:
    """The README's DuckDB query, and the condition it says to add for an effective day."""
    text = README.read_text()
    found = re.search(r"\n    SELECT count\(\*\) AS presentations\n(?:    .*\n)+", text)
    assert found, "the README shows the DuckDB query"
    query = "\n".join(line[4:] for line in found.group(0).strip("\n").splitlines())
    condition = re.search(r"add `(AND effective_on <= DATE '[0-9-]+')`", text)
    assert condition, "the README says how to ask as of an effective day"
    return query, condition.group(1)


def duckdb_count(query: str, path: Path, slug: str = "fremtid", condition: str = "") -> int:
    assert "'facts.parquet'" in query and "'fremtid'" in query
    sql = query.replace("'facts.parquet'", f"'{path}'").replace("'fremtid'", f"'{slug}'")
    if condition:
        sql = sql.rstrip(";") + f"\n{condition};"
    ((counted,),) = duckdb.connect().execute(sql).fetchall()
    return int(counted)


# --- the table: every event once, in log order, typed -------------------------------------------------------


def test_the_fact_table_holds_every_event_once_in_log_order(demo: Demo) -> None:
    events = events_of(demo.url)
    rows = parquet_rows(demo.folder / "facts.parquet")
    assert len(rows) == len(events) > 3000
    assert [r["position"] for r in rows] == [e["position"] for e in events]
    for row, event in zip(rows, events, strict=True):
        assert (row["event"], row["aggregate_id"], row["version"], row["actor"]) == (
            event["event"], event["aggregate_id"], event["version"], event["actor"])  # fmt: skip
        stated = event["effective_on"] or event["recorded_at"][:10]  # stated, else the day recorded (UTC)
        assert row["effective_on"] == date.fromisoformat(stated)
        assert row["recorded_at"].utcoffset().total_seconds() == 0
        for name, value in event["data"].items():
            if name not in LEFT_OUT | FLATTENED and isinstance(value, int | str):
                assert fact_table.as_text(row[name]) == fact_table.as_text(value), (event["event"], name)


def test_the_columns_are_typed_for_duckdb(demo: Demo) -> None:
    table = pq.read_table(demo.folder / "facts.parquet")
    assert table.schema.equals(arrow_schema())
    expected = {"position": pa.int64(), "recorded_at": pa.timestamp("us", tz="UTC"), "effective_on": pa.date32(),
                "amount": pa.int64(), "minutes": pa.int64(), "participant_count": pa.int64(), "value": pa.int64(),
                "starts_on": pa.date32(), "planned_on": pa.date32(), "online": pa.bool_(), "org_number": pa.string(),
                "programme": pa.string(), "gender": pa.string()}  # fmt: skip
    assert {name: table.schema.field(name).type for name in expected} == expected
    found = duckdb.connect().execute(f"DESCRIBE SELECT * FROM '{demo.folder / 'facts.parquet'}'").fetchall()
    described = {name: kind for name, kind, *_ in found}
    assert (described["recorded_at"], described["effective_on"], described["amount"], described["online"]) == (
        "TIMESTAMP WITH TIME ZONE", "DATE", "BIGINT", "BOOLEAN")  # fmt: skip
    funded = (
        duckdb.connect()
        .execute(f"SELECT sum(amount) FROM '{demo.folder / 'facts.parquet'}' WHERE event = 'GrantAwarded'")
        .fetchone()
    )
    assert funded is not None and funded[0] > 10_000_000_00, "the ten-million grant and more, in øre"


def test_the_csv_has_the_same_columns_and_values(demo: Demo) -> None:
    rows = parquet_rows(demo.folder / "facts.parquet")
    with (demo.folder / "facts.csv").open(newline="") as sheet:
        reader = csv.DictReader(sheet)
        assert reader.fieldnames == [c.name for c in COLUMNS]
        written = list(reader)
    assert len(written) == len(rows)
    for row, line in zip(rows, written, strict=True):
        assert line == {k: fact_table.as_text(v) for k, v in row.items()}
    assert {line["online"] for line in written} == {"", "true", "false"}
    counted = duckdb.connect().execute(f"SELECT count(*) FROM read_csv('{demo.folder / 'facts.csv'}')").fetchone()
    assert counted == (len(rows),)


def test_a_field_has_one_type_across_events() -> None:
    class Granted:
        amount: int

    class Noted:
        amount: str

    class Met:
        contact_email: str

    with pytest.raises(TypeError, match="amount is integer in one event and text in Noted"):
        data_columns([Granted, Noted])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="contact_email of Met may hold a person's details"):
        data_columns([Met])  # type: ignore[list-item]
    kinds = {c.name: c.kind for c in COLUMNS}
    assert (kinds["amount"], kinds["minutes"], kinds["online"], kinds["starts_on"], kinds["goals"]) == (
        "integer", "integer", "boolean", "date", "json")  # fmt: skip


def test_every_field_of_the_catalogue_is_a_column_or_named_as_left_out() -> None:
    columns = {c.name for c in COLUMNS}
    envelope = set(typing.get_type_hints(LedgerEvent))
    fields = {name for event in EVENTS for name in typing.get_type_hints(event)} - envelope
    assert fields - LEFT_OUT - FLATTENED <= columns
    assert {"amount", "org_number", "participant_id", "session_id", "channel", "reason"} <= columns
    assert not {"identity", "key", "fingerprint", "result", "attributes", "decision"} & columns


# --- no personal data --------------------------------------------------------------------------------------


def test_no_participants_name_or_email_reaches_either_copy(demo: Demo) -> None:
    assert len(demo.people) > 900, "every registered participant's name and email"
    csv_bytes = (demo.folder / "facts.csv").read_bytes()
    parquet_bytes = (demo.folder / "facts.parquet").read_bytes()
    values = "\n".join(str(v) for row in parquet_rows(demo.folder / "facts.parquet") for v in row.values())
    assert demo.company.encode() in csv_bytes and demo.company in values, "the search finds what the copy holds"
    for person in demo.people:
        assert person.encode() not in csv_bytes, person
        assert person.encode() not in parquet_bytes, person
        assert person not in values, person
    registered = [r for r in parquet_rows(demo.folder / "facts.parquet") if r["event"] == "ParticipantRegistered"]
    assert any(r["gender"] is not None and r["education_level"] is not None for r in registered), "ESF attributes"


# --- the README's query ------------------------------------------------------------------------------------


def test_the_readme_query_gives_every_programmes_published_figure(demo: Demo) -> None:
    query, _ = readme_query()
    views = views_engine(demo.url)
    try:
        for slug in SLUGS.values():
            with views.connect() as db:
                programme_id = programme_id_for(db, slug)
                assert programme_id is not None
                status = programme_status(db, programme_id)
            assert status is not None
            assert duckdb_count(query, demo.folder / "facts.parquet", slug) == status.pipeline.presentations, slug
    finally:
        views.dispose()
    assert duckdb_count(query, demo.folder / "facts.parquet") == 63, "docs/figures.md's example, for the record"


def test_the_readme_query_as_of_an_effective_day_gives_the_figure_as_of_that_day(demo: Demo) -> None:
    query, condition = readme_query()
    day = date.fromisoformat(condition.split("'")[1])
    ledger = open_ledger(demo.url)
    views = views_engine(demo.url)
    try:
        with views.connect() as db:
            programme_id = programme_id_for(db, "fremtid")
            assert programme_id is not None
        with programme_as_of(ledger, views, programme_id, effective_on=day).connect() as db:
            status = programme_status(db, programme_id)
    finally:
        views.dispose()
        ledger.close()
    assert status is not None
    counted = duckdb_count(query, demo.folder / "facts.parquet", condition=condition)
    assert counted == status.pipeline.presentations
    assert 0 < counted < duckdb_count(query, demo.folder / "facts.parquet"), "the day falls inside the presentations"


# --- one programme, batches, refusals ----------------------------------------------------------------------


def test_a_programmes_copy_has_the_events_its_event_export_has(demo: Demo) -> None:
    path = demo.folder / "fremtid.parquet"
    run(demo.url, "export", "facts", "--programme", "fremtid", "-o", str(path))
    rows = parquet_rows(path)
    assert [r["position"] for r in rows] == [e["position"] for e in events_of(demo.url, "--programme", "fremtid")]
    assert {r["programme"] for r in rows} == {"fremtid", None}
    assert {r["event"] for r in rows if r["programme"] is None} <= {"CompanyRegistered", "CompanyDetailsCorrected"}
    everything = {r["position"]: r for r in parquet_rows(demo.folder / "facts.parquet")}
    assert all(everything[r["position"]] == r for r in rows), "the same rows as in the whole table"


def test_the_copy_is_written_in_batches(demo: Demo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(fact_table, "BATCH", 500)
    run(demo.url, "export", "facts", "-o", str(tmp_path / "facts.parquet"))
    run(demo.url, "export", "facts", "--programme", "smart-kompetens", "-o", str(tmp_path / "smart.parquet"))
    whole = pq.ParquetFile(tmp_path / "facts.parquet")
    assert whole.metadata.num_row_groups == math.ceil(whole.metadata.num_rows / 500) > 1
    assert {whole.metadata.row_group(i).num_rows for i in range(whole.metadata.num_row_groups - 1)} == {500}
    assert parquet_rows(tmp_path / "facts.parquet") == parquet_rows(demo.folder / "facts.parquet")
    smart = parquet_rows(tmp_path / "smart.parquet")
    expected = [e["position"] for e in events_of(demo.url, "--programme", "smart-kompetens")]
    assert [r["position"] for r in smart] == expected and len(expected) > 500


def test_csv_goes_to_stdout_and_parquet_needs_a_file(demo: Demo) -> None:
    out = run(demo.url, "export", "facts", "--format", "csv", "--programme", "viken-digital")
    assert out.splitlines()[0] == ",".join(c.name for c in COLUMNS)
    assert len(out.splitlines()) - 1 == len(events_of(demo.url, "--programme", "viken-digital"))
    refused = CliRunner().invoke(app, ["export", "facts"], env={"LEDGER_DATABASE_URL": demo.url})
    assert refused.exit_code == 1 and "--output FILE is required" in refused.stderr
    wrong = CliRunner().invoke(app, ["export", "facts", "--format", "xml"], env={"LEDGER_DATABASE_URL": demo.url})
    assert wrong.exit_code == 1 and "unknown format 'xml'" in wrong.stderr


def test_a_store_of_the_first_version_exports_its_upcast_events(tmp_path: Path) -> None:
    (tmp_path / "ledger.sqlite3").write_bytes(STORE_V1.read_bytes())
    url = f"sqlite:///{tmp_path}/ledger.sqlite3"
    run(url, "export", "facts", "-o", str(tmp_path / "facts.parquet"))
    rows = parquet_rows(tmp_path / "facts.parquet")
    assert [r["position"] for r in rows] == [e["position"] for e in events_of(url)]
    assert None not in {r["channel"] for r in rows if r["event"] == "CompanyPresented"}


@pytest.mark.postgres
def test_on_postgresql_the_copy_and_the_query_agree_with_the_ledger(postgres_url: str, tmp_path: Path) -> None:
    ledger = open_ledger(postgres_url)
    try:
        load_fremtid(ledger)
        recorded = int(ledger.recorder.max_notification_id() or 0)
    finally:
        ledger.close()
    run(postgres_url, "export", "facts", "-o", str(tmp_path / "facts.parquet"))
    rows = parquet_rows(tmp_path / "facts.parquet")
    assert [r["position"] for r in rows] == [e["position"] for e in events_of(postgres_url)]
    assert rows[-1]["position"] == recorded
    views = views_engine(postgres_url)
    try:
        with views.connect() as db:
            programme_id = programme_id_for(db, "fremtid")
            assert programme_id is not None
            status = programme_status(db, programme_id)
    finally:
        views.dispose()
    assert status is not None
    assert duckdb_count(readme_query()[0], tmp_path / "facts.parquet") == status.pipeline.presentations > 0
