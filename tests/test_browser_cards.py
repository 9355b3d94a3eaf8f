"""A card's run in a real browser against a real server: the fragment's ticks move its progress bar
by themselves, Pause holds it, Resume goes on, Cancel ends it, and a quick run ends with its
figure and table."""
import os
import re

import pytest

from browser import ARTIFACTS, CHROMIUM, chromium_and_server, new_tab, wait_idle

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
PROGRESS = re.compile(r"([\d,]+) of ([\d,]+)")


def done_so_far(page):
    """The card's progress bar's count of work done (None before the first chunk)."""
    found = PROGRESS.search(page.locator('[data-testid="stProgress"]').first.inner_text())
    return int(found.group(1).replace(",", "")) if found else None


def test_a_card_runs_pauses_resumes_cancels_and_finishes():
    with chromium_and_server("streamlit-cards.log") as (browser, url):
        page = new_tab(browser)
        page.goto(url)
        wait_idle(page)
        page.get_by_text("Experiments", exact=True).click()
        wait_idle(page)
        run = page.get_by_role("button", name="Run this card", exact=True)
        run.click()  # the first card (bias) with its default settings: far more than a few ticks
        page.wait_for_function("() => /[1-9][\\d,]* of [\\d,]+/.test(document.body.innerText)", timeout=60_000)
        first = done_so_far(page)
        page.wait_for_function(f"() => {{ const m = document.body.innerText.match(/([\\d,]+) of [\\d,]+/);"
                               f" return m && +m[1].replace(/,/g, '') > {first}; }}", timeout=30_000)  # ticks by itself
        page.get_by_role("button", name="Pause", exact=True).click()
        page.get_by_role("button", name="Resume", exact=True).wait_for(timeout=30_000)
        page.wait_for_function("() => document.body.innerText.includes('paused at')", timeout=30_000)
        wait_idle(page)
        held = done_so_far(page)
        page.screenshot(path=str(ARTIFACTS / "app-card-paused.png"), full_page=True)
        page.wait_for_timeout(2500)  # two and a half ticks
        assert done_so_far(page) == held
        page.get_by_role("button", name="Resume", exact=True).click()
        page.wait_for_function(f"() => {{ const m = document.body.innerText.match(/([\\d,]+) of [\\d,]+/);"
                               f" return m && +m[1].replace(/,/g, '') > {held}; }}", timeout=30_000)
        page.get_by_role("button", name="Cancel", exact=True).click()
        page.wait_for_function("() => document.body.innerText.includes('The run was cancelled.')", timeout=30_000)
        page.get_by_text("Quick settings (a few seconds, for a first look)").click()
        wait_idle(page)
        run.click()
        page.get_by_text("Download the table (CSV)").wait_for(timeout=120_000)
        wait_idle(page)
        page.wait_for_selector('[data-testid="stPlotlyChart"] .main-svg', timeout=60_000)
        assert page.locator('[data-testid="stDataFrame"]').count() >= 1
        page.screenshot(path=str(ARTIFACTS / "app-card-run.png"), full_page=True)
        assert not page.errors, page.errors
        assert "Traceback" not in page.content()
