"""Fixtures for the browser tests: the real app served by uvicorn on a free 127.0.0.1 port against a fresh SQLite
store holding the five demo programmes, tokens to log in with, and Debian's headless Chromium driven by Selenium
through Debian's chromedriver.

Without Chromium, chromedriver or the selenium package the tests skip and say why; with LEDGER_REQUIRE_BROWSER=1
(set by .ci/run) they fail instead."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

import scenarios
from api.app import create_app
from api.deps import AsOf, programme_view
from api.tokens import Role
from ledger.application import Ctx
from ledger.commands import EnrolParticipants, RegisterParticipant, RequestPayment
from projections.status import queries as status_queries
from storage.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterator

    from selenium.webdriver.remote.webdriver import WebDriver

    from bootstrap import Services
    from scenarios import Loaded

CHROMIUM = os.environ.get("LEDGER_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LEDGER_CHROMEDRIVER", "/usr/bin/chromedriver")
REQUIRE_BROWSER = os.environ.get("LEDGER_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = (1280, 900)
PHONE = (375, 812)
# Chromium as this machine runs it: no sandbox (root), no GPU, and none of its own network traffic.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
    f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
]


def browser_unavailable_reason() -> str | None:
    if importlib.util.find_spec("selenium") is None:
        return "the selenium package is not installed (pip install -e '.[dev]')"
    for what, path, package in (("Chromium", CHROMIUM, "chromium"), ("chromedriver", CHROMEDRIVER, "chromium-driver")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)) and shutil.which(path) is None:
            return f"{what} is not installed at {path} (apt-get install -y {package})"
    return None


@pytest.fixture(scope="session")
def browser_available() -> None:
    reason = browser_unavailable_reason()
    if reason is not None:
        if REQUIRE_BROWSER:
            pytest.fail(f"LEDGER_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(f"browser tests need headless Chromium: {reason}")


@dataclass(frozen=True)
class Served:
    base_url: str
    analyst: str
    coordinator: str
    admin: str = ""
    funder: str = ""
    money_funder: str = ""  # a funder of Kongsberg (a payment awaiting approval) and Smart kompetens (co-financing)
    trainer: str = ""  # a coordinator of Viken digital, whose sessions are held
    session: tuple[str, str] = ("", "")  # a held session of Viken digital: module id, session id
    attendees: tuple[str, ...] = ()  # participants enrolled in its module, none of them recorded as attending


@pytest.fixture(scope="session")
def served(
    browser_available: None,  # noqa: ARG001 (a fixture that skips without a browser)
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    """The app on a fresh SQLite store with the five programmes, served until the session ends."""
    store = tmp_path_factory.mktemp("browser-store") / "ledger.sqlite3"
    app = create_app(Settings(database_url=f"sqlite:///{store}"))
    services = app.state.services
    loaded = scenarios.load_all(services.ledger)
    services.projector.run_once()
    session, attendees = _money_and_attendance(services, loaded)
    _, analyst = services.tokens.create(Role.ANALYST, "analyst@browser-test")
    _, coordinator = services.tokens.create(Role.COORDINATOR, "coordinator@browser-test", [scenarios.SLUGS["fremtid"]])
    _, admin = services.tokens.create(Role.ADMIN, "admin@browser-test")
    _, funder = services.tokens.create(Role.FUNDER, "funder@browser-test", [scenarios.SLUGS["fremtid"]])
    _, money_funder = services.tokens.create(
        Role.FUNDER, "esf@browser-test", [scenarios.SLUGS["kongsberg"], scenarios.SLUGS["smart_kompetens"]]
    )
    _, trainer = services.tokens.create(Role.COORDINATOR, "trainer@browser-test", [scenarios.SLUGS["viken"]])

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, name="uvicorn", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_caught_up(base_url, analyst, thread)
        yield Served(base_url, analyst, coordinator, admin, funder, money_funder, trainer, session, attendees)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        services.ledger.close()


def _money_and_attendance(services: Services, loaded: dict[str, Loaded]) -> tuple[tuple[str, str], tuple[str, ...]]:
    """A payment awaiting approval in Kongsberg; in Viken digital, eight participants registered and enrolled in
    the module of its first held session, with no attendance recorded yet."""
    kongsberg, viken = scenarios.SLUGS["kongsberg"], scenarios.SLUGS["viken"]
    services.ledger.handle(
        Ctx(actor="okonomi@browser-test"),
        RequestPayment(programme=kongsberg, allocation_id=loaded["kongsberg"].ids["offer_2"], amount=25_000_000),
    )
    services.projector.run_once()
    with programme_view(services, viken, AsOf(position=None, time=None, day=None, wait_for=None)) as (db, pid):
        status = status_queries.programme_status(db, pid)
    assert status is not None
    held = status.sessions.held[0]
    company = next(c.org_number for c in status.companies if c.stage.value in ("joined", "onboarded"))
    people = tuple(str(uuid.uuid4()) for _ in range(8))
    ctx = Ctx(actor="trainer@browser-test")
    for pid_ in people:
        services.ledger.handle(
            ctx, RegisterParticipant(programme=viken, org_number=company, target_group="employed", participant_id=pid_)
        )
    services.ledger.handle(ctx, EnrolParticipants(programme=viken, module_id=held.module_id, participant_ids=people))
    services.projector.run_once()
    return (held.module_id, held.session_id), people


def _wait_until_caught_up(base_url: str, token: str, thread: threading.Thread) -> None:
    """Polls /api/lag until the server answers and its projector has nothing left to fold."""
    deadline = time.monotonic() + 60
    last = "no answer"
    while time.monotonic() < deadline and thread.is_alive():
        try:
            answer = httpx.get(f"{base_url}/api/lag", headers={"Authorization": f"Bearer {token}"}, timeout=5)
            if answer.status_code == 200 and not any(answer.json()["lag"].values()):
                return
            last = f"{answer.status_code} {answer.text[:200]}"
        except httpx.TransportError as error:
            last = repr(error)
        time.sleep(0.1)
    raise RuntimeError(f"the app at {base_url} did not come up with its projector caught up: {last}")


@pytest.fixture(scope="session")
def chromium(
    browser_available: None,  # noqa: ARG001 (a fixture that skips without a browser)
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[WebDriver]:

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: WebDriver) -> Iterator[WebDriver]:
    """The shared Chromium at desktop size with no cookies; a test that shrinks it to a phone is undone after."""
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    yield chromium
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
