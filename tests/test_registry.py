"""Releasing closed browser sessions after their time-to-live."""
import gc
import weakref

from bnviz.app.registry import SessionRegistry


class Thing:
    pass


def test_sessions_are_released_after_the_ttl_only_when_gone():
    reg = SessionRegistry()
    a = reg.get_or_create("a", Thing)
    assert reg.get_or_create("a", Thing) is a  # the same session on every run
    b_ref = weakref.ref(reg.get_or_create("b", Thing))
    active = {"a"}
    t0 = __import__("time").monotonic()
    assert reg.reap(lambda sid: sid in active, ttl=120, now=t0 + 60) == 0  # within the TTL
    assert reg.reap(lambda sid: sid in active, ttl=120, now=t0 + 65) == 0  # rate-limited
    assert reg.reap(lambda sid: sid in active, ttl=120, now=t0 + 200) == 1  # "b" is gone: released
    gc.disable()
    try:
        assert b_ref() is None and len(reg) == 1  # freed at once (nothing else held it)
    finally:
        gc.enable()
    assert reg.reap(lambda sid: False, ttl=120, now=t0 + 400) == 1  # "a" closed too, later
