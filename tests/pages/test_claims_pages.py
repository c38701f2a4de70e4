"""The funder's claims page without a browser: Smart kompetens' half-years closed and claimed from the ESF council,
each claim's figures and steps as the API answers them, money in the reader's locale; a late fact in a closed
half-year shown as an adjustment of the next, marked; the CSV in the reader's locale."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.tokens import Role
from ledger.application import Ctx
from ledger.commands import ReportExpenditure

if TYPE_CHECKING:
    from fastapi import FastAPI

SMART = "/programmes/smart-kompetens"


@pytest.fixture(scope="module")
def funder(app: FastAPI) -> TestClient:
    _, token = app.state.services.tokens.create(Role.FUNDER, "handlaggare@esf-radet", ["smart-kompetens"])
    client = TestClient(app)
    client.post("/login", data={"token": token})
    return client


def api_claims(app: FastAPI, funder: TestClient) -> dict[str, dict[str, object]]:
    _, token = app.state.services.tokens.create(Role.FUNDER, "api@esf-radet", ["smart-kompetens"])
    answer = funder.get("/api/programmes/smart-kompetens/claims", headers={"Authorization": f"Bearer {token}"})
    return {f"{c['period']} {c['funder']}": c for c in answer.json()["claims"]}


def esf_block(page: str, period: str) -> str:
    """The ESF grant's claim for a period: its row and its lines, up to the next claim."""
    blocks = [part.split('data-testid="claim-')[0] for part in page.split(f'data-testid="claim-{period}"')[1:]]
    return next(block for block in blocks if "Europeiska socialfonden" in block.split("</tr>")[0])


def esf_row(page: str, period: str) -> str:
    return esf_block(page, period).split("</tr>")[0]


def test_each_half_year_shows_the_apis_figures_and_who_took_each_step(app: FastAPI, funder: TestClient) -> None:
    page = funder.get(f"{SMART}/claims", params={"lang": "sv"}).text
    assert 'lang="sv"' in page
    esf = api_claims(app, funder)["2019-H2 Europeiska socialfonden (Svenska ESF-rådet)"]
    row = esf_row(page, "2019-H2")
    payable = int(str(esf["payable"])) // 100
    assert f"{payable:,}".replace(",", "\u00a0") in row  # öre as kronor, grouped the Swedish way
    assert "utbetald" in row and "utbetalning@esf-radet" in row and "case-officer@esf-radet" in row
    assert "förseglad vid position" in page.split('data-testid="period-2019-H2"')[1].split("</section>")[0]
    assert 'data-testid="frequency">halvårsvis' in page


def test_a_late_fact_in_a_closed_half_year_is_an_adjustment_of_the_next(app: FastAPI, funder: TestClient) -> None:
    before = esf_row(funder.get(f"{SMART}/claims", params={"lang": "en"}).text, "2019-H2")
    esf = api_claims(app, funder)["2019-H2 Europeiska socialfonden (Svenska ESF-rådet)"]
    allocation = next(line["allocation_id"] for line in esf["lines"] if line["component"] == "actual")
    ledger = app.state.services.ledger
    ledger.handle(Ctx(actor="ekonom@regionostergotland.se"),
                  ReportExpenditure(programme="smart-kompetens", allocation_id=allocation, amount=123_456,
                                    period="2019-H2", effective_on="2019-12-20"))  # fmt: skip
    app.state.services.projector.run_once()
    page = funder.get(f"{SMART}/claims", params={"lang": "en"}).text
    assert esf_row(page, "2019-H2") == before
    first_open = esf_block(page, "2021-H1")
    assert 'data-testid="adjustment"' in first_open
    assert "1,234.56" in first_open and "2019-H2" in first_open


def test_the_csv_is_in_the_readers_locale(funder: TestClient) -> None:
    response = funder.get(f"{SMART}/claims.csv", params={"lang": "nb"})
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = text.lstrip("\ufeff").splitlines()
    assert header.split(";")[:3] == ["Periode", "Lukket", "Tilskudd"]
    assert any(row.startswith("2019-H2;ja;") and ",00;" in row for row in rows)


def test_a_programme_with_no_calendar_says_so(app: FastAPI) -> None:
    _, token = app.state.services.tokens.create(Role.FUNDER, "funder@kn", ["fremtid"])
    client = TestClient(app)
    client.post("/login", data={"token": token})
    page = client.get("/programmes/fremtid/claims", params={"lang": "en"}).text
    assert 'data-testid="no-calendar"' in page
