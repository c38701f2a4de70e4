"""The analysts' pages without a browser: the evaluation's figures are the API's Evaluation answer, each opening
into the events behind it (the API's provenance); the downloads are CSV with a byte-order mark and the locale's
decimal mark, money in the major unit, and XLSX with the same figures."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import TYPE_CHECKING

import openpyxl
import pytest
from fastapi.testclient import TestClient

import scenarios
from api.tokens import Role
from tests.pages.test_pages import by_testid

if TYPE_CHECKING:
    from fastapi import FastAPI

SMART = f"/programmes/{scenarios.SLUGS['smart_kompetens']}"


@pytest.fixture(scope="module")
def analyst(app: FastAPI) -> TestClient:
    _, token = app.state.services.tokens.create(Role.ANALYST, "analyst@pages-test")
    client = TestClient(app)
    client.post("/login", data={"token": token})
    return client


def test_the_evaluation_shows_the_api_answer_and_each_figure_opens_into_its_events(analyst: TestClient) -> None:
    answer = analyst.get(f"/api{SMART}/evaluation").json()
    page = analyst.get(f"{SMART}/evaluation", params={"lang": "en"}).text

    joined = re.search(r'data-figure="funnel.joined"[^>]*>([^<]*)<', page)
    assert joined is not None and joined.group(1) == f"{answer['funnel']['joined']:,}"
    for dimension in ("region", "sector", "size", "target_group"):
        assert f'data-testid="participation-{dimension}"' in page
    assert re.search(r'data-figure="esf_indicators\[[^\]]+\]\.participants"', page)
    assert '<script src="/static/vendor/echarts/echarts.min.js"></script>' in page

    events = analyst.get(f"{SMART}/provenance", params={"figure": "funnel.joined", "lang": "en"}).text

    assert by_testid(events, "figure-value") == [f"The figure: {answer['funnel']['joined']}"]
    rows = re.findall(r'<td class="num" data-label="Change">(-?\d+)</td>', events)
    assert sum(int(r) for r in rows) == answer["funnel"]["joined"]


def test_an_unknown_figure_is_an_error_page(analyst: TestClient) -> None:
    page = analyst.get(f"{SMART}/provenance", params={"figure": "funnel.nothing"})

    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_the_csv_has_a_byte_order_mark_the_locale_decimal_mark_and_money_in_kronor(analyst: TestClient) -> None:
    spent = analyst.get(f"/api{SMART}/evaluation").json()["costs"]["spent"]

    swedish = analyst.get(f"{SMART}/evaluation.csv", params={"lang": "sv"})
    english = analyst.get(f"{SMART}/evaluation.csv", params={"lang": "en"})

    assert swedish.content.startswith(b"\xef\xbb\xbf") and english.content.startswith(b"\xef\xbb\xbf")
    assert f"costs.spent;{spent // 100},{spent % 100:02d}\r\n" in swedish.text
    assert f"costs.spent,{spent // 100}.{spent % 100:02d}\r\n" in english.text
    assert swedish.headers["content-disposition"].endswith('-evaluation.csv"')


def test_the_xlsx_holds_the_same_figures_as_numbers(analyst: TestClient) -> None:
    spent = analyst.get(f"/api{SMART}/evaluation").json()["costs"]["spent"]

    book = openpyxl.load_workbook(io.BytesIO(analyst.get(f"{SMART}/evaluation.xlsx").content))
    sheet = book.active
    assert sheet is not None
    cells = {row[0]: row[1] for row in sheet.iter_rows(min_row=3, values_only=True)}

    assert Decimal(str(cells["costs.spent"])) == Decimal(spent) / 100
    assert isinstance(cells["funnel.joined"], int)


def test_the_provenance_of_money_shows_the_major_unit_with_the_locale_decimal_mark(analyst: TestClient) -> None:
    spent = analyst.get(f"/api{SMART}/evaluation").json()["costs"]["spent"]

    swedish = analyst.get(f"{SMART}/provenance", params={"figure": "costs.spent", "lang": "sv"}).text
    english = analyst.get(f"{SMART}/provenance", params={"answer": "status", "figure": "funds.granted", "lang": "en"})

    kronor, ore = divmod(spent, 100)
    shown = f"{kronor:,}".replace(",", "\u00a0") + f",{ore:02d}\u00a0kr"
    assert by_testid(swedish, "figure-value") == [f"Siffran: {shown}"]
    changes = re.findall(r'<td class="num" data-label="Ändring">([^<]*)</td>', swedish)
    assert changes and all(c.endswith("\u00a0kr") and "," in c for c in changes)
    granted = analyst.get(f"/api{SMART}").json()["funds"]["granted"]
    assert by_testid(english.text, "figure-value") == [f"The figure: SEK\u00a0{granted // 100:,}.{granted % 100:02d}"]
