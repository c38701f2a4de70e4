"""The read models on the five programmes of the domain brief (`scenarios.load_all`), projected once per store.

What people ask of them: FREMtid's coordinator, the confirmed companies against the cap at midsummer 2021; the
Kongsberg funder, the NOK 10 million grant and the tripartite body's allocations, reconciled; the Smart kompetens
evaluator, participants and activities per region, and ESF indicators that count a participant with a missing
attribute in the total only.

Loading five programmes takes a while, so each store is loaded once for this module (the same SQLite/PostgreSQL
parametrisation as the conftest's function-scoped `store_url`, at module scope)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import Connection, select

import scenarios
from ledger.domain.funds import Funds
from projections.as_of import programme_as_of
from projections.audit.answers import EntryKind
from projections.audit.queries import funding_audit, reconciliation
from projections.catalogue.queries import catalogue
from projections.evaluation.queries import ESF_ATTRIBUTES, esf_indicators, participation, reporting_period
from projections.schema import activities, companies, participants
from projections.status.answers import ActivityStatus, Stage
from projections.status.queries import programme_id_for, programme_status
from scenarios import fremtid, kongsberg, smart_kompetens
from storage.open import open_ledger, open_projector
from tests.test_projection_properties import (
    assert_same_rows,
    facts_upto,
    postgres_store,
    pure_fold,
    sql_rows,
    sqlite_store,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ledger.application import Ledger
    from projections.projector import Projector
    from scenarios._common import Loaded

MIDSUMMER_EVE = date(2021, 6, 23)


@dataclass
class Demo:
    ledger: Ledger
    projector: Projector
    loaded: dict[str, Loaded]

    def programme_id(self, db: Connection, slug: str) -> str:
        programme_id = programme_id_for(db, slug)
        assert programme_id is not None, f"{slug} is not in the read models"
        return programme_id


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def demo(request: pytest.FixtureRequest) -> Iterator[Demo]:
    if request.param == "sqlite":
        with sqlite_store() as url:
            yield from _loaded(url)
    else:
        with postgres_store(str(request.getfixturevalue("postgres_server"))) as url:
            yield from _loaded(url)


def _loaded(url: str) -> Iterator[Demo]:
    ledger = open_ledger(url)
    projector = open_projector(ledger, url)
    try:
        loaded = scenarios.load_all(ledger)
        projector.run_once()
        yield Demo(ledger, projector, loaded)
    finally:
        projector.dispose()
        ledger.close()


def test_the_five_programmes_project_to_the_plain_fold(demo: Demo) -> None:
    assert set(demo.loaded) == set(scenarios.SCENARIOS)
    assert set(demo.projector.lag().values()) == {0}
    assert_same_rows(sql_rows(demo.projector.engine), pure_fold(facts_upto(demo.ledger)), "the five programmes")


def test_fremtid_at_midsummer_2021_has_20_of_a_cap_of_40_confirmed_after_over_60_presentations(demo: Demo) -> None:
    with demo.projector.engine.connect() as db:
        programme_id = demo.programme_id(db, fremtid.SLUG)
    as_of = programme_as_of(demo.ledger, demo.projector.engine, programme_id, effective_on=MIDSUMMER_EVE)
    try:
        with as_of.connect() as db:
            status = programme_status(db, programme_id)
    finally:
        as_of.dispose()
    assert status is not None
    pipeline = status.pipeline
    assert (pipeline.active, pipeline.ever_joined, pipeline.cap) == (20, 20, 40)
    assert pipeline.withdrawn == 0
    assert pipeline.presentations > 60
    confirmed = [c for c in status.companies if c.stage in (Stage.JOINED, Stage.ONBOARDED)]
    assert len(confirmed) == 20
    assert all(c.joined_on is not None and c.joined_on <= MIDSUMMER_EVE for c in confirmed)
    assert all(s.held_on is not None and s.held_on <= MIDSUMMER_EVE for s in status.sessions.held)


def test_fremtid_before_the_confirmations_shows_presentations_but_no_companies_joined(demo: Demo) -> None:
    with demo.projector.engine.connect() as db:
        programme_id = demo.programme_id(db, fremtid.SLUG)
    as_of = programme_as_of(demo.ledger, demo.projector.engine, programme_id, effective_on=date(2021, 3, 10))
    try:
        with as_of.connect() as db:
            status = programme_status(db, programme_id)
    finally:
        as_of.dispose()
    assert status is not None
    assert status.pipeline.ever_joined == 0
    assert 0 < status.pipeline.presentations < 60


def test_kongsberg_audit_shows_the_10_million_grant_and_every_allocation_decided_by_the_tripartite_body(
    demo: Demo,
) -> None:
    with demo.projector.engine.connect() as db:
        audit = funding_audit(db, demo.programme_id(db, kongsberg.SLUG))
    grants = [e for e in audit.entries if e.kind == EntryKind.GRANT]
    assert [(g.amount, g.funder) for g in grants] == [(1_000_000_000, kongsberg.FUNDER)]
    assert kongsberg.GRANT_AMOUNT == 1_000_000_000
    decided = [e for e in audit.entries if e.kind in (EntryKind.ALLOCATION, EntryKind.REALLOCATION)]
    assert [e.kind for e in decided].count(EntryKind.ALLOCATION) >= 5
    assert [e.kind for e in decided].count(EntryKind.REALLOCATION) >= 1
    for entry in decided:
        assert entry.decision_body == kongsberg.TRIPARTITE_BODY, entry
        assert entry.decision_reference and entry.actor and entry.effective_on, entry
    books = audit.reconciliation
    assert books.balanced, books
    totals = books.totals
    assert totals.granted == 1_000_000_000
    assert totals.allocated + totals.unallocated == totals.granted
    assert 0 < totals.allocated <= totals.granted


def test_every_programmes_books_reconcile(demo: Demo) -> None:
    with demo.projector.engine.connect() as db:
        for slug in scenarios.SLUGS.values():
            report = reconciliation(db, demo.programme_id(db, slug))
            assert report.balanced, (slug, report.totals)


def test_smart_kompetens_reports_participants_and_activities_per_region(demo: Demo) -> None:
    regions = set(smart_kompetens.REGIONS)
    with demo.projector.engine.connect() as db:
        programme_id = demo.programme_id(db, smart_kompetens.SLUG)
        status = programme_status(db, programme_id)
        by_region = participation(db, programme_id).region
        offer = catalogue(db)
        # Counted independently: each participant's company, and its region.
        region_of = {r.org_number: r.region for r in db.execute(select(companies.c.org_number, companies.c.region))}
        expected = Counter(
            region_of[number]
            for (number,) in db.execute(
                select(participants.c.org_number).where(participants.c.programme_id == programme_id)
            )
        )
        planned = Counter(
            region
            for (region,) in db.execute(select(activities.c.region).where(activities.c.programme_id == programme_id))
        )
        in_region = {region: catalogue(db, region=region).activities for region in regions}
    assert status is not None
    # people counted in activities but not named belong to no company: their hours are "unknown"
    assert set(by_region) == regions | {"unknown"}
    assert by_region["unknown"].participants == 0 and by_region["unknown"].hours > 0
    assert {region: cell.participants for region, cell in by_region.items() if region != "unknown"} == dict(expected)
    assert sum(cell.participants for cell in by_region.values()) == status.participants.total > 200

    mine = [a for a in offer.activities if a.programme == smart_kompetens.SLUG]
    assert Counter(a.region for a in mine) == planned
    assert set(planned) == regions
    held = Counter(a.region for a in mine if a.status == ActivityStatus.HELD)
    assert set(held) == regions
    assert sum(held.values()) == status.activities.held
    assert len(mine) == status.activities.held + status.activities.planned + status.activities.cancelled
    for region, found in in_region.items():
        assert {a.activity_id for a in found if a.programme == smart_kompetens.SLUG} == {
            a.activity_id for a in mine if a.region == region
        }


def test_esf_indicators_count_a_participant_missing_an_attribute_in_the_total_only(demo: Demo) -> None:
    with demo.projector.engine.connect() as db:
        programme_id = demo.programme_id(db, smart_kompetens.SLUG)
        reports = esf_indicators(db, programme_id)
        people = db.execute(select(participants).where(participants.c.programme_id == programme_id)).mappings().all()
    assert sum(r.participants for r in reports) == len(people)
    assert any(p["entries"] > 1 for p in people), "the scenario has re-entered participants"
    missing_somewhere = 0
    for report in reports:
        entered = [p for p in people if reporting_period(p["entered_on"]) == report.period]
        assert report.participants == len(entered)
        complete = [p for p in entered if all(p[a] is not None for a in ESF_ATTRIBUTES)]
        missing_somewhere += len(entered) - len(complete)
        assert report.complete == len(complete)
        for attribute in ESF_ATTRIBUTES:
            counts: dict[str, int] = getattr(report, attribute)
            assert sum(counts.values()) == len(complete), (report.period, attribute)
    assert missing_somewhere > 0, "the scenario leaves some attributes missing on purpose"


def test_smart_kompetens_meets_its_esf_co_financing_by_participants_time_each_half_year(demo: Demo) -> None:
    """The ESF counts only participants' time as co-financing: each half-year's activities (minutes x people,
    counted independently here from the activities held) at the ESF's rate are the contributions in kind."""
    with demo.projector.engine.connect() as db:
        programme_id = demo.programme_id(db, smart_kompetens.SLUG)
        audit = funding_audit(db, programme_id)
        held = db.execute(
            select(activities.c.held_on, activities.c.minutes, activities.c.participants).where(
                activities.c.programme_id == programme_id, activities.c.held_on.is_not(None)
            )
        ).all()
    time: Counter[str] = Counter()
    for held_on, minutes, people in held:
        time[f"{held_on.year}-H{1 if held_on.month <= 6 else 2}"] += minutes * people
    (esf,) = [g for g in audit.co_financing if g.funder == smart_kompetens.ESF]
    assert esf.share_bp == smart_kompetens.CO_FINANCING_BP and esf.cash == 0
    in_kind = {p.period: p.in_kind for p in esf.periods if p.in_kind}
    assert in_kind == {half: Funds.in_kind_value(m, smart_kompetens.IN_KIND_RATE) for half, m in time.items()}
    assert esf.required == -(-esf.share_bp * (esf.spent + esf.contributed) // 10_000)
    assert esf.shortfall == max(0, esf.required - esf.contributed)
    assert all(g.required == 0 for g in audit.co_financing if g.funder != smart_kompetens.ESF)


def test_kongsberg_final_payment_was_approved_and_paid_by_two_people(demo: Demo) -> None:
    with demo.projector.engine.connect() as db:
        audit = funding_audit(db, demo.programme_id(db, kongsberg.SLUG))
    (payment,) = audit.payments
    assert (payment.amount, payment.state, payment.approved_by, payment.ended_by) == (
        60_000_000,
        "paid",
        kongsberg.SECRETARIAT,
        "finance@kongsberg-kompetanseloft",
    )
    control = [e for e in audit.entries if e.kind == "payment_control"]
    assert [(e.amount, e.decision_body) for e in control] == [(50_000_000, kongsberg.TRIPARTITE_BODY)]
