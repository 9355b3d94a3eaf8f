"""examples/chapter.ipynb runs top to bottom in a real kernel of this interpreter, and its outputs hold the
figures and the chapter's γ and β."""
import math
import re

import nbformat
import pytest
from run_notebook import CHAPTER, execute, figures


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    saved = nbformat.read(CHAPTER, as_version=4)
    assert not any(c.get("outputs") for c in saved.cells if c.cell_type == "code"), "commit it without outputs"
    return execute(CHAPTER, tmp_path_factory.mktemp("kernel"))  # raises if any cell raises


def outputs(nb):
    return [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]


@pytest.mark.slow
def test_every_cell_runs_and_says_which_data(executed):
    errors = [o for o in outputs(executed) if o.output_type == "error"]
    assert not errors
    text = "".join(o.get("text", "") for o in outputs(executed) if o.output_type == "stream")
    assert "SUBSET of Fashion-MNIST shipped with bnviz" in text
    assert "epoch 10: loss" in text and "layers recorded: ['1', '5', '10', '13']" in text


@pytest.mark.slow
def test_outputs_hold_the_figures(executed, subset):
    drawn = figures(executed)
    assert len(drawn) == 7  # distributions (pooled, one channel), heat map, percentiles, moving, γ/β, training
    for fig in drawn:
        assert fig["data"] and fig["layout"]["template"]["layout"]["colorway"][0] == "#4c78a8"
    first = drawn[0]
    assert sum(t["type"] == "bar" for t in first["data"]) == 4  # input, x̂, output, after the sigmoid
    steps = 10 * math.ceil(len(subset.train_labels) / 256)  # the chapter's 10 epochs in batches of 256
    assert first["layout"]["title"]["text"].startswith(f"layer 1, step {steps}, all channels")
    assert any(t.get("name") == "N(0, 1)" for t in first["data"])
    table = [o for o in outputs(executed) if "text/html" in o.get("data", {}) and "<table" in o.data["text/html"]]
    assert table and "moving_mean" in table[-1].data["text/html"]  # inside one step, as a DataFrame


@pytest.mark.slow
def test_ends_with_the_chapters_gamma_and_beta(executed):
    last = executed.cells[-1]
    assert last.source.strip() == "net[1].gamma.reshape((-1,)), net[1].beta.reshape((-1,))"
    text = last.outputs[-1].data["text/plain"]
    gamma, beta = [[float(v) for v in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", t)]
                   for t in re.findall(r"tensor\(\[([^\]]*)\]", text)]
    assert len(gamma) == len(beta) == 6  # the first BN layer's six channels
    assert any(abs(g - 1) > 1e-3 for g in gamma) and any(abs(b) > 1e-3 for b in beta)  # trained, not 1 and 0
    assert text.count("grad_fn=") == 2  # as the chapter prints them: parameters, with their graph
