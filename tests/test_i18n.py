"""Two languages (issue 15): the catalogues are complete and agree, the code uses only keys that
exist, the Chinese texts state the same numbers as the English ones, and a page in Chinese shows
no English sentence outside code names."""
import ast
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from bnviz import i18n
from bnviz.app import explain
from bnviz.i18n import CATALOGUES, text

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "viz_app.py")
SOURCES = sorted((ROOT / "bnviz").rglob("*.py")) + [ROOT / "viz_app.py"]


# --- the catalogues ---------------------------------------------------------------------------------
def test_every_key_exists_in_both_languages():
    assert i18n.missing("zh") == [], f"not translated into Chinese: {i18n.missing('zh')}"
    assert i18n.extra("zh") == [], f"in Chinese but not in English: {i18n.extra('zh')}"


def test_placeholders_and_their_formats_agree():
    """Each computed number appears in both languages, formatted the same ({mean:.5f} in both)."""
    assert i18n.mismatched_placeholders("zh") == {}


def test_a_missing_translation_falls_back_to_english_and_is_listed(monkeypatch):
    zh = dict(CATALOGUES["zh"])
    del zh["panel.precise.button"]
    monkeypatch.setitem(CATALOGUES, "zh", zh)
    assert text("panel.precise.button", "zh") == "Compare now" == text("panel.precise.button", "en")
    assert i18n.missing("zh") == ["panel.precise.button"]
    assert text("panel.precise.step", "zh") == "步"
    assert text("panel.precise.button", "fr") == "Compare now"  # an unknown language reads English
    with pytest.raises(KeyError):
        text("no.such.key", "zh")


def test_placeholders_are_compared_with_their_format():
    assert i18n.placeholders("{a:.5f} and {b:,} {{literal}}") == {("a", ".5f"), ("b", ",")}
    assert i18n.placeholders("{a:.5f}") != i18n.placeholders("{a:.3g}")


def test_chinese_texts_use_the_chapters_terms():
    zh = " ".join(CATALOGUES["zh"].values())
    for term in ("批量规范化", "拉伸参数 γ", "偏移参数 β", "移动平均", "训练模式", "预测模式", "小批量",
                 "学习率", "迭代周期"):
        assert term in zh, term
    for key in ("explain.modes", "explain.precise", "explain.twin", "explain.moving.rule_chapter",
                "explain.legend.var_torch"):  # code names stay as they are
        codes = re.findall(r"`[^`]+`", CATALOGUES["en"][key])
        assert codes and codes == re.findall(r"`[^`]+`", CATALOGUES["zh"][key]), key


# --- the code uses the catalogue --------------------------------------------------------------------
def key_uses():
    """(called, literals): keys passed literally to t()/text(), and every string literal in the
    code (a key may travel in a tuple or dict before it reaches t())."""
    called, literals = {}, set()
    for path in SOURCES:
        if path.parent.name == "i18n":
            continue
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            if isinstance(node, ast.Call) and node.args:
                name = getattr(node.func, "id", getattr(node.func, "attr", None))
                first = node.args[0]
                if name in ("t", "text", "Message") and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    called.setdefault(first.value, f"{path.relative_to(ROOT)}:{node.lineno}")
                if name in ("t", "text") and isinstance(first, ast.IfExp):
                    for branch in (first.body, first.orelse):
                        if isinstance(branch, ast.Constant):
                            called.setdefault(branch.value, f"{path.relative_to(ROOT)}:{node.lineno}")
    return called, literals


def test_every_key_the_code_uses_exists():
    called, _ = key_uses()
    assert len(called) > 100  # the scan finds the calls
    unknown = {k: where for k, where in called.items() if k not in CATALOGUES["en"]}
    assert unknown == {}


def test_no_catalogue_key_is_unused():
    _, literals = key_uses()
    # The experiment cards' published results and citations are also read by key in the tour's last stop.
    unused = [k for k in CATALOGUES["en"] if k not in literals]
    assert unused == []


# --- numbers read the same in both languages ---------------------------------------------------------
NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:e[+-]?\d+)?")


def numbers(s):
    return sorted(NUMBER.findall(s))


