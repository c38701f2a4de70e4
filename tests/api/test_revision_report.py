"""The revision report over HTTP (SQLite and PostgreSQL): between a receipt and now, every figure that differs
between the answers as of the two moments is in it with both values, and nothing else; each names the events that
changed it; back-dated facts are marked, with actor and decision; the ESF months to re-send follow SCB's rule."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from projections.revisions import report as report_module
from projections.revisions.report import flatten
from tests.api.conftest import Tokens, auth
from tests.api.test_api_flows import BASE, DECISION, ORGS, command, funded, launched, read

if TYPE_CHECKING:
    import pytest
    from fastapi.testclient import TestClient

ANSWERS = {"status": "", "audit": "/audit", "evaluation": "/evaluation"}


def figures(client: TestClient, token: str, **moment: Any) -> dict[str, dict[str, Any]]:
    return {name: flatten(read(client, token, f"{BASE}{path}", **moment)) for name, path in ANSWERS.items()}


def differences(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> dict[tuple[str, str], Any]:
    return {
        (answer, figure): (old[answer].get(figure), new[answer].get(figure))
        for answer in ANSWERS
        for figure in old[answer].keys() | new[answer].keys()
        if old[answer].get(figure) != new[answer].get(figure)
    }


def months_back(day: date, months: int) -> date:
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, 1)


def test_the_report_reconciles_the_answers_at_a_receipt_and_now(client: TestClient, tokens: Tokens) -> None:
    c = tokens.coordinator
    launched(client, tokens, cap=3)
    written = command(client, c, f"{BASE}/grants", {"funder": "Kompetanse Norge", "amount": 900, "decision": DECISION})
    receipt = read(client, tokens.funder, "/api/integrity/receipt", wait_for=written["position"])
    at_receipt = figures(client, tokens.funder, as_of_position=receipt["position"])

    today = datetime.now(UTC).date()
    three_months_ago = months_back(today, 3)
    presented = command(client, c, f"{BASE}/companies/{ORGS[3]}/presentations",
                        {"channel": "Teams", "effective_on": three_months_ago.isoformat()})  # fmt: skip
    registered = command(client, c, f"{BASE}/participants", {
        "org_number": ORGS[0], "target_group": "employed", "gender": "female", "age_band": "30_54",
        "identity": {"name": "Kari Nordmann", "email": "kari@example.no"},
        "effective_on": three_months_ago.isoformat()})  # fmt: skip
    grant = command(client, c, f"{BASE}/grants", {"funder": "Viken", "amount": 250_000, "decision": DECISION})
    last = grant

    report = read(client, tokens.funder, f"{BASE}/revisions", since_position=receipt["position"],
                  wait_for=last["position"])  # fmt: skip
    now = figures(client, tokens.funder, wait_for=last["position"])

    expected = differences(at_receipt, now)
    assert expected, "the history changed the figures"
    found = {(ch["answer"], ch["figure"]): (ch["old"], ch["new"]) for ch in report["changes"]}
    assert found == expected
    assert (report["since"]["position"], report["until"]["position"]) == (receipt["position"], last["position"])

    listed = {e["position"]: e for e in report["events"]}
    assert set(listed) == {presented["position"], registered["position"], grant["position"]}
    assert listed[presented["position"]]["back_dated"] and listed[registered["position"]]["back_dated"]
    assert not listed[grant["position"]]["back_dated"]
    assert listed[grant["position"]]["decision_reference"] == DECISION["reference"]
    assert listed[presented["position"]]["actor"] == "kari@fremtid"
    assert listed[presented["position"]]["effective_on"] == three_months_ago.isoformat()
    for change in report["changes"]:
        assert change["positions"] and set(change["positions"]) <= set(listed), change
    assert ("status", "pipeline.presentations") in found
    presentations = next(ch for ch in report["changes"] if ch["figure"] == "pipeline.presentations")
    assert presentations["positions"] == [presented["position"]]
    assert sum(e["figures_changed"] for e in report["events"]) >= len(report["changes"])

    # a participant registered three months back: those months, reported already, are re-sent (not this month)
    assert report["resend_months"] == [months_back(today, k).strftime("%Y-%m") for k in (3, 2, 1)]

    sheet = client.get(f"{BASE}/revisions.csv", headers=auth(tokens.funder),
                       params={"since_position": receipt["position"], "until_position": last["position"]})  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert sheet.status_code == 200 and len(rows) == len(report["changes"])
    assert {(r["answer"], r["figure"]) for r in rows} == set(found)


def test_a_funders_report_holds_its_grants_figures_only(client: TestClient, tokens: Tokens) -> None:
    launched(client, tokens, cap=1)
    receipt = read(client, tokens.funder, "/api/integrity/receipt")
    funded(client, tokens)  # Kompetanse Norge's grant and an allocation
    other = command(client, tokens.coordinator, f"{BASE}/grants",
                    {"funder": "Viken", "amount": 250_000, "decision": DECISION})  # fmt: skip
    report = read(client, tokens.funder, f"{BASE}/revisions", since_position=receipt["position"],
                  funder="Kompetanse Norge", wait_for=other["position"])  # fmt: skip
    assert report["funder"] == "Kompetanse Norge" and report["changes"]
    assert {ch["answer"] for ch in report["changes"]} == {"audit"}
    assert all(ch["figure"].startswith("entries[") for ch in report["changes"]), "the funder's grants' entries"
    assert other["position"] not in {e["position"] for e in report["events"]}, "another funder's grant"
    assert not any("Viken" in str(ch["new"]) for ch in report["changes"])


def test_a_window_too_long_to_walk_is_refused_naming_a_first_moment_that_fits(
    client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    written = launched(client, tokens, cap=2)
    monkeypatch.setattr(report_module, "MAX_EVENTS", 3)
    refused = client.get(f"{BASE}/revisions", headers=auth(tokens.funder), params={"since_position": 0})
    assert (refused.status_code, refused.json()["field"]) == (422, "since")
    fits = int(refused.json()["message"].rsplit(" ", 1)[1])
    found = read(client, tokens.funder, f"{BASE}/revisions", since_position=fits, wait_for=written["position"])
    assert len(found["events"]) == 3


def test_moments_are_checked_and_named(client: TestClient, tokens: Tokens) -> None:
    written = launched(client, tokens, cap=1)
    f = auth(tokens.funder)
    after = client.get(
        f"{BASE}/revisions", headers=f, params={"since_position": written["position"], "until_position": 1}
    )
    assert (after.status_code, after.json()["field"]) == (422, "since")
    beyond = client.get(f"{BASE}/revisions", headers=f, params={"since_position": 0, "until_position": 10**9})
    assert (beyond.status_code, beyond.json()["field"]) == (422, "until")
    both = client.get(f"{BASE}/revisions", headers=f,
                      params={"since_position": 1, "since_time": "2021-01-01T00:00:00Z"})  # fmt: skip
    assert (both.status_code, both.json()["field"]) == (422, "since")
    assert client.get(f"{BASE}/revisions", headers=f).json()["field"] == "since"
    naive = client.get(f"{BASE}/revisions", headers=f, params={"since_time": "2021-01-01T00:00:00"})
    assert (naive.status_code, naive.json()["field"]) == (422, "since")
    unknown = client.get("/api/programmes/nowhere/revisions", headers=auth(tokens.admin), params={"since_position": 0})
    assert unknown.status_code == 404
    other = client.get("/api/programmes/kongsberg/revisions", headers=f, params={"since_position": 0})
    assert other.status_code == 403
    by_time = read(client, tokens.funder, f"{BASE}/revisions", since_time="2000-01-01T00:00:00Z")
    assert by_time["since"]["position"] == 0 and by_time["until"]["position"] == written["position"]


def test_a_figures_provenance_adds_up_to_it_now_and_as_of_a_moment(client: TestClient, tokens: Tokens) -> None:
    written = launched(client, tokens, cap=3)
    late = command(client, tokens.coordinator, f"{BASE}/companies/{ORGS[3]}/presentations",
                   {"channel": "mail", "effective_on": "2021-01-15"})  # fmt: skip
    status = read(client, tokens.analyst, BASE, wait_for=late["position"])
    for answer, figure in (("status", "pipeline.presentations"), ("status", "pipeline.joined"),
                           ("audit", "reconciliation.totals.granted"), ("evaluation", "funnel.presented")):  # fmt: skip
        found = read(client, tokens.analyst, f"{BASE}/provenance", answer=answer, figure=figure)
        assert found["value"] == flatten(read(client, tokens.analyst, f"{BASE}{ANSWERS[answer]}"))[figure]
        assert sum(c["contribution"] for c in found["contributions"]) == (found["value"] or 0), figure
    presentations = read(client, tokens.analyst, f"{BASE}/provenance", answer="status", figure="pipeline.presentations")
    assert presentations["value"] == status["pipeline"]["presentations"] == 4
    assert [c["contribution"] for c in presentations["contributions"]] == [0, 1, 1, 1, 1]  # the launch: 0
    assert presentations["contributions"][-1]["position"] == late["position"]
    assert presentations["contributions"][-1]["effective_on"] == "2021-01-15"

    then = read(client, tokens.analyst, f"{BASE}/provenance", answer="status", figure="pipeline.presentations",
                as_of_position=written["position"])  # fmt: skip
    assert then["value"] == 3 and late["position"] not in {c["position"] for c in then["contributions"]}
    effective = read(client, tokens.analyst, f"{BASE}/provenance", answer="status", figure="pipeline.presentations",
                     as_of_date="2021-01-31")  # fmt: skip
    assert effective["value"] == 1 and effective["contributions"][-1]["position"] == late["position"]

    unknown = client.get(f"{BASE}/provenance", headers=auth(tokens.analyst),
                         params={"answer": "status", "figure": "pipeline.nothing"})  # fmt: skip
    assert (unknown.status_code, unknown.json()["field"]) == (404, "figure")
    wrong = client.get(f"{BASE}/provenance", headers=auth(tokens.analyst), params={"answer": "x", "figure": "a"})
    assert (wrong.status_code, wrong.json()["field"]) == (422, "answer")
