"""Training slots: a bound, a timeout, and contention that running sessions can see."""
import threading
import time

from bnviz.slots import TrainingSlots


def test_at_most_n_holders_and_waiters_are_visible():
    slots = TrainingSlots(1)
    inside, seen_contended = [], []

    def hold():
        with slots.slot(5) as got:
            inside.append(got)
            time.sleep(0.3)

    with slots.slot(1) as got:
        assert got and not slots.contended
        t = threading.Thread(target=hold)
        t.start()
        time.sleep(0.1)
        seen_contended.append(slots.contended)  # the other thread waits for our slot
        with slots.slot(0.05) as again:
            assert not again  # no second slot: timed out
    t.join()
    assert seen_contended == [True] and inside == [True] and not slots.contended
