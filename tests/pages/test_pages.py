"""The pages without a browser (the browser tests walk them in Chromium): the language chosen by ?lang=, its
cookie and Accept-Language, with `<html lang>`; money to the øre in each language's way; the login page that
never echoes the address and shows Log out only to a reader logged in; errors of a page as pages with a way back
(the API keeps its JSON); the admin page creating, listing and revoking tokens through the API's declaration,
each problem beside its field; erasure asked twice, recorded once on a double click, and proved."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

import scenarios
from api import i18n
from api.tokens import Role
from projections.schema import participants

if TYPE_CHECKING:
    from fastapi import FastAPI

FREMTID = "/programmes/fremtid"


def logged_in(app: FastAPI, role: Role, programmes: list[str] | None = None) -> TestClient:
    _, token = app.state.services.tokens.create(role, f"{role.value}@pages-test", programmes)
    client = TestClient(app)
    assert client.post("/login", data={"token": token}, follow_redirects=False).status_code == 303
    return client


def by_testid(html: str, name: str) -> list[str]:
    return re.findall(rf'data-testid="{re.escape(name)}"[^>]*>([^<]*)<', html)


def csrf(html: str) -> str:
    found = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


# --- languages and formats -------------------------------------------------------------------------------------


def test_every_language_has_every_word() -> None:
    for language, words in i18n.CATALOGUE.items():
        assert set(words) == set(i18n.EN), (language, set(i18n.EN) ^ set(words))


@pytest.mark.parametrize(
    ("accept", "language"),
    [
        ("nb-NO,nb;q=0.9", "nb"),
        ("sv-SE", "sv"),
        ("en-GB,en;q=0.8", "en"),
        ("no", "nb"),
        ("de, sv;q=0.5", "sv"),
        ("", "nb"),
    ],
)
def test_the_language_follows_accept_language(app: FastAPI, accept: str, language: str) -> None:
    page = TestClient(app).get("/login", headers={"accept-language": accept})

    assert f'<html lang="{language}">' in page.text
    assert i18n.CATALOGUE[language]["log_in"] in page.text


def test_the_switch_sets_the_language_and_a_cookie_keeps_it(app: FastAPI) -> None:
    client = logged_in(app, Role.ANALYST)

    switched = client.get(FREMTID, params={"lang": "sv"}, headers={"accept-language": "en"})
    kept = client.get(FREMTID, headers={"accept-language": "en"})

    assert '<html lang="sv">' in switched.text and '<html lang="sv">' in kept.text
    assert "Medelsrevision" in kept.text
    links = re.findall(r'href="([^"]*lang=[a-z]+)"', kept.text)
    assert sorted(links) == [f"{FREMTID}?lang=en", f"{FREMTID}?lang=nb"]


@pytest.mark.parametrize(
    ("language", "granted", "day"),
    [
        ("en", "NOK\xa06,000,000.00", "Jun 23, 2021"),
        ("nb", "6\xa0000\xa0000,00\xa0kr", "23. juni 2021"),
        ("sv", "6\xa0000\xa0000,00\xa0Nkr", "23 juni 2021"),
    ],
)
def test_money_keeps_every_ore_and_dates_read_as_each_language_writes_them(
    app: FastAPI, language: str, granted: str, day: str
) -> None:
    page = logged_in(app, Role.ANALYST).get(FREMTID, params={"lang": language, "as_of_date": "2021-06-23"})

    assert by_testid(page.text, "granted") == [granted]
    assert re.search(rf'id="as-of-note">[^<]*{day}<', page.text), page.text
    assert i18n.Words(language).money(123_456, "NOK").replace("\xa0", " ") in {
        "NOK 1,234.56",
        "1 234,56 kr",
        "1 234,56 Nkr",
    }


# --- logging in, who is logged in, errors ----------------------------------------------------------------------


def test_the_login_page_never_echoes_the_address_and_offers_no_log_out(app: FastAPI) -> None:
    client = TestClient(app)

    echoed = client.get("/login", params={"error": "<b>Call 555-HACK</b>", "lang": "en"})
    known = client.get("/login", params={"error": "error.unknown_token", "lang": "en"})

    assert "555-HACK" not in echoed.text and "warn" not in echoed.text
    assert "Unknown, expired or revoked token." in known.text
    assert "/logout" not in echoed.text and "Log out" not in echoed.text


def test_a_reader_logged_in_is_named_and_may_log_out(app: FastAPI) -> None:
    page = logged_in(app, Role.ANALYST).get("/", params={"lang": "en"})

    assert by_testid(page.text, "who") == ["Logged in as analyst@pages-test (analyst)"]
    assert 'href="/logout"' in page.text


def test_a_page_error_is_a_page_with_a_way_back_and_the_api_keeps_json(app: FastAPI) -> None:
    client = logged_in(app, Role.COORDINATOR, ["fremtid"])

    missing = logged_in(app, Role.ANALYST).get("/programmes/no-such-programme", params={"lang": "en"})
    forbidden = client.get(f"/programmes/{scenarios.SLUGS['smart_kompetens']}", params={"lang": "en"})
    bad_date = client.get(FREMTID, params={"as_of_date": "yesterday", "lang": "en"})
    api = client.get("/api/programmes/no-such-programme")

    for page, status in ((missing, 404), (forbidden, 403), (bad_date, 422)):
        assert page.status_code == status
        assert page.headers["content-type"].startswith("text/html")
        assert re.search(r'href="/" data-testid="way-back"', page.text), page.text
    assert "yesterday" not in bad_date.text
    assert api.headers["content-type"].startswith("application/json") and api.json()["error"] == "forbidden"


def test_a_stranger_s_error_page_leads_to_the_login(app: FastAPI) -> None:
    page = TestClient(app).get("/admin/erasure")

    assert page.status_code == 405 and 'href="/login" data-testid="way-back"' in page.text


# --- the admin page --------------------------------------------------------------------------------------------


def test_only_an_admin_opens_the_admin_page(app: FastAPI) -> None:
    assert logged_in(app, Role.ANALYST).get("/admin").status_code == 403
    assert logged_in(app, Role.ADMIN).get("/admin").status_code == 200


def test_the_token_form_is_the_api_declaration_with_each_problem_beside_its_field(app: FastAPI) -> None:
    client = logged_in(app, Role.ADMIN)
    page = client.get("/admin", params={"lang": "en"})
    assert re.search(r'<select id="f-role" name="role" required>', page.text)
    assert re.search(r'name="days" type="number" value="90" min="1" max="3650"', page.text)

    refused = client.post(
        "/admin/tokens", data={"_csrf": csrf(page.text), "role": "funder", "days": "4000", "programmes": "fremtid"}
    )

    assert refused.status_code == 422
    assert by_testid(refused.text, "error-days") == ["Input should be less than or equal to 3650"]
    assert by_testid(refused.text, "error-actor") == ["Field required"]
    assert by_testid(refused.text, "error-role") == []


def test_an_admin_creates_lists_and_revokes_a_token(app: FastAPI) -> None:
    client = logged_in(app, Role.ADMIN)
    form = {"role": "funder", "actor": "kari@fylke", "programmes": "fremtid", "days": "30"}
    page = client.get("/admin", params={"lang": "en"})

    created = client.post("/admin/tokens", data={"_csrf": csrf(page.text), **form})

    (token,) = by_testid(created.text, "new-token-value")
    funder = TestClient(app)
    funder.post("/login", data={"token": token})
    assert funder.get(FREMTID).status_code == 200
    record = next(t for t in app.state.services.tokens.listed() if t.actor == "kari@fylke")
    assert record.programmes == ("fremtid",) and record.expires_at is not None
    assert f'data-token-id="{record.token_id}"' in created.text

    revoked = client.post(f"/admin/tokens/{record.token_id}/revocation", data={"_csrf": csrf(page.text)})

    assert by_testid(revoked.text, "message") == ["The token kari@fylke is revoked; it stops working at once."]
    assert funder.get(FREMTID, follow_redirects=False).status_code == 303  # back to the login form


def test_a_form_from_another_site_is_refused(app: FastAPI) -> None:
    client = logged_in(app, Role.ADMIN)

    forged = client.post("/admin/tokens", data={"_csrf": "guess", "role": "admin", "actor": "mallory"})

    assert forged.status_code == 403
    assert not any(t.actor == "mallory" for t in app.state.services.tokens.listed())


def test_erasure_asks_first_records_once_on_a_double_click_and_shows_the_proof(app: FastAPI) -> None:
    services = app.state.services
    with services.views.connect() as db:
        programme_id = services.answers.programme_id(db, "fremtid")
        pid = db.execute(
            select(participants.c.participant_id).where(participants.c.programme_id == programme_id)
        ).scalar()
    client = logged_in(app, Role.ADMIN)
    token = csrf(client.get("/admin").text)
    form = {"_csrf": token, "programme": "fremtid", "participant_id": pid}
    head = services.projector.head()

    question = client.post("/admin/erasure", data=form, params={"lang": "en"})

    assert services.projector.head() == head  # asking records nothing
    assert by_testid(question.text, "erasure-question") == [
        f"Erase participant {pid} of FREMtid for kompetanse? This cannot be undone."
    ]
    key = re.search(r'name="_idempotency_key" value="([^"]+)"', question.text)
    assert key is not None
    confirmed = {**form, "_confirmed": "1", "_idempotency_key": key.group(1)}
    first = client.post("/admin/erasure", data=confirmed, params={"lang": "en"})
    recorded = services.projector.head()
    second = client.post("/admin/erasure", data=confirmed, params={"lang": "en"})

    assert recorded > head and services.projector.head() == recorded  # the second click recorded nothing
    assert first.text == second.text
    assert "The identifying details can no longer be read" in first.text
    assert f"recorded at log position {recorded}" in first.text


def test_an_erasure_with_a_malformed_id_says_so_beside_the_field(app: FastAPI) -> None:
    client = logged_in(app, Role.ADMIN)
    token = csrf(client.get("/admin").text)

    refused = client.post("/admin/erasure", data={"_csrf": token, "programme": "fremtid", "participant_id": "nobody"})

    assert refused.status_code == 422
    assert by_testid(refused.text, "error-participant_id") == ["must be a UUID"]


def test_the_status_charts_are_echarts_data_from_the_answer_with_a_table_for_no_script(app: FastAPI) -> None:
    client = logged_in(app, Role.COORDINATOR, ["fremtid"])
    funds = client.get("/api/programmes/fremtid").json()["funds"]

    page = client.get(FREMTID, params={"lang": "nb"}).text

    assert "<svg" not in page
    assert '<script src="/static/vendor/echarts/echarts.min.js"></script>' in page
    found = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, flags=re.S)
    assert found is not None
    data = json.loads(found.group(1))
    assert set(data) == {"recruitment", "funds", "sessions", "target-groups"}
    assert data["funds"]["series"][0]["data"] == [
        funds[k] / 100 for k in ("granted", "allocated", "disbursed", "spent")
    ]
    assert data["funds"]["x"] == [i18n.NB[k].lower() for k in ("granted", "allocated", "disbursed", "spent")]
    assert data["recruitment"]["limits"] == [{"name": "tak og mål", "value": 40}]
    assert data["recruitment"]["x"][0].endswith("2021")  # the weeks as Bokmål writes a date
    table = page.split('data-testid="chart-table-funds"')[1].split("</table>")[0]
    shown = re.findall(r'<td class="num" data-value="[^"]+">([^<]*)</td>', table)
    assert shown[0] == i18n.Words("nb").money(funds["granted"], "NOK") and ",00" in shown[0]
    assert "tak og mål 40" in page.split('data-testid="chart-table-recruitment"')[1].split("</caption>")[0]
