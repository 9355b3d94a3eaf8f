"""Two bnviz app servers behind HAProxy with sticky sessions, checked at small scale on loopback.

    python bench/proxy_check.py [--sessions 6] [--steps 2] [--json]
    (needs Debian's `haproxy` package; bench/requirements.txt for the protocol client)

Starts two `streamlit run viz_app.py` servers and `haproxy -f docs/haproxy/bnviz.cfg` on free
127.0.0.1 ports. Each session does what a browser does through the proxy: GET the page (HAProxy
answers with the cookie naming its app server), open /_stcore/stream with that cookie, load the
page and Step --steps times (Streamlit's WebSocket protocol, bench/classroom_100.py's Tab). Then
it drops the WebSocket and reconnects to its Streamlit session with the same cookie, as the page
does after a network hiccup: its step must still be there. As a control, one session reconnects
with the other server's cookie and must find no such session (a fresh page at step 0): without
stickiness, a student's model would be lost. Also checked: both app servers got sessions, and
each server's own count of live sessions matches the cookies handed out (plus the control's
session and one page loaded straight from each server to read its count). Exit status 0 when all
holds; 3 when haproxy is not installed (the reason is printed).
"""
from streamlit_tab import Tab, read_stats  # noqa: I001 — patches sockets for gevent first

import argparse  # noqa: E402
import collections  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from pathlib import Path  # noqa: E402

from haproxy_front import CONFIG, COOKIE, start_haproxy, sticky_cookie  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import free_port, streamlit_server  # noqa: E402


def one_session(url, steps, i):
    out = {"session": i, "errors": []}
    cookie = sticky_cookie(url)
    out["server"] = cookie.split("=", 1)[1] if cookie else None
    if cookie is None:
        out["errors"].append(f"no {COOKIE} cookie from the proxy")
        return out, None
    tab = Tab(url, f"s{i}", cookie=cookie)
    tab.rerun()
    if not tab.full_run():
        out["errors"].append("the page did not load through the proxy")
    for _ in range(steps):
        if tab.click("Step") is None:
            break
    out["step"], out["errors"] = tab.step, out["errors"] + tab.errors
    session_id = tab.session_id
    tab.close()
    return out, session_id


def reconnect(url, cookie, session_id, name):
    """Reopen the WebSocket to `session_id` with `cookie`; the step the page shows, or None."""
    tab = Tab(url, name, cookie=cookie, session_id=session_id)
    tab.rerun()
    ok = tab.full_run()
    step, errors = tab.step, tab.errors
    tab.close()
    return (step if ok else None), errors


def check(sessions, steps):
    tmp = Path(tempfile.mkdtemp(prefix="bnviz-proxy-"))
    with ExitStack() as stack:
        apps, stats = [], []
        for k in (1, 2):
            stats.append(tmp / f"stats{k}.json")
            url, _ = stack.enter_context(streamlit_server(
                env={"BNVIZ_STATS_FILE": str(stats[-1])}, log_path=tmp / f"app{k}.log",
                extra_args=["--server.fileWatcherType", "none"]))
            apps.append(url.removeprefix("http://"))
        proxy, url = start_haproxy(f"127.0.0.1:{free_port()}", apps, tmp / "haproxy.log")
        stack.callback(proxy.wait, 20)
        stack.callback(proxy.terminate)
        results = []
        for i in range(sessions):  # one after another: this checks routing, not load
            out, sid = one_session(url, steps, i)
            results.append(out)
            if sid is None:
                continue
            cookie = f"{COOKIE}={out['server']}"
            out["step_after_reconnect"], errors = reconnect(url, cookie, sid, f"s{i}-again")
            out["errors"] += errors
            if out["step_after_reconnect"] != out["step"]:
                out["errors"].append(f"reconnected through the proxy, the page showed step "
                                     f"{out['step_after_reconnect']} instead of {out['step']}")
        control = {}
        first = next((r for r in results if r.get("server")), None)
        if first is not None:  # the control: the same session id, the other server's cookie
            out, sid = one_session(url, steps, "control")
            other_cookie = f"{COOKIE}={'app2' if out['server'] == 'app1' else 'app1'}"
            step, _ = reconnect(url, other_cookie, sid, "control-wrong-server")
            control = {"server": out["server"], "step": out["step"], "wrong_server": other_cookie,
                       "step_on_wrong_server": step}
        time.sleep(1.5)  # the statistics file is written at most once a second: a page loaded
        for app in apps:  # straight from each server (one more session there) makes it write now
            probe = Tab(f"http://{app}", "probe")
            probe.rerun()
            probe.full_run()
            probe.close()
        per_server = {f"app{k}": read_stats(stats[k - 1]).get("sessions") for k in (1, 2)}
    cookies = collections.Counter(r.get("server") for r in results)
    errors = [e for r in results for e in r["errors"]]
    if len(cookies) < 2:
        errors.append(f"all sessions went to one app server: {dict(cookies)}")
    if control and control["step_on_wrong_server"] != 0:
        errors.append(f"control: a session id on the other server showed step {control['step_on_wrong_server']}, not a fresh page")
    return {"sessions": sessions, "steps": steps, "cookies": dict(cookies), "live_sessions_per_server": per_server,
            "results": results, "control": control, "errors": errors, "haproxy": haproxy_version(),
            "config": str(CONFIG.relative_to(ROOT))}


def haproxy_version():
    out = subprocess.run(["haproxy", "-v"], capture_output=True, text=True, timeout=10).stdout
    return out.splitlines()[0] if out else "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=6)
    parser.add_argument("--steps", type=int, default=2)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    if shutil.which("haproxy") is None:
        print("skipped: haproxy is not installed (Debian: apt-get install haproxy)")
        sys.exit(3)
    result = check(args.sessions, args.steps)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['haproxy']}; config {result['config']}")
        print(f"{args.sessions} sessions through the proxy, {args.steps} Steps each: cookies {result['cookies']}; "
              f"live sessions per app server {result['live_sessions_per_server']}")
        for r in result["results"]:
            print(f"  session {r['session']}: server {r.get('server')}, step {r.get('step')}, after reconnecting "
                  f"{r.get('step_after_reconnect')}")
        c = result["control"]
        if c:
            print(f"control: a session on {c['server']} at step {c['step']}, reconnected with {c['wrong_server']}: "
                  f"step {c['step_on_wrong_server']} (a fresh page: the session lives on the other server)")
        print(f"errors: {len(result['errors'])}")
        for e in result["errors"][:10]:
            print(f"  {e}")
    sys.exit(0 if not result["errors"] else 1)


if __name__ == "__main__":
    main()
