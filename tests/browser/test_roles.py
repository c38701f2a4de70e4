"""Each role's main task walked in headless Chromium at a desktop width (1400 px) and a phone's, in Bokmål and in
English: the admin creates and revokes a token, the coordinator registers, presents and joins a company through
the forms and sees the pipeline move, the funder verifies a receipt and sees what changed since, the analyst opens
a figure's events. Every page passes axe-core (vendored, api/static/vendor/axe-core) with no serious or critical
violation and needs no sideways scrolling; a screenshot of each step goes to test-artifacts/roles/."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

import scenarios
from tests.browser.conftest import PHONE, Served
from tests.browser.test_pages import full_page_screenshot

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

CSS = "css selector"
FREMTID = "/programmes/fremtid"
AXE = Path(__file__).resolve().parents[2] / "api" / "static" / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1400, 900), "phone": PHONE}
CASES = [(language, width) for language in ("nb", "en") for width in WIDTHS]
COMPANIES = {("nb", "desktop"): "908660242", ("nb", "phone"): "850616582", ("en", "desktop"): "932480786",
             ("en", "phone"): "824305587"}  # fmt: skip
"""A fresh company for each walk: valid Norwegian organisation numbers no scenario uses."""


def walk(browser: WebDriver, served: Served, token: str, language: str, width: str) -> None:
    """Sizes the window, picks the language with the switch's ?lang= and logs in through the form."""
    w, h = WIDTHS[width]
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": width == "phone"},
    )
    browser.get(f"{served.base_url}/login?lang={language}")
    browser.find_element(CSS, "#token").send_keys(token)
    browser.find_element(CSS, "form[action='/login'] button[type=submit]").click()
    wait(browser, lambda: urlsplit(browser.current_url).path == "/")


def wait(browser: WebDriver, condition: Any) -> None:
    WebDriverWait(browser, 15).until(lambda _: condition())


def check(browser: WebDriver, name: str, language: str, width: str) -> None:
    """The page in the chosen language, with no sideways scrolling and no serious or critical axe violation; a
    screenshot saved."""
    assert browser.find_element(CSS, "html").get_attribute("lang") == language
    scroll, inner = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner, (name, width, scroll, inner)
    browser.execute_script(AXE.read_text())
    found = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(JSON.stringify(r.violations)));"
    )
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in json.loads(found)
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], (name, language, width, bad)
    folder = Path(__file__).resolve().parents[2] / "test-artifacts" / "roles"
    folder.mkdir(parents=True, exist_ok=True)
    full_page_screenshot(browser, folder / f"{name}-{language}-{width}.png")


def submit_form(browser: WebDriver, selector: str, fields: dict[str, str]) -> None:
    form = browser.find_element(CSS, selector)
    for name, value in fields.items():
        field = form.find_element(CSS, f"[name='{name}']")
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:  # typed as a script would: Chromium's phone emulation drops some synthetic key events
            browser.execute_script(
                "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
                field,
                value,
            )
    browser.execute_script("arguments[0].requestSubmit()", form)  # as its button does, wherever it is on screen


@pytest.mark.parametrize(("language", "width"), CASES)
def test_the_admin_creates_and_revokes_a_token(browser: WebDriver, served: Served, language: str, width: str) -> None:
    walk(browser, served, served.admin, language, width)
    browser.get(f"{served.base_url}/admin")
    check(browser, "admin", language, width)
    actor = f"kari-{language}-{width}@fylke"

    submit_form(browser, "form[data-testid=token-form]", {"role": "funder", "actor": actor, "programmes": "fremtid"})

    wait(browser, lambda: browser.find_elements(CSS, "[data-testid=new-token-value]"))
    token = browser.find_element(CSS, "[data-testid=new-token-value]").text
    assert token.startswith("pl_")
    table = browser.find_element(CSS, "table[data-testid=tokens]")
    rows = table.find_elements(CSS, "tbody tr")
    revoke = next(r for r in rows if actor in r.find_element(CSS, "td").text).find_element(CSS, "button")
    check(browser, "admin-created", language, width)
    revoke.click()

    wait(browser, lambda: browser.find_elements(CSS, "[data-testid=message]"))
    assert actor in browser.find_element(CSS, "[data-testid=message]").text
    check(browser, "admin-revoked", language, width)


