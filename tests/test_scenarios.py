"""The five scenario programmes load through the ledger's commands and the aggregates show the facts of domain.md.

All five load once into a SQLite ledger for the module (about 6 s). PostgreSQL (about 18 s for all five) runs a
smaller smoke: the Kongsberg and FREMtid scenarios on both stores."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from scenarios import SCENARIOS, SLUGS, Loaded, fremtid, kongsberg, load_all, smart_kompetens, viken
from scenarios._common import SEW_EURODRIVE
from storage.open import open_ledger

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from ledger.application import Ledger


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Ledger, dict[str, Loaded]]]:
    path: Path = tmp_path_factory.mktemp("scenarios") / "ledger.sqlite3"
    app = open_ledger(f"sqlite:///{path}")
    result = load_all(app)
    yield app, result
    app.close()


def events_of(app: Ledger, aggregate_id: Any) -> list[Any]:
    return list(app.repository.event_store.get(aggregate_id))


def test_given_all_scenarios_when_loaded_then_each_programme_and_its_counts_are_there(
    loaded: tuple[Ledger, dict[str, Loaded]],
) -> None:
    app, result = loaded
    assert set(result) == set(SCENARIOS) == set(SLUGS)
    for name, summary in result.items():
        programme = app.programme(SLUGS[name])
        assert programme.participant_count == summary.participants
        assert summary.events > 0
    assert sum(summary.events for summary in result.values()) == app.recorder.max_notification_id()


def test_given_all_scenarios_then_money_is_conserved_and_no_internal_account_is_negative(
    loaded: tuple[Ledger, dict[str, Loaded]],
) -> None:
    app, _ = loaded
    for slug in SLUGS.values():
        funds = app.funds(slug)
        assert sum(funds.balances.values()) == 0, slug
        assert all(value >= 0 for account, value in funds.balances.items() if not account.startswith("funder:"))
        for allocation_id in funds.allocations:
            assert funds.spent(allocation_id) <= funds.allocated_total(allocation_id)


def test_fremtid_has_cap_40_twenty_companies_confirmed_before_midsummer_and_over_60_presentations(
    loaded: tuple[Ledger, dict[str, Loaded]],
) -> None:
    app, result = loaded
    programme = app.programme(fremtid.SLUG)
    assert programme.caps["companies"] == 40
    assert programme.active_company_count == 20
    assert sum(company["presentations"] for company in programme.companies.values()) > 60
    joins = [e for e in events_of(app, programme.id) if type(e).__name__ == "CompanyJoined"]
    assert len(joins) == 20
    assert all(e.effective_on < date(2021, 6, 24) for e in joins)
    onboarded = [c for c in programme.companies.values() if c["stage"] == "onboarded"]
    assert len(onboarded) == 20 and all(c.get("goals") for c in onboarded)
    bases = {
        app.network_group(result["fremtid"].ids[name]).basis for name in result["fremtid"].ids if name != "kick_off"
    }
    assert bases == {"geography", "production", "theme"}
    kick_off = app.activity(result["fremtid"].ids["kick_off"])
    assert (kick_off.planned_on, kick_off.status) == (date(2021, 9, 7), "held")


def test_kongsberg_shows_the_ten_million_grant_and_allocations_decided_by_the_tripartite_body(
    loaded: tuple[Ledger, dict[str, Loaded]],
) -> None:
    app, _ = loaded
    assert_kongsberg_money(app)


def assert_kongsberg_money(app: Ledger) -> None:
    funds = app.funds(kongsberg.SLUG)
    assert funds.currency == "NOK"
    assert funds.balance("funder:Kompetanse Norge") == -1_000_000_000
    events = events_of(app, funds.id)
    grants = [e for e in events if type(e).__name__ == "GrantAwarded"]
    assert [(g.funder, g.amount) for g in grants] == [("Kompetanse Norge", 1_000_000_000)]
    allocations = [e for e in events if type(e).__name__ == "FundsAllocated"]
    assert len(allocations) == len(funds.allocations) >= 5
    assert all(e.decision["body"] == kongsberg.TRIPARTITE_BODY and e.decision["reference"] for e in allocations)
    reallocations = [e for e in events if type(e).__name__ == "FundsReallocated"]
    assert len(reallocations) == 1 and reallocations[0].decision["body"] == kongsberg.TRIPARTITE_BODY
    assert sum(funds.allocated_total(a) for a in funds.allocations) <= 1_000_000_000
    kinds = {e.kind for e in events if type(e).__name__ == "FundsDisbursed"}
    assert "advance" in kinds
    assert any(type(e).__name__ == "ExpenditureReported" for e in events)
    programme = app.programme(kongsberg.SLUG)
    groups = {p["target_group"] for p in programme.participants.values()}
    assert groups == {"furloughed", "laid_off", "employed"}


def test_sew_eurodrive_sent_seven_employees_to_the_first_gathering_of_module_1_in_autumn_2020(
    loaded: tuple[Ledger, dict[str, Loaded]],
) -> None:
    app, result = loaded
    programme = app.programme(viken.SLUG)
    module = app.module(result["viken"].ids["module_1"])
    assert module.title == viken.MODULE_1
    assert len(module.providers) == 4
    sew = app.company(SEW_EURODRIVE.org_number).org_number
    sew_enrolled = [pid for pid in module.enrolled if programme.participants[pid]["org_number"] == sew]
    assert len(sew_enrolled) == 7
    held = sorted((s["starts_on"], sid) for sid, s in module.sessions.items() if s["status"] == "held")
    first_day, first_id = held[0]
    assert first_day.weekday() == 1 and first_day.year == 2020 and first_day.month >= 9  # a Tuesday in autumn 2020
    assert set(sew_enrolled) <= set(module.attended[first_id])
    assert any(held_on.year == 2021 for held_on, _ in held)
    assert any(module.enrolled.values())  # some completions


def test_smart_kompetens_has_70_companies_across_five_regions_with_valid_swedish_numbers(
    loaded: tuple[Ledger, dict[str, Loaded]],
) -> None:
    app, _ = loaded
    programme = app.programme(smart_kompetens.SLUG)
    assert programme.currency == "SEK"
    assert programme.active_company_count == 70
    assert programme.targets == {"companies": 70, "participants": 5_000, "activities": 1_200}
    companies = [app.company(number) for number in programme.companies]
    assert {c.region for c in companies} == {"Östergötland", "Sörmland", "Västmanland", "Uppsala", "Örebro"}
    assert all(c.country == "SE" and se_orgnr.is_valid(c.org_number[2:]) for c in companies)
    grants = [e for e in events_of(app, app.funds(smart_kompetens.SLUG).id) if type(e).__name__ == "GrantAwarded"]
    esf = [g for g in grants if g.funder == smart_kompetens.ESF]
    assert len(esf) == 1 and esf[0].co_financing_share_bp == smart_kompetens.CO_FINANCING_BP


def test_smart_kompetens_participants_carry_esf_attributes_with_some_missing_on_purpose(
    loaded: tuple[Ledger, dict[str, Loaded]],
) -> None:
    app, _ = loaded
    programme = app.programme(smart_kompetens.SLUG)
    registered = [e for e in events_of(app, programme.id) if type(e).__name__ == "ParticipantRegistered"]
    assert len(registered) == programme.participant_count >= 250
    for attribute in ("gender", "age_band", "employment_status", "education_level"):
        values = [e.attributes[attribute] for e in registered]
        assert None in values, attribute
        assert sum(v is not None for v in values) > len(values) * 0.8, attribute
    assert any(p["entries"] == 2 for p in programme.participants.values())  # re-entered
    identity = app.read_identity(registered[0].participant_id)
    assert identity.email is not None and identity.email.endswith("@example.org")


def test_companies_are_registered_once_with_valid_numbers_and_can_join_several_programmes(
    loaded: tuple[Ledger, dict[str, Loaded]],
) -> None:
    app, _ = loaded
    sew = app.company(SEW_EURODRIVE.org_number).org_number
    taking_part = [slug for slug in SLUGS.values() if sew in app.programme(slug).companies]
    assert len(taking_part) >= 2
    for slug in SLUGS.values():
        for number in app.programme(slug).companies:
            if number.startswith("NO"):
                assert no_orgnr.is_valid(number[2:])


def _programme_facts(app: Ledger, slug: str) -> list[dict[str, Any]]:
    """What a programme's events record, without the time they were recorded."""
    facts = []
    for e in events_of(app, app.programme(slug).id):
        state = {k: v for k, v in e.__dict__.items() if k != "timestamp"}
        facts.append({"type": type(e).__name__, **state})
    return facts


def test_given_two_fresh_ledgers_when_scenarios_load_then_they_record_the_same_facts(tmp_path: Path) -> None:
    first = open_ledger(f"sqlite:///{tmp_path}/a.sqlite3")
    second = open_ledger(f"sqlite:///{tmp_path}/b.sqlite3")
    for app in (first, second):
        SCENARIOS["fremtid"](app)
        SCENARIOS["ostfold_forum"](app)
    for slug in (fremtid.SLUG, "kompetanseforum-ostfold"):
        assert _programme_facts(first, slug) == _programme_facts(second, slug)
    first.close()
    second.close()


def test_given_a_store_when_kongsberg_and_fremtid_load_then_their_facts_hold(ledger: Ledger) -> None:
    """Runs on SQLite and, when configured, PostgreSQL."""
    SCENARIOS["kongsberg"](ledger)
    SCENARIOS["fremtid"](ledger)
    assert_kongsberg_money(ledger)
    programme = ledger.programme(fremtid.SLUG)
    assert (programme.caps["companies"], programme.active_company_count) == (40, 20)
    for slug in (kongsberg.SLUG, fremtid.SLUG):
        assert sum(ledger.funds(slug).balances.values()) == 0
