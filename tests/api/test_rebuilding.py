"""While a read model built by an earlier version is rebuilt in its new shape, the API answers 503 naming it and
the progress, rather than read tables of another shape (the rebuild itself: tests/test_projector.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.api.conftest import auth

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from tests.api.conftest import Tokens


def test_while_a_read_model_changes_shape_the_api_answers_503_naming_it(
    app: FastAPI, client: TestClient, tokens: Tokens
) -> None:
    projector = app.state.services.projector
    assert client.get("/api/programmes", headers=auth(tokens.analyst)).status_code == 200
    projector.reshaping, projector.rebuilding = {"status"}, {"status": (120, 480)}
    try:
        answer = client.get("/api/programmes", headers=auth(tokens.analyst))
        assert answer.status_code == 503
        assert "status" in answer.text and "120 of 480" in answer.text
    finally:
        projector.reshaping, projector.rebuilding = set(), {}
    assert client.get("/api/programmes", headers=auth(tokens.analyst)).status_code == 200
