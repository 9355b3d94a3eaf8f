"""A classroom on one server: 20 concurrent browser sessions against a real `streamlit run`.

    python bench/classroom.py [--sessions 20] [--steps 20]
Starts the app on 127.0.0.1 (only loopback), opens N isolated Chromium contexts (Debian's
Chromium through Playwright, at low CPU priority: in a classroom the browsers run on the students'
laptops, here they share the server's two cores), and in each: Step --steps times (timing click -> new step number on
the page), then Run for two seconds and Pause. Reports sessions completed, page and server-log
errors, step latency per session, each session's own step counter, and the server's live LiveRun
count and bytes held (object counts, not only RSS) at the peak and after every tab closed and the
session TTL passed. Bounded: every wait has a timeout; the script stops by itself.
"""
import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

STEP_RE = re.compile(r"step (\d+) ·")
TTL = 10  # seconds a closed tab's session lingers in this bench (the app's config says 120)


async def step_number(page):
    text = await page.locator('[data-testid="stProgress"]').first.inner_text(timeout=60_000)
    m = STEP_RE.search(text)
    return int(m.group(1)) if m else -1


async def wait_step(page, at_least, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await step_number(page) >= at_least:
            return True
        await asyncio.sleep(0.05)
    return False


async def one_session(browser, url, steps, i):
    ctx = await browser.new_context(viewport={"width": 1300, "height": 900})
    page = await ctx.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))
    page.on("console", lambda m: errors.append(f"console: {m.text}") if m.type == "error" else None)
    out = {"session": i, "latencies": [], "errors": errors, "completed": False}
    try:
        await page.goto(url, timeout=120_000)
        await page.get_by_role("button", name="Step", exact=True).wait_for(timeout=120_000)
        await wait_step(page, 0)
        for k in range(1, steps + 1):
            start = time.monotonic()
            for _ in range(3):  # a student told "the server is busy" presses Step again
                await page.get_by_role("button", name="Step", exact=True).click(timeout=60_000)
                if await wait_step(page, k, timeout=100):
                    break
                if "server is busy" in await page.inner_text("body"):
                    out["busy"] = out.get("busy", 0) + 1
                    continue
                break
            if await step_number(page) < k:
                errors.append(f"step {k} never showed")
                break
            out["latencies"].append(time.monotonic() - start)
        await page.get_by_role("button", name="Run", exact=True).click(timeout=60_000)
        await asyncio.sleep(2)
        await page.get_by_role("button", name="Pause", exact=True).click(timeout=60_000)
        await page.get_by_role("button", name="Run", exact=True).wait_for(timeout=60_000)
        await asyncio.sleep(1.5)
        out["final_step"] = await step_number(page)
        if "Traceback" in await page.content():
            errors.append("a traceback in the page")
        out["completed"] = len(out["latencies"]) == steps
    except Exception as err:  # noqa: BLE001 — a failed session is reported, not fatal
        errors.append(f"{type(err).__name__}: {err}")
    finally:
        await ctx.close()
    return out


async def poll_stats(path, peak, stop):
    while not stop.is_set():
        try:
            s = json.loads(Path(path).read_text())
            if s["session_bytes"] >= peak.get("session_bytes", -1):
                peak.update(s)
        except (OSError, ValueError):
            pass
        await asyncio.sleep(0.5)


def low_priority_chromium(folder):
    """A wrapper that starts Chromium at low CPU priority: in a classroom the 20 browsers run on
    the students' laptops, not on the server's two cores, so here they yield to the server."""
    wrapper = Path(folder) / "chromium-nice"
    wrapper.write_text(f"#!/bin/sh\nexec nice -n 15 {CHROMIUM} \"$@\"\n")
    wrapper.chmod(0o755)
    return str(wrapper)


async def run(url, stats_path, sessions, steps):
    from playwright.async_api import async_playwright
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=low_priority_chromium(Path(stats_path).parent),
                                           args=CHROMIUM_ARGS)
        peak, stop = {}, asyncio.Event()
        poller = asyncio.create_task(poll_stats(stats_path, peak, stop))
        start = time.monotonic()
        results = await asyncio.wait_for(
            asyncio.gather(*(one_session(browser, url, steps, i) for i in range(sessions))), timeout=1200)
        elapsed = time.monotonic() - start
        stop.set()
        await poller
        closed = time.monotonic()  # every tab is closed: the sessions expire after the TTL
        ctx = await browser.new_context()
        probe = await ctx.new_page()  # one page whose script runs make the server write its numbers
        await probe.goto(url)
        await probe.get_by_role("button", name="Step", exact=True).wait_for(timeout=120_000)
        after = {}
        while time.monotonic() - closed < TTL + 120:
            await asyncio.sleep(5)
            await probe.get_by_role("button", name="Step", exact=True).click(timeout=60_000)
            await asyncio.sleep(1)
            after = json.loads(Path(stats_path).read_text())
            after["seconds_after_close"] = time.monotonic() - closed
            if after["sessions"] <= 1:
                break
        await ctx.close()
        await browser.close()
    return results, peak, after, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bnviz-classroom-"))
    stats_path, log_path = tmp / "stats.json", tmp / "server.log"
    env = {"BNVIZ_STATS_FILE": str(stats_path)}
    with streamlit_server(env=env, log_path=log_path, extra_args=["--server.disconnectedSessionTTL", str(TTL)]) as (url, _):
        results, peak, after, elapsed = asyncio.run(run(url, stats_path, args.sessions, args.steps))
    log = log_path.read_text()
    server_errors = [line for line in log.splitlines() if re.search(r"Traceback|Error|Exception", line)]
    done = [r for r in results if r["completed"]]
    lat = [x for r in results for x in r["latencies"]]
    print(f"{len(done)}/{len(results)} sessions completed {args.steps} Steps and Run/Pause in {elapsed:.0f} s")
    for r in results:
        ls = sorted(r["latencies"]) or [float("nan")]
        print(f"  session {r['session']:2d}: step latency median {1000 * statistics.median(ls):6.0f} ms, "
              f"p95 {1000 * ls[int(0.95 * (len(ls) - 1))]:6.0f} ms; its own step counter "
              f"{r.get('final_step', '?')} (>= {args.steps}); 'server busy' answers: {r.get('busy', 0)}; "
              f"errors: {len(r['errors'])}")
        for e in r["errors"][:3]:
            print(f"      {e[:200]}")
    if lat:
        lat.sort()
        print(f"all steps: median {1000 * statistics.median(lat):.0f} ms, p95 {1000 * lat[int(0.95 * (len(lat) - 1))]:.0f} ms")
    print(f"server at the peak: {peak.get('sessions')} live sessions holding {peak.get('session_bytes', 0) / 2**20:.1f} MiB"
          f" (RSS {peak.get('rss_bytes', 0) / 2**20:.0f} MiB)")
    print(f"server {after['seconds_after_close']:.0f} s after every tab closed (TTL {TTL} s), one probe page "
          f"open: {after['sessions']} live session(s) holding {after['session_bytes'] / 2**20:.1f} MiB "
          f"(RSS {after['rss_bytes'] / 2**20:.0f} MiB — RSS does not shrink after Python frees memory)")
    runs = sorted(after.get("run_seconds", []))
    if runs:
        print(f"server-side time of a full script run (Step clicks and page loads, {len(runs)} runs): "
              f"median {1000 * statistics.median(runs):.0f} ms, p95 {1000 * runs[int(0.95 * (len(runs) - 1))]:.0f} ms")
    print(f"errors in the server log: {len(server_errors)}")
    for line in server_errors[:5]:
        print(f"  {line[:200]}")


if __name__ == "__main__":
    main()
