"""The web pages in a real headless Chromium: logging in through the form, the programme list, the FREMtid status
page with its four ECharts charts (and their tables) and its figures now and as of a past date, the funding audit
with running balances and the reconciliation line, a phone and a desktop width without horizontal scrolling, and
nothing loaded from outside 127.0.0.1. Screenshots of the status page go to test-artifacts/."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.wait import WebDriverWait

from scenarios import SLUGS, fremtid
from tests.browser.conftest import PHONE, Served

if TYPE_CHECKING:
    from pathlib import Path

    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

CSS = "css selector"  # selenium's By.CSS_SELECTOR, spelled out so this module imports without selenium
FREMTID = f"/programmes/{fremtid.SLUG}"
CHARTS = ("recruitment", "funds", "sessions", "target-groups")
PROGRAMME_NAMES = {
    "Viken Teknologiklynge",
    "Kongsberg",
    "FREMtid for kompetanse",
    "Kompetanseforum Østfold",
    "Smart kompetens",
}


def log_in(browser: WebDriver, served: Served, token: str) -> None:
    browser.get(f"{served.base_url}/login?lang=en")
    browser.find_element(CSS, "#token").send_keys(token)
    browser.find_element(CSS, "form[action='/login'] button[type=submit]").click()
    _wait_for(browser, lambda: urlsplit(browser.current_url).path == "/")


def _wait_for(browser: WebDriver, condition: Any) -> None:

    WebDriverWait(browser, 15).until(lambda _: condition())


def card(browser: WebDriver, test_id: str) -> str:
    return str(browser.find_element(CSS, f"[data-testid='{test_id}']").text)


def card_label(browser: WebDriver, test_id: str) -> str:
    figure = browser.find_element(CSS, f"[data-testid='{test_id}']")
    return str(figure.find_element("xpath", "following-sibling::*[@class='label']").text)


def pick_as_of_date(browser: WebDriver, day: str) -> None:
    """Sets the date picker as a user would leave it, then submits the form with its button."""
    picker = browser.find_element(CSS, "input#as_of_date")
    browser.execute_script(
        "arguments[0].value = arguments[1];"
        "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
        "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
        picker,
        day,
    )
    browser.find_element(CSS, "form.as-of button[type=submit]").click()
    _wait_for(browser, lambda: f"as_of_date={day}" in browser.current_url)


def use_phone(browser: WebDriver) -> None:
    width, height = PHONE
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True}
    )


def full_page_screenshot(browser: WebDriver, path: Path) -> None:
    size = browser.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    shot = browser.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": size[0], "height": size[1], "scale": 1},
        },
    )
    path.write_bytes(base64.b64decode(shot["data"]))


def no_horizontal_scroll(browser: WebDriver) -> tuple[int, int]:
    return tuple(browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]"))


# --- logging in and the programme list -------------------------------------------------------------------------


def test_a_visitor_without_a_cookie_is_sent_to_the_login_form(browser: WebDriver, served: Served) -> None:
    browser.get(f"{served.base_url}/")

    assert urlsplit(browser.current_url).path == "/login"
    assert browser.find_element(CSS, "input#token").get_attribute("type") == "password"


def test_an_unknown_token_is_refused_with_a_message(browser: WebDriver, served: Served) -> None:
    browser.get(f"{served.base_url}/login?lang=en")
    browser.find_element(CSS, "#token").send_keys("pl_not-a-token")
    browser.find_element(CSS, "form[action='/login'] button[type=submit]").click()
    _wait_for(browser, lambda: "error=" in browser.current_url)

    assert "Unknown, expired or revoked token." in browser.find_element(CSS, "p.warn").text
    assert browser.get_cookie("ledger_token") is None


def test_logging_in_through_the_form_shows_the_five_programmes(browser: WebDriver, served: Served) -> None:
    log_in(browser, served, served.analyst)

    cookie = browser.get_cookie("ledger_token")
    assert cookie is not None and cookie["httpOnly"]
    rows = browser.find_elements(CSS, "table[data-testid=programmes] tbody tr")
    names = [row.find_element(CSS, "td a").text for row in rows]
    assert len(names) == 5
    for expected in PROGRAMME_NAMES:
        assert any(expected in name for name in names), (expected, names)
    links = {urlsplit(row.find_element(CSS, "td a").get_attribute("href")).path for row in rows}
    assert links == {f"/programmes/{slug}" for slug in SLUGS.values()}


def test_a_coordinator_sees_only_their_programme_and_follows_its_link(browser: WebDriver, served: Served) -> None:
    log_in(browser, served, served.coordinator)

    rows = browser.find_elements(CSS, "table[data-testid=programmes] tbody tr")
    assert [row.find_element(CSS, "td a").text for row in rows] == ["FREMtid for kompetanse"]
    rows[0].find_element(CSS, "td a").click()
    _wait_for(browser, lambda: urlsplit(browser.current_url).path == FREMTID)
    assert card(browser, "programme-name") == "FREMtid for kompetanse"


# --- the FREMtid status page -----------------------------------------------------------------------------------


def test_the_status_page_shows_the_fremtid_figures(browser: WebDriver, served: Served) -> None:
    log_in(browser, served, served.coordinator)
    browser.get(f"{served.base_url}{FREMTID}")

    assert card(browser, "programme-name") == "FREMtid for kompetanse"
    assert card(browser, "companies-active") == "20"
    assert card_label(browser, "companies-active") == "companies joined of a cap of 40"
    assert card(browser, "presentations") == "63"
    assert card(browser, "participants") == "40"
    assert card(browser, "activities-held") == "4"
    assert card(browser, "granted") == "NOK 6,000,000.00"
    assert card(browser, "remaining") == "NOK 400,000.00"
    assert browser.find_element(CSS, "#as-of-note").text == "Showing the ledger now"


def test_the_four_charts_render_with_bars_and_a_line(browser: WebDriver, served: Served) -> None:
    log_in(browser, served, served.coordinator)
    browser.get(f"{served.base_url}{FREMTID}")

    for chart in CHARTS:
        svg = _chart_svg(browser, chart)
        assert svg.is_displayed(), chart
        assert svg.size["width"] > 0 and svg.size["height"] > 0, (chart, svg.size)
    assert len(_series(browser, "recruitment")) > 2
    recruitment = _chart_svg(browser, "recruitment")
    assert "cap and target 40" in recruitment.text
    assert "Companies joined (cumulative)" in recruitment.text  # the title; the legend names the series
    funds = _bars(browser, "funds")
    assert funds == {"granted": 6_000_000, "allocated": 5_600_000, "disbursed": 550_000, "spent": 507_000}
    assert _series(browser, "funds") == list(funds.values())  # the chart draws what the table shows
    widths = _bar_widths(browser, "funds")
    assert widths[0] > widths[1] > widths[2] > widths[3] > 0
    assert _bars(browser, "target-groups") == {"employed": 40}
    assert _bar_widths(browser, "target-groups")[0] > 0
    sessions = _bars(browser, "sessions")
    assert sessions["sessions held"] == 0 and sessions["activities held"] == 4
    assert sessions["activity participants"] == 132 and _bar_widths(browser, "sessions")[4] > 0
    node = browser.find_element(CSS, "div.chart[data-chart=funds]")
    ActionChains(browser).move_to_element(node).perform()
    _wait_for(browser, lambda: "NOK" in browser.find_element(CSS, "div.chart[data-chart=funds]").text)


def _chart_svg(browser: WebDriver, chart: str) -> WebElement:
    _wait_for(browser, lambda: browser.find_elements(CSS, f"div.chart[data-chart='{chart}'] svg"))
    return browser.find_element(CSS, f"div.chart[data-chart='{chart}'] svg")


def _series(browser: WebDriver, chart: str) -> list[float]:
    """The first series ECharts draws in a chart."""
    _chart_svg(browser, chart)
    data = browser.execute_script(
        "return echarts.getInstanceByDom(arguments[0]).getOption().series[0].data",
        browser.find_element(CSS, f"div.chart[data-chart='{chart}']"),
    )
    return [float(v) for v in data]


def _bars(browser: WebDriver, chart: str) -> dict[str, float]:
    """The chart's table beside it (what a reader without scripts gets): label -> value."""
    rows = browser.find_elements(CSS, f"table[data-testid='chart-table-{chart}'] tbody tr")
    return {
        row.find_element(CSS, "th").text: float(row.find_element(CSS, "td").get_attribute("data-value") or "nan")
        for row in rows
    }