@pytest.mark.parametrize("make", [
    lambda lang: explain.distributions("sigmoid", lang), lambda lang: explain.distributions("tanh", lang),
    lambda lang: explain.moving_average(0.9, 60, False, lang), lambda lang: explain.moving_average(0.99, 7, True, lang),
    lambda lang: explain.moving_average(None, 5, True, lang), lambda lang: explain.moving_average(0.0, 5, False, lang),
    lambda lang: explain.moving_average(1.0, 5, False, lang), lambda lang: explain.convergence_legend(256, 96, 0.9, False, lang),
    lambda lang: explain.convergence_legend(128, 128, 0.5, True, lang), lambda lang: explain.figure1(2000, lang),
    lambda lang: explain.twin(256, 576, lang), lambda lang: explain.no_channel_histogram(8, lang)])
def test_explanations_state_the_same_numbers_in_both_languages(make):
    """tests/test_explain.py recomputes every number of the English texts; the Chinese ones must
    state exactly those numbers (and no other)."""
    en, zh = make("en"), make("zh")
    assert en != zh
    assert numbers(zh) == numbers(en)


def test_every_fixed_text_states_the_same_numbers():
    for key, template in CATALOGUES["en"].items():
        if not i18n.placeholders(template):
            assert numbers(CATALOGUES["zh"][key]) == numbers(template), key


# --- a page in Chinese shows no English sentence ----------------------------------------------------
WORD = r"[A-Za-z][a-z]+(?:'[a-z]+)?"
SENTENCE = re.compile(rf"(?<![\w.]){WORD}(?:[ ,;:—-]+{WORD}){{2,}}(?![\w(])")
CODE_SPAN = re.compile(r"`[^`]*`|%\{[^}]*\}|<[^>]*>|《[^》]*》")  # code, plotly's %{x}, HTML, 《a paper's title》
IDENTIFIER = re.compile(r"\S*[_.()\[\]=/]\S*")  # moving_mean, nn.BatchNorm2d, torch.no_grad(), x[0]


def english_sentences(s):
    """Runs of three or more English words left in `s` once code spans and identifiers are removed."""
    s = IDENTIFIER.sub(" ", CODE_SPAN.sub(" ", s))
    return [m.group(0) for m in SENTENCE.finditer(s)]


def test_the_scanner_finds_english_and_spares_code_names():
    assert english_sentences("Nothing recorded yet: press Step")
    assert english_sentences("批量规范化 but the moving statistics lag")
    assert english_sentences(text("explain.precise", "en"))
    assert not english_sentences(text("explain.precise", "zh"))
    assert not english_sentences("`torch.optim.swa_utils.update_bn` 和 nn.BatchNorm2d, moving_mean, torch.no_grad()")
    assert not english_sentences("net[1] · BatchNorm, 6 通道: 10 MiB, N(0, 1), LeNet, Fashion-MNIST")
    assert not english_sentences("Wu & He 2018，《Group Normalization and more words》")


def plotly_texts(spec):
    fig = json.loads(spec)
    out = [t.get("name") or "" for t in fig.get("data", [])]
    out += [t.get("hovertemplate") or "" for t in fig.get("data", [])]
    out += [(t.get("colorbar") or {}).get("title", {}).get("text", "") for t in fig.get("data", [])]
    layout = fig.get("layout", {})
    out += [a.get("text", "") for a in layout.get("annotations", [])]
    for k, v in layout.items():
        if k == "title" or k.startswith(("xaxis", "yaxis")):
            title = v.get("text") if k == "title" else (v.get("title") or {}).get("text")
            out.append(title or "")
    return out


STRING_FIELDS = {"body", "label", "help", "placeholder", "text", "options", "caption"}


def rendered_texts(at):
    """Every text the page shows: markdown and captions, labels, help, options, progress texts,
    table headers and cells, plotly titles, axis titles, legend names and annotations."""
    out = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            for field, value in proto.ListFields():
                if field.name == "spec" and node.type == "plotly_chart":
                    out.extend(plotly_texts(value))
                elif field.name in STRING_FIELDS:
                    out.extend([value] if isinstance(value, str) else [v for v in value if isinstance(v, str)])
        if node.type in ("table", "dataframe"):
            frame = node.value
            out.extend(str(c) for c in frame.columns)
            out.extend(v for v in frame.astype(str).to_numpy().ravel())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return [s for s in out if s]


# The panel radio's values (English ids; the page shows them translated by format_func).
PANELS = ["Distributions now", "Over time", "Moving mean", "γ and β", "Training", "Inside one step",
          "Precise statistics"]


