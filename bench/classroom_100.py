"""A classroom of 100 on one server, without a browser per student: Locust users that speak
Streamlit's WebSocket protocol to a real `streamlit run viz_app.py` on 127.0.0.1.

    python bench/classroom_100.py [--sessions 100] [--steps 5] [--out bench/results/classroom_100.txt]
    (requirements: bench/requirements.txt)

Each Locust user is one browser tab, as Streamlit's frontend speaks for it: it opens
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
from gevent import monkey  # noqa: I001 — before anything opens a socket (Locust does the same)

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.queue  # noqa: E402
import websocket  # noqa: E402  (websocket-client)
from locust import User, events, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser import streamlit_server  # noqa: E402

STEP_RE = re.compile(r"step (\d+)")
TTL = 10  # seconds a closed tab's session lingers in this bench (the app's config says 120)
TIMEOUT = 120  # seconds any one answer may take before the session counts an error
OPTS = argparse.Namespace(steps=5, run_seconds=2.0, think=(5.0, 15.0), linger=20.0, url="")
RESULTS = []  # one dict per finished session


class Tab:
    """One browser tab's side of Streamlit's protocol: sends BackMsgs, reads ForwardMsgs."""

    def __init__(self, url, name="", cookie=None, session_id=None):
        """`cookie`: the Cookie header a browser would send (e.g. a proxy's stickiness cookie);
        `session_id`: reconnect to that Streamlit session, as the frontend does after a drop."""
        ws_url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
        protocols = ["streamlit"] if session_id is None else ["streamlit", "PLACEHOLDER_AUTH_TOKEN", session_id]
        self.ws = websocket.create_connection(ws_url, subprotocols=protocols, timeout=TIMEOUT,
                                              cookie=cookie)
        self.name, self.page_hash, self.session_id = name, "", session_id
        self.buttons, self.step, self.errors, self.busy, self.tick_busy = {}, -1, [], 0, 0
        self.events = gevent.queue.Queue()  # ("start"|"finished", full run?, status)
        self.fragments = {}  # fragment id -> its auto-rerun greenlet
        self.closed = False
        self.reader = gevent.spawn(self._read)

    # --- sending -----------------------------------------------------------------------------
    def rerun(self, trigger=None, fragment_id=None):
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string, cs.page_script_hash = "", self.page_hash
        if trigger is not None:
            w = cs.widget_states.widgets.add()
            w.id, w.trigger_value = trigger, True
        if fragment_id is not None:
            cs.fragment_id, cs.is_auto_rerun = fragment_id, True
        self.ws.send_binary(msg.SerializeToString())

    def _auto_rerun(self, fragment_id, interval):
        while not self.closed:
            gevent.sleep(interval)
            if self.closed or fragment_id not in self.fragments:
                return
            try:
                self.rerun(fragment_id=fragment_id)
            except Exception:  # noqa: BLE001 — the tab is closing
                return

    def _stop_fragments(self, ids=None):
        for fid in list(self.fragments if ids is None else ids):
            g = self.fragments.pop(fid, None)
            if g is not None:
                g.kill(block=False)

    # --- reading -----------------------------------------------------------------------------
    def _read(self):
        while not self.closed:
            try:
                data = self.ws.recv()
            except Exception as err:  # noqa: BLE001
                if not self.closed:
                    self.errors.append(f"websocket: {type(err).__name__}: {err}")
                    self.events.put(("closed", False, None))
                return
            if not isinstance(data, bytes):  # Streamlit speaks binary protobuf only
                continue
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                self.page_hash = msg.new_session.page_script_hash or self.page_hash
                self.session_id = msg.new_session.initialize.session_id or self.session_id
                full = not msg.metadata.run.fragment_ids
                if full:  # a full run: the frontend drops the old run's auto reruns
                    self._stop_fragments()
                self.events.put(("start", full, None))
            elif kind == "delta":
                self._delta(msg.delta)
            elif kind == "script_finished":
                full = not msg.metadata.run.fragment_ids
                self.events.put(("finished", full, msg.script_finished))
            elif kind == "auto_rerun":
                fid = msg.auto_rerun.fragment_id
                if fid not in self.fragments:
                    self.fragments[fid] = gevent.spawn(self._auto_rerun, fid, msg.auto_rerun.interval)
            elif kind == "stop_auto_rerun":
                self._stop_fragments(list(msg.stop_auto_rerun.fragment_ids))
            elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
                self.errors.append("script compilation exception")

    def _delta(self, delta):
        if delta.WhichOneof("type") != "new_element":
            return
        el = delta.new_element
        kind = el.WhichOneof("type")
        if kind == "button":
            self.buttons[el.button.label] = el.button.id
        elif kind == "progress":
            m = STEP_RE.search(el.progress.text)
            if m:
                self.step = int(m.group(1))
        elif kind == "exception":
            self.errors.append(f"exception in the page: {el.exception.type}: {el.exception.message[:150]}")
        elif kind == "alert":
            body = el.alert.body
            if "server is busy" in body:
                self.busy += 1
            elif el.alert.format == el.alert.ERROR:
                self.errors.append(f"error box: {body[:150]}")
        elif kind == "markdown" and "server is busy" in el.markdown.body:
            self.tick_busy += 1  # a Run tick that waited for a slot (a caption)

    # --- waiting -------------------------------------------------------------------------------
    def full_run(self, timeout=TIMEOUT):
        """Wait for the next full run to finish successfully; False on a timeout or a closed socket."""
        deadline = time.monotonic() + timeout
        started = cut_short = False
        while True:
            try:
                what, full, status = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except gevent.queue.Empty:
                return False
            if what == "closed":
                return False
            if what == "start" and full:
                started = True
            elif what == "finished" and full and started:
                if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return True
                if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self.errors.append(f"script finished with status {status}")
                    return False
                cut_short = True  # e.g. by the Run fragment's first tick, asked for while it ran
            elif what == "finished" and cut_short and status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
                return True  # the page was drawn up to the fragment, which has now drawn itself

    def click(self, label, timeout=TIMEOUT):
        """Click the button labelled `label`; returns seconds to the answering run's end, or None."""
        if label not in self.buttons:
            self.errors.append(f"no {label!r} button on the page (have {sorted(self.buttons)})")
            return None
        while not self.events.empty():  # answers to earlier runs (e.g. fragment ticks)
            self.events.get_nowait()
        start = time.perf_counter()
        self.rerun(trigger=self.buttons[label])
        if not self.full_run(timeout):
            self.errors.append(f"{label}: no answer within {timeout} s")
            return None
        return time.perf_counter() - start

    def close(self):
        self.closed = True
        self._stop_fragments()
        try:
            self.ws.close()
        except Exception:  # noqa: BLE001
            pass
        self.reader.kill(block=False)


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
            tab = Tab(OPTS.url)
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


def read_stats(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}


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


def run(url, stats_path, sessions, spawn_rate, server_pid):
    OPTS.url = url
    cpu_start, wall_start = cpu_seconds(server_pid), time.monotonic()
    env = Environment(user_classes=[Student], events=events)
    runner = env.create_local_runner()
    peak, stop = {}, [False]

    def poll():
        while not stop[0]:
            s = read_stats(stats_path)
            if s and s.get("sessions", 0) >= peak.get("sessions", -1):
                peak.update(s)
            gevent.sleep(0.5)

    poller = gevent.spawn(poll)
    start = time.monotonic()
    runner.start(sessions, spawn_rate=spawn_rate)
    budget = sessions / spawn_rate + OPTS.steps * 3 * TIMEOUT + 2 * TIMEOUT + OPTS.linger
    while len(RESULTS) < sessions and time.monotonic() - start < budget:
        gevent.sleep(1)
    elapsed = time.monotonic() - start
    cpu = {"seconds": cpu_seconds(server_pid) - cpu_start, "wall": time.monotonic() - wall_start}
    runner.quit()
    stop[0] = True
    poller.join(timeout=5)
    closed = time.monotonic()  # every tab is closed: their sessions expire after the TTL
    probe = Tab(url, "probe")  # a page whose script runs make the server write its numbers
    probe.rerun()
    probe.full_run()
    after, probe_steps = {}, 0
    while time.monotonic() - closed < TTL + 150:
        gevent.sleep(5)
        probe.click("Step")
        gevent.sleep(1.2)  # the statistics file is written at most once a second: this one is
        probe.click("Step")  # written after this click's run, and holds every click before it
        probe_steps += 2
        after = read_stats(stats_path)
        after.update(seconds_after_close=time.monotonic() - closed, probe_steps=probe_steps)
        if after.get("sessions", 99) <= 1 and after.get("streamlit_sessions", 99) <= 1:
            break
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
    parser.add_argument("--label", default="", help="a line saying which code was measured")
    parser.add_argument("--out", help="also write the report to this file")
    args = parser.parse_args()
    OPTS.steps, OPTS.run_seconds, OPTS.think, OPTS.linger = args.steps, args.run_seconds, tuple(args.think), args.linger
    tmp = Path(tempfile.mkdtemp(prefix="bnviz-classroom100-"))
    stats_path, log_path = tmp / "stats.json", tmp / "server.log"
    load_before = os.getloadavg()
    uptime_before = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    with streamlit_server(env={"BNVIZ_STATS_FILE": str(stats_path)}, log_path=log_path,
                          extra_args=["--server.disconnectedSessionTTL", str(TTL),
                                      "--server.fileWatcherType", "none"]) as (url, server):  # no reload mid-run
        os.nice(args.client_nice)  # the server was started first, at normal priority
        env, peak, after, elapsed = run(url, stats_path, args.sessions, args.spawn_rate, server.pid)
    uptime_after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    log = log_path.read_text()
    server_errors = [line for line in log.splitlines() if re.search(r"Traceback|Error|Exception", line)]

    lines = [f"python bench/classroom_100.py {' '.join(sys.argv[1:])}"] + machine_facts()
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
        v = actions.get(name, [])
        if name.startswith("step"):  # the probe's own Steps after the class left are not counted
            v = v[:max(0, len(v) - after.get("probe_steps", 0))]
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
        lines.append(f"server process CPU while the class was on: {cpu['seconds']:.0f} s in {cpu['wall']:.0f} s "
                     f"(on average {cpu['seconds'] / cpu['wall']:.2f} of the 2 cores), "
                     f"{1000 * cpu['seconds'] / max(1, runs_total):.0f} ms per full script run ({runs_total} runs; "
                     f"the Run ticks' fragment runs come on top)")
    lines.append(f"server at the peak: {peak.get('sessions')} live sessions (LiveRun objects; Streamlit holds "
                 f"{peak.get('streamlit_sessions')}, {peak.get('connected')} connected) holding "
                 f"{peak.get('session_bytes', 0) / 2**20:.1f} MiB (RSS {peak.get('rss_bytes', 0) / 2**20:.0f} MiB)")
    lines.append(f"server {after.get('seconds_after_close', float('nan')):.0f} s after every tab closed (TTL {TTL} s), "
                 f"one probe tab open: {after.get('sessions')} live session(s) (Streamlit holds "
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
