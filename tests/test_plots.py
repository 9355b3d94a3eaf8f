"""bnviz.plots on a real run (the shipped subset): each figure's numbers against the captured values,
the model itself or a direct recomputation; the errors; the template; PNG/SVG export."""
import io
import json
import struct
import xml.etree.ElementTree as ET

import numpy as np
import plotly.io as pio
import pytest
import torch

import bnviz
from bnviz import plots
from bnviz.capturing.hooks import CaptureOptions
from bnviz.data.batches import to_float
from bnviz.data.fashion_mnist import FashionMNIST

STEPS = 8  # two epochs of 1,024 images in batches of 256: the population is computed at both ends


@pytest.fixture(scope="module")
def run(subset):
    """A live run of the chapter's LeNet with exact histograms and the whole input of the last pass."""
    data = FashionMNIST(subset.train_images[:1024], subset.train_labels[:1024], subset.test_images[:512],
                        subset.test_labels[:512], source="subset slice", path=subset.path, is_subset=True)
    options = CaptureOptions(sample=None, raw_values=8, raw_keep=8, keep_inputs=1)
    r = bnviz.LiveRun(data, bnviz.RunConfig(device="cpu"), capture_options=options)
    r.advance(STEPS)
    return r


def last_input(run, layer):
    """(step, the whole input tensor (N, C, ...) of `layer`'s newest pass) as float64."""
    step, X = run.capture.inputs[layer][-1]
    return step, X.double()


def per_channel(X, c):
    return X.transpose(0, 1)[c].reshape(-1)


def bars(fig):
    """The bar traces of a figure, in subplot order."""
    return [t for t in fig.data if t.type == "bar"]


def counts_of(values, edges):
    """Counts in the bins, plus the underflow and overflow cells (as the capture keeps them)."""
    inside, _ = np.histogram(values, edges)
    return np.concatenate([[(values < edges[0]).sum()], inside, [(values > edges[-1]).sum()]])


def bn_values(run, layer, X):
    """input, x̂, output of a training pass recomputed from the input, nn.BatchNorm-style."""
    facts = run.history.meta["layers"][layer]
    x_hat = torch.nn.functional.batch_norm(X, None, None, training=True, eps=facts["eps"])
    shape = (1, -1) + (1,) * (X.dim() - 2)
    gamma = run.history.last(layer, "gamma").astype(np.float64)
    beta = run.history.last(layer, "beta").astype(np.float64)
    y = x_hat * torch.from_numpy(gamma).reshape(shape) + torch.from_numpy(beta).reshape(shape)
    return {"input": X, "x_hat": x_hat, "output": y, "activation": torch.sigmoid(y)}


@pytest.mark.parametrize("layer", ["1", "13"])
def test_distributions_count_every_value_of_the_pass(run, layer):
    step, X = last_input(run, layer)
    fig = plots.distributions(run.history, layer, step=step)
    h = run.history
    for bar, (q, v) in zip(bars(fig), bn_values(run, layer, X).items()):
        edges = h.bin_edges(layer, q)
        mine = counts_of(v.reshape(-1).numpy(), edges)
        assert mine.sum() == X.numel()
        # a float32 value on a bin edge may land on either side of it: a handful of values at most
        assert np.abs(np.asarray(bar.y) - mine[1:-1]).sum() <= 4, q
        np.testing.assert_allclose(bar.x, (edges[:-1] + edges[1:]) / 2)
    normal = next(t for t in fig.data if t.name == "N(0, 1)")
    edges = h.bin_edges(layer, "x_hat")
    pdf = np.exp(-np.asarray(normal.x) ** 2 / 2) / np.sqrt(2 * np.pi)
    np.testing.assert_allclose(normal.y, X.numel() * (edges[1] - edges[0]) * pdf, rtol=1e-9)


