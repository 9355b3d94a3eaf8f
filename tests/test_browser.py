"""One real browser against one real server: Step, Run/Pause, charts, a screenshot artifact."""
import os

import pytest

from browser import (ARTIFACTS, CHROMIUM, chromium_and_server, new_tab, step_number, wait_idle,
                     wait_step_unchanged)

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)")


@pytest.fixture(scope="module")
def server():
    with chromium_and_server("streamlit.log") as (browser, url):
        yield browser, url


def open_page(browser, url):
    page = new_tab(browser, height=1000)
    page.goto(url)
    wait_idle(page)
    return page


@pytest.fixture(scope="module")
def page(server):
    return open_page(*server)


def test_step_run_pause_and_charts(page):
    assert step_number(page) == 0
    page.get_by_role("button", name="Step", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('step 1 ')", timeout=60_000)
    wait_idle(page)
    page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
    bars = page.locator('[data-testid="stPlotlyChart"] .bars path').count()
    assert bars > 10  # the histograms drew their bars
    page.get_by_role("button", name="Run", exact=True).click()
    page.wait_for_function(
        "() => { const m = document.body.innerText.match(/step (\\d+) /); return m && +m[1] > 3; }",
        timeout=60_000)
    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Run", exact=True).wait_for(timeout=10_000)
    # The tick in progress finishes its slice first; then the paused page is drawn in full.
    page.wait_for_function("() => !document.body.innerText.includes('running…')", timeout=30_000)
    wait_idle(page)
    paused_at = step_number(page)
    assert paused_at > 3
    wait_step_unchanged(page, paused_at, 2500)  # Pause held (two and a half Run ticks)
    page.screenshot(path=str(ARTIFACTS / "app.png"), full_page=True)
    assert not page.errors, page.errors
    assert "Traceback" not in page.content()


def test_inside_one_step_panel(page):
    page.get_by_text("Inside one step", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('recorded:') && "  # every part drawn,
                           "document.body.innerText.includes('moving_mean = 0.9 ×') && "  # not placeholders
                           "document.body.innerText.includes('x̂ = (x − μ) / √(σ² + ε)')", timeout=60_000)
    wait_idle(page)
    page.screenshot(path=str(ARTIFACTS / "inside.png"), full_page=True)
    text = page.inner_text("body")
    assert "moving_mean = 0.9 ×" in text, text[-1500:]
    assert "x̂ = (x − μ) / √(σ² + ε)" in text


def test_rewind_in_the_browser_and_sessions_are_separate(page, server):
    now = step_number(page)
    assert now > 3
    page.get_by_role("spinbutton", name="Rewind to step").fill("2")
    page.get_by_role("spinbutton", name="Rewind to step").press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Rewind", exact=True).click()
    page.wait_for_function("() => document.body.innerText.includes('step 2 ')", timeout=60_000)
    other = open_page(*server)  # a second student: a session of its own
    assert step_number(other) == 0
    other.get_by_role("button", name="Step", exact=True).click()
    other.wait_for_function("() => document.body.innerText.includes('step 1 ')", timeout=60_000)
    wait_idle(page)
    assert step_number(page) == 2  # the first student's run is untouched
    assert not page.errors and not other.errors
