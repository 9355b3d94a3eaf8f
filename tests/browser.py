"""A real `streamlit run viz_app.py` server on loopback and Debian's Chromium through Playwright."""
import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"  # screenshots and server logs of the browser tests
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env=None, port=None, log_path=None, extra_args=()):
    """Start the app headless on 127.0.0.1; yields its URL once /_stcore/health answers ok."""
    port = port or free_port()
    log = open(log_path or os.devnull, "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "viz_app.py"),
                             "--server.port", str(port), "--server.address", "127.0.0.1",
                             "--server.headless", "true", *extra_args], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError(f"streamlit did not answer /_stcore/health within 90 s; see {log_path}")
            try:  # the poll interval doubles as a wait for the server's exit, noticed at once
                proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            raise RuntimeError(f"streamlit did not start (exit {proc.returncode}); see {log_path}")
        yield url, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def chromium_and_server(log_name):
    """(browser, url): Debian's Chromium and the app on a real `streamlit run` server, its log in artifacts/."""
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(exist_ok=True)
    with streamlit_server(log_path=ARTIFACTS / log_name) as (url, proc), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser, url
        finally:
            browser.close()


def new_tab(browser, width=1400, height=1100):
    """A page in a fresh browser context; its JavaScript errors collect in `page.errors`."""
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


def wait_idle(page, timeout=90_000):
    """Wait until the app's script is not running (Streamlit shows a status widget while it runs)."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)


def wait_step_unchanged(page, step, ms):
    """Assert that the status line stays at `step` for `ms` milliseconds, failing as soon as it moves.

    Nothing happening can only be observed over a window; this one ends early on any change."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    try:
        page.wait_for_function(
            "n => { const m = document.body.innerText.match(/step (\\d+) /); return m !== null && +m[1] !== n; }",
            arg=step, timeout=ms)
    except PlaywrightTimeout:
        return
    raise AssertionError(f"the step moved from {step} to {step_number(page)}")


def step_text(page):
    """The status line, e.g. 'step 3 · epoch 1 …'."""
    return page.locator('[data-testid="stProgress"]').first.inner_text()


def step_number(page):
    import re
    m = re.search(r"step (\d+)", step_text(page))
    return int(m.group(1)) if m else -1