def test_one_channels_distribution_is_that_channels_values(run):
    step, X = last_input(run, "5")
    c = 3
    fig = plots.distributions(run, "5", channel=c)  # the LiveRun: it keeps per-channel counts
    v = bn_values(run, "5", X)
    for bar, q in zip(bars(fig), v):
        mine = counts_of(per_channel(v[q], c).numpy(), run.history.bin_edges("5", q))
        assert np.abs(np.asarray(bar.y) - mine[1:-1]).sum() <= 2, q
    assert f"channel {c} ({per_channel(X, c).numel():,} of them)" in fig.layout.title.text


def test_heatmap_shares_and_channel_moments(run):
    step, X = last_input(run, "1")
    h = run.history
    fig = plots.heatmap(h, "1", "input")
    heat = fig.data[0]
    np.testing.assert_array_equal(heat.x, h.column("1", "step"))
    mine = counts_of(X.reshape(-1).numpy(), h.bin_edges("1", "input"))
    np.testing.assert_allclose(np.asarray(heat.z)[:, -1], mine[1:-1] / X.numel(), atol=4 / X.numel())
    c = 2
    chan = plots.heatmap(h, "1", "input", channel=c)
    mean = next(t for t in chan.data if t.name == "mean")
    values = per_channel(X, c)
    np.testing.assert_allclose(mean.y[-1], values.mean().item(), rtol=1e-5)
    upper = chan.data[0]  # mean + 1 standard deviation (biased)
    np.testing.assert_allclose(upper.y[-1], (values.mean() + values.std(correction=0)).item(), rtol=1e-5)


def test_percentile_bands_follow_the_output(run):
    step, X = last_input(run, "13")
    fig = plots.percentiles(run.history, "13", of="output")
    y = bn_values(run, "13", X)["output"].reshape(-1).numpy()
    p15, p50, p85 = np.percentile(y, [15, 50, 85])
    band_top, band_bottom, median = fig.data[0], fig.data[1], fig.data[2]
    spread = p85 - p15  # percentiles come from a random 8,192 of the values: within 5% of the spread
    assert abs(band_bottom.y[-1] - p15) < 0.05 * spread
    assert abs(median.y[-1] - p50) < 0.05 * spread
    assert abs(band_top.y[-1] - p85) < 0.05 * spread


