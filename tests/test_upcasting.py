"""Old history keeps loading: a version-1 CompanyPresented (stored before the channel existed) is upcast to
channel "unspecified", and events stored under an older, looser rule still apply after the rule changed."""

from __future__ import annotations

import json
import sqlite3
from typing import TYPE_CHECKING, Any

import psycopg
import pytest
from eventsourcing.domain import Snapshot
from psycopg import sql

from ledger.commands import AllocateFunds, AwardGrant, HoldOnboarding, JoinCompany, PresentCompany
from ledger.domain.funds import Funds
from ledger.domain.programme import Programme
from ledger.errors import RuleViolated
from storage.open import open_ledger
from storage.settings import StoreLocation
from tests.commands_given import (
    CTX,
    DECISION,
    SLUG,
    joined_company,
    launch,
    no_key,
    norwegian_org_numbers,
    register_company,
)

if TYPE_CHECKING:
    from collections.abc import Callable

FIRST, SECOND, THIRD = norwegian_org_numbers(3)


def _rewrite_stored(url: str, topic: str, change: Callable[[dict[str, Any]], None]) -> int:
    """Rewrites the stored state of every event with `topic`, as an old version of the code would have written
    it. Returns how many rows were rewritten. The ledger must be closed."""
    location = StoreLocation(url)
    if location.kind == "sqlite":
        with sqlite3.connect(location.sqlite_path) as db:
            rows = db.execute(
                "SELECT originator_id, originator_version, state FROM stored_events WHERE topic = ?", (topic,)
            ).fetchall()
            for originator_id, version, state in rows:
                data = json.loads(state)
                change(data)
                db.execute(
                    "UPDATE stored_events SET state = ? WHERE originator_id = ? AND originator_version = ?",
                    (json.dumps(data).encode(), originator_id, version),
                )
        return len(rows)
    table = sql.Identifier(location.schema, "ledger_events")
    with psycopg.connect(location.postgres_dsn()) as pg:
        rows = pg.execute(
            sql.SQL("SELECT originator_id, originator_version, state FROM {} WHERE topic = %s").format(table), (topic,)
        ).fetchall()
        for originator_id, version, state in rows:
            data = json.loads(bytes(state))
            change(data)
            pg.execute(
                sql.SQL("UPDATE {} SET state = %s WHERE originator_id = %s AND originator_version = %s").format(table),
                (json.dumps(data).encode(), originator_id, version),
            )
    return len(rows)


def _stored_states(url: str, topic: str) -> list[dict[str, Any]]:
    ledger = open_ledger(url)
    try:
        stored = ledger.recorder.select_events(Programme.create_id(SLUG))
        return [json.loads(e.state) for e in stored if e.topic == topic]
    finally:
        ledger.close()


def test_given_version_2_event_when_stored_then_state_carries_class_version_and_channel(store_url: str) -> None:
    ledger = open_ledger(store_url)
    launch(ledger)
    register_company(ledger, FIRST)
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=FIRST, channel="Teams"))
    ledger.close()
    (state,) = _stored_states(store_url, "ledger:CompanyPresented")
    assert (state["class_version"], state["channel"]) == (2, "Teams")


def test_given_version_1_company_presented_when_loaded_then_channel_is_unspecified(store_url: str) -> None:
    ledger = open_ledger(store_url)
    launch(ledger)
    register_company(ledger, FIRST)
    ledger.handle(CTX, PresentCompany(programme=SLUG, org_number=FIRST, channel="Teams"))
    ledger.close()

    def as_version_1(state: dict[str, Any]) -> None:
        del state["channel"]
        del state["class_version"]  # version 1 wrote no class_version: the mapper reads its absence as 1

    assert _rewrite_stored(store_url, "ledger:CompanyPresented", as_version_1) == 1
    (state,) = _stored_states(store_url, "ledger:CompanyPresented")
    assert "channel" not in state and "class_version" not in state

    reopened = open_ledger(store_url)
    try:
        event = next(
            e for e in reopened.events.get(Programme.create_id(SLUG)) if type(e).__name__ == "CompanyPresented"
        )
        assert isinstance(event, Programme.CompanyPresented)
        assert (event.org_number, event.channel) == (no_key(FIRST), "unspecified")
        programme: Any = reopened.repository.get(Programme.create_id(SLUG), version=2**31)
        company = programme.companies[no_key(FIRST)]
        assert (company["stage"], company["presentations"]) == ("presented", 1)
        # new history carries on from the upcast event, and is written as version 2
        reopened.handle(CTX, JoinCompany(programme=SLUG, org_number=FIRST))
        assert reopened.programme(SLUG).stage_of(no_key(FIRST)) == "joined"
    finally:
        reopened.close()


