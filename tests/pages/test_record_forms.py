"""The forms for the everyday facts still missing: a participant registered, a session's attendance as repeated rows
(no script: a fixed number of rows, blank ones left out, each row's problem beside its own input), a payment
requested, approved by one person and confirmed by another, a payment stop and its lift, a cash contribution;
and every field and option of every form labelled in each language."""

from __future__ import annotations

import re
import uuid
from enum import Enum
from typing import TYPE_CHECKING, Annotated, get_args, get_origin

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api import forms, i18n
from api.pages_coordinator import FORMS
from api.tokens import Role
from ledger.application import Ctx
from ledger.commands import EnrolParticipants
from ledger.commands.modules import Attended
from projections.status.answers import Stage
from tests.pages.test_pages import by_testid

if TYPE_CHECKING:
    from fastapi import FastAPI

VIKEN = "viken-digital"
BASE = f"/programmes/{VIKEN}"


def logged_in(app: FastAPI, actor: str, slug: str = "fremtid") -> TestClient:
    _, token = app.state.services.tokens.create(Role.COORDINATOR, actor, [slug])
    client = TestClient(app)
    client.post("/login", data={"token": token})
    return client


@pytest.fixture(scope="module")
def client(app: FastAPI) -> TestClient:
    return logged_in(app, "kari@viken", VIKEN)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found is not None, name
    return found.group(1)


def submit(
    app: FastAPI, client: TestClient, command: str, fields: dict[str, str], base: str = BASE, lang: str = "en"
) -> str:
    opened = client.get(f"{base}/record/{command}", params={"lang": lang}).text
    carried = {name: hidden(opened, name) for name in ("_csrf", "_idempotency_key", "_expected_version")}
    answer = client.post(f"{base}/record/{command}", data={**carried, **fields}, params={"lang": lang})
    app.state.services.projector.run_once()
    return answer.text


def options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select id="f-{re.escape(name)}"[^>]*>(.*?)</select>', html, flags=re.S)
    assert select is not None, name
    return [
        (v, label) for v, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)) if v
    ]


def test_the_attendance_form_draws_its_list_of_rows_as_repeated_inputs(client: TestClient) -> None:
    page = client.get(f"{BASE}/record/record_attendance", params={"lang": "nb"}).text

    names = re.findall(r'<(?:input|select|textarea) id="f-([a-z_.0-9]+)"', page)
    assert [n for n in names if not n.startswith("attendance.")] == ["effective_on", "module_id", "session_id"]
    assert [n for n in names if n.startswith("attendance.")] == [
        f"attendance.{row}.{field}" for row in range(forms.ROWS) for field in ("participant_id", "minutes")
    ]
    assert (
        '<input id="f-attendance.3.minutes" name="attendance.3.minutes" type="number" value="" min="1" max="1440">'
        in page
    )
    assert page.count('<label for="f-attendance.0.minutes">Minutter</label>') == 1
    assert "<legend>Oppmøte: én rad per deltaker" in page and 'aria-label="Rad 8"' in page
    assert options(page, "session_id")  # the held sessions, by module, day and place