def _bar_widths(browser: WebDriver, chart: str) -> list[float]:
    """Each bar's drawn length in CSS pixels, on the chart's own scale."""
    _chart_svg(browser, chart)
    widths = browser.execute_script(
        "const c = echarts.getInstanceByDom(arguments[0]);"
        "return c.getOption().series[0].data.map((v, i) =>"
        " c.convertToPixel({seriesIndex: 0}, [v, i])[0] - c.convertToPixel({seriesIndex: 0}, [0, i])[0]);",
        browser.find_element(CSS, f"div.chart[data-chart='{chart}']"),
    )
    return [float(w) for w in widths]


def test_picking_an_as_of_date_shows_the_ledger_on_that_day(browser: WebDriver, served: Served) -> None:
    log_in(browser, served, served.coordinator)
    browser.get(f"{served.base_url}{FREMTID}")
    recruited_now = _series(browser, "recruitment")

    pick_as_of_date(browser, "2021-06-23")

    assert browser.find_element(CSS, "input#as_of_date").get_attribute("value") == "2021-06-23"
    assert browser.find_element(CSS, "#as-of-note").text == "Showing what had taken effect by Jun 23, 2021"
    # The article: 20 companies had confirmed just before midsummer 2021, against a cap of 40.
    assert card(browser, "companies-active") == "20"
    assert card_label(browser, "companies-active") == "companies joined of a cap of 40"
    assert card(browser, "presentations") == "63"
    assert card(browser, "participants") == "28"
    assert card(browser, "activities-held") == "0"
    assert _bars(browser, "funds") == {"granted": 6_000_000, "allocated": 5_600_000, "disbursed": 400_000, "spent": 0}
    assert _series(browser, "recruitment") != recruited_now

    pick_as_of_date(browser, "2021-05-01")

    assert card(browser, "companies-active") == "6"
    assert card(browser, "presentations") == "34"
    assert card(browser, "participants") == "8"

    browser.find_element(CSS, "form.as-of a").click()
    _wait_for(browser, lambda: "as_of_date" not in browser.current_url)
    assert card(browser, "participants") == "40"


