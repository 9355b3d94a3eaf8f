"""One browser tab as Streamlit's frontend speaks for it, without a browser: a client of Streamlit's
WebSocket protocol (bench/classroom_100.py and bench/proxy_check.py drive many of them with gevent).

It opens /_stcore/stream (subprotocol "streamlit"), sends BackMsg.rerun_script with the page's
client state, reads the ForwardMsgs (new_session, deltas, script_finished) to learn the widget ids
of the page's buttons and the step number in the status line, and "clicks" a button by sending a
rerun whose widget states carry the button's trigger_value. While a fragment runs every interval
(the app's Run mode), it answers the server's auto_rerun messages with fragment reruns, as the
browser does, until a full run or stop_auto_rerun ends them.

Importing it patches the process's sockets for gevent (as Locust does): import it first.
"""
from gevent import monkey  # noqa: I001 — before anything opens a socket

monkey.patch_all()

import json  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.queue  # noqa: E402
import websocket  # noqa: E402  (websocket-client)
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

STEP_RE = re.compile(r"step (\d+)")
TIMEOUT = 120  # seconds any one answer may take before the session counts an error


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



def read_stats(path):
    """The app's statistics file (BNVIZ_STATS_FILE) as a dict; {} while it is missing or half-written."""
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return {}
