"""A classroom of 100 on one server, without a browser per student: Locust users that speak
Streamlit's WebSocket protocol to a real `streamlit run viz_app.py` on 127.0.0.1.

    python bench/classroom_100.py [--sessions 100] [--steps 5] [--servers 1|2] [--out bench/results/classroom_100.txt]
    (requirements: bench/requirements.txt)

With --servers 2, two app servers run behind HAProxy with sticky sessions (docs/classroom.md);
the numbers are the two servers' added up.

Each Locust user is one browser tab, as Streamlit's frontend speaks for it (bench/streamlit_tab.py): it opens
/_stcore/stream (subprotocol "streamlit"), sends BackMsg.rerun_script with the page's client state,
reads the ForwardMsgs (new_session, deltas, script_finished) to learn the widget ids of the
Step/Run/Pause buttons and the step number in the status line, and "clicks" a button by sending
a rerun whose widget states carry the button's trigger_value. While running, it answers the
server's auto_rerun messages (the Run fragment's `run_every`) with fragment reruns every
interval, as the browser does, until a full run or stop_auto_rerun ends them.

One session: open the page; think; Step --steps times (think times between clicks; a Step that
says "the server is busy" is pressed again, up to 3 times); Run for --run-seconds; Pause; keep the
page open for --linger seconds (reading); close. Reported: sessions completed, errors (timeouts,
exceptions or error boxes in the page, a step number that did not move by one), server-side
latency of each action (from bnviz's BNVIZ_STATS_FILE: a click's callback start to the end of
the script run that shows its result), the same seen by the client (click -> script_finished of
the answering run, Locust's statistics), and live sessions and memory at the peak and after the
sessions' TTL. Bounded: every wait has a timeout; the script stops by itself.
"""
from streamlit_tab import TIMEOUT, Tab, read_stats  # noqa: I001 — patches sockets for gevent first

import argparse  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import ExitStack  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import websocket  # noqa: E402  (websocket-client)
from locust import User, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import free_port, streamlit_server  # noqa: E402
from haproxy_front import start_haproxy, sticky_cookie  # noqa: E402

TTL = 10  # seconds a closed tab's session lingers in this bench (the app's config says 120)
OPTS = argparse.Namespace(steps=5, run_seconds=2.0, think=(5.0, 15.0), linger=20.0, url="", proxied=False)
RESULTS = []  # one dict per finished session


def report(name, start, error=None):
    events.request.fire(request_type="WS", name=name, response_time=1000 * (time.perf_counter() - start),
                        response_length=0, exception=error, context={})


class Student(User):
    """One student's tab: open, step, run, pause, read, close — once."""

    @task
    def lesson(self):
        out = {"completed": False, "steps": 0}
        tab = None
        try:
            t0 = time.perf_counter()
            cookie = sticky_cookie(OPTS.url) if OPTS.proxied else None  # a browser's first GET of the page
            tab = Tab(OPTS.url, cookie=cookie)
            tab.rerun()
            if not tab.full_run():
                raise RuntimeError("the page did not load")
            report("open page", t0)
            for k in range(OPTS.steps):
                gevent.sleep(random.uniform(*OPTS.think))
                before = tab.step
                for _ in range(3):  # told "the server is busy", a student presses Step again
                    busy, t0 = tab.busy, time.perf_counter()
                    took = tab.click("Step")
                    if took is None or tab.busy == busy:
                        break
                if took is None:
                    report("Step", t0, RuntimeError("no answer"))
                    break
                report("Step", t0)
                if tab.step != before + 1:
                    tab.errors.append(f"Step {k + 1}: the step went from {before} to {tab.step}")
                    break
                out["steps"] += 1
            else:
                gevent.sleep(random.uniform(*OPTS.think))
                t0 = time.perf_counter()
                if tab.click("Run") is not None:
                    report("Run", t0)
                    before = tab.step
                    gevent.sleep(OPTS.run_seconds)
                    t0 = time.perf_counter()
                    if tab.click("Pause") is not None:
                        report("Pause", t0)
                        out["ran"] = tab.step - before
                        if "Run" not in tab.buttons:
                            tab.errors.append("after Pause there is no Run button")
                        out["completed"] = not tab.errors and out["steps"] == OPTS.steps
                gevent.sleep(OPTS.linger)  # the tab stays open: the student reads the page
        except Exception as err:  # noqa: BLE001 — a failed session is reported, not fatal
            out.setdefault("errors", []).append(f"{type(err).__name__}: {err}")
        finally:
            if tab is not None:
                out["errors"] = out.get("errors", []) + tab.errors
                out.update(busy=tab.busy, tick_busy=tab.tick_busy, final_step=tab.step)
                tab.close()
            RESULTS.append(out)
        raise StopUser()


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] if values else float("nan")