def english_left(at, extra=()):
    """{text: its English sentences} over every rendered element (main page and sidebar), removing
    `extra`: texts written by lower layers still in English (a recording's stored description)."""
    extra = sorted(set(extra), key=len, reverse=True)
    left = {}
    for s in rendered_texts(at):
        rest = s
        for e in extra:
            rest = rest.replace(e, " ")
        found = english_sentences(rest)
        if found:
            left[s[:120]] = found
    return left


def test_the_page_scan_fails_on_an_english_page(monkeypatch, subset):
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert english_left(at)  # lang en: English everywhere


@pytest.fixture
def zh(monkeypatch, subset):
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["lang"] = "zh"  # a lesson link's lang=zh sets the select box
    at.run()
    assert not at.exception
    return at




def test_live_page_in_chinese(zh, subset):
    zh.button(key="step").click().run()
    left = {}
    for panel in PANELS:
        zh.radio(key="panel").set_value(panel).run()
        if panel == "Moving mean":
            zh.button(key="population").click().run()
        if panel == "Precise statistics":
            zh.button(key="precise").click().run()
        assert not zh.exception, panel
        left.update(english_left(zh))
    zh.toggle(key="pooled").set_value(False).run()
    for panel in ("Distributions now", "Over time"):
        zh.radio(key="panel").set_value(panel).run()
        left.update(english_left(zh))
    assert left == {}
    assert "层 1，通道 0" in json.loads(zh.get("plotly_chart")[0].proto.spec)["layout"]["title"]["text"]


def test_experiments_page_in_chinese(zh, subset):
    from bnviz.experiments.catalog import CARDS
    zh.radio(key="mode").set_value("Experiments").run()
    left = {}
    for name in CARDS:  # each card's question, source, headline and budget
        zh.selectbox(key="card_name").set_value(name).run()
        left.update(english_left(zh))
    zh.radio(key="experiment").set_value("Mode matrix").run()
    left.update(english_left(zh))
    zh.radio(key="experiment").set_value("Figure 1").run()
    zh.number_input(key="f1_steps").set_value(10).run()
    zh.button(key="f1_run").click().run()
    assert not zh.exception and zh.get("plotly_chart")
    left.update(english_left(zh))
    zh.radio(key="experiment").set_value("Twin run").run()
    zh.number_input(key="twin_steps").set_value(2).run()
    zh.button(key="twin_run").click().run()
    assert not zh.exception and zh.get("plotly_chart")
    left.update(english_left(zh))
    assert left == {}


def test_replay_page_in_chinese(zh, subset, tmp_path, monkeypatch):
    import bnviz
    from bnviz.cli.record import record
    from bnviz.data.fashion_mnist import FashionMNIST
    from bnviz.debug.live_run import LiveRun
    small = FashionMNIST(subset.train_images[:512], subset.train_labels[:512], subset.test_images[:256],
                         subset.test_labels[:256], "subset slice", subset.path, True)
    path, _ = record(LiveRun(small, bnviz.RunConfig(batch_size=128)), 1, tmp_path / "lenet.bnviz", progress=False)
    monkeypatch.setattr("bnviz.app.replay.RUNS_DIR", path.parent)
    zh.radio(key="mode").set_value("Replay a recording").run()
    left = english_left(zh)
    zh.selectbox(key="server_run").set_value("lenet.bnviz").run()
    assert not zh.exception and "replay" in zh.session_state
    data = bnviz.load_recording(path).meta.get("data", "")
    for panel in PANELS:
        zh.radio(key="panel").set_value(panel).run()
        assert not zh.exception, panel
        left.update(english_left(zh, [data]))
    assert left == {}


def test_figures_in_both_languages_draw_the_same_numbers(subset):
    """The figure builders (the notebook API) speak English by default and Chinese on request,
    over the same data: only the words differ, and none of the Chinese ones are English."""
    import numpy as np
    from bnviz import RunConfig
    from bnviz.debug.live_run import LiveRun
    from bnviz.figures import distributions as d, statistics as s
    run = LiveRun(subset, RunConfig(seed=0, device="cpu"))
    run.advance(3)
    h = run.history
    steps, mean = run.population_series("1", "target_mean")
    _, var = run.population_series("1", "target_var")
    builders = [lambda **k: d.distributions_now(h, "1", **k), lambda **k: d.heatmap_over_steps(h, "1", "x_hat", **k),
                lambda **k: d.channel_over_steps(h, "1", 2, "output", **k), lambda **k: d.percentile_bands(h, "1", **k),
                lambda **k: s.moving_convergence(h, "1", 0, steps, mean, var, **k),
                lambda **k: s.gamma_beta(h, "1", [0, 1], **k), lambda **k: s.training_curves(run.log, run.epoch_table(), **k)]
    for build in builders:
        en, default, zh = build(lang="en"), build(), build(lang="zh")
        assert default.to_json() == en.to_json()
        assert len(en.data) == len(zh.data)
        for a, b in zip(en.data, zh.data):
            for axis in ("x", "y", "z"):
                if getattr(a, axis, None) is not None:
                    np.testing.assert_array_equal(np.asarray(getattr(a, axis)), np.asarray(getattr(b, axis)))
        zh_words = plotly_texts(zh.to_json())
        assert zh_words != plotly_texts(en.to_json())
        assert [w for w in zh_words if english_sentences(w)] == []


