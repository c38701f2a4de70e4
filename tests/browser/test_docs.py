"""The interactive API docs in a real headless Chromium, under the same content policy as the pages: Swagger UI
from the package draws every operation of the schema, loads nothing from outside, reports no policy violation,
and answers a "Try it out"; an inline script injected into the page is refused, so the policy is really on."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx
import pytest
from selenium.webdriver.support.wait import WebDriverWait

from api.app import PAGE_POLICY

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from selenium.webdriver.remote.webdriver import WebDriver

    from tests.browser.conftest import Served

CSS = "css selector"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
# Runs before the page's own scripts (and outside its policy): keeps every violation the page reports.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", e => window.__violations.push(
    {directive: e.effectiveDirective, blocked: e.blockedURI, source: e.sourceFile, sample: e.sample}));
"""


@pytest.fixture
def docs(browser: WebDriver, served: Served) -> Iterator[WebDriver]:
    """/docs opened with its policy violations recorded, once Swagger UI has drawn every operation."""
    script = browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    try:
        browser.get_log("browser")  # read and so drop what earlier pages logged
        browser.get(f"{served.base_url}/docs")
        expected = operations(served)
        _wait_for(browser, lambda: len(browser.find_elements(CSS, ".opblock")) >= expected)
        yield browser
    finally:
        browser.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]})


def operations(served: Served) -> int:
    """How many operation blocks Swagger UI draws for the schema: each operation once under each of its tags."""
    schema = httpx.get(f"{served.base_url}/openapi.json", timeout=10).json()
    return sum(
        max(1, len(operation.get("tags", [])))
        for path in schema["paths"].values()
        for method, operation in path.items()
        if method in METHODS
    )


def _wait_for(browser: WebDriver, condition: Any) -> None:
    WebDriverWait(browser, 20).until(lambda _: condition())


def violations(browser: WebDriver) -> list[dict[str, str]]:
    return list(browser.execute_script("return window.__violations"))


def policy_messages(browser: WebDriver) -> list[str]:
    """The console's policy messages since it was last read."""
    return [entry["message"] for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]]


def test_the_docs_are_served_under_the_pages_content_policy(served: Served) -> None:
    answer = httpx.get(f"{served.base_url}/docs", timeout=10)

    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == PAGE_POLICY


def test_the_docs_draw_every_operation_with_no_policy_violation(
    docs: WebDriver, served: Served, artifacts: Path
) -> None:
    drawn = docs.find_elements(CSS, ".opblock")
    assert len(drawn) == operations(served)
    paths = {element.text for element in docs.find_elements(CSS, ".opblock-summary-path")}
    assert "/api/programmes" in paths and "/api/health" in paths
    assert "Programme ledger" in docs.find_element(CSS, ".information-container .title").text
    assert violations(docs) == []
    assert policy_messages(docs) == []
    docs.save_screenshot(str(artifacts / "api-docs.png"))


def test_the_docs_load_nothing_from_outside_the_server(docs: WebDriver, served: Served) -> None:
    own = urlsplit(served.base_url).netloc
    loaded = docs.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    paths = {urlsplit(url).path for url in loaded}
    assert {"/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/docs.js", "/openapi.json"} <= paths, loaded
    assert all(urlsplit(url).netloc == own for url in loaded), loaded
    linked = docs.execute_script(
        "return Array.from(document.querySelectorAll('script[src], link[href], img[src]'))"
        ".map(e => new URL(e.getAttribute('src') || e.getAttribute('href'), document.baseURI).href)"
    )
    assert all(urlsplit(url).netloc == own for url in linked), linked


def test_try_it_out_calls_the_api_from_the_docs(docs: WebDriver) -> None:
    health = docs.find_element(CSS, "#operations-health-health_api_health_get")
    health.find_element(CSS, ".opblock-summary-control").click()
    _wait_for(docs, lambda: health.find_elements(CSS, ".try-out__btn"))
    health.find_element(CSS, ".try-out__btn").click()
    _wait_for(docs, lambda: health.find_elements(CSS, ".execute"))
    health.find_element(CSS, ".execute").click()
    _wait_for(docs, lambda: health.find_elements(CSS, ".live-responses-table tbody .response-col_status"))

    assert health.find_element(CSS, ".live-responses-table tbody .response-col_status").text.strip() == "200"
    assert violations(docs) == []


def test_an_inline_script_injected_into_the_docs_is_refused(docs: WebDriver) -> None:
    assert policy_messages(docs) == []
    docs.execute_script(
        "const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true';"
        "document.body.appendChild(s);"
    )
    _wait_for(docs, lambda: violations(docs))

    assert docs.execute_script("return window.__inlineRan === true") is False
    assert [v["directive"] for v in violations(docs)] == ["script-src-elem"]
    assert len(policy_messages(docs)) == 1
