"""Rewind: snapshots every k steps, and exact replay of the data order from the nearest one.

Memory stays bounded: at most `max_snapshots` are kept; when full, every other one is dropped (the
first kept) and k doubles, so any step stays reachable by replaying at most k steps.
"""


class Snapshots:
    """Stepper snapshots at steps 0, k, 2k, ...; about 250 KB each for the LeNet."""

    def __init__(self, every=25, max_snapshots=32):
        self.every, self.max_snapshots = every, max_snapshots
        self.snaps = []  # in step order

    def maybe_take(self, stepper):
        """Take a snapshot if the stepper stands on a multiple of `every` (and has none there)."""
        step = stepper.step_count
        if step % self.every or (self.snaps and self.snaps[-1]["step"] >= step):
            return
        self.snaps.append(stepper.snapshot())
        if len(self.snaps) > self.max_snapshots:
            self.every *= 2
            self.snaps = [s for s in self.snaps if s["step"] % self.every == 0]

    def nearest(self, step):
        """The newest snapshot at or before `step`."""
        candidates = [s for s in self.snaps if s["step"] <= step]
        if not candidates:
            raise ValueError(f"no snapshot at or before step {step}")
        return candidates[-1]

    def forget_after(self, step):
        """Drop snapshots after `step` (the future is being rewritten)."""
        self.snaps = [s for s in self.snaps if s["step"] <= step]

    def nbytes(self):
        return sum(v.numel() * v.element_size() for s in self.snaps for v in s["model"].values())