def test_sidebar_lock_and_link_notices_in_chinese(monkeypatch, subset):
    """A lesson link with lang=zh, a lock, a hide and bad fields: the notices, the lock caption and
    the sidebar read Chinese, and each notice states the numbers and names of its English text."""
    from bnviz.app import links
    monkeypatch.setenv("BNVIZ_DATA", subset.path)
    params = {"lang": "zh", "lock": "lr,norm,bogus", "hide": "seed", "lr": "99", "batch_size": "2.5",
              "channel": "99", "layer": "7", "stop": "3", "runs": "/etc/passwd", "step": "x" * 300}
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    at.run()
    assert not at.exception
    notices = at.session_state.lesson_notices
    assert len(notices) >= 7  # one per bad field (check_view adds the layer's)
    shown = " ".join(w.value for w in at.warning)
    for n in notices:
        zh = n.text("zh")
        assert zh in shown and str(n) not in shown
        assert numbers(zh) == numbers(str(n)) and all(code in zh for code in re.findall(r"`[^`]*`", str(n)))
    assert any("本课固定了：学习率、模型。" in c.value for c in at.sidebar.caption)
    assert english_left(at) == {}
    # the same link in English reads as before
    lesson, english = links.parse({k: v for k, v in params.items() if k != "lang"})
    assert [str(n) for n in english] == [n.text("en") for n in english]


def test_config_problems_in_both_languages():
    from bnviz.train.config import config_problems
    probe = type("Probe", (), {"norm": "x", "lr": 1000.0, "batch_size": 2.5, "momentum": float("nan"), "eps": 1e-5,
                               "seed": 0, "device": "tpu"})
    problems = config_problems(probe)
    assert len(problems) == 5 and any(p.startswith("lr must be between") and p.endswith("got 1000") for p in problems)
    for p in problems:
        assert numbers(p.text("zh")) == numbers(p) and not english_sentences(p.text("zh"))


def tour_zh_script():
    """The tour page alone (as tests/test_tour.py opens it) on a 1,024/512 slice, in Chinese."""
    import streamlit as st
    from bnviz.app.tour import tour_ui
    from bnviz.data.fashion_mnist import SUBSET_DIR, FashionMNIST, read_folder
    from bnviz.experiments.tour import TourSettings
    st.session_state.setdefault("lang", "zh")
    sub = read_folder(SUBSET_DIR, "subset shipped with bnviz", is_subset=True)
    data = FashionMNIST(sub.train_images[:1024], sub.train_labels[:1024], sub.test_images[:512],
                        sub.test_labels[:512], source=sub.source, path=sub.path, is_subset=True)
    tour_ui(data, TourSettings(epochs=3, drift_steps=12, eval_every=4))


def test_tour_in_chinese_every_stop_revealed():
    at = AppTest.from_function(tour_zh_script, default_timeout=600).run()
    assert not at.exception
    left = {}
    for n in range(1, 9):
        assert at.subheader[0].value.startswith(f"第 {n} 站，共 8 站")
        left.update(english_left(at))  # the question, before the reveal
        at.radio(key=f"tour-answer-{n}").set_value(at.radio(key=f"tour-answer-{n}").options[0])
        at.button(key=f"tour-reveal-{n}").click().run()
        assert not at.exception
        left.update(english_left(at))  # the reveal: its numbers, figure, table and link
        if n < 8:
            at.button(key="tour-next").click().run()
    assert left == {}


