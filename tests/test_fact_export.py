"""`ledger export facts`: one typed row per event, no personal data; the README's DuckDB query over the Parquet copy
gives the figure the ledger publishes."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cli.main import app
from ledger.application import Ctx
from ledger.commands import RegisterParticipant
from projections.fact_table import COLUMNS, arrow_schema
from projections.status.queries import programme_id_for, programme_status
from storage.open import open_ledger, views_engine

FIXTURE = Path(__file__).parent / "fixtures" / "store-v1" / "ledger.sqlite3"
README = Path(__file__).parent.parent / "README.md"


@pytest.fixture
def store(tmp_path: Path) -> str:
    shutil.copy(FIXTURE, tmp_path / "ledger.sqlite3")
    return f"sqlite:///{tmp_path}/ledger.sqlite3"


def run(url: str, *args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"LEDGER_DATABASE_URL": url})
    assert result.exit_code == 0, result.stderr
    return result.stdout


def readme_query() -> str:
    text = README.read_text()
    found = re.search(r"    SELECT count\(\*\) AS presentations\n(?:    .*\n)+", text)
    assert found, "the README shows the DuckDB query"
    return "\n".join(line[4:] for line in found.group(0).splitlines())


def test_the_fact_table_holds_every_event_typed_and_no_one(store: str, tmp_path: Path) -> None:
    events = run(store, "export", "events").splitlines()
    run(store, "export", "facts", "-o", str(tmp_path / "facts.parquet"))
    table = pq.read_table(tmp_path / "facts.parquet")
    assert table.num_rows == len(events)
    assert table.schema.equals(arrow_schema())
    assert str(table.schema.field("amount").type) == "int64"
    assert str(table.schema.field("recorded_at").type) == "timestamp[us, tz=UTC]"
    assert str(table.schema.field("effective_on").type) == "date32[day]"
    rows = table.to_pylist()
    assert [r["position"] for r in rows] == [json.loads(e)["position"] for e in events]
    assert sum(1 for r in rows if r["event"] == "ParticipantRegistered" and r["gender"] is not None) > 0

    run(store, "export", "facts", "--format", "csv", "-o", str(tmp_path / "facts.csv"))
    with (tmp_path / "facts.csv").open() as sheet:
        reader = csv.DictReader(sheet)
        assert reader.fieldnames == [c.name for c in COLUMNS]
        assert sum(1 for _ in reader) == len(events)

    assert "identity" not in run(store, "export", "events"), "the events never hold a person's details"


def test_no_person_registered_reaches_the_copy(store: str, tmp_path: Path) -> None:
    ledger = open_ledger(store)
    try:
        number = next(iter(ledger.programme("fremtid").companies))
        ledger.handle(Ctx(actor="kari@fremtid"), RegisterParticipant(
            programme="fremtid", org_number=number, target_group="employed", gender="female",
            identity={"name": "Ingeborg Kvalsvik-Trana", "email": "ingeborg.kt@example.no"}))  # fmt: skip
    finally:
        ledger.close()
    run(store, "export", "facts", "-o", str(tmp_path / "facts.parquet"))
    run(store, "export", "facts", "--format", "csv", "-o", str(tmp_path / "facts.csv"))
    text = (tmp_path / "facts.csv").read_text()
    rows = pq.read_table(tmp_path / "facts.parquet").to_pylist()
    values = " ".join(str(v) for row in rows for v in row.values())  # the Parquet file's pages are compressed
    for copy, content in (("csv", text), ("parquet", values)):
        assert "Kvalsvik" not in content and "ingeborg.kt" not in content, copy
    assert rows[-1]["event"] == "ParticipantRegistered" and rows[-1]["gender"] == "female"


def test_the_readme_query_gives_the_published_figure(store: str, tmp_path: Path) -> None:
    run(store, "export", "facts", "-o", str(tmp_path / "facts.parquet"))
    query = readme_query().replace("'facts.parquet'", f"'{tmp_path / 'facts.parquet'}'")
    ((counted,),) = duckdb.connect().execute(query).fetchall()
    views = views_engine(store)
    try:
        with views.connect() as db:
            programme_id = programme_id_for(db, "fremtid")
            assert programme_id is not None
            status = programme_status(db, programme_id)
    finally:
        views.dispose()
    assert status is not None
    assert counted == status.pipeline.presentations > 0


def test_a_programmes_facts_and_the_refusals(store: str, tmp_path: Path) -> None:
    run(store, "export", "facts", "--programme", "fremtid", "-o", str(tmp_path / "fremtid.parquet"))
    rows = pq.read_table(tmp_path / "fremtid.parquet").to_pylist()
    programmes = {r["programme_id"] for r in rows}
    assert len(programmes - {None}) == 1, "the programme's own events, and its companies' (no programme)"
    refused = CliRunner().invoke(app, ["export", "facts"], env={"LEDGER_DATABASE_URL": store})
    assert refused.exit_code == 1 and "--output" in refused.stderr
    wrong = CliRunner().invoke(app, ["export", "facts", "--format", "xml"], env={"LEDGER_DATABASE_URL": store})
    assert wrong.exit_code == 1 and "unknown format 'xml'" in wrong.stderr
