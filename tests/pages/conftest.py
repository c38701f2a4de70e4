"""The pages' tests share one setting: the API on a fresh SQLite store with the five demo programmes loaded and
the read models caught up, one per test module (a module's tests may record facts into it)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

import scenarios
from api.app import create_app
from storage.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from fastapi import FastAPI


@pytest.fixture(scope="module")
def app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """`app.state.loaded`: what each scenario loaded (its ids)."""
    store = tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "ledger.sqlite3"
    made = create_app(Settings(database_url=f"sqlite:///{store}", run_projector=False))
    made.state.loaded = scenarios.load_all(made.state.services.ledger)
    made.state.services.projector.run_once()
    yield made
    made.state.services.ledger.close()
