"""The settings every card shares (seed, which part of the data, device); each card's own settings
dataclass extends these and says what its quick variant changes."""
import dataclasses
import math
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class CardSettings:
    """Seed, data and device; subclasses add the card's own fields and QUICK changes."""
    seed: int = 0  # weights, data order, noise: every run of a card is seeded
    train_images: Optional[int] = None  # the first N training images (None: all of them)
    test_images: Optional[int] = None  # the first N test images (None: all of them)
    device: str = "auto"  # as RunConfig: CUDA, then MPS, then the CPU the budgets are stated for

    QUICK = {}  # field -> value of the --quick variant (class attribute, not a field)

    def quick(self):
        """The variant for tests and demos: well under 20 s on the 2-core CPU."""
        return dataclasses.replace(self, **self.QUICK)

    def work(self, data):
        """Units of work (mostly training steps) a run on `data` reports to its progress bar."""
        return 1

    def steps_per_epoch(self, data, batch_size=256):
        """Batches in one epoch of `data` (the last one may be smaller, as in the chapter)."""
        return math.ceil(len(data.train_labels) / batch_size)

    def take(self, data):
        """The part of `data` this run uses (the first N images of each split, as stated)."""
        n_train = len(data.train_labels) if self.train_images is None else min(self.train_images,
                                                                                 len(data.train_labels))
        n_test = len(data.test_labels) if self.test_images is None else min(self.test_images,
                                                                             len(data.test_labels))
        if (n_train, n_test) == (len(data.train_labels), len(data.test_labels)):
            return data
        return dataclasses.replace(data, train_images=data.train_images[:n_train],
                                   train_labels=data.train_labels[:n_train],
                                   test_images=data.test_images[:n_test],
                                   test_labels=data.test_labels[:n_test])