def test_tour_stops_state_the_same_numbers_in_both_languages(subset):
    from bnviz.data.fashion_mnist import FashionMNIST
    from bnviz.experiments.tour import TourSettings, build_tour
    from bnviz.experiments.tour_stops import count, stop
    data = FashionMNIST(subset.train_images[:1024], subset.train_labels[:1024], subset.test_images[:512],
                        subset.test_labels[:512], source="subset slice", path=subset.path, is_subset=True)
    run = build_tour(data, TourSettings(epochs=3, drift_steps=12, eval_every=4))
    for n in range(1, count() + 1):
        en, zh = stop(run, n), stop(run, n, "zh")
        assert (en.answer, en.link, en.numbers) == (zh.answer, zh.link, zh.numbers)
        for a, b in [(en.question, zh.question), (en.reveal, zh.reveal), *zip(en.choices, zh.choices)]:
            assert numbers(b) == numbers(a), n
        assert len(en.table or []) == len(zh.table or [])
        for a, b in zip(en.table or [], zh.table or []):  # each row states the same numbers
            assert numbers(" ".join(map(str, b.values()))) == numbers(" ".join(map(str, a.values()))), n


def test_notebook_plots_take_the_language(subset):
    """bnviz.plots (the notebook API) passes `lang` to the figures: the same data, Chinese words."""
    import numpy as np
    from bnviz import RunConfig, plots
    from bnviz.debug.live_run import LiveRun
    run = LiveRun(subset, RunConfig(seed=0, device="cpu"))
    run.advance(3)
    for draw in (lambda **k: plots.distributions(run, "1", **k), lambda **k: plots.heatmap(run, "1", **k),
                 lambda **k: plots.heatmap(run, "1", channel=1, **k), lambda **k: plots.percentiles(run, "1", **k),
                 lambda **k: plots.moving(run, "1", 2, **k), lambda **k: plots.gamma_beta(run, "1", **k),
                 lambda **k: plots.training(run, **k)):
        en, zh = draw(), draw(lang="zh")
        assert plotly_texts(zh.to_json()) != plotly_texts(en.to_json())
        assert [w for w in plotly_texts(zh.to_json()) if english_sentences(w)] == []
        for a, b in zip(en.data, zh.data):
            if getattr(a, "y", None) is not None:
                np.testing.assert_array_equal(np.asarray(a.y), np.asarray(b.y))


CONVERTED_CARDS = {"bias": dict(train_images=512, test_images=256, epochs=1),
                   "bn-only": dict(train_images=512, test_images=256, epochs=1),
                   "fixed-affine": dict(train_images=512, test_images=256, epochs=1, probe_images=128),
                   "lr-sweep": dict(lrs=(1.0, 100.0), steps=3, test_images=256),
                   "placement": dict(placements=("none", "all", "conv 1 only", "linear only"), epochs=2,
                                     train_images=512, test_images=256),
                   "dropout": dict(epochs=2, train_images=256, test_images=256, gap_images=256),
                   "momentum": dict(epochs=2, checks=2, train_images=512, precise_images=512, test_images=256),
                   "small-batch": dict(ghosts=(2, 32, 256), steps=3, test_images=256),
                   "smoothness": dict(steps=4, every=2, etas=(1.0,), probe_images=64, test_images=256)}


@pytest.mark.parametrize("name", CONVERTED_CARDS)
def test_a_converted_cards_result_in_both_languages(small_data, name):
    """The cards converted so far: their figure, reading and table in Chinese state the same numbers
    as in English; the English ones are unchanged (tests/test_cards.py checks them)."""
    from bnviz.experiments.catalog import get_card
    card = get_card(name)
    result = card.run(small_data, card.settings(device="cpu", **CONVERTED_CARDS[name]))
    en, zh = card.reading_in(result), card.reading_in(result, "zh")
    assert en == card.reading(result) and numbers(zh) == numbers(en) and not english_sentences(zh)
    assert card.figure_in(result).to_json() == card.figure(result).to_json()
    words = plotly_texts(card.figure_in(result, "zh").to_json())
    assert words != plotly_texts(card.figure(result).to_json())
    assert [w for w in words if english_sentences(w)] == []
    table = card.table_in(result, "zh")
    assert card.table_in(result) == result.table and len(table) == len(result.table)
    for a, b in zip(result.table, table):
        assert [v for v in a.values() if not isinstance(v, str)] == [v for v in b.values() if not isinstance(v, str)]
        # an empty cell (None: e.g. no probe for noisy BN) is no English word
        assert not english_sentences(" ".join(str(v) for v in [*b, *b.values()] if v is not None))
