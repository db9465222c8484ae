"""End to end: a real store (SQLite) holding real pipeline analyses and a scripted series (see
tests/history/dashboard_support.py for both histories and the KPI values computed by hand), ``qgate
dashboard -o DIR``, then the pages opened in headless Chromium: the rendered text holds the expected KPI
values, the charts are drawn with a real size, no hostile string ran, the console is clean.

Screenshots (and a copy of the site) go to ``$QGATE_TEST_ARTIFACTS/dashboard`` (else a temp folder; the path
is printed). Chromium comes from scripts/ci-chromium.sh; without it these tests skip locally and fail in CI.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import pytest

from qgate.cli import dashboard as command
from qgate.history.dashboard.render import project_path

from .dashboard_support import (
    APP_PROJECT,
    HOSTILE,
    HOSTILE_PATH,
    artifacts_dir,
    chromium_driver,
    pipeline_analyses,
    record_pipeline_series,
    record_scripted_series,
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The dashboard of both histories, written by the command; the render time is printed."""
    work = tmp_path_factory.mktemp("dashboard-e2e")
    url = f"sqlite:///{work / 'history.db'}"
    record_pipeline_series(url, work, pipeline_analyses(work))
    record_scripted_series(url, work)
    parser = argparse.ArgumentParser(prog="qgate")
    command.add_parser(parser.add_subparsers(dest="command"))
    out = work / "site"
    started = time.monotonic()
    assert command.run(parser.parse_args(["dashboard", "-o", str(out), "--database-url", url])) == 0
    print(f"\ndashboard of 30 analyses (2 projects) written in {time.monotonic() - started:.2f}s")
    return out


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory, site) -> Path:
    target = artifacts_dir(tmp_path_factory)
    shutil.copytree(site, target / "site", dirs_exist_ok=True)
    print(f"\ndashboard test artefacts: {target}")
    return target


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from chromium_driver(tmp_path_factory.mktemp("chromium-profile"))


def open_page(browser, path: Path) -> None:
    browser.set_window_size(1280, 900)
    browser.get(path.as_uri())
    assert browser.execute_script("return document.readyState") == "complete"


def console_problems(browser) -> list:
    return [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]


