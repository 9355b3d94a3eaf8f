"""Training slots: a bound, a timeout, and contention that running sessions can see."""
import threading
import time

from bnviz.app.slots import TrainingSlots


def wait_until(condition, timeout=10.0):
    """Poll `condition` until it holds (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)  # a poll interval; the order comes from the condition
    return True


def test_at_most_n_holders_and_waiters_are_visible():
    slots = TrainingSlots(1)
    got_slot, release = threading.Event(), threading.Event()
    inside = []

    def hold():
        with slots.slot(10) as got:
            inside.append(got)
            got_slot.set()
            release.wait(10)  # hold the slot until the main thread has checked the bound

    with slots.slot(1) as got:
        assert got and not slots.contended
        t = threading.Thread(target=hold)
        t.start()
        assert wait_until(lambda: slots.contended)  # the other thread waits for our slot, and says so
        with slots.slot(0.05) as again:
            assert not again  # no second slot: timed out
        assert not got_slot.is_set() and slots.contended  # still waiting while we hold the slot
    assert got_slot.wait(10) and inside == [True]  # ours released: the waiter got it
    assert wait_until(lambda: not slots.contended)
    with slots.slot(0.05) as third:
        assert not third  # the waiter holds it now: at most one holder, whoever it is
    release.set()
    t.join(10)
    assert not t.is_alive() and not slots.contended
    with slots.slot(0.05) as free_again:
        assert free_again


def test_waiters_get_the_slot_in_arrival_order():
    slots = TrainingSlots(1)
    order, threads = [], []

    def wait_turn(name):
        with slots.slot(10) as got:
            order.append((name, got))

    with slots.slot(1):
        for k, name in enumerate("abcd"):
            threads.append(threading.Thread(target=wait_turn, args=(name,)))
            threads[-1].start()
            assert wait_until(lambda: slots.waiting == k + 1)  # queued before the next one comes
    for t in threads:
        t.join(10)
    assert order == [(name, True) for name in "abcd"]
    assert not slots.contended


def test_a_waiter_that_gives_up_does_not_block_the_line():
    slots = TrainingSlots(1)
    got_after = []
    with slots.slot(1):
        impatient = threading.Thread(target=lambda: slots.slot(0.2).__enter__())  # first in line, gives up
        impatient.start()
        assert wait_until(lambda: slots.waiting == 1)
        patient = threading.Thread(target=lambda: got_after.append(slots.slot(10).__enter__()))
        patient.start()
        assert wait_until(lambda: slots.waiting == 2)
        impatient.join(10)
        assert slots.waiting == 1  # the impatient one left the line
    patient.join(10)
    assert got_after == [True]


def test_a_click_goes_before_a_waiting_tick():
    slots = TrainingSlots(1)
    order = []

    def wait_turn(name, urgent):
        with slots.slot(10, urgent=urgent) as got:
            order.append((name, got))

    with slots.slot(1):
        tick = threading.Thread(target=wait_turn, args=("tick", False))
        tick.start()
        assert wait_until(lambda: slots.waiting == 1)
        click = threading.Thread(target=wait_turn, args=("click", True))
        click.start()
        assert wait_until(lambda: slots.waiting == 2)  # the tick came first, the click second
    tick.join(10)
    click.join(10)
    assert order == [("click", True), ("tick", True)]


def test_a_page_being_drawn_makes_run_ticks_stop_early():
    slots = TrainingSlots(2)
    assert not slots.busy
    drawing, done = threading.Event(), threading.Event()

    def other_page():
        with slots.page():
            drawing.set()
            done.wait(10)

    with slots.page():
        assert not slots.busy  # this thread's own page (a fragment's first tick runs inside it)
        t = threading.Thread(target=other_page)
        t.start()
        assert drawing.wait(10)
        assert slots.busy and slots.pages == 2 and not slots.contended  # a page waits for no slot
    assert slots.busy  # the other page is still being drawn
    done.set()
    t.join(10)
    assert not slots.busy and slots.pages == 0
    try:
        with slots.page():
            raise RuntimeError("a page that fails")
    except RuntimeError:
        pass
    assert slots.pages == 0 and not slots.busy  # counted down however the page ended (st.rerun, st.stop raise too)


def test_run_ticks_leave_one_slot_for_clicks():
    slots = TrainingSlots(2)
    with slots.slot(1, urgent=False) as tick:
        assert tick
        with slots.slot(0.05, urgent=False) as second_tick:
            assert not second_tick  # the last slot is kept for clicks...
        with slots.slot(0.05) as click:
            assert click  # ...and a click gets it at once
    with slots.slot(0.05, urgent=False) as a, slots.slot(0.05) as b:
        assert a and b  # counted back down: a tick and a click again
    one = TrainingSlots(1)
    with one.slot(0.05, urgent=False) as only:
        assert only  # with one slot, ticks still train (nothing would run otherwise)
