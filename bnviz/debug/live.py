"""Every LiveRun alive in this process, held weakly; the app's server statistics count them."""
import weakref


LIVE = weakref.WeakSet()  # every LiveRun alive in this process


def register(session):
    LIVE.add(session)