def test_moving_like_for_like_and_the_population(run):
    h, c = run.history, 1
    step, X = last_input(run, "1")
    fig = plots.moving(run, "1", channel=c)
    by_name = {t.name: t for t in fig.data}
    np.testing.assert_array_equal(by_name["moving_mean"].y, h.column("1", "moving_mean")[:, c])
    np.testing.assert_array_equal(by_name["moving_var (biased)"].y, h.column("1", "moving_var")[:, c])
    batch_mean = by_name["batch mean (this batch)"]
    np.testing.assert_allclose(batch_mean.y[-1], per_channel(X, c).mean().item(), rtol=1e-5)
    batch_var = by_name["batch variance, biased (this batch)"]
    np.testing.assert_allclose(batch_var.y[-1], per_channel(X, c).var(correction=0).item(), rtol=1e-4)
    # What the moving mean estimates, at the last epoch end (the weights are still those): with
    # equal batches the average batch mean is the mean of the first conv's output over the training set.
    target = next(t for t in fig.data if t.name.startswith("average over the training set"))
    assert list(target.x) == [STEPS // 2, STEPS]
    with torch.no_grad():
        conv = run.stepper.model[0](to_float(run.data.train_images)).double()
    np.testing.assert_allclose(target.y[-1], conv[:, c].mean().item(), rtol=1e-5)


def test_gamma_beta_end_at_the_models_parameters(run):
    fig = plots.gamma_beta(run.history, "5", channels=[0, 7])
    bn, lr = run.stepper.model[5], run.config.lr
    # The newest step drew the parameters before its SGD update: now + lr x that step's gradient.
    gamma = (bn.gamma + lr * bn.gamma.grad).detach().reshape(-1)
    beta = (bn.beta + lr * bn.beta.grad).detach().reshape(-1)
    by_name = {t.name: t for t in fig.data}
    np.testing.assert_allclose(by_name["γ[7]"].y[-1], gamma[7].item(), rtol=1e-6, atol=1e-7)
    beta_0 = [t for t in fig.data if t.name == "β[0]"][0]
    np.testing.assert_allclose(beta_0.y[-1], beta[0].item(), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(by_name["γ[7]"].x, run.history.column("5", "step"))
    assert len(plots.gamma_beta(run.history, "10").data) == 2 * 8  # the first 8 channels, as the app


def test_training_curves_and_test_accuracy(run):
    fig = plots.training(run)
    by_name = {t.name: t for t in fig.data}
    np.testing.assert_allclose(by_name["batch loss"].y, run.log.loss)
    net = run.stepper.model
    net.eval()
    with torch.no_grad():
        acc = (net(to_float(run.data.test_images)).argmax(1) == run.data.test_labels).double().mean().item()
    net.train()
    assert by_name["test acc (prediction mode)"].y[-1] == pytest.approx(acc)


def test_inside_one_step_recomputed_from_the_input(run):
    layer, c = "1", 4
    step, X = last_input(run, layer)
    table = plots.inside_step(run, layer, channel=c).set_index("quantity")
    values = per_channel(X, c)
    assert table.loc["step", "value"] == step
    assert table.loc["n", "value"] == values.numel()
    np.testing.assert_allclose(table.loc["μ", "value"], values.mean().item(), rtol=1e-5)
    np.testing.assert_allclose(table.loc["σ²", "value"], values.var(correction=0).item(), rtol=1e-4)
    x_hat = bn_values(run, layer, X)["x_hat"].transpose(0, 1)[c].reshape(-1)
    for k in range(4):  # each real x is one of the channel's values; its x̂ is nn.BatchNorm's there
        x = table.loc[f"x[{k}]", "value"]
        where = torch.isclose(values, torch.tensor(x, dtype=torch.float64), rtol=0, atol=1e-7)
        assert where.any()
        np.testing.assert_allclose(table.loc[f"x̂[{k}]", "value"], x_hat[where][0].item(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(table.loc[f"y[{k}]", "value"], table.loc[f"y[{k}]", "recorded"], atol=1e-5)
    # the moving update: nn.BatchNorm2d's running_mean update from the same starting buffer
    bn = torch.nn.BatchNorm2d(X.shape[1], momentum=0.1, eps=1e-5).double()
    i = run.history.row_at(layer, step)
    bn.running_mean.copy_(torch.from_numpy(run.history.column(layer, "moving_mean_before")[i].astype(np.float64)))
    bn(X)
    np.testing.assert_allclose(table.loc["moving_mean", "value"], bn.running_mean[c].item(), rtol=1e-5)
    np.testing.assert_allclose(table.loc["moving_mean", "recorded"], bn.running_mean[c].item(), rtol=1e-5)
    m = run.history.meta["layers"][layer]["momentum"]
    before = run.history.column(layer, "moving_var_before")[i, c]
    np.testing.assert_allclose(table.loc["moving_var", "value"],
                               m * before + (1 - m) * values.var(correction=0).item(), rtol=1e-5)


def test_a_loaded_recording_draws_the_same(run, tmp_path):
    path = bnviz.save_recording(run.to_history(), tmp_path / "run.bnviz")
    loaded = bnviz.load_recording(path)
    for draw in (lambda h: plots.moving(h, "10", 5), lambda h: plots.training(h),
                 lambda h: plots.heatmap(h, "13", "activation"), lambda h: plots.gamma_beta(h, "1")):
        live, saved = draw(run.history), draw(loaded)
        assert [t.name for t in live.data] == [t.name for t in saved.data]
        for a, b in zip(live.data, saved.data):
            np.testing.assert_allclose(np.asarray(a.y, float), np.asarray(b.y, float), rtol=1e-6)
    assert plots.inside_step(loaded, "13", 0).set_index("quantity").loc["μ", "value"] == pytest.approx(
        float(run.history.last("13", "batch_mean")[0]))


def test_errors_say_what_exists(run):
    h = run.history
    with pytest.raises(ValueError, match="layer '3' is not in this history; its BN layers are: '1', '5', '10', '13'"):
        plots.distributions(h, "3")
    last = int(h.column("1", "step")[-1])
    with pytest.raises(ValueError, match=f"step 999 is not recorded .* run from 1 to {last}"):
        plots.inside_step(h, "1", step=999)
    with pytest.raises(ValueError, match="layer '1' has 6 channels"):
        plots.moving(h, "1", channel=6)
    with pytest.raises(ValueError, match="pass the LiveRun or the capture"):
        plots.distributions(h, "1", channel=0)  # a History alone keeps no per-channel counts
    with pytest.raises(TypeError, match="expected a bnviz History"):
        plots.gamma_beta(run.stepper.model, "1")
    net = bnviz.lenet()
    with bnviz.capture(net) as cap:
        net(to_float(run.data.train_images[:64]))
    with pytest.raises(ValueError, match="no step log"):
        plots.training(cap.history)
    assert plots.heatmap(cap, "1").data[0].x.tolist() == [0]  # a bare capture draws what it has


def test_every_figure_carries_the_bnviz_template(run):
    template = pio.templates["bnviz"]
    figs = [plots.distributions(run, "1"), plots.heatmap(run, "5"), plots.percentiles(run, "10"),
            plots.moving(run, "13"), plots.gamma_beta(run, "1"), plots.training(run)]
    for fig in figs:
        assert fig.layout.template == template
    assert pio.templates.default != "bnviz"  # a user's own figures keep their look


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


@pytest.mark.skipif(plots.find_browser() is None, reason="no Chrome or Chromium on this machine for kaleido "
                    "(`apt-get install chromium`; .ci/run installs it)")
def test_save_png_and_svg(run, tmp_path):
    fig = plots.heatmap(run.history, "1")
    png = plots.save(fig, tmp_path / "heat.png", width=800, height=400, scale=2)
    assert png_size(png.read_bytes()) == (1600, 800)
    svg = plots.save(fig, tmp_path / "heat.SVG", width=800, height=400)
    root = ET.parse(io.BytesIO(svg.read_bytes())).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("width") == "800"
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"step", "value"} <= texts and fig.layout.title.text in texts


def test_save_refuses_an_unknown_suffix_or_folder(run, tmp_path):
    fig = plots.gamma_beta(run.history, "1")
    with pytest.raises(ValueError, match="end the name in .png or .svg"):
        plots.save(fig, tmp_path / "figure.jpg")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        plots.save(fig, tmp_path / "no" / "figure.png")


def test_save_says_what_to_install_without_a_browser(run, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-chromium"))  # kaleido's own override, wrong
    assert plots.find_browser() is None
    with pytest.raises(RuntimeError, match="BROWSER_PATH=.* is not a file; .*apt-get install chromium"):
        plots.save(plots.gamma_beta(run.history, "1"), tmp_path / "figure.png")
    assert not (tmp_path / "figure.png").exists()


def test_the_app_draws_with_the_same_template(monkeypatch, subset):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "viz_app.py"), default_timeout=120)
    at.run()
    at.button(key="step").click().run()
    assert not at.exception
    chart = at.get("plotly_chart")[0]
    assert chart.proto.theme == ""  # theme=None: Streamlit leaves the figure's own template alone
    spec = json.loads(chart.proto.spec)
    assert spec["layout"]["template"]["layout"]["colorway"] == list(pio.templates["bnviz"].layout.colorway)
    assert json.loads(chart.proto.config)["toImageButtonOptions"]["format"] == "png"
    svg = [b for b in at.get("download_button") if b.proto.label == "SVG"]
    assert len(svg) == (1 if plots.find_browser() else 0)  # drawn on the server only where it can be
