"""A store written by an earlier version of the ledger (tests/fixtures/store-v1: the five demo programmes and a
programme that records every other kind of event) must still load: every aggregate, every event, and the
answers recorded in answers.json. The earlier version wrote that file; where a figure's definition changed on
purpose (docs/figures.md), the file was written again with `LEDGER_RECORD_ANSWERS=1 pytest
tests/test_stored_history.py`, so every change to a published figure shows as a reviewed diff of it."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.app import create_app
from api.tokens import Role
from projections.integrity.verification import take_receipt, verify
from projections.schema import integrity_head
from storage.chain import chained
from storage.settings import Settings

FIXTURE = Path(__file__).parent / "fixtures" / "store-v1"


def _copy(tmp_path: Path) -> str:
    shutil.copy(FIXTURE / "ledger.sqlite3", tmp_path / "ledger.sqlite3")
    return f"sqlite:///{tmp_path}/ledger.sqlite3"


def test_every_stored_aggregate_of_the_earlier_version_loads(tmp_path: Path) -> None:
    url = _copy(tmp_path)
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        ids = [uuid.UUID(row[0]) for row in db.execute("SELECT DISTINCT originator_id FROM stored_events")]
        topics = {row[0] for row in db.execute("SELECT DISTINCT topic FROM stored_events")}
    assert len(topics) == 42  # every kind of event the earlier version recorded
    app = create_app(Settings(database_url=url, run_projector=False))
    try:
        ledger = app.state.services.ledger
        versions = [ledger.repository.get(aggregate_id).version for aggregate_id in ids]
    finally:
        app.state.services.ledger.close()
    assert len(versions) == len(ids) and all(v >= 1 for v in versions)


def test_the_read_models_answer_as_recorded(tmp_path: Path) -> None:
    url = _copy(tmp_path)
    answers = FIXTURE / "answers.json"
    expected: dict[str, Any] = json.loads(answers.read_text())
    app = create_app(Settings(database_url=url))
    got: dict[str, Any] = {}
    try:
        with TestClient(app) as client:
            token = app.state.services.tokens.create(Role.ADMIN, "fixture@ledger")[1]
            headers = {"Authorization": f"Bearer {token}"}
            app.state.services.projector.run_once()
            for path in expected:
                response = client.get(path, headers=headers)
                got[path] = {"status": response.status_code, "body": response.json()}
    finally:
        app.state.services.ledger.close()
    if os.environ.get("LEDGER_RECORD_ANSWERS") == "1":
        answers.write_text(json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    for path, answer in expected.items():
        assert got[path]["status"] == answer["status"], path
        assert got[path]["body"] == answer["body"], path


def test_a_store_of_the_earlier_version_is_linked_into_the_chain_once_and_verifies(tmp_path: Path) -> None:
    """The earlier version kept no chain at commit: opening the store links every event it holds, once, with the
    chain the earlier integrity index computed (so receipts issued before still verify), and new events follow."""
    url = _copy(tmp_path)
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        (count,) = db.execute("SELECT COUNT(*) FROM stored_events").fetchone()
    services = create_app(Settings(database_url=url, run_projector=False)).state.services
    try:
        services.projector.run_once()
        receipt = take_receipt(services.ledger)
        with services.views.connect() as db:
            indexed = db.execute(select(integrity_head.c.chain).where(integrity_head.c.name == "log")).scalar()
        assert (receipt.position, receipt.chain) == (count, indexed)
        assert verify(services.ledger, services.views, receipt).ok
        assert chained(services.ledger.recorder).backfill() == 0, "linked once"
    finally:
        services.close()