def test_participants_registered_and_their_attendance_recorded_through_the_forms(
    app: FastAPI, client: TestClient
) -> None:
    services = app.state.services
    status = client.get(f"/api/programmes/{VIKEN}").json()
    company = next(c["org_number"] for c in status["companies"] if c["stage"] in ("joined", "onboarded"))
    session = status["sessions"]["held"][0]
    people = [str(uuid.uuid4()) for _ in range(3)]
    registration = client.get(f"{BASE}/record/register_participant", params={"lang": "sv"}).text
    assert ("furloughed", "permitterad") in options(registration, "target_group")
    assert ("30_54", "30\u201354") in options(registration, "age_band")
    for pid in people:
        page = submit(app, client, "register_participant",
                      {"org_number": company, "target_group": "employed", "gender": "female", "participant_id": pid,
                       "identity.name": "Test Person"})  # fmt: skip
        assert by_testid(page, "recorded"), by_testid(page, "problem")
    services.ledger.handle(
        Ctx(actor="kari@viken"),
        EnrolParticipants(programme=VIKEN, module_id=session["module_id"], participant_ids=people),
    )
    services.projector.run_once()

    wrong = submit(app, client, "record_attendance",
                   {"module_id": session["module_id"], "session_id": session["session_id"],
                    "attendance.0.participant_id": people[0], "attendance.0.minutes": "60",
                    "attendance.2.participant_id": people[1], "attendance.2.minutes": "0"})  # fmt: skip
    empty = submit(app, client, "record_attendance",
                   {"module_id": session["module_id"], "session_id": session["session_id"]})  # fmt: skip
    head = services.projector.head()
    done = submit(app, client, "record_attendance",
                  {"module_id": session["module_id"], "session_id": session["session_id"],
                   "attendance.0.participant_id": people[0], "attendance.0.minutes": "60",
                   "attendance.4.participant_id": people[2], "attendance.4.minutes": "45"})  # fmt: skip

    assert by_testid(wrong, "error-attendance.2.minutes") == ["Input should be greater than or equal to 1"]
    assert by_testid(wrong, "error-attendance.0.minutes") == []
    assert 'name="attendance.2.participant_id" type="text" value="' + people[1] in wrong  # kept as typed
    assert by_testid(empty, "error-attendance")
    assert by_testid(done, "recorded")
    assert services.projector.head() > head
    held = client.get(f"/api/programmes/{VIKEN}").json()["sessions"]["held"]
    after = next(s for s in held if s["session_id"] == session["session_id"])
    assert after["attendees"] == session["attendees"] + 2
    assert after["attended_minutes"] == session["attended_minutes"] + 105


def test_a_payment_requested_approved_by_one_and_paid_by_another_through_the_forms(app: FastAPI) -> None:
    slug = app.state.loaded["kongsberg"].programme
    base = f"/programmes/{slug}"
    finance, secretariat = logged_in(app, "okonomi@kongsberg.test", slug), logged_in(app, "sekr@kongsberg.test", slug)
    form = finance.get(f"{base}/record/request_payment", params={"lang": "en"}).text
    allocation, label = options(form, "allocation_id")[1]
    assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}", label), label
    assert ("advance", "advance") in options(form, "kind")

    requested = submit(app, finance, "request_payment", {"allocation_id": allocation, "amount": "250000"}, base)
    approval = finance.get(f"{base}/record/approve_payment", params={"lang": "en"}).text
    payment = next(v for v, text in options(approval, "payment_id") if "NOK\u00a02,500.00" in text)
    approved = submit(app, secretariat, "approve_payment", {"payment_id": payment}, base)
    same_person = submit(app, secretariat, "confirm_payment", {"payment_id": payment}, base)
    paid = submit(app, finance, "confirm_payment", {"payment_id": payment}, base)

    assert by_testid(requested, "recorded") and by_testid(approved, "recorded") and by_testid(paid, "recorded")
    assert "same_person_approved_and_paid" in by_testid(same_person, "problem")[0]
    states = {p["payment_id"]: p for p in finance.get(f"/api/programmes/{slug}/audit").json()["payments"]}
    assert states[payment]["state"] == "paid"
    assert (states[payment]["approved_by"], states[payment]["ended_by"]) == (
        "sekr@kongsberg.test",
        "okonomi@kongsberg.test",
    )