@pytest.mark.parametrize(("language", "width"), CASES)
def test_the_coordinator_records_a_presentation_and_a_joining_and_the_pipeline_moves(
    browser: WebDriver, served: Served, language: str, width: str
) -> None:
    org = COMPANIES[(language, width)]
    walk(browser, served, served.coordinator, language, width)
    browser.get(f"{served.base_url}{FREMTID}")
    joined_before = int(browser.find_element(CSS, "[data-testid=companies-active]").text)

    browser.get(f"{served.base_url}{FREMTID}/record/register_company")
    check(browser, "coordinator-register", language, width)
    company = {"org_number": org, "name": f"Skjema {org} AS", "region": "Viken", "sector": "industri"}
    submit_form(browser, "form[data-testid=record-form]", {**company, "size": "small"})
    wait(browser, lambda: "recorded=" in browser.current_url)
    browser.get(f"{served.base_url}{FREMTID}/record/present_company")
    submit_form(browser, "form[data-testid=record-form]", {"org_number": org})
    wait(browser, lambda: "recorded=" in browser.current_url)
    browser.get(f"{served.base_url}{FREMTID}/record/join_company")
    Select(browser.find_element(CSS, "#f-org_number")).select_by_value(f"NO{org}")
    check(browser, "coordinator-join", language, width)
    browser.find_element(CSS, "form[data-testid=record-form] button[type=submit]").click()
    wait(browser, lambda: "recorded=" in browser.current_url)
    assert browser.find_element(CSS, "[data-testid=recorded]").is_displayed()

    browser.get(f"{served.base_url}{FREMTID}/companies?q={org}")
    assert browser.find_element(CSS, "[data-testid=stage-now]").text == {"nb": "med", "en": "joined"}[language]
    check(browser, "coordinator-companies", language, width)
    browser.get(f"{served.base_url}{FREMTID}")
    assert int(browser.find_element(CSS, "[data-testid=companies-active]").text) == joined_before + 1


@pytest.mark.parametrize(("language", "width"), CASES)
def test_the_funder_verifies_a_receipt_and_sees_what_changed_since(
    browser: WebDriver, served: Served, language: str, width: str
) -> None:
    walk(browser, served, served.funder, language, width)
    browser.get(f"{served.base_url}{FREMTID}/audit")
    check(browser, "funder-audit", language, width)
    assert not re.search(r"[0-9a-f]{8}…", browser.find_element(CSS, "table[data-testid=audit]").text)
    browser.get(f"{served.base_url}{FREMTID}/report")
    receipt = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "fetch('/programmes/fremtid/receipt').then(r => r.text()).then(done);"
    )

    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(CSS, "#receipt_text"), receipt)
    browser.find_element(CSS, "form[data-testid=receipt-form] button[type=submit]").click()

    wait(browser, lambda: browser.find_elements(CSS, "[data-testid=verification]"))
    assert browser.find_element(CSS, "[data-testid=verification]").get_attribute("class") == "ok"
    assert browser.find_element(CSS, "table[data-testid=changes]").is_displayed()
    check(browser, "funder-report", language, width)


@pytest.mark.parametrize(("language", "width"), CASES)
def test_the_analyst_opens_a_figure_s_events(browser: WebDriver, served: Served, language: str, width: str) -> None:
    walk(browser, served, served.analyst, language, width)
    browser.get(f"{served.base_url}{FREMTID}/evaluation")
    wait(browser, lambda: browser.find_elements(CSS, "div.chart[data-chart=esf] svg"))
    check(browser, "analyst-evaluation", language, width)
    figure = browser.find_element(CSS, "a[data-figure='funnel.joined']")
    joined = int(re.sub(r"\D", "", figure.text))

    figure.click()

    wait(browser, lambda: "/provenance" in browser.current_url)
    changes = [int(td.text) for td in browser.find_elements(CSS, "table[data-testid=contributions] td:last-child")]
    assert sum(changes) == joined
    check(browser, "analyst-provenance", language, width)


