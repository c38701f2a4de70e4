"""The funder's pages without a browser: the audit naming accounts and parties instead of ids, with the deciding
body, on both time axes plainly labelled; a receipt downloaded, given back, verified, and the changes since it
shown with a correction of the past marked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from fastapi.testclient import TestClient

from api import i18n
from api.tokens import Role
from ledger.application import Ctx
from ledger.commands import (
    ApprovePayment,
    RecordCashContribution,
    ReportExpenditure,
    RequestPayment,
    ReviseCap,
    StopPayments,
)
from tests.pages.test_pages import by_testid, csrf

if TYPE_CHECKING:
    from fastapi import FastAPI

FREMTID = "/programmes/fremtid"
KONGSBERG = "kongsberg-kompetanseloft"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{8}…")


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
    entries = [page.split('data-testid="audit"')[1] for page in (effective, recorded)]
    assert entries[0].count("<tr><td") == 5 and entries[1].count("<tr><td") == 8
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


def test_the_audit_shows_payments_by_two_people_stops_in_force_and_each_recipients_money(app: FastAPI) -> None:
    services, ids, kongsberg = app.state.services, app.state.loaded["kongsberg"].ids, KONGSBERG
    _, token = services.tokens.create(Role.FUNDER, "funder@kompetanse-norge", [kongsberg])
    funder = TestClient(app)
    funder.post("/login", data={"token": token})
    finance, secretariat = Ctx(actor="okonomi@kongsberg.test"), Ctx(actor="sekretariat@kongsberg.test")
    waiting = services.ledger.handle(
        finance,
        RequestPayment(programme=kongsberg, allocation_id=ids["offer_2"], amount=12_345, effective_on="2021-10-01"),
    ).ids["payment_id"]
    approved = services.ledger.handle(
        finance,
        RequestPayment(programme=kongsberg, allocation_id=ids["offer_3"], amount=67_800, effective_on="2021-10-01"),
    ).ids["payment_id"]
    services.ledger.handle(
        secretariat, ApprovePayment(programme=kongsberg, payment_id=approved, effective_on="2021-10-02")
    )
    decision = {"reference": "KN-2021/77", "body": "Kompetanse Norge, tilskuddsforvaltning"}
    services.ledger.handle(
        Ctx(actor="kontroll@kompetanse-norge"),
        StopPayments(programme=kongsberg, scope="allocation", target_id=ids["offer_2"], reason="Mangler rapport",
                     decision=decision, effective_on="2021-10-03"),
    )  # fmt: skip
    services.projector.run_once()

    page = funder.get(f"/programmes/{kongsberg}/audit", params={"lang": "en"}).text
    answer = funder.get(f"/api/programmes/{kongsberg}/audit").json()
    funds = funder.get(f"/api/programmes/{kongsberg}").json()["funds"]

    payments = page.split('data-testid="payments"')[1].split("</table>")[0]
    waiting_row = payments.split('data-testid="payment-pending"')[1].split("</tr>")[0]
    approved_row = payments.split('data-testid="payment-pending-approved"')[1].split("</tr>")[0]
    assert "Awaiting approval" in waiting_row and "okonomi@kongsberg.test" in waiting_row
    assert "NOK\u00a0123.45" in waiting_row and "not yet" in waiting_row
    assert "Stopped: payments are stopped here" in waiting_row
    assert "Approved, awaiting payment" in approved_row and "sekretariat@kongsberg.test" in approved_row
    assert "Stopped" not in approved_row and "NOK\u00a0678.00" in approved_row
    assert payments.count('data-testid="payment-paid"') == 1
    stops = page.split('data-testid="payment-stops"')[1].split("</table>")[0]
    in_force = stops.split('data-testid="stop-in-force"')[1].split("</tr>")[0]
    assert "In force" in in_force and "KN-2021/77" in in_force and "Mangler rapport" in in_force
    assert "Kompetanse Norge, tilskuddsforvaltning" in in_force and "allocated to " in in_force
    recipients = page.split('data-testid="recipients"')[1].split("</table>")[0]
    assert not UUID.search(payments + stops + recipients), UUID.findall(payments + stops + recipients)
    assert "Koordinering, rekruttering og kartlegging av opplæringsbehov" in recipients
    rows = answer["recipients"]
    for figure, total in (("allocated", "allocated"), ("disbursed", "disbursed"), ("spent", "spent"),
                          ("remaining", "outstanding"), ("pending", "pending")):  # fmt: skip
        assert sum(row[figure] for row in rows) == funds[total], figure
    assert recipients.count("<tr><td") == len(rows) and sum(row["pending"] for row in rows) == 12_345 + 67_800
    assert {p["payment_id"]: p["state"] for p in answer["payments"]}[waiting] == "pending"


def test_the_audit_names_each_grants_co_financing_shortfall(app: FastAPI) -> None:
    services, loaded = app.state.services, app.state.loaded["smart_kompetens"]
    esf, slug = loaded.ids["esf_grant"], loaded.programme
    _, token = services.tokens.create(Role.FUNDER, "esf@esf-radet", [slug])
    funder = TestClient(app)
    funder.post("/login", data={"token": token})
    answer = funder.get(f"/api/programmes/{slug}/audit").json()["co_financing"]
    grant = next(g for g in answer if g["grant_id"] == esf)

    before = funder.get(f"/programmes/{slug}/audit", params={"lang": "sv"}).text
    services.ledger.handle(
        Ctx(actor="ekonomi@regionostergotland.test"),
        RecordCashContribution(programme=slug, grant_id=esf, amount=grant["shortfall"] * 2,
                               contributor="Region Östergötland", period="2020-H2", effective_on="2020-12-01"),
    )  # fmt: skip
    services.projector.run_once()
    after = funder.get(f"/programmes/{slug}/audit", params={"lang": "sv"}).text

    table = before.split('data-testid="co-financing"')[1].split("</table>")[0]
    assert grant["shortfall"] > 0 and grant["share_bp"] == 4_000
    assert "beviljat av " in table and "40\u00a0%" in table
    assert f"Saknas {i18n.Words('sv').money(grant['shortfall'], 'SEK')}" in by_testid(before, "shortfall")
    assert "Uppfyllt" in by_testid(after, "shortfall")


def test_the_changes_since_a_receipt_show_money_in_the_major_unit(app: FastAPI) -> None:
    services, ids = app.state.services, app.state.loaded["kongsberg"].ids
    _, token = services.tokens.create(Role.FUNDER, "funder@kompetanse-norge", [KONGSBERG])
    funder = TestClient(app)
    funder.post("/login", data={"token": token})
    receipt = funder.get(f"/programmes/{KONGSBERG}/receipt")
    before = funder.get(f"/api/programmes/{KONGSBERG}").json()["funds"]["spent"]
    services.ledger.handle(
        Ctx(actor="okonomi@kongsberg.test"),
        ReportExpenditure(programme=KONGSBERG, allocation_id=ids["coordination"], amount=1_234_567, period="2021-H2"),
    )
    services.projector.run_once()
    form = funder.get(f"/programmes/{KONGSBERG}/report", params={"lang": "nb"}).text

    answer = funder.post(
        f"/programmes/{KONGSBERG}/report",
        params={"lang": "nb"},
        data={"_csrf": csrf(form)},
        files={"receipt_file": ("receipt.json", receipt.content, "application/json")},
    ).text

    row = re.search(r"<tr><td data-label=\"Tall\">status · funds\.spent</td>(.*?)</tr>", answer)
    assert row is not None, answer
    old, new = re.findall(r'<td class="num" data-label="[^"]+">([^<]*)</td>', row.group(1))
    assert "audit · recipients[Koordinering, rekruttering og kartlegging av opplæringsbehov].spent" in answer
    assert old == i18n.Words("nb").money(before, "NOK") and new == i18n.Words("nb").money(before + 1_234_567, "NOK")


def test_the_audit_names_each_kind_of_entry_in_the_reader_s_language(app: FastAPI) -> None:
    services = app.state.services
    _, token = services.tokens.create(Role.FUNDER, "funder@kompetanse-norge", [KONGSBERG])
    funder = TestClient(app)
    funder.post("/login", data={"token": token})

    page = funder.get(f"/programmes/{KONGSBERG}/audit", params={"lang": "nb"}).text

    table = page.split('data-testid="audit"')[1]
    kinds = set(re.findall(r'data-label="Type">([^<]*)<', table))
    assert {"tilsagn", "fordeling", "forskudd", "utbetaling bedt om", "utbetaling attestert"} <= kinds, kinds
    assert not [kind for kind in kinds if "_" in kind]
