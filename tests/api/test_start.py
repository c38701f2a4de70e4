"""An API process starts serving only once the read models stand at the log head as it was at start: one with a
projector replays what is missing first (a read model of a new shape starts from nothing); one without waits for
the projector of another process, rather than answer from a half-built read model."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient

from api.app import create_app
from storage.settings import Settings
from tests.api.test_api_flows import BASE, ORGS, command, launched

if TYPE_CHECKING:
    from tests.api.conftest import Tokens


def test_an_api_process_without_a_projector_serves_once_another_has_caught_up(
    client: TestClient, tokens: Tokens, store_url: str
) -> None:
    launched(client, tokens, cap=2)
    projector = client.app.state.services.projector
    projector.stop()
    time.sleep(0.5)  # its thread polls every 0.1 s: it has stopped following the log
    command(client, tokens.coordinator, f"{BASE}/companies/{ORGS[3]}/presentations", {"channel": "Teams"})
    assert max(projector.lag().values()) > 0, "recorded and not yet projected"

    catching_up = threading.Timer(1.0, projector.run_once)  # the other process's projector, a moment later
    catching_up.start()
    second = create_app(Settings(database_url=store_url, run_projector=False))
    try:
        with TestClient(second):
            assert second.state.services.projector.lag() == dict.fromkeys(projector.lag(), 0)
    finally:
        catching_up.join()
        second.state.services.ledger.close()