def test_given_joins_recorded_under_a_looser_cap_when_the_rule_is_now_stricter_then_history_still_loads(
    store_url: str,
) -> None:
    """Two companies joined when the cap was 2; suppose the launch had said 1 (a stricter rule). The events
    apply without checks, so the history loads as it happened; only new joins meet the stricter rule."""
    ledger = open_ledger(store_url)
    launch(ledger, caps={"companies": 2})
    joined_company(ledger, FIRST)
    joined_company(ledger, SECOND)
    register_company(ledger, THIRD)
    ledger.close()

    def stricter(state: dict[str, Any]) -> None:
        state["caps"] = {"companies": 1}

    assert _rewrite_stored(store_url, "ledger:ProgrammeLaunched", stricter) == 1
    reopened = open_ledger(store_url)
    try:
        programme: Any = reopened.repository.get(Programme.create_id(SLUG), version=2**31)
        assert programme.caps == {"companies": 1}
        assert programme.active_company_count == 2
        with pytest.raises(RuleViolated) as caught:
            reopened.handle(CTX, JoinCompany(programme=SLUG, org_number=THIRD))
        assert caught.value.rule == "company_cap_reached"
    finally:
        reopened.close()


def test_given_history_when_a_command_rule_forbids_what_happened_then_replay_does_not_consult_it(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replaying applies the decorated event methods only; a command's checks are never re-run on old events."""
    ledger = open_ledger(store_url)
    launch(ledger)
    joined_company(ledger, FIRST)
    ledger.handle(CTX, HoldOnboarding(programme=SLUG, org_number=FIRST))
    ledger.close()

    def forbidden(*_: Any, **__: Any) -> None:
        raise RuleViolated("new_rule", "this command is no longer allowed")

    for command in ("join_company", "hold_onboarding", "check_open", "_require_active"):
        monkeypatch.setattr(Programme, command, forbidden)
    reopened = open_ledger(store_url)
    try:
        programme: Any = reopened.repository.get(Programme.create_id(SLUG), version=2**31)
        assert programme.stage_of(no_key(FIRST)) == "onboarded"
        assert programme.version == 3
    finally:
        reopened.close()


def test_given_snapshots_taken_before_the_state_was_dated_when_loaded_then_the_rules_still_hold(
    store_url: str,
) -> None:
    """Snapshots of version 1 (no stages, counts or money by day) load: what they hold counts from the start,
    so a join past the cap and an allocation past the grant are still refused."""
    first, second = norwegian_org_numbers(2)
    ledger = open_ledger(store_url)
    try:
        launch(ledger, caps={"companies": 1})
        joined_company(ledger, first)
        register_company(ledger, second)
        grant_id = ledger.handle(CTX, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=1_000,
                                                 decision=DECISION)).ids["grant_id"]  # fmt: skip
        programme_id = Programme.create_id(SLUG)
        assert ledger.snapshots is not None
        aggregates: list[Any] = [
            ledger.repository.get(programme_id),
            ledger.repository.get(Funds.create_id(programme_id)),
        ]
        for aggregate in aggregates:
            snapshot = Snapshot.take(aggregate)
            state = {k: v for k, v in snapshot.state.items() if k not in _DATED}
            state.pop("class_version")
            for company in state.get("companies", {}).values():
                del company["stages"]
            older = Snapshot(originator_id=snapshot.originator_id, originator_version=snapshot.originator_version,
                             timestamp=snapshot.timestamp, topic=snapshot.topic, state=state)  # fmt: skip
            ledger.snapshots.put([older])
    finally:
        ledger.close()
    reopened = open_ledger(store_url)
    try:
        loaded: Programme = reopened.repository.get(Programme.create_id(SLUG))
        assert loaded.active_companies == {"0001-01-01": 1}  # loaded from the snapshot, upcast
        with pytest.raises(RuleViolated) as full:
            reopened.handle(CTX, JoinCompany(programme=SLUG, org_number=second))
        assert full.value.rule == "company_cap_reached"
        allocate = AllocateFunds(programme=SLUG, grant_id=grant_id, recipient_kind="provider", recipient="USN",
                                 amount=1_001, decision=DECISION)  # fmt: skip
        with pytest.raises(RuleViolated) as short:
            reopened.handle(CTX, allocate)
        assert short.value.rule == "insufficient_grant_balance"
        reopened.handle(CTX, allocate.model_copy(update={"amount": 1_000}))
    finally:
        reopened.close()


_DATED = {"active_companies", "registrations", "cap_settings", "movements", "spending", "began_on", "fact_on"}
