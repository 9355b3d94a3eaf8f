"""A lesson link in a real browser against a real server: the page shows the link's state, locked
controls cannot be changed, and a second tab at the same link shows the same numbers at the same step."""
import os
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import torch

from browser import ARTIFACTS, CHROMIUM, chromium_and_server, new_tab, step_number, wait_idle
from bnviz.app import links
from bnviz.app.controls import THREADS_PER_SESSION
from bnviz.debug.inside import inside_step
from bnviz.debug.live_run import LiveRun
from bnviz.train.config import RunConfig

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="Debian's chromium is not installed (apt-get install chromium; .ci/run does)")
LESSON = {"norm": "custom", "lr": "0.5", "batch_size": "128", "seed": "4", "panel": "inside-one-step",
          "layer": "5", "channel": "3", "step": "6", "lock": "lr,norm,panel,layer,channel"}
METRICS = ["μ (mean)", "σ² (variance)", "γ", "β"]


@pytest.fixture(scope="module")
def server():
    with chromium_and_server("streamlit_links.log") as (browser, url):
        yield browser, url


def open_lesson(browser, url):
    """A new tab at the lesson link, once the link's run has reached its step."""
    page = new_tab(browser)
    page.goto(f"{url}/?{urlencode(LESSON, safe=',')}")
    page.wait_for_function("() => /step 6 /.test(document.body.innerText) && "
                           "!document.body.innerText.includes('running…')", timeout=120_000)
    wait_idle(page)
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    return page


def metric(page, label):
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_a_lesson_link_in_two_tabs(server, full_data):
    browser, url = server
    first = open_lesson(browser, url)
    assert step_number(first) == 6
    text = first.inner_text("body")
    assert "Step 6, layer 5, channel 3" in text  # the panel, layer and channel of the link
    assert "This lesson fixes: learning rate, model, panel, BN layer, channel." in text
    shown = {name: metric(first, name) for name in METRICS}
    first.screenshot(path=str(ARTIFACTS / "lesson_link.png"), full_page=True)

    # the numbers are this run's: the same seeded run outside the app, at the same step, with the
    # app's torch threads (another thread count sums in another order: the last digit can differ)
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS_PER_SESSION)
    try:
        oracle = LiveRun(full_data, RunConfig(lr=0.5, batch_size=128, seed=4))
        oracle.advance(6)
    finally:
        torch.set_num_threads(threads)
    info = inside_step(oracle.history, None, "5", 3, oracle.layer_facts("5"))
    assert shown == {"μ (mean)": f"{info['mean']:.5f}", "σ² (variance)": f"{info['var']:.5f}",
                     "γ": f"{info['gamma']:.5f}", "β": f"{info['beta']:.5f}"}

    # the address bar is the link (normalised: every field written out)
    lesson, problems = links.parse(dict(parse_qsl(urlsplit(first.url).query)))
    assert problems == [] and (lesson["lr"], lesson["seed"], lesson["step"], lesson["channel"]) == (0.5, 4, 6, 3)

    # locked controls cannot be changed
    lr = first.get_by_role("spinbutton", name="Learning rate")
    assert lr.is_disabled() and lr.input_value() == "0.5"
    assert first.get_by_role("spinbutton", name="Channel").is_disabled()
    training = first.get_by_role("radio", name="Training", exact=True)
    assert training.is_disabled()
    first.get_by_test_id("stMainBlockContainer").get_by_text("Training", exact=True).click(force=True)  # locked: nothing
    wait_idle(first)
    assert "Step 6, layer 5, channel 3" in first.inner_text("body") and not training.is_checked()

    # "Copy lesson link" puts the browser's address of this view on the clipboard; the box shows it too
    first.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    button = first.frame_locator('[data-testid="stSidebar"] iframe').get_by_role("button", name="Copy lesson link")
    button.click()
    first.frame_locator('[data-testid="stSidebar"] iframe').get_by_text("Copied ✓").wait_for(timeout=10_000)
    link = first.evaluate("navigator.clipboard.readText()")
    assert link.startswith(f"{url}/?") and dict(parse_qsl(urlsplit(link).query)) == dict(
        parse_qsl(urlsplit(first.url).query))
    first.get_by_text("Lesson link", exact=True).click()
    assert first.locator('[data-testid="stSidebar"] code').filter(has_text="seed=4").first.inner_text().strip() == link

    # a second student opening the same link sees the same numbers at the same step
    second = open_lesson(browser, url)
    assert step_number(second) == 6
    assert {name: metric(second, name) for name in METRICS} == shown
    assert not first.errors and not second.errors
    assert "Traceback" not in first.content() + second.content()
