"""The card catalog and the CLI: every card runs (tiny settings, real images), its result is JSON,
its figure has traces, its reading is computed from this run's numbers."""
import json

import plotly.graph_objects as go
import pytest

from bnviz.experiments import cli
from bnviz.experiments.catalog import CARDS, get_card

ISSUE_CARDS = ["bias", "lr-sweep", "placement", "dropout", "fixed-affine", "momentum", "small-batch",
               "smoothness", "bn-only"]  # the issue's list, in its order

TINY = {  # a few steps each, on the 1,024/512 slice of the shipped real subset
    "bias": dict(train_images=512, test_images=256, epochs=1),
    "lr-sweep": dict(lrs=(1.0, 100.0), steps=3, test_images=256),
    "placement": dict(placements=("none", "all", "conv 1 only"), epochs=2, train_images=512, test_images=256),
    "dropout": dict(epochs=2, train_images=256, test_images=256, gap_images=256),
    "fixed-affine": dict(train_images=512, test_images=256, epochs=1, probe_images=128),
    "momentum": dict(epochs=2, checks=2, train_images=512, precise_images=512, test_images=256),
    "small-batch": dict(ghosts=(2, 256), steps=3, test_images=256),
    "smoothness": dict(steps=4, every=2, etas=(1.0,), probe_images=64, test_images=256),
    "bn-only": dict(train_images=512, test_images=256, epochs=1),
}


def tiny(name, **changes):
    return get_card(name).settings(device="cpu", **{**TINY[name], **changes})


def test_the_catalog_holds_the_issues_cards_in_order():
    assert list(CARDS) == ISSUE_CARDS
    for card in CARDS.values():
        assert card.question.strip() and card.published.strip() and card.citation.strip()
        assert card.transfer.strip()
        assert card.budget_seconds <= 60


def test_unknown_card_names_the_cards():
    with pytest.raises(ValueError, match="bias, lr-sweep"):
        get_card("nosuch")


def test_quick_settings_do_less_work_than_the_defaults(subset):
    for card in CARDS.values():
        default, quick = card.settings(), card.settings(quick=True)
        assert quick.work(quick.take(subset)) < default.work(default.take(subset)), card.name


@pytest.mark.parametrize("name", ISSUE_CARDS)
def test_every_card_runs_and_reports(name, small_data):
    card = get_card(name)
    seen = []
    result = card.run(small_data, tiny(name), progress=lambda done, total: seen.append((done, total)))
    assert result.table and all(isinstance(row, dict) for row in result.table)
    assert seen and seen[-1][0] == seen[-1][1]  # the progress bar reaches its end
    assert "PART" in result.data or "SUBSET" in result.data
    body = json.loads(json.dumps(cli.result_json(card, result)))  # plain JSON, no NaN
    assert {"name", "settings", "result", "published", "seconds"} <= set(body)
    assert body["settings"]["seed"] == 0
    fig = card.figure(result)
    assert isinstance(fig, go.Figure) and len(fig.data) > 0
    text = card.reading(result)
    assert isinstance(text, str) and len(text) > 80
    assert isinstance(card.brief(result), str) and body["headline"] == card.brief(result)


def test_the_reading_follows_the_numbers(small_data):
    """Not canned: two seeds give different numbers, and so different readings."""
    card = get_card("fixed-affine")
    a = card.run(small_data, tiny("fixed-affine", train_images=256))
    b = card.run(small_data, tiny("fixed-affine", train_images=256, seed=1))
    assert a.summary["loss"] != b.summary["loss"]
    assert card.reading(a) != card.reading(b)
    for result in (a, b):
        assert f"{result.summary['loss']['learned gamma, beta']:.3f}" in card.reading(result)


def test_a_card_with_dropout_repeats_exactly(small_data):
    """Dropout's masks come from the global RNG: the card seeds it, whatever ran before."""
    card = get_card("dropout")
    a = card.run(small_data, tiny("dropout", epochs=1))
    import torch
    torch.rand(100)  # move the global RNG on
    b = card.run(small_data, tiny("dropout", epochs=1))
    assert a.table == b.table


def test_cli_list_prints_one_card_a_line_name_first(capsys):
    cli.main(["list"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ISSUE_CARDS


def test_cli_run_json(monkeypatch, capsys, small_data):
    monkeypatch.setattr(cli, "load_fashion_mnist", lambda *a, **k: small_data)
    cli.main(["run", "bn-only", "--quick", "--json", "--device", "cpu"])
    body = json.loads(capsys.readouterr().out)
    assert body["name"] == "bn-only" and body["settings"]["epochs"] == 1
    assert {"table", "summary"} <= set(body["result"]) and body["seconds"] > 0


def test_cli_run_text_and_bad_name(monkeypatch, capsys, small_data):
    monkeypatch.setattr(cli, "load_fashion_mnist", lambda *a, **k: small_data)
    cli.main(["run", "bias", "--quick", "--device", "cpu"])
    out = capsys.readouterr().out
    assert "Published:" in out and "This run:" in out and "with bias" in out
    with pytest.raises(SystemExit, match="no experiment card"):
        cli.main(["run", "nosuch"])


def test_add_experiment_command_wires_into_a_parser():
    import argparse
    parser = argparse.ArgumentParser()
    cli.add_experiment_command(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["experiment", "run", "momentum", "--quick"])
    assert args.func is cli.cmd_run and args.name == "momentum" and args.quick