KONGSBERG = f"/programmes/{scenarios.SLUGS['kongsberg']}"
SMART = f"/programmes/{scenarios.SLUGS['smart_kompetens']}"
VIKEN = f"/programmes/{scenarios.SLUGS['viken']}"
ATTENDEES = {case: index * 2 for index, case in enumerate(CASES)}
"""Each walk records two of the participants enrolled for it: its own, so no walk meets another's attendance."""


@pytest.mark.parametrize(("language", "width"), CASES)
def test_the_funder_sees_pending_payments_and_co_financing(
    browser: WebDriver, served: Served, language: str, width: str
) -> None:
    walk(browser, served, served.money_funder, language, width)
    browser.get(f"{served.base_url}{KONGSBERG}/audit")

    waiting = browser.find_element(CSS, "table[data-testid=payments] tr[data-testid=payment-pending]")
    assert "okonomi@browser-test" in waiting.text
    assert re.search(r"250[\s\u00a0.,]000", waiting.text), waiting.text
    assert browser.find_element(CSS, "table[data-testid=recipients]").is_displayed()
    assert not re.search(r"[0-9a-f]{8}[-…]", browser.find_element(CSS, "table[data-testid=payments]").text)
    check(browser, "funder-payments", language, width)
    browser.get(f"{served.base_url}{SMART}/audit")
    shortfall = browser.find_element(CSS, "table[data-testid=co-financing] [data-testid=shortfall]")
    assert shortfall.is_displayed() and shortfall.text
    check(browser, "funder-co-financing", language, width)


@pytest.mark.parametrize(("language", "width"), CASES)
def test_the_coordinator_records_attendance_through_the_form(
    browser: WebDriver, served: Served, language: str, width: str
) -> None:
    module_id, session_id = served.session
    first = ATTENDEES[(language, width)]
    walk(browser, served, served.trainer, language, width)
    before = _attended(browser, session_id)
    browser.get(f"{served.base_url}{VIKEN}/record/record_attendance")
    check(browser, "coordinator-attendance", language, width)

    submit_form(
        browser,
        "form[data-testid=record-form]",
        {
            "module_id": module_id,
            "session_id": session_id,
            "attendance.0.participant_id": served.attendees[first],
            "attendance.0.minutes": "90",
            "attendance.3.participant_id": served.attendees[first + 1],
            "attendance.3.minutes": "60",
        },
    )

    wait(browser, lambda: "recorded=" in browser.current_url)
    assert browser.find_element(CSS, "[data-testid=recorded]").is_displayed()
    check(browser, "coordinator-attendance-recorded", language, width)
    assert _attended(browser, session_id) == (before[0] + 2, before[1] + 150)


def _attended(browser: WebDriver, session_id: str) -> tuple[int, int]:
    status = json.loads(
        browser.execute_async_script(
            f"const done = arguments[arguments.length - 1];fetch('/api{VIKEN}').then(r => r.text()).then(done);"
        )
    )
    session = next(s for s in status["sessions"]["held"] if s["session_id"] == session_id)
    return session["attendees"], session["attended_minutes"]


@pytest.mark.parametrize(("language", "width"), CASES)
def test_the_funder_reads_the_claims_per_half_year_and_opens_a_claims_lines(
    browser: WebDriver, served: Served, language: str, width: str
) -> None:
    """Smart kompetens' half-years, closed and sealed, their claims with who took each step; the lines behind a
    claim open without a script (a details element), the flat rate for indirect costs among them."""
    walk(browser, served, served.money_funder, language, width)
    browser.get(f"{served.base_url}{SMART}/claims")
    half_year = browser.find_element(CSS, "section[data-testid='period-2019-H2']")
    assert half_year.find_element(CSS, "[data-testid=sealed]").is_displayed()
    rows = half_year.find_elements(CSS, "table[data-testid=claims] tr[data-testid='claim-2019-H2']")
    esf = next(row for row in rows if "ESF" in row.text)
    assert "utbetalning@esf-radet" in esf.text
    details = esf.find_element("xpath", "following-sibling::tr[1]//details")
    details.find_element(CSS, "summary").click()
    lines = details.find_element(CSS, "table")
    wait(browser, lines.is_displayed)
    assert "15" in lines.text and any(word in lines.text for word in ("fast sats", "flat rate"))
    check(browser, "funder-claims", language, width)
