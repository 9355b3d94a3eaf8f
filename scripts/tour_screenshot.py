"""Draw docs/app-tour.png: the guided tour on a real `streamlit run` server in Debian's Chromium,
opened at `?page=tour&stop=N` with the answer revealed.

Until viz_app.py routes `page=tour`, the server runs a two-line page that calls `tour_ui` (written
to a temporary folder); the data are found as the app finds them (BNVIZ_DATA, Debian's package, or
the shipped subset).

    python scripts/tour_screenshot.py [--stop 5]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import CHROMIUM, CHROMIUM_ARGS, free_port, wait_idle  # noqa: E402

PAGE = '''import os
import streamlit as st
import torch
from bnviz.app.tour import tour_ui
from bnviz.data.fashion_mnist import load_fashion_mnist
st.set_page_config(page_title="bnviz: guided tour", layout="wide")
torch.set_num_threads(1)  # as viz_app.py does on a 2-core machine
tour_ui(load_fashion_mnist(os.environ.get("BNVIZ_DATA")))
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stop", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "docs" / "app-tour.png"))
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "tour_page.py"
        page_file.write_text(PAGE)
        port = free_port()
        log = open("/tmp/bnviz-tour-screenshot.log", "w")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(page_file), "--server.port",
                                   str(port), "--server.address", "127.0.0.1", "--server.headless", "true"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(450):
                try:
                    if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                        break
                except OSError:
                    time.sleep(0.2)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1300, "height": 1400})
                started = time.perf_counter()
                page.goto(f"{url}/?page=tour&stop={args.stop}")
                try:
                    page.get_by_text(f"Stop {args.stop} of 8").wait_for(timeout=900_000)  # the run is trained first
                finally:
                    page.screenshot(path="/tmp/bnviz-tour-screenshot-last.png", full_page=True)
                print(f"the tour's run was ready after {time.perf_counter() - started:.0f} s", flush=True)
                wait_idle(page)
                page.get_by_role("button", name="Reveal").click()
                wait_idle(page)
                page.get_by_text("Open this view in the free app").wait_for(timeout=60_000)
                page.wait_for_timeout(1500)  # let Plotly finish drawing
                page.screenshot(path=args.out, full_page=True)
                print("wrote", args.out, flush=True)
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()


if __name__ == "__main__":
    main()
