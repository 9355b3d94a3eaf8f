"""Two app servers behind HAProxy (docs/haproxy/bnviz.cfg): sessions are spread, and sticky.

Runs bench/proxy_check.py in its own interpreter (its protocol client uses gevent, which patches
sockets process-wide): each session goes through the proxy, steps, drops its WebSocket and
reconnects to its Streamlit session with the proxy's cookie, and must find its step again;
a control reconnects with the other server's cookie and must find a fresh page.
"""
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(shutil.which("haproxy") is None,
                       reason="haproxy is not installed (Debian: apt-get install haproxy)"),
]


def test_two_servers_behind_haproxy_keep_each_session_on_its_server():
    # found, not imported: importing locust monkey-patches this process's sockets and threads (gevent)
    for module in ("locust", "websocket"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed: pip install -r bench/requirements.txt")
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "proxy_check.py"), "--sessions", "4", "--steps", "2",
                           "--json"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["errors"] == []
    assert set(result["cookies"]) == {"app1", "app2"}  # both servers got students
    for r in result["results"]:
        assert r["step"] == 2 and r["step_after_reconnect"] == 2  # the session was found again
    # each server's own count of live sessions: the cookies it handed out, plus one control session
    # (the control's own on one server, its reconnection with the wrong cookie on the other), plus
    # the page the check loads straight from each server to make it write its statistics
    for server, count in result["live_sessions_per_server"].items():
        assert count == result["cookies"][server] + 1 + 1
    assert result["control"]["step"] == 2 and result["control"]["step_on_wrong_server"] == 0
