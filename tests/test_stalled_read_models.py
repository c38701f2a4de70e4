"""No single event can stall the store. An event a fold cannot apply (here: a stored headcount past a 64-bit
column, as an earlier version could accept) stops the read models whose fold fails, just before it, and says so
(position, event, error) on /api/lag, /api/health, the pages and `ledger rebuild`; the other read models go on,
the server starts, and a rebuild after the cause is fixed clears it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.tokens import Role
from ledger.commands import AwardGrant, HoldActivity, HoldForumMeeting, PlanActivity
from projections.facts import facts_from
from storage.open import open_ledger, open_projector
from storage.settings import Settings
from tests.commands_given import CTX, DECISION, SLUG, launch
from tests.test_cli import run
from tests.test_upcasting import _rewrite_stored

if TYPE_CHECKING:
    from ledger.application import Ledger


def history(ledger: Ledger) -> None:
    launch(ledger)
    plan = PlanActivity(programme=SLUG, title="Truck", kind="group", competence_area="logistics", region="Viken",
                        provider="AMU", planned_on="2021-05-01", effective_on="2021-04-01")  # fmt: skip
    activity_id = ledger.handle(CTX, plan).ids["activity_id"]
    ledger.handle(CTX, HoldActivity(programme=SLUG, activity_id=activity_id, minutes=60, participant_count=5,
                                    effective_on="2021-05-01"))  # fmt: skip
    ledger.handle(CTX, AwardGrant(programme=SLUG, funder="Kompetanse Norge", amount=1_000, decision=DECISION))
    ledger.handle(CTX, HoldForumMeeting(programme=SLUG, title="Forum", sectors=["industry"], format="digital"))


def held_position(ledger: Ledger) -> int:
    notifications = ledger.recorder.select_notifications(start=0, limit=1000)
    return next(f.position for f in facts_from(ledger.mapper, notifications) if f.name == "ActivityHeld")


def test_an_event_a_fold_cannot_apply_stalls_that_read_model_only_and_says_where(store_url: str) -> None:
    ledger = open_ledger(store_url)
    history(ledger)
    position = held_position(ledger)
    head = ledger.recorder.max_notification_id() or 0
    ledger.close()

    def overflow(state: dict[str, Any]) -> None:
        state["participant_count"] = 2**63

    assert _rewrite_stored(store_url, "ledger:ActivityHeld", overflow) == 1

    app = create_app(Settings(database_url=store_url))
    try:
        with TestClient(app) as client:  # the server starts, its projector runs
            services = app.state.services
            services.projector.run_once()
            token = services.tokens.create(Role.ADMIN, "admin@ledger")[1]
            headers = {"Authorization": f"Bearer {token}"}
            lag = client.get("/api/lag", headers=headers).json()
            stalled = {s["read_model"]: s for s in lag["stalled"]}
            assert set(stalled) == {"status", "evaluation"}
            assert all(s["position"] == position and s["event"] == "ActivityHeld" for s in stalled.values())
            assert all(s["error"] for s in stalled.values())
            assert lag["lag"]["audit"] == lag["lag"]["integrity"] == 0  # the others went on to the head
            assert lag["lag"]["status"] == head - (position - 1)
            health = client.get("/api/health").json()
            assert health == {"status": "degraded", "stalled": {"status": position, "evaluation": position}}
            # the money read model answers, past the stalled event
            audit = client.get(f"/api/programmes/{SLUG}/audit", headers=headers)
            assert audit.status_code == 200 and audit.json()["reconciliation"]["totals"]["granted"] == 1_000
            # the status answers as it stood before the event, and the pages say so
            page = client.get("/", headers=headers)
            assert page.status_code == 200 and 'data-testid="stalled"' in page.text and str(position) in page.text
            # a reader waiting for its write is not kept waiting on a read model that will not get there
            assert services.projector.wait_for(head, timeout=1)
    finally:
        app.state.services.ledger.close()

    rebuilt = run(store_url, "rebuild", "status")
    assert rebuilt.exit_code != 0
    assert f"position {position} (ActivityHeld)" in rebuilt.output

    def repaired(state: dict[str, Any]) -> None:
        state["participant_count"] = 5

    _rewrite_stored(store_url, "ledger:ActivityHeld", repaired)  # the operator fixes the cause (a new version)
    assert run(store_url, "rebuild", "all").exit_code == 0
    ledger = open_ledger(store_url)
    try:
        projector = open_projector(ledger, store_url)
        assert projector.stalls() == []
        assert set(projector.lag().values()) == {0}
        projector.dispose()
    finally:
        ledger.close()
