"""What a card is: a question, seeded settings with a quick variant, a budget, a run that answers
it, the published headline it is compared with, a figure and a reading computed from the run."""
import dataclasses
import inspect
import math
import time
from dataclasses import dataclass, field
from typing import Callable

from ..i18n import from_english, text


@dataclass
class CardResult:
    """One run of a card: the table (one dict per row), the curves behind its figure, the numbers
    its reading uses, which data it ran on and how long it took."""
    name: str
    settings: dict  # the settings dataclass as plain fields
    table: list  # rows as dicts: pandas.DataFrame(result.table)
    curves: dict = field(default_factory=dict)  # series -> {"x": [...], "y": [...], "panel": str}
    summary: dict = field(default_factory=dict)  # the headline numbers of this run
    data: str = ""  # the data used, in words (says SUBSET / PART where it is not the full set)
    seconds: float = 0.0  # wall-clock time of the run

    def to_json(self):
        """Plain JSON values (non-finite floats become None, tuples lists)."""
        return _plain(dataclasses.asdict(self))


@dataclass(frozen=True)
class Card:
    """One question, and what answers it."""
    name: str  # short, for the command line: `python -m bnviz experiment run NAME`
    title: str  # a few words
    question: str  # in the chapter's words where it comes from an exercise
    source: str  # where the question comes from
    settings_type: type  # a dataclass with the defaults and a .quick() variant
    budget_seconds: float  # what the default settings must stay under on the 2-core CPU
    budget_note: str  # what the default settings train, in words (data, steps)
    published: str  # the published headline this run is compared with
    citation: str  # paper, and its figure or table
    compute: Callable  # (data, settings, ticker) -> (table, curves, summary)
    figure: Callable  # CardResult -> plotly Figure
    reading: Callable  # CardResult -> one paragraph computed from this run's numbers
    brief: Callable  # CardResult -> this run's headline numbers, one short line
    transfer: str  # what carries over from the published setting to this LeNet, and what does not
    words: tuple = ()  # catalogue keys of its table's English words (column names, labels), shown translated

    def settings(self, quick=False, **changes):
        """The default settings (or the quick ones), with `changes` applied."""
        s = self.settings_type()
        if quick:
            s = s.quick()
        return dataclasses.replace(s, **changes)

    def run(self, data, settings=None, progress=None):
        """Run the card on `data` (a FashionMNIST); `progress(done, total)` is called as it goes."""
        settings = self.settings() if settings is None else settings
        start = time.perf_counter()
        part = settings.take(data)
        ticker = Ticker(progress, settings.work(part))
        table, curves, summary = self.compute(part, settings, ticker)
        ticker.finish()
        return CardResult(self.name, dataclasses.asdict(settings), table, curves, summary,
                          data=part.describe(), seconds=time.perf_counter() - start)

    def said(self, field, lang="en"):
        """One of the card's words (title, question, source, budget_note, published, citation,
        transfer) in `lang`; the fields themselves hold the English, from the same catalogue."""
        return text(f"card.{self.name}.{field}", lang)

    def figure_in(self, result, lang="en"):
        """The figure with its words in `lang` (English where this card's figure does not take a language)."""
        return self.figure(result, lang) if _takes_lang(self.figure) else self.figure(result)

    def reading_in(self, result, lang="en"):
        """The reading in `lang` (English where this card's reading does not take a language)."""
        return self.reading(result, lang) if _takes_lang(self.reading) else self.reading(result)

    def table_in(self, result, lang="en"):
        """The result's table (rows of dicts) with its column names and words in `lang`; the numbers as they are."""
        say = lambda v: from_english(v, self.words, lang)  # noqa: E731
        return [{say(k): say(v) for k, v in row.items()} for row in result.table]

    def headline(self, lang="en"):
        """The published headline with its citation, one line."""
        return f"{self.said('published', lang)} ({self.said('citation', lang)})"


def _takes_lang(function):
    return "lang" in inspect.signature(function).parameters


class Ticker:
    """Counts units of work (training steps, probes) and reports them to a progress callback."""

    def __init__(self, progress, total):
        self.progress, self.total, self.done = progress, max(int(total), 1), 0

    def tick(self, n=1):
        self.done += n
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)

    def finish(self):
        """Report completion (a diverged run ends early, before all its planned steps)."""
        if self.progress is not None and self.done < self.total:
            self.progress(self.total, self.total)


def _plain(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        return _plain(value.item())
    return value