def test_the_as_of_date_carries_over_to_the_audit_tab(browser: WebDriver, served: Served) -> None:
    log_in(browser, served, served.coordinator)
    browser.get(f"{served.base_url}{FREMTID}?as_of_date=2021-06-23")

    browser.find_element(CSS, "nav.tabs a[href*='/audit']").click()
    _wait_for(browser, lambda: urlsplit(browser.current_url).path == f"{FREMTID}/audit")

    assert "as_of_date=2021-06-23" in browser.current_url
    assert browser.find_element(CSS, "input#as_of_date").get_attribute("value") == "2021-06-23"


# --- the funding audit -----------------------------------------------------------------------------------------


def test_the_audit_page_shows_running_balances_and_the_reconciliation(browser: WebDriver, served: Served) -> None:
    log_in(browser, served, served.coordinator)
    browser.get(f"{served.base_url}{FREMTID}/audit")

    assert browser.find_element(CSS, "[data-testid=reconciliation]").text.startswith("Reconciled:")
    headers = [th.text for th in browser.find_elements(CSS, "table[data-testid=audit] thead th")]
    assert headers.count("Balance") == 2
    rows = [
        [td.text for td in row.find_elements(CSS, "td")]
        for row in browser.find_elements(CSS, "table[data-testid=audit] tbody tr")
    ]
    # The grant, three allocations, two disbursements and two expenditure reports.
    assert len(rows) == 8
    assert rows[0][3] == fremtid.FUNDER and rows[0][4] == "NOK 6,000,000.00"
    balances = [row[6] for row in rows if row[2].startswith("allocat")]
    assert balances == ["NOK 3,600,000.00", "NOK 2,400,000.00", "NOK 400,000.00"], rows
    # Every movement shows both accounts' balances after it; an expenditure report moves no money.
    movements = [row for row in rows if row[2].splitlines()[0] != "expenditure"]
    assert len(movements) == 6
    assert all(row[5] and row[6] and row[7] and row[8] for row in movements), movements
    assert movements[-1][2].splitlines()[0] == "payment" and movements[-1][6] == "NOK 1,050,000.00"