def cpu_seconds(pid):
    """User + system CPU seconds a process has used so far (Linux /proc), or NaN."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return float("nan")


def combined(stats, probe_steps=0):
    """One server's statistics from several servers' (a list of dicts): counts added, actions joined,
    leaving out each server's last `probe_steps` Steps (the probe's, after the class left)."""
    out = {"actions": {}}
    for s in stats:
        for key in ("sessions", "streamlit_sessions", "connected", "session_bytes", "rss_bytes"):
            out[key] = out.get(key, 0) + s.get(key, 0)
        for name, values in (s.get("actions") or {}).items():
            if name.startswith("step"):
                values = values[:max(0, len(values) - probe_steps)]
            out["actions"].setdefault(name, []).extend(values)
        out.setdefault("run_seconds", []).extend(s.get("run_seconds", []))
    return out


def run(url, servers, sessions, spawn_rate):
    """Run the class against `url`; `servers`: [(the server's own URL, its statistics file, its pid)]."""
    OPTS.url, OPTS.proxied = url, len(servers) > 1
    cpu_start, wall_start = sum(cpu_seconds(pid) for _, _, pid in servers), time.monotonic()
    env = Environment(user_classes=[Student], events=events)
    runner = env.create_local_runner()
    peak, stop = {}, [False]

    def poll():
        while not stop[0]:
            s = combined([read_stats(path) for _, path, _ in servers])
            if s.get("sessions", 0) >= peak.get("sessions", -1):
                peak.update(s)
            gevent.sleep(0.5)

    poller = gevent.spawn(poll)
    start = time.monotonic()
    runner.start(sessions, spawn_rate=spawn_rate)
    budget = sessions / spawn_rate + OPTS.steps * 3 * TIMEOUT + 2 * TIMEOUT + OPTS.linger
    while len(RESULTS) < sessions and time.monotonic() - start < budget:
        gevent.sleep(1)
    elapsed = time.monotonic() - start
    cpu = {"seconds": sum(cpu_seconds(pid) for _, _, pid in servers) - cpu_start, "wall": time.monotonic() - wall_start}
    runner.quit()
    stop[0] = True
    poller.join(timeout=5)
    closed = time.monotonic()  # every tab is closed: their sessions expire after the TTL
    probes = [Tab(direct, "probe") for direct, _, _ in servers]  # pages whose runs make each server write its numbers
    for probe in probes:
        probe.rerun()
        probe.full_run()
    after, probe_steps = {}, 0
    while time.monotonic() - closed < TTL + 150:
        gevent.sleep(5)
        for probe in probes:
            probe.click("Step")
        gevent.sleep(1.2)  # the statistics file is written at most once a second: this one is
        for probe in probes:
            probe.click("Step")  # written after this click's run, and holds every click before it
        probe_steps += 2
        after = combined([read_stats(path) for _, path, _ in servers], probe_steps)
        after.update(seconds_after_close=time.monotonic() - closed)
        if after.get("sessions", 99) <= len(servers) and after.get("streamlit_sessions", 99) <= len(servers):
            break
    for probe in probes:
        probe.close()
    after["cpu"] = cpu
    return env, peak, after, elapsed


def machine_facts():
    import locust
    import streamlit
    import torch
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "?")
    mem = next((int(line.split()[1]) / 2**20 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    return [f"machine: {os.cpu_count()} CPUs ({cpu}), {mem:.0f} GiB RAM; Python {platform.python_version()}, "
            f"streamlit {streamlit.__version__}, torch {torch.__version__}, locust {locust.__version__}, "
            f"websocket-client {websocket.__version__}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="new sessions per second")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--run-seconds", type=float, default=2.0)
    parser.add_argument("--think", type=float, nargs=2, default=(5.0, 15.0),
                        help="min and max seconds a student reads the page between two clicks")
    parser.add_argument("--linger", type=float, default=20.0, help="seconds a tab stays open at the end")
    parser.add_argument("--client-nice", type=int, default=10,
                        help="the Locust users' CPU priority: in a classroom they run on the students' laptops")
    parser.add_argument("--servers", type=int, choices=(1, 2), default=1,
                        help="app servers; 2: behind HAProxy with sticky sessions (docs/haproxy/bnviz.cfg)")
    parser.add_argument("--label", default="", help="a line saying which code was measured")
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args()
    OPTS.steps, OPTS.run_seconds, OPTS.think, OPTS.linger = args.steps, args.run_seconds, tuple(args.think), args.linger
    tmp = Path(tempfile.mkdtemp(prefix="bnviz-classroom100-"))
    load_before = os.getloadavg()
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    with ExitStack() as stack:
        servers = []
        for k in range(1, args.servers + 1):  # started first, at normal priority
            stats_path, log_path = tmp / f"stats{k}.json", tmp / f"server{k}.log"
            direct, server = stack.enter_context(streamlit_server(
                env={"BNVIZ_STATS_FILE": str(stats_path)}, log_path=log_path,
                extra_args=["--server.disconnectedSessionTTL", str(TTL), "--server.fileWatcherType", "none"]))
            servers.append((direct, stats_path, server.pid))
        url = servers[0][0]
        if args.servers > 1:  # docs/haproxy/bnviz.cfg: sticky sessions, the fewest open pages first
            proxy, url = start_haproxy(f"127.0.0.1:{free_port()}", [d.removeprefix("http://") for d, _, _ in servers],
                                       tmp / "haproxy.log")
            stack.callback(proxy.wait, 20)
            stack.callback(proxy.terminate)
        os.nice(args.client_nice)
        env, peak, after, elapsed = run(url, servers, args.sessions, args.spawn_rate)
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    log = "\n".join((tmp / f"server{k}.log").read_text() for k in range(1, args.servers + 1))
    server_errors = [line for line in log.splitlines() if re.search(r"Traceback|Error|Exception", line)]

    lines = [f"python bench/classroom_100.py {' '.join(sys.argv[1:])}"] + machine_facts()
    who = "server" if args.servers == 1 else f"{args.servers} servers (added up)"
    if args.servers > 1:
        lines.append(f"{args.servers} app servers behind HAProxy (docs/haproxy/bnviz.cfg: sticky sessions, the fewest "
                     "open pages first); each student first GETs the page through the proxy for its cookie")
    if args.label:
        lines.append(f"code: {args.label}")
    lines.append(f"load before: {uptime_before}")
    lines.append(f"load after:  {uptime_after}  (other engineers' processes share these 2 cores)"
                 if max(load_before) > 0.5 else f"load after:  {uptime_after}")
    lines.append(f"scenario: {args.sessions} sessions started at {args.spawn_rate}/s; each opens the page, "
                 f"Steps {args.steps} times, Runs {args.run_seconds} s, Pauses, reads {args.linger} s, closes; "
                 f"think {args.think[0]}-{args.think[1]} s between actions; Locust users at nice {args.client_nice}")
    done = [r for r in RESULTS if r["completed"]]
    errors = [e for r in RESULTS for e in r.get("errors", [])]
    lines.append(f"{len(done)}/{args.sessions} sessions completed (all Steps moved the step by one, Run and Pause "
                 f"answered) in {elapsed:.0f} s; errors: {len(errors)}; 'server busy' answers to a Step: "
                 f"{sum(r.get('busy', 0) for r in RESULTS)}; Run ticks that waited for a slot: "
                 f"{sum(r.get('tick_busy', 0) for r in RESULTS)}")
    ran = [r["ran"] for r in RESULTS if "ran" in r]
    if ran:
        lines.append(f"steps trained during a session's {args.run_seconds} s Run: median {pct(ran, 0.5)}, "
                     f"min {min(ran)}, max {max(ran)}")
    seen = {}
    for e in errors:
        seen[re.sub(r"\d+", "N", e)[:120]] = seen.get(re.sub(r"\d+", "N", e)[:120], 0) + 1
    for e, n in sorted(seen.items(), key=lambda kv: -kv[1])[:8]:
        lines.append(f"  {n} x {e}")
    actions = after.get("actions") or peak.get("actions") or {}
    lines.append("server-side time of an action (bnviz BNVIZ_STATS_FILE: click's callback start -> end of the "
                 "script run showing its result):")
    for name in ("step", "step_callback", "run", "pause"):
        v = actions.get(name, [])  # (the probes' own Steps after the class left are not counted)
        if v:
            lines.append(f"  {name:14s}: n {len(v):4d}, p50 {1000 * pct(v, 0.5):6.0f} ms, p95 {1000 * pct(v, 0.95):6.0f} ms, "
                         f"max {1000 * max(v):6.0f} ms")
    lines.append("client-side (Locust; click -> script_finished of the answering full run):")
    for key in ("open page", "Step", "Run", "Pause"):
        s = env.stats.get(key, "WS")
        if s.num_requests:
            lines.append(f"  {key:14s}: n {s.num_requests:4d}, failures {s.num_failures}, p50 {s.get_response_time_percentile(0.5):6.0f} ms, "
                         f"p95 {s.get_response_time_percentile(0.95):6.0f} ms, max {s.max_response_time:6.0f} ms")
    cpu, runs_total = after.get("cpu", {}), len(after.get("run_seconds", []))
    if cpu:
        lines.append(f"{who} process CPU while the class was on: {cpu['seconds']:.0f} s in {cpu['wall']:.0f} s "
                     f"(on average {cpu['seconds'] / cpu['wall']:.2f} of the 2 cores), "
                     f"{1000 * cpu['seconds'] / max(1, runs_total):.0f} ms per full script run ({runs_total} runs; "
                     f"the Run ticks' fragment runs come on top)")
    lines.append(f"{who} at the peak: {peak.get('sessions')} live sessions (LiveRun objects; Streamlit holds "
                 f"{peak.get('streamlit_sessions')}, {peak.get('connected')} connected) holding "
                 f"{peak.get('session_bytes', 0) / 2**20:.1f} MiB (RSS {peak.get('rss_bytes', 0) / 2**20:.0f} MiB)")
    lines.append(f"{who} {after.get('seconds_after_close', float('nan')):.0f} s after every tab closed (TTL {TTL} s), "
                 f"one probe tab open per server: {after.get('sessions')} live session(s) (Streamlit holds "
                 f"{after.get('streamlit_sessions')}) holding {after.get('session_bytes', 0) / 2**20:.1f} MiB "
                 f"(RSS {after.get('rss_bytes', 0) / 2**20:.0f} MiB — RSS does not shrink after Python frees memory)")
    lines.append(f"errors in the server log: {len(server_errors)}")
    lines += [f"  {line[:200]}" for line in server_errors[:5]]
    text = "\n".join(lines)
    print(text)
    if args.out:
        with open(args.out, "a") as f:
            f.write(text + "\n\n")


if __name__ == "__main__":
    main()
