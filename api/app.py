"""The FastAPI application: the ledger's commands and read models over HTTP, and the web pages."""

from __future__ import annotations

import logging
import threading
import time
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import orjson
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import docs, errors, pages, pages_admin, pages_analyst, pages_claims, pages_coordinator, pages_funder
from api.responses import JSONResponse
from api.routes import companies, funds, participants, programmes, reads, reporting, revisions, tokens, training
from bootstrap import Services, build_services
from storage.settings import Settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC = Path(__file__).parent / "static"
log = logging.getLogger(__name__)


PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""No inline or outside script, no framing. (The pages and Swagger UI on /docs set some inline styles.)"""

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", PAGE_POLICY.encode()),
]


class SecurityHeaders:
    """Every answer says: do not sniff, send no referrer, never frame me, and run no script but our own files
    (the interactive API docs included: they are served from the package, see api/docs.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *SECURITY_HEADERS]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class BodyLimit:
    """Refuses bodies over the limit with a 422 naming the body, before any of it reaches a route."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                await self._refuse(send)
                return
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        payload = orjson.dumps(
            {"error": "invalid_input", "field": "body", "message": f"the body is larger than {self.max_bytes} bytes"}
        )
        await send(
            {
                "type": "http.response.start",
                "status": 422,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    settings = settings or Settings()
    services = services or build_services(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.api_threads
        thread = None
        if settings.run_projector:
            services.projector.resume()
            services.projector.run_once(progress_logged("catching up"))  # rebuilt read models too: before serving
            thread = threading.Thread(
                target=services.projector.run_forever, kwargs={"poll_interval": 0.1}, name="projector", daemon=True
            )
            thread.start()
        else:
            wait_for_read_models(services)
        stopping = threading.Event()
        threading.Thread(
            target=reconcile_identities_every, args=(services, stopping), name="identities", daemon=True
        ).start()
        yield
        stopping.set()
        services.projector.stop()
        if thread is not None:
            thread.join(timeout=5)

    app = FastAPI(
        default_response_class=JSONResponse,
        title="Programme ledger",
        version="0.1.0",
        description="An event-sourced ledger for regional competence-development programmes. Commands are POST "
        "(PUT where they replace); every read model is a GET with as_of_position, as_of_time or as_of_date. "
        'Send `Authorization: Bearer <token>`; guard changes with `If-Match: "<version>"` and retries with '
        "`Idempotency-Key`. Every figure an answer publishes (its unit, what it counts, how it behaves as of a "
        "moment on each time axis, its rounding) is defined in the repository's docs/figures.md, one section per "
        "answer type.",
        lifespan=lifespan,
        # /docs is api/docs.py (Swagger UI from the package, no inline script); ReDoc would need a second bundle
        # and FastAPI's OAuth2 redirect page is inline script for a flow this API does not use (bearer tokens).
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    app.state.services = services
    errors.install(app)
    for module in (programmes, companies, participants, funds, reporting, training, reads, revisions, tokens):
        app.include_router(module.router)
    app.include_router(pages.router)
    app.include_router(pages_admin.router)
    app.include_router(pages_coordinator.router)
    app.include_router(pages_funder.router)
    app.include_router(pages_claims.router)
    app.include_router(pages_analyst.router)
    app.include_router(docs.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def progress_logged(what: str, every: float = 2.0) -> Callable[[int, int], None]:
    """A projector progress callback that logs where the read models stand, at most every `every` seconds: a
    read model whose tables changed shape is replayed from the log at start, and a large log takes a while."""
    last = time.monotonic()

    def progress(position: int, head: int) -> None:
        nonlocal last
        if time.monotonic() - last >= every:
            last = time.monotonic()
            log.info("%s: read models at position %d of %d", what, position, head)

    return progress


def wait_for_read_models(services: Services, still: float = 10.0) -> None:
    """An API process without a projector serves once the read models have reached the log head as it stood at
    start (another process's projector may be replaying a read model of a new shape), rather than answer from a
    half-built one. If they stop moving for `still` seconds no projector is running: it says so and serves."""
    head = services.projector.head()
    report = progress_logged("waiting for the projector")
    reached, moved = min(services.projector.positions().values()), time.monotonic()
    while not services.projector.wait_for(head, timeout=1.0):
        now = min(services.projector.positions().values())
        if now != reached:
            reached, moved = now, time.monotonic()
        elif time.monotonic() - moved >= still:
            log.warning("read models at position %d of %d and not moving: is `ledger project` running?", now, head)
            return
        report(now, head)


def reconcile_identities_every(services: Services, stopping: threading.Event, seconds: float = 600) -> None:
    """Destroy, every ten minutes, identities a crash left with no registration event (docs/erasure.md)."""
    grace = timedelta(seconds=services.settings.identity_grace_seconds)
    while not stopping.wait(seconds):
        try:
            services.ledger.reconcile_identities(grace)
        except Exception:  # a key store briefly unreachable: try again next time
            log.exception("reconciling identities failed")


def app_factory() -> Any:
    """For uvicorn --factory."""
    return create_app()
