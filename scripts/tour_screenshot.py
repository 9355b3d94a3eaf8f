"""Draw docs/app-tour.png: the guided tour on a real `streamlit run viz_app.py` server in Debian's
Chromium, opened at `?page=tour&stop=N` with the answer revealed (the data are found as the app finds
them: BNVIZ_DATA, Debian's package, or the shipped subset).

    python scripts/tour_screenshot.py [--stop 5]
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import chromium_and_server, wait_idle  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stop", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "docs" / "app-tour.png"))
    args = parser.parse_args()
    with chromium_and_server("tour_screenshot.log") as (browser, url):
        page = browser.new_page(viewport={"width": 1300, "height": 1400})
        started = time.perf_counter()
        page.goto(f"{url}/?page=tour&stop={args.stop}")
        page.get_by_text(f"Stop {args.stop} of 8").wait_for(timeout=900_000)  # the run is trained first
        print(f"the tour's run was ready after {time.perf_counter() - started:.0f} s", flush=True)
        wait_idle(page)
        page.get_by_role("button", name="Reveal").click()
        wait_idle(page)
        page.get_by_text("Open this view in the free app").wait_for(timeout=60_000)
        page.wait_for_timeout(1500)  # let Plotly finish drawing
        page.screenshot(path=args.out, full_page=True)
        print("wrote", args.out, flush=True)


if __name__ == "__main__":
    main()