def test_the_audit_page_as_of_an_earlier_date_leaves_out_later_entries(browser: WebDriver, served: Served) -> None:
    log_in(browser, served, served.coordinator)
    browser.get(f"{served.base_url}{FREMTID}/audit")

    pick_as_of_date(browser, "2021-06-23")

    rows = browser.find_elements(CSS, "table[data-testid=audit] tbody tr")
    assert len(rows) == 5
    assert browser.find_element(CSS, "[data-testid=reconciliation]").text.startswith("Reconciled:")


# --- widths, screenshots and resources -------------------------------------------------------------------------

PAGES = [
    "/",
    *(f"/programmes/{slug}" for slug in SLUGS.values()),
    f"{FREMTID}?as_of_date=2021-06-23",
    f"{FREMTID}/audit",
    f"/programmes/{SLUGS['smart_kompetens']}/audit",
]


@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.parametrize("page", PAGES)
def test_the_pages_are_readable_without_horizontal_scrolling(
    browser: WebDriver, served: Served, page: str, width: str
) -> None:
    log_in(browser, served, served.analyst)
    if width == "phone":
        use_phone(browser)
    browser.get(f"{served.base_url}{page}")

    scroll_width, inner_width = no_horizontal_scroll(browser)
    assert scroll_width <= inner_width, (page, width, scroll_width, inner_width)
    if width == "phone":
        assert inner_width == PHONE[0]
    smallest_text = browser.execute_script(
        "return Math.min(...Array.from(document.querySelectorAll('main td, main p, main .label, main label'))"
        ".map(e => parseFloat(getComputedStyle(e).fontSize)))"
    )
    assert smallest_text >= 12, (page, width, smallest_text)
    overflowing = browser.execute_script(
        "return Array.from(document.querySelectorAll('.card, .figure, h1, header'))"
        ".filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 40))"
    )
    assert overflowing == [], (page, width, overflowing)


@pytest.mark.parametrize("width", ["phone", "desktop"])
def test_the_status_page_charts_fit_the_screen_and_a_screenshot_is_saved(
    browser: WebDriver, served: Served, artifacts: Path, width: str
) -> None:
    log_in(browser, served, served.coordinator)
    if width == "phone":
        use_phone(browser)
    browser.get(f"{served.base_url}{FREMTID}")

    inner_width = browser.execute_script("return window.innerWidth")
    for chart in CHARTS:
        svg = _chart_svg(browser, chart)
        rect = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.right]", svg)
        assert 0 <= rect[0] < rect[1] <= inner_width, (chart, rect, inner_width)
        outside = browser.execute_script(
            "const box = arguments[0].getBoundingClientRect();"
            "return Array.from(arguments[0].querySelectorAll('text')).filter(t => {"
            " const r = t.getBoundingClientRect();"
            " return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5"
            " || r.bottom > box.bottom + 0.5; }).map(t => t.textContent)",
            svg,
        )
        assert outside == [], (chart, width, outside)
    name = "status-page-phone.png" if width == "phone" else "status-page.png"
    full_page_screenshot(browser, artifacts / name)
    assert (artifacts / name).read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("page", ["/login", *PAGES])
def test_the_pages_load_nothing_from_outside_the_server(browser: WebDriver, served: Served, page: str) -> None:
    log_in(browser, served, served.analyst)
    browser.get(f"{served.base_url}{page}")

    own = urlsplit(served.base_url).netloc
    loaded = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert any(urlsplit(url).path == "/static/ledger.css" for url in loaded), loaded
    assert all(urlsplit(url).netloc == own for url in loaded), loaded
    linked = browser.execute_script(
        "return Array.from(document.querySelectorAll('[src], [href], form[action]'))"
        ".map(e => new URL(e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('action'),"
        " document.baseURI).href)"
    )
    assert linked and all(urlsplit(url).netloc == own for url in linked), linked
    stylesheet_urls = browser.execute_script(
        "return Array.from(document.styleSheets).flatMap(s => Array.from(s.cssRules))"
        ".map(r => r.cssText).filter(t => t.includes('url(') || t.startsWith('@import'))"
    )
    assert stylesheet_urls == []