def screenshot(browser, target: Path) -> Path:
    """The whole page: the window grown to the document's height."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, height + 120)
    assert browser.save_screenshot(str(target))
    assert target.stat().st_size > 20_000
    return target


def kpi(browser, key: str) -> str:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, f'[data-kpi="{key}"] .value').text


def test_index_page_in_chromium(browser, site, artifacts):
    from selenium.webdriver.common.by import By

    open_page(browser, site / "index.html")
    assert browser.title == "qgate dashboard"
    cards = browser.find_elements(By.CSS_SELECTOR, ".card")
    names = [c.find_element(By.TAG_NAME, "h2").text for c in cards]
    assert [n.replace("\n", "") for n in names] == [HOSTILE, APP_PROJECT]  # the hostile name is text (it may wrap)
    assert [c.find_element(By.CSS_SELECTOR, ".kpi .value").text for c in cards] == ["73.1%", "50.0%"]
    assert [c.find_element(By.CSS_SELECTOR, ".status").text for c in cards] == ["failed", "failed"]
    assert "19 of 26 analyses passed" in cards[0].text and "2 of 4 analyses passed" in cards[1].text
    assert browser.find_elements(By.TAG_NAME, "script") == [] and browser.find_elements(By.TAG_NAME, "img") == []
    assert console_problems(browser) == []
    screenshot(browser, artifacts / "index.png")


def test_scripted_project_page_in_chromium(browser, site, artifacts):
    from selenium.webdriver.common.by import By

    open_page(browser, site / "index.html")
    browser.find_element(By.CSS_SELECTOR, ".card a").click()  # the relative link works from disk
    assert browser.current_url == (site / project_path(HOSTILE)).as_uri()
    assert browser.find_element(By.TAG_NAME, "h1").text == HOSTILE
    expected = {
        "pass_rate_overall": "73.1%", "pass_rate_main": "75.0%", "pass_rate_prs": "66.7%",
        "mttr_mean": "136.0 h", "mttr_median": "144.0 h", "escape_rate": "66.7%",
        "open_vulnerabilities": "1", "open_hotspots": "1", "duration_p50": "13.50 s", "duration_p90": "23.50 s",
    }
    assert {key: kpi(browser, key) for key in expected} == expected
    assert browser.find_elements(By.TAG_NAME, "script") == [] and browser.find_elements(By.TAG_NAME, "img") == []
    assert console_problems(browser) == []
    screenshot(browser, artifacts / "project-scripted.png")


def test_scripted_project_charts_in_chromium(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site / project_path(HOSTILE))
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert [c.get_attribute("aria-label") for c in charts] == [
        "Quality gate status of the analyses over time", "Open issues by type at each analysis",
        "New issues introduced per week",
    ]
    for chart in charts:
        assert chart.size["width"] > 600 and chart.size["height"] > 150, chart.size
    legend = charts[1].find_elements(By.TAG_NAME, "text")
    assert {"Bugs", "Vulnerabilities", "Code smells", "Security hotspots"} <= {t.text for t in legend}
    bars = browser.execute_script(
        "return Array.from(arguments[0].querySelectorAll('path')).filter(p => p.getBBox().width > 0).length", charts[0]
    )
    assert bars >= 26  # 25 days with analyses, one with two: drawn bars plus axes and legend
    assert console_problems(browser) == []


def test_scripted_project_tables_in_chromium(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site / project_path(HOSTILE))
    rules = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#top-rules-table tbody tr")]
    assert rules == [
        "QG108 code smell major 2 10 min", "B105 security hotspot major 1 5 min", "B602 vulnerability major 1 5 min",
        "QG101 code smell major 1 5 min", "QG112 code smell major 1 5 min",
    ]
    worst = browser.find_elements(By.CSS_SELECTOR, "#worst-debt tbody tr")
    assert [r.find_element(By.TAG_NAME, "td").text.replace("\n", "") for r in worst] == [HOSTILE_PATH, "lib/util.py"]
    assert [r.find_elements(By.TAG_NAME, "td")[1].text for r in worst] == ["15 min", "5 min"]
    assert "No per-file Cognitive Complexity" in browser.find_element(By.ID, "complexity-unavailable").text
    recent = browser.find_elements(By.CSS_SELECTOR, "#recent-analyses tbody tr")
    assert len(recent) == 20
    assert recent[3].text.split() == [
        "2025-03-24", "09:00", "UTC", "feature", "#5", "22ababababab", "failed", "1", "23.00", "s",
        "new_violations", ">", "0", "(actual", "0)",
    ]
    assert console_problems(browser) == []


def test_pipeline_project_page_in_chromium(browser, site, artifacts):
    from selenium.webdriver.common.by import By

    open_page(browser, site / project_path(APP_PROJECT))
    expected = {
        "pass_rate_overall": "50.0%", "pass_rate_main": "33.3%", "pass_rate_prs": "100.0%",
        "mttr_mean": "24.0 h", "mttr_median": "24.0 h", "escape_rate": "100.0%",
        "open_vulnerabilities": "0", "open_hotspots": "0",
    }
    assert {key: kpi(browser, key) for key in expected} == expected
    assert kpi(browser, "duration_p50").endswith(" s")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg.chart")) == 3
    rows = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#top-rules-table tbody tr")]
    assert rows == ["QG108 code smell minor 1 2 min"]
    branches = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "#branches-table tbody tr")]
    assert branches == ["feature 1 0 0 0 0 0", "main 3 3 3 1 1 0"]
    assert console_problems(browser) == []
    screenshot(browser, artifacts / "project-pipeline.png")
