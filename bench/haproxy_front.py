"""bnviz's app servers behind HAProxy (docs/haproxy/bnviz.cfg, sticky sessions), started for a bench
or a test on 127.0.0.1: `start_haproxy`, and the cookie a browser gets on its first page.

    proxy, url = start_haproxy("127.0.0.1:8600", ["127.0.0.1:8501", "127.0.0.1:8502"], log_path)
"""
import os
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "docs" / "haproxy" / "bnviz.cfg"
COOKIE = "BNVIZ_SERVER"
TIMEOUT = 120


def start_haproxy(bind, apps, log_path):
    """Start HAProxy on `bind` in front of the two app servers `apps` ("host:port"); returns (process,
    its URL) once it answers the health check through an app server."""
    env = {**os.environ, "BNVIZ_PROXY_BIND": bind, "BNVIZ_APP1": apps[0], "BNVIZ_APP2": apps[1]}
    check = subprocess.run(["haproxy", "-c", "-f", str(CONFIG)], env=env, capture_output=True, text=True, timeout=30)
    if check.returncode != 0:
        raise RuntimeError(f"haproxy rejects {CONFIG}: {check.stdout}{check.stderr}")
    log = open(log_path, "w")
    proc = subprocess.Popen(["haproxy", "-db", "-f", str(CONFIG)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{bind}"
    deadline = time.monotonic() + 60
    while True:  # up when it answers the health check through an app server
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"haproxy did not come up; see {log_path}")
        time.sleep(0.3)


def sticky_cookie(url):
    """GET the page as a browser does first; returns the proxy's `BNVIZ_SERVER=appN` cookie."""
    with urllib.request.urlopen(url + "/", timeout=TIMEOUT) as resp:
        for header in resp.headers.get_all("Set-Cookie") or []:
            if header.startswith(COOKIE + "="):
                return header.split(";", 1)[0]
    return None
