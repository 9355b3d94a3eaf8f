"""The live Sessions of one app server, keyed by browser-session id, and their release.

Streamlit keeps a closed tab's session state for `server.disconnectedSessionTTL` seconds, then
drops it only lazily (at some later disconnect), so a model kept in st.session_state could
outlive its tab by far. Here the registry holds each LiveRun; st.session_state holds only a weak
proxy; and `reap` releases every LiveRun whose browser session is gone and was last seen more
than the TTL ago.
"""
import threading
import time


class SessionRegistry:
    """{session id: LiveRun} with the time each was last used."""

    def __init__(self):
        self._sessions = {}  # key -> [LiveRun, last seen (monotonic), browser-session id]
        self._lock = threading.Lock()
        self._last_reap = 0.0

    def __len__(self):
        return len(self._sessions)

    def get_or_create(self, key, factory, session_id=None):
        """The LiveRun under `key`, made by `factory()` the first time; marks it as seen.

        `session_id` is the browser session it belongs to (default: the key itself).
        """
        with self._lock:
            entry = self._sessions.get(key)
            if entry is None:
                entry = self._sessions[key] = [factory(), 0.0, key if session_id is None else session_id]
            entry[1] = time.monotonic()
            return entry[0]

    def reap(self, is_active, ttl, every=10.0, now=None):
        """Release Sessions not active and unseen for more than `ttl` s (at most every `every` s).

        Returns how many were released.
        """
        now = time.monotonic() if now is None else now
        if now - self._last_reap < every:
            return 0
        self._last_reap = now
        with self._lock:
            gone = [key for key, (_, seen, sid) in self._sessions.items()
                    if now - seen > ttl and not is_active(sid)]
            for key in gone:
                del self._sessions[key]
        return len(gone)