def test_payments_stopped_and_lifted_and_a_contribution_recorded_through_the_forms(app: FastAPI) -> None:
    loaded = app.state.loaded["smart_kompetens"]
    slug, base, esf = loaded.programme, f"/programmes/{loaded.programme}", loaded.ids["esf_grant"]
    client = logged_in(app, "ekonomi@smart.test", slug)
    decision = {"decision.reference": "ESF-2020/12", "decision.body": "Svenska ESF-rådet"}
    form = client.get(f"{base}/record/stop_payments", params={"lang": "sv"}).text
    assert options(form, "scope") == [("grant", "hela beviljningen"), ("allocation", "en fördelning")]

    stop = {"scope": "grant", "target_id": esf, "reason": "Rapport saknas", **decision}
    stopped = submit(app, client, "stop_payments", stop, base, "sv")
    in_force = client.get(f"/api/programmes/{slug}/audit").json()["payment_stops"]
    lifted = submit(app, client, "lift_payment_stop", {"scope": "grant", "target_id": esf, **decision}, base, "sv")
    before = next(g for g in client.get(f"/api/programmes/{slug}/audit").json()["co_financing"] if g["grant_id"] == esf)
    cash = submit(app, client, "record_cash_contribution",
                  {"grant_id": esf, "amount": "1234500", "contributor": "Region Örebro län", "period": "2020-H2"},
                  base, "sv")  # fmt: skip
    after = next(g for g in client.get(f"/api/programmes/{slug}/audit").json()["co_financing"] if g["grant_id"] == esf)

    assert by_testid(stopped, "recorded") and by_testid(lifted, "recorded") and by_testid(cash, "recorded")
    assert [(s["target_id"], s["lifted_by"]) for s in in_force] == [(esf, None)]
    assert client.get(f"/api/programmes/{slug}/audit").json()["payment_stops"][0]["lifted_by"] == "ekonomi@smart.test"
    assert after["cash"] == before["cash"] + 1_234_500


def _reachable(model: type[BaseModel], prefix: str = "") -> tuple[list[str], set[type[Enum]]]:
    """Every input name (rows by their field) and every enum a form of the model draws."""
    names: list[str] = []
    enums: set[type[Enum]] = set()
    for name, info in model.model_fields.items():
        if name == "programme" and not prefix:
            continue
        annotation, _ = forms._unwrapped(info.annotation)
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        record = forms._record_of(annotation)
        inner = record or (annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None)
        if record is not None:
            names.append(prefix + name)
        if inner is not None:
            more, more_enums = _reachable(inner, f"{prefix}{name}.")
            names, enums = names + more, enums | more_enums
            continue
        names.append(prefix + name)
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            enums.add(annotation)
    return names, enums


def _described(model: type[BaseModel]) -> set[str]:
    """The fields of a form (nested models' too) that carry a description: the form shows each one's hint."""
    found: set[str] = set()
    for name, info in model.model_fields.items():
        if name == "programme":
            continue
        if info.description:
            found.add(name)
        for inner in (info.annotation, *get_args(info.annotation)):
            for candidate in (inner, *get_args(inner)):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    found |= _described(candidate)
    return found


def declared(catalogue: dict[str, str], name: str) -> bool:
    """A label for the input `name` as the form builder looks it up (whole name, else its last part)."""
    return f"field.{name}" in catalogue or f"field.{name.split('.')[-1]}" in catalogue


def test_every_field_and_option_of_every_form_has_a_label_in_every_language() -> None:
    fields: set[str] = set()
    enums: set[type[Enum]] = {Stage}  # the companies' stage, named in the company choices
    described: set[str] = set()
    for command in FORMS.values():
        names, found = _reachable(command)
        fields |= set(names)
        enums |= found
        described |= _described(command)
    missing = []
    for language in i18n.LANGUAGES:
        catalogue = i18n.CATALOGUE[language]
        missing += [f"{language}: field {name}" for name in sorted(fields) if not declared(catalogue, name)]
        missing += [
            f"{language}: {i18n.option_key(m)}" for e in enums for m in e if i18n.option_key(m) not in catalogue
        ]
        missing += [f"{language}: command.{name}" for name in FORMS if f"command.{name}" not in catalogue]
        missing += [f"{language}: purpose.{name}" for name in FORMS if f"purpose.{name}" not in catalogue]
        missing += [f"{language}: hint.{name}" for name in sorted(described) if f"hint.{name}" not in catalogue]
    assert len(fields) > 30 and len(enums) >= 8
    assert not missing, missing


def test_a_missing_label_is_found() -> None:
    class Probe(BaseModel):
        unheard_of_field: int
        attendance: list[Attended]

    names, _ = _reachable(Probe)
    assert {"unheard_of_field", "attendance", "attendance.participant_id", "attendance.minutes"} <= set(names)
    assert not declared(i18n.NB, "unheard_of_field") and declared(i18n.NB, "attendance.minutes")
