"""The web page in a real browser: headless Chromium, driven by selenium through
chromedriver, against a real uvicorn over SQLite and PostgreSQL.

Every page loads with no console error and no Content-Security-Policy violation (both
collected from the browser), the hostile model id shows as text and runs nothing, the
charts are drawn, search and filters work (with and without the little JS), downloads
fetched by the browser equal the CLI's output, and the database is unchanged after it
all. Screenshots of every page go to ``$CATALOGSYNC_SCREENSHOTS`` (else ``screenshots/``
under pytest's temporary directory) for a person to look at. In CI (``CI=true``) these
tests never skip: a missing browser fails them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.helpers import snapshot
from tests.test_cli import run
from tests.web_support import HOSTILE, live_server, load_history

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(
    (CHROMIUM is None or CHROMEDRIVER is None) and os.environ.get("CI") != "true",
    reason="headless Chromium and chromedriver are not installed "
    "(.ci/run installs them; in CI this never skips)",
)

WATCH = """
window.__cspViolations = [];
window.__alerts = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
window.alert = (message) => { window.__alerts.push(String(message)); };
"""
"""Run in every page before its own scripts: records CSP violations and any alert()."""

HOSTILE_PAGE = f"/models/akool/{quote(HOSTILE, safe='')}"
PAGES = {
    "overview": "/",
    "catalog": "/providers/akool",
    "catalog-audioshake": "/providers/audioshake",
    "model": HOSTILE_PAGE,
    "model-audioshake": "/models/audioshake/vocals",
    "versions": "/providers/akool/versions",
    "diff": "/providers/akool/diff?from=1&to=3",
    "report": "/report?period=all",
    "not-found": "/providers/nosuch",
}


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    configured = os.environ.get("CATALOGSYNC_SCREENSHOTS")
    folder = Path(configured) if configured else tmp_path_factory.getbasetemp() / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    assert CHROMIUM is not None, "chromium is not installed"
    assert CHROMEDRIVER is not None, (
        "chromedriver is not installed (apt-get install chromium-driver)"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1366,1000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": WATCH})
    yield driver
    driver.quit()


@pytest.fixture
def served(engine, database_url, monkeypatch, browser):
    """The history loaded and served; yields the server; the database must be unchanged."""
    load_history(engine)
    monkeypatch.setenv("CATALOGSYNC_DATABASE_URL", database_url)
    before = snapshot(engine)
    with live_server(database_url) as server:
        browser.get_log("browser")  # drop what earlier tests left
        yield server
    assert snapshot(engine) == before, "serving pages changed the database"


def visit(browser, url: str) -> None:
    """Load ``url``; fail on any console error, CSP violation or alert()."""
    browser.get(url)
    check_clean(browser)


def check_clean(browser) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    assert browser.execute_script("return window.__cspViolations") == []
    assert browser.execute_script("return window.__alerts") == []


def shoot(browser, screenshots: Path, name: str, database_url: str) -> None:
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1366, min(max(int(height) + 160, 600), 4000))  # + the window's frame
    assert browser.save_screenshot(str(screenshots / f"{name}-{backend}.png"))
    browser.set_window_size(1366, 1000)


def test_every_page_loads_cleanly_and_shows_provider_text_as_text(
    served, browser, screenshots, database_url
):
    from selenium.webdriver.common.by import By

    for name, path in PAGES.items():
        visit(browser, served.url + path) if name != "not-found" else browser.get(served.url + path)
        if name == "not-found":  # the 404 response is logged; the page itself is clean
            assert browser.find_element(By.TAG_NAME, "h1").text == "404"
            logged = browser.get_log("browser")
            assert all("404" in e["message"] for e in logged)
            assert browser.execute_script("return window.__cspViolations") == []
        shoot(browser, screenshots, name, database_url)
        assert browser.find_elements(By.CSS_SELECTOR, "script:not([src])") == []
        if name in ("overview", "catalog", "model", "diff", "report"):
            assert HOSTILE in browser.find_element(By.TAG_NAME, "main").text, name
    browser.get(served.url + HOSTILE_PAGE)
    assert browser.find_element(By.ID, "model-id").text == HOSTILE
    assert browser.title.startswith(HOSTILE)


def test_the_model_page_draws_its_price_history(served, browser, screenshots, database_url):
    from selenium.webdriver.common.by import By

    visit(browser, served.url + "/models/akool/A")
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg.chart")
    assert len(charts) == 1  # A's prices are all in credits: one chart
    lines = browser.find_elements(By.CSS_SELECTOR, "svg.chart g.plot polyline.series")
    assert len(lines) == 3  # 720p, 1080p, 4k
    for line in lines:
        box = browser.execute_script(
            "const b = arguments[0].getBBox(); return [b.width, b.height];", line
        )
        assert box[0] > 50  # drawn across the time axis
    size = charts[0].size
    assert size["width"] >= 600
    assert size["height"] >= 200
    ticks = [t.text for t in charts[0].find_elements(By.CSS_SELECTOR, "text")]
    assert "20" in ticks  # round tick values
    shoot(browser, screenshots, "model-A", database_url)


def test_search_and_filters_narrow_the_catalog(served, browser, screenshots, database_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    def models_shown() -> list[str]:
        return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "#catalog a.model-link")]

    visit(browser, served.url + "/providers/akool")
    assert sorted(set(models_shown())) == sorted(["A", "B", "D", HOSTILE])
    search = browser.find_element(By.NAME, "q")
    search.send_keys("script")
    search.submit()
    WebDriverWait(browser, 10).until(lambda b: "q=script" in b.current_url)
    check_clean(browser)
    assert models_shown() == [HOSTILE]

    # A select applies itself (the page's JS); the search is kept.
    visit(browser, served.url + "/providers/akool")
    Select(browser.find_element(By.NAME, "sort")).select_by_value("amount")
    WebDriverWait(browser, 10).until(lambda b: "sort=amount" in b.current_url)
    check_clean(browser)
    amounts = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#catalog td.amount")]
    assert [float(a) for a in amounts] == sorted(float(a) for a in amounts)
    assert amounts[0] == "3.5"
    Select(browser.find_element(By.NAME, "order")).select_by_value("desc")
    WebDriverWait(browser, 10).until(lambda b: "order=desc" in b.current_url)
    assert browser.find_element(By.CSS_SELECTOR, "#catalog td.amount").text == "20"
    shoot(browser, screenshots, "catalog-sorted", database_url)

    visit(browser, served.url + "/providers/akool?price_type=unit&currency=-&category=akool")
    assert len(models_shown()) == 6  # every price row: A 3, B, D, the hostile one


def test_the_report_filters_and_downloads(served, browser, screenshots, database_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    visit(browser, served.url + "/report")
    assert browser.find_elements(By.CSS_SELECTOR, "table.changes") == []  # none in 90 days
    assert "last 90d" in Select(browser.find_element(By.NAME, "period")).first_selected_option.text
    Select(browser.find_element(By.NAME, "period")).select_by_value("all")
    WebDriverWait(browser, 10).until(lambda b: "period=all" in b.current_url)
    check_clean(browser)
    # First versions (every price a provider had, as added) are left out, as by the CLI.
    assert len(browser.find_elements(By.CSS_SELECTOR, "table.changes tbody tr")) == 10
    assert "first versions left out (6 rows)" in browser.find_element(By.ID, "summary").text
    browser.find_element(By.NAME, "first").click()
    WebDriverWait(browser, 10).until(lambda b: "first=1" in b.current_url)
    check_clean(browser)
    every = browser.find_elements(By.CSS_SELECTOR, "table.changes tbody tr")
    assert len(every) == 16
    Select(browser.find_element(By.NAME, "change")).select_by_value("changed")
    WebDriverWait(browser, 10).until(lambda b: "change=changed" in b.current_url)
    check_clean(browser)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.changes tbody tr")
    assert {r.get_attribute("class") for r in rows} == {"change-changed"}
    assert len(rows) == 5
    pct = browser.find_element(By.NAME, "min_pct")
    pct.send_keys("25")
    pct.submit()
    WebDriverWait(browser, 10).until(lambda b: "min_pct=25" in b.current_url)
    check_clean(browser)
    rows = browser.find_elements(By.CSS_SELECTOR, "table.changes tbody tr")
    assert len(rows) == 2  # the hostile 8 -> 10.5 (+31.25 %), vocals 2 -> 2.5 (+25 %)
    shoot(browser, screenshots, "report-filtered", database_url)

    # The download links carry the filters; unfiltered, they are the CLI's output.
    link = browser.find_element(By.ID, "report-json").get_attribute("href")
    assert "change=changed" in link
    assert "min_pct=25" in link
    assert len(json.loads(fetch(browser, link))) == 2
    visit(browser, served.url + "/report?provider=akool&period=all")
    for kind in ("csv", "json"):
        href = browser.find_element(By.ID, f"report-{kind}").get_attribute("href")
        assert (
            fetch(browser, href)
            == run("report", "prices", "--provider", "akool", "--format", kind)[1]
        )


def test_the_diff_page_and_its_downloads(served, browser, screenshots, database_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    visit(browser, served.url + "/providers/akool/diff")
    assert "Version 2 → 3" in browser.find_element(By.TAG_NAME, "h1").text
    Select(browser.find_element(By.NAME, "from")).select_by_value("1")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    WebDriverWait(browser, 10).until(lambda b: re.search(r"from=1", b.current_url))
    check_clean(browser)
    assert "Version 1 → 3" in browser.find_element(By.TAG_NAME, "h1").text
    assert [li.text for li in browser.find_elements(By.CSS_SELECTOR, "#added li")] == ["D"]
    changed = browser.find_element(By.ID, "changed").text
    assert HOSTILE in changed
    for kind in ("csv", "json"):
        href = browser.find_element(By.ID, f"diff-{kind}").get_attribute("href")
        expected = run("diff", "akool", "--from", "1", "--to", "3", "--format", kind)[1]
        assert fetch(browser, href) == expected
    shoot(browser, screenshots, "diff-1-3", database_url)


def fetch(browser, url: str) -> str:
    """``url`` fetched by the page's own JavaScript (same origin, as a person's click)."""
    return str(
        browser.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0]).then((r) => r.text()).then(done, (e) => done('failed: ' + e));",
            url,
        )
    )
