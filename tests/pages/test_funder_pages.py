"""The funder's pages without a browser: the audit naming accounts and parties instead of ids, with the deciding
body, on both time axes plainly labelled; a receipt downloaded, given back, verified, and the changes since it
shown with a correction of the past marked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

import scenarios
from api.app import create_app
from api.tokens import Role
from ledger.application import Ctx
from ledger.commands import ReviseCap
from storage.settings import Settings
from tests.pages.test_pages import by_testid, csrf

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI

FREMTID = "/programmes/fremtid"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{8}…")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    store = tmp_path_factory.mktemp("funder-pages") / "ledger.sqlite3"
    made = create_app(Settings(database_url=f"sqlite:///{store}", run_projector=False))
    scenarios.load_all(made.state.services.ledger)
    made.state.services.projector.run_once()
    yield made
    made.state.services.ledger.close()


@pytest.fixture(scope="module")
def funder(app: FastAPI) -> TestClient:
    _, token = app.state.services.tokens.create(Role.FUNDER, "funder@kompetanse-norge", ["fremtid"])
    client = TestClient(app)
    client.post("/login", data={"token": token})
    return client


def test_the_audit_names_accounts_and_parties_and_shows_the_deciding_body(funder: TestClient) -> None:
    page = funder.get(f"{FREMTID}/audit", params={"lang": "en"}).text

    table = page.split('data-testid="audit"')[1]
    assert not UUID.search(table), UUID.findall(table)
    assert "grant from Kompetanse Norge" in table
    assert "allocated to Kompetansetiltak i bedriftene" in table
    assert "paid to Nettverkssamlinger og kick-off-konferanse" in table
    assert "Styringsgruppen, FREMtid for kompetanse" in by_testid(page, "decision-body")


def test_the_audit_labels_the_two_time_axes_plainly(funder: TestClient) -> None:
    effective = funder.get(f"{FREMTID}/audit", params={"lang": "en", "as_of_date": "2021-06-23"}).text
    recorded_day = datetime.now(UTC).date().isoformat()
    recorded = funder.get(f"{FREMTID}/audit", params={"lang": "en", "recorded_by": recorded_day}).text
    both = funder.get(f"{FREMTID}/audit", params={"as_of_date": "2021-06-23", "recorded_by": recorded_day})

    assert re.search(r'id="as-of-note">Showing what had taken effect by Jun 23, 2021<', effective)
    assert '<label for="as_of_date">Effective by</label>' in effective
    assert '<label for="recorded_by">As the ledger stood on</label>' in effective
    assert 'id="recorded-note">Showing the ledger as it stood at the end of' in recorded
    assert effective.count("<tr><td") == 5 and recorded.count("<tr><td") == 8
    assert both.status_code == 422


def test_a_receipt_given_back_is_verified_and_the_changes_since_are_shown(app: FastAPI, funder: TestClient) -> None:
    services = app.state.services
    receipt = funder.get(f"{FREMTID}/receipt")
    assert receipt.headers["content-disposition"].startswith('attachment; filename="fremtid-receipt-')
    decision = {"reference": "SG-2021-07", "body": "Styringsgruppen"}
    services.ledger.handle(
        Ctx(actor="coordinator@fremtid"),
        ReviseCap(programme="fremtid", name="companies", value=45, decision=decision, effective_on="2021-05-01"),
    )
    services.projector.run_once()
    form = funder.get(f"{FREMTID}/report", params={"lang": "en"}).text

    answer = funder.post(
        f"{FREMTID}/report",
        params={"lang": "en"},
        data={"_csrf": csrf(form)},
        files={"receipt_file": ("receipt.json", receipt.content, "application/json")},
    ).text

    assert by_testid(answer, "verification")[0].startswith("Verified: nothing recorded up to log position")
    assert re.search(r'data-testid="correction"><td class="num" data-label="#">\d+</td>', answer)
    assert "correction of the past" in answer and "SG-2021-07 · Styringsgruppen" in answer
    assert "pipeline.cap" in answer


def test_what_is_not_a_receipt_is_refused_with_a_message(funder: TestClient) -> None:
    form = funder.get(f"{FREMTID}/report", params={"lang": "en"}).text
    forged = '{"position": 1, "chain": "' + "0" * 64 + '", "issued_at": "2021-01-01T00:00:00Z"}'

    garbage = funder.post(f"{FREMTID}/report", params={"lang": "en"}, data={"_csrf": csrf(form), "receipt_text": "x"})
    wrong = funder.post(f"{FREMTID}/report", params={"lang": "en"}, data={"_csrf": csrf(form), "receipt_text": forged})

    assert garbage.status_code == 422 and by_testid(garbage.text, "problem") == [
        "That is not a receipt of this ledger."
    ]
    assert by_testid(wrong.text, "verification")[0].startswith("Not verified")
