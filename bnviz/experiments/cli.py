"""`python -m bnviz experiment list` and `python -m bnviz experiment run NAME [--quick] [--json]`."""
import argparse
import json
import sys

from tqdm import tqdm

from ..data.fashion_mnist import load_fashion_mnist

from .catalog import CARDS, get_card


def add_experiment_command(subparsers):
    """Add `experiment {list,run}` to a `python -m bnviz` parser's subparsers."""
    parser = subparsers.add_parser("experiment", help="experiment cards: one question each, answered live",
                                   description=__doc__)
    _add_subcommands(parser)
    return parser


def _add_subcommands(parser):
    sub = parser.add_subparsers(dest="experiment_command", required=True)
    sub.add_parser("list", help="the cards, one a line, name first").set_defaults(func=cmd_list)
    run = sub.add_parser("run", help="run one card and print its result")
    run.add_argument("name", help="a card's name (see `list`)")
    run.add_argument("--quick", action="store_true", help="the quick settings (under 20 s on a 2-core CPU)")
    run.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    run.add_argument("--seed", type=int, default=None, help="override the card's seed (default 0)")
    run.add_argument("--device", default=None, help="auto | cpu | cuda | mps")
    run.add_argument("--data", default=None, help="folder with the Fashion-MNIST IDX files")
    run.add_argument("--download", action="store_true", help="try torchvision's download too")
    run.set_defaults(func=cmd_run)


def cmd_list(args, out=None):
    """Print the cards, one a line, name first."""
    out = sys.stdout if out is None else out
    for card in CARDS.values():
        print(f"{card.name:13} {card.title} — {card.source}; budget {card.budget_seconds:g} s: "
              f"{card.budget_note}", file=out)


def result_json(card, result):
    """The JSON object `run --json` prints."""
    body = result.to_json()
    return {"name": card.name, "title": card.title, "question": card.question, "source": card.source,
            "settings": body["settings"], "data": body["data"],
            "result": {"table": body["table"], "summary": body["summary"], "curves": body["curves"]},
            "headline": card.brief(result), "published": card.published, "citation": card.citation,
            "transfer": card.transfer, "reading": card.reading(result),
            "seconds": body["seconds"], "budget_seconds": card.budget_seconds}


def print_result(card, result, out=None):
    """The text `run` prints: question, settings, data, table, published headline, reading, time."""
    out = sys.stdout if out is None else out
    import pandas as pd
    print(f"{card.name}: {card.title}\nQuestion ({card.source}): {card.question}", file=out)
    print(f"Settings: {result.settings}\nData: {result.data}\n", file=out)
    with pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 60):
        print(pd.DataFrame(result.table).to_string(index=False, float_format=lambda v: f"{v:.4g}"), file=out)
    print(f"\nThis run's headline: {card.brief(result)}", file=out)
    print(f"Published: {card.published}\n  ({card.citation})", file=out)
    print(f"What carries over: {card.transfer}", file=out)
    print(f"\nThis run: {card.reading(result)}", file=out)
    print(f"\n{result.seconds:.1f} s (budget for the default settings: {card.budget_seconds:g} s)", file=out)


def cmd_run(args, out=None):
    """Run one card with a progress bar and print its result (text or one JSON object)."""
    out = sys.stdout if out is None else out
    card = get_card(args.name)
    changes = {k: v for k, v in (("seed", args.seed), ("device", args.device)) if v is not None}
    settings = card.settings(quick=args.quick, **changes)
    try:
        data = load_fashion_mnist(args.data, download=args.download)
    except (FileNotFoundError, ValueError) as err:  # the data module's own errors say what to do
        sys.exit(f"error: {err}")
    print(f"data: {data.describe()}", file=sys.stderr, flush=True)
    bar = tqdm(total=1, desc=card.name, file=sys.stderr, disable=None, leave=False)

    def progress(done, total):
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        result = card.run(data, settings, progress)
    finally:
        bar.close()
    if args.json:
        print(json.dumps(result_json(card, result)), file=out)
    else:
        print_result(card, result, out)


def main(argv=None):
    """`python -m bnviz.experiments ...` (the same as `python -m bnviz experiment ...`)."""
    parser = argparse.ArgumentParser(prog="python -m bnviz experiment", description=__doc__)
    _add_subcommands(parser)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except ValueError as err:  # an unknown card or bad settings: a message, not a traceback
        sys.exit(f"error: {err}")
