"""The coordinators' pages without a browser: companies searched, filtered and sorted with the stage now apart
from the days each stage was first reached; network groups with members by name; and the forms made from the
commands' declarations: each problem beside its field, a double click recorded once, a stale form refused."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api.tokens import Role
from ledger.commands import JoinCompany, RegisterCompany
from tests.pages.test_pages import by_testid

if TYPE_CHECKING:
    from fastapi import FastAPI

FREMTID = "/programmes/fremtid"
ORG = "NO923609016"


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    _, token = app.state.services.tokens.create(Role.COORDINATOR, "kari@fremtid", ["fremtid"])
    made = TestClient(app)
    made.post("/login", data={"token": token})
    return made


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, name
    return found.group(1)


def submit(app: FastAPI, client: TestClient, command: str, fields: dict[str, str], form: str | None = None) -> str:
    """Opens the form (or uses one opened before), fills it, posts it and follows the answer."""
    opened = form or client.get(f"{FREMTID}/record/{command}", params={"lang": "en"}).text
    carried = {name: hidden(opened, name) for name in ("_csrf", "_idempotency_key", "_expected_version")}
    answer = client.post(f"{FREMTID}/record/{command}", data={**carried, **fields}, params={"lang": "en"})
    app.state.services.projector.run_once()
    return answer.text


def test_the_companies_show_their_stage_now_apart_from_the_stages_they_reached(client: TestClient) -> None:
    page = client.get(f"{FREMTID}/companies", params={"lang": "en", "sort": "joined_on"}).text

    rows = re.findall(r"<tr data-org=\"([^\"]+)\">(.*?)</tr>", page, flags=re.S)
    assert len(rows) == 52 and by_testid(page, "shown") == ["52 of 52 companies"]
    now = [re.search(r'data-testid="stage-now"><strong>([^<]*)', row).group(1) for _, row in rows]  # type: ignore[union-attr]
    assert "onboarded" in now and "presented" in now
    onboarded = next(row for _, row in rows if 'stage-now"><strong>onboarded' in row)
    assert "<li>joined " in onboarded and "<li>onboarded " in onboarded  # both reached, one stage now


def test_the_companies_are_searched_filtered_and_sorted(client: TestClient) -> None:
    by_name = client.get(f"{FREMTID}/companies", params={"sort": "name", "lang": "en"}).text
    presented = client.get(f"{FREMTID}/companies", params={"stage": "presented", "lang": "en"}).text
    names = re.findall(r'<td data-label="Name">([^<]*)</td>', by_name)
    first = names[0]
    searched = client.get(f"{FREMTID}/companies", params={"q": first[:6].upper(), "lang": "en"}).text

    assert names == sorted(names, key=str.casefold)
    assert set(re.findall(r'data-testid="stage-now"><strong>([^<]*)', presented)) == {"presented"}
    assert first in re.findall(r'<td data-label="Name">([^<]*)</td>', searched)
    assert client.get(f"{FREMTID}/companies", params={"sort": "evil"}).status_code == 422


def test_network_groups_name_their_members(client: TestClient) -> None:
    page = client.get(f"{FREMTID}/training", params={"lang": "en"}).text

    groups = re.findall(r'data-testid="group">(.*?)</section>', page, flags=re.S)
    assert groups
    assert not re.search(r"<li>NO\d{9}</li>", page)  # members by name, not by organisation number


def test_a_form_is_the_command_declaration(client: TestClient) -> None:
    page = client.get(f"{FREMTID}/record/register_company", params={"lang": "en"}).text

    names = re.findall(r'<(?:input|select|textarea) id="f-([a-z_.]+)"', page)
    assert names == list(RegisterCompany.model_fields)
    assert re.search(r'<select id="f-size" name="size" required>', page)
    join = client.get(f"{FREMTID}/record/join_company", params={"lang": "en"}).text
    assert re.findall(r'id="f-([a-z_.]+)"', join) == [n for n in JoinCompany.model_fields if n != "programme"]
    assert re.search(r'<select id="f-org_number"', join)  # the companies by name


def test_each_problem_is_shown_beside_its_field(app: FastAPI, client: TestClient) -> None:
    head = app.state.services.projector.head()

    page = submit(app, client, "register_company", {"org_number": "123", "size": "medium"})

    assert by_testid(page, "error-org_number") == [
        "is neither a Norwegian (9 digits) nor a Swedish (10 digits) organisation number"
    ]
    assert by_testid(page, "error-name") == ["Field required"]
    assert by_testid(page, "error-size") == []
    assert app.state.services.projector.head() == head


def test_a_coordinator_registers_presents_and_joins_a_company_and_the_pipeline_moves(
    app: FastAPI, client: TestClient
) -> None:
    company = {"org_number": ORG, "name": "Formtest AS", "region": "Viken", "sector": "manufacturing", "size": "small"}
    before = client.get(FREMTID, params={"lang": "en"}).text

    registered = submit(app, client, "register_company", company)
    presentation = client.get(f"{FREMTID}/record/present_company", params={"lang": "en"}).text
    presented = submit(app, client, "present_company", {"org_number": ORG}, presentation)
    head = app.state.services.projector.head()
    again = submit(app, client, "present_company", {"org_number": ORG}, presentation)  # the double click
    joined = submit(app, client, "join_company", {"org_number": ORG})

    assert by_testid(registered, "recorded") and by_testid(presented, "recorded")
    assert by_testid(again, "recorded") == ["This was already recorded; nothing new was added."]
    assert app.state.services.projector.head() > head  # the join, and nothing for the second click
    assert by_testid(joined, "recorded")
    row = re.search(
        r'<tr data-org="' + ORG + r'">(.*?)</tr>',
        client.get(f"{FREMTID}/companies", params={"q": "formtest", "lang": "en"}).text,
        flags=re.S,
    )
    assert row is not None and 'stage-now"><strong>joined' in row.group(1)
    assert "<li>presented " in row.group(1) and "<li>joined " in row.group(1)
    joined_before = int(by_testid(before, "companies-active")[0])
    assert by_testid(client.get(FREMTID, params={"lang": "en"}).text, "companies-active") == [str(joined_before + 1)]


def test_a_form_opened_before_another_change_is_refused(app: FastAPI, client: TestClient) -> None:
    stale = client.get(f"{FREMTID}/record/set_company_goals", params={"lang": "en"}).text
    submit(app, client, "set_company_goals", {"org_number": ORG, "goals": "Lean production"})
    head = app.state.services.projector.head()

    refused = submit(app, client, "set_company_goals", {"org_number": ORG, "goals": "Other goal"}, stale)

    assert by_testid(refused, "problem")[0].startswith("Someone changed this programme after you opened the form")
    assert app.state.services.projector.head() == head


def test_a_funder_may_not_record(app: FastAPI) -> None:
    _, token = app.state.services.tokens.create(Role.FUNDER, "funder@fremtid", ["fremtid"])
    funder = TestClient(app)
    funder.post("/login", data={"token": token})
    page = funder.get(f"{FREMTID}/record/join_company")
    assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
