"""Redraw the README's screenshots (docs/app-*.png) from a real `streamlit run` server and Debian's
Chromium: the chapter's LeNet on the full Fashion-MNIST (or the shipped subset), 30 steps; then
the `bias` experiment card with its quick settings; with --zh only docs/app-zh.png, the app in
Chinese (a lesson link with lang=zh: the Moving mean panel at step 40, population statistics
recomputed; needs a CJK font, Debian's fonts-noto-cjk); with --fork only docs/app-fork.png, a fork
with lr x 10 from step 60, 40 steps, its curves and histograms over the original's.

    python scripts/screenshots.py [--steps 30] [--zh] [--fork]
"""
import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS, streamlit_server, wait_idle  # noqa: E402

SHOTS = [("Distributions now", "app-distributions.png", {}),
         ("Distributions now", "app-distributions-channel.png", {"pooled": False}),
         ("Over time", "app-over-time.png", {}),
         ("Moving mean", "app-moving-mean.png", {}),
         ("Inside one step", "app-inside-one-step.png", {})]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--zh", action="store_true", help="only docs/app-zh.png, the app in Chinese")
    parser.add_argument("--fork", action="store_true", help="only docs/app-fork.png, a fork of the live run")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    with streamlit_server(log_path="/tmp/bnviz-screenshots.log") as (url, _), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1500})
        if args.zh or args.fork:
            (zh_shot if args.zh else fork_shot)(page, url)
            browser.close()
            return
        page.goto(url)
        wait_idle(page)
        field = page.locator('input[aria-label="N"]')  # the Step N field (label collapsed)
        field.fill(str(args.steps))
        field.press("Enter")
        wait_idle(page)
        page.get_by_role("button", name="Step N").click()
        page.wait_for_function("n => document.body.innerText.includes(`step ${n} ·`) && "
                               "!document.body.innerText.includes('running…')", arg=args.steps, timeout=300_000)
        wait_idle(page, timeout=300_000)
        for panel, name, options in SHOTS:
            pooled = page.get_by_text("Histograms: all channels pooled")
            if options.get("pooled") is False:
                pooled.click()
                wait_idle(page)
            page.get_by_text(panel, exact=True).click()
            wait_idle(page)
            if panel == "Moving mean":  # the red diamonds: what the moving statistics estimate
                page.get_by_role("button", name="Recompute the population statistics now").click()
                page.wait_for_timeout(1000)  # the rerun starts after the click's round trip
                wait_idle(page, timeout=400_000)
                page.wait_for_function("() => document.body.innerText.includes('gap: moving')", timeout=60_000)
                wait_idle(page)
            page.mouse.move(0, 0)  # no tooltip over the page
            page.wait_for_timeout(1500)  # let Plotly finish drawing (nothing to wait for on its side)
            page.screenshot(path=str(ROOT / "docs" / name), full_page=True)
            if options.get("pooled") is False:
                pooled.click()
                wait_idle(page)
            print("wrote", name, flush=True)
        card_shot(page)
        browser.close()


def card_shot(page, card="bias"):
    """An experiment card, run with its quick settings: docs/app-card.png."""
    page.get_by_text("Experiments", exact=True).click()
    wait_idle(page)
    page.get_by_role("button", name="Run this card").wait_for(timeout=60_000)
    page.get_by_text("Quick settings (a few seconds, for a first look)").click()
    wait_idle(page)
    page.get_by_role("button", name="Run this card").click()
    page.get_by_text("Download the table (CSV)").wait_for(timeout=300_000)
    wait_idle(page, timeout=300_000)
    page.wait_for_timeout(1500)  # let Plotly finish drawing
    page.screenshot(path=str(ROOT / "docs" / "app-card.png"), full_page=True)
    print("wrote app-card.png", flush=True)


def zh_shot(page, url, step=40):
    """The app in Chinese, opened by a lesson link: docs/app-zh.png."""
    page.goto(f"{url}/?page=live&panel=moving-mean&layer=1&channel=2&step={step}&lang=zh")
    page.wait_for_function("n => document.body.innerText.includes(`第 ${n} 步`) && "
                           "!document.body.innerText.includes('运行中…')", arg=step, timeout=300_000)
    wait_idle(page, timeout=300_000)
    page.get_by_role("button", name="立即重新计算总体统计量").click()
    page.wait_for_timeout(2000)  # the rerun starts
    wait_idle(page, timeout=400_000)
    page.mouse.move(0, 0)  # no tooltip in the picture
    page.wait_for_timeout(2000)  # let Plotly finish drawing
    page.screenshot(path=str(ROOT / "docs" / "app-zh.png"), full_page=True)
    print("wrote app-zh.png", flush=True)


def fork_shot(page, url, step=60, steps=40):
    """A fork with lr x 10 from the live run at `step`, `steps` steps: docs/app-fork.png (the fork's box)."""
    page.goto(f"{url}/?page=live&step={step}")
    page.wait_for_function("n => document.body.innerText.includes(`step ${n} ·`) && "
                           "!document.body.innerText.includes('running…')", arg=step, timeout=300_000)
    wait_idle(page, timeout=300_000)
    page.get_by_text("Fork from here", exact=True).click()
    wait_idle(page)
    field = page.get_by_label("Steps (each copy)")
    field.fill(str(steps))
    field.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Fork and train both").click()
    page.get_by_role("button", name="Clear the fork").wait_for(timeout=300_000)
    wait_idle(page, timeout=300_000)
    page.mouse.move(0, 0)  # no tooltip in the picture
    page.wait_for_timeout(2000)  # let Plotly finish drawing
    page.locator(".st-key-fork_box").screenshot(path=str(ROOT / "docs" / "app-fork.png"))
    print("wrote app-fork.png", flush=True)


if __name__ == "__main__":
    main()
