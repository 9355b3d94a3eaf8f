"""Lesson links in the app (AppTest): each URL field read on opening, bad values, the lock, hide, and
the URL following the controls."""
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import torch
from streamlit.testing.v1 import AppTest

from bnviz.app import links
from bnviz.app.controls import THREADS_PER_SESSION
from bnviz.app.panels import PANELS
from bnviz.debug.live_run import LiveRun
from bnviz.train.config import RunConfig

APP = str(Path(__file__).resolve().parent.parent / "viz_app.py")


@pytest.fixture
def opened(monkeypatch, subset):
    """Open the app at a link: opened({"lr": "0.5", ...}) -> the AppTest after its first run."""
    monkeypatch.setenv("BNVIZ_DATA", subset.path)

    def open_link(params):
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params.update(params)
        at.run()
        assert not at.exception
        return at
    return open_link


def finish(at):
    """Rerun as the Run fragment's ticks would (AppTest fires no timers) until the run stops."""
    s = at.session_state.session
    for _ in range(100):
        if not s.running:
            break
        at.run()
    assert not s.running and not at.exception
    return s


def notices(at):
    return " ".join(w.value for w in at.warning if "lesson link" in w.value)


def url(at):
    """The app's address bar after the run (AppTest reads the query string back)."""
    return {k: v[-1] if isinstance(v, list) else v for k, v in at.query_params.items()}


def test_a_link_without_fields_opens_the_defaults_and_writes_them(opened):
    at = opened({})
    assert notices(at) == "" and at.session_state.session.config == RunConfig()
    lesson, problems = links.parse(url(at))
    assert problems == [] and {k: lesson[k] for k in links.SETTINGS} == RunConfig().to_dict()
    assert lesson["layer"] == "1" and lesson["panel"] == "distributions-now"


SETTINGS = {"norm": "torch", "lr": "0.5", "batch_size": "128", "momentum": "0.8", "eps": "0.001", "seed": "7",
            "device": "cpu"}


def test_every_setting_of_a_link_starts_the_run(opened):
    at = opened(SETTINGS)
    assert notices(at) == ""
    want = RunConfig(norm="torch", lr=0.5, batch_size=128, momentum=0.8, eps=0.001, seed=7, device="cpu")
    assert at.session_state.session.config == want
    for name in links.SETTINGS:  # the controls show the link's values, not the defaults
        widget = at.sidebar.selectbox(key=name) if name in ("norm", "device") else at.sidebar.number_input(key=name)
        assert widget.value == getattr(want, name), name
    assert {k: url(at)[k] for k in SETTINGS} == {k: links.build(want.to_dict())[k] for k in SETTINGS}


def test_the_view_fields_choose_panel_layer_and_channel(opened):
    at = opened({"panel": "moving-mean", "layer": "5", "channel": "11"})
    assert notices(at) == ""
    layers = at.session_state.session.history.meta["layers"]
    assert at.selectbox(key="layer").value == "5"
    assert at.number_input(key=f"channel-{layers['5']['channels']}").value == 11
    assert at.radio(key="panel").value == "Moving mean"
    assert (url(at)["panel"], url(at)["layer"], url(at)["channel"]) == ("moving-mean", "5", "11")


@pytest.mark.parametrize("page,label", [("experiments", "Experiments"), ("replay", "Replay a recording")])
def test_the_page_field_opens_that_page(opened, page, label):
    at = opened({"page": page})
    assert at.sidebar.radio(key="mode").value == label and notices(at) == ""
    assert url(at)["page"] == page and "panel" not in url(at)  # the view is the live page's


def test_step_trains_the_seeded_run_to_that_step_and_twice_gives_the_same_numbers(opened, subset):
    link = {"seed": "3", "lr": "0.5", "step": "4"}
    runs = []
    for _ in range(2):  # two students opening the same link
        at = opened(link)
        s = finish(at)
        assert s.stepper.step_count == 4 and url(at)["step"] == "4"
        assert "step 4" in at.get("progress")[0].proto.text
        runs.append(s.log.loss)
    # the same run, outside the app, with the app's torch threads (set per thread: the app's script
    # thread trains with THREADS_PER_SESSION; another count sums in another order)
    threads = torch.get_num_threads()
    torch.set_num_threads(THREADS_PER_SESSION)
    try:
        oracle = LiveRun(subset, RunConfig(seed=3, lr=0.5))
        oracle.advance(4)
    finally:
        torch.set_num_threads(threads)
    assert runs[0] == runs[1] == oracle.log.loss


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_language_field(opened, lang):
    at = opened({"lang": lang})
    assert at.session_state["lang"] == lang and at.sidebar.selectbox(key="lang").value == lang
    assert url(at)["lang"] == lang


BAD = [  # field, value, words of the notice; out of range, unknown, wrong type, path-like, code-like
    ("norm", "layernorm", "norm must be one of custom, torch, none"),
    ("lr", "1000", "lr must be between"),
    ("lr", "__import__('os').system('ls')", "lr must be a number"),
    ("batch_size", "12.5", "batch_size must be a whole number"),
    ("momentum", "-0.5", "momentum must be between"),
    ("eps", "2", "eps must be between"),
    ("seed", "/etc/passwd", "seed must be a whole number"),
    ("device", "tpu", "device must be one of"),
    ("page", "../../admin", "page must be one of"),
    ("panel", "nonsense", "panel must be one of"),
    ("layer", "../runs/x.bnviz", "layer must be a BN layer's name"),
    ("layer", "3", "this model's BN layers are"),
    ("channel", "6", "layer 1 has channels 0 to 5"),
    ("channel", "x", "channel must be a whole number"),
    ("step", "-1", "step must be a whole number"),
    ("step", "1e9", "step must be a whole number"),
    ("stop", "3", "only counts with page=tour"),
    ("lang", "fr", "lang must be one of en, zh"),
    ("lock", "lr,everything", "`everything` cannot be locked"),
    ("hide", "../x", "cannot be hidden"),
    ("runs", "/etc/passwd", "`runs` is not a lesson link field"),
]


@pytest.mark.parametrize("field,raw,words", BAD)
def test_a_bad_field_gives_a_notice_and_its_default_only(opened, field, raw, words):
    good, value = ("seed", 5) if field != "seed" else ("lr", 0.5)
    at = opened({field: raw, good: str(value)})  # a good field beside the bad one
    assert words in notices(at), notices(at)
    s = at.session_state.session
    assert s.config == RunConfig(**{good: value})  # the bad field's default, the good field kept
    assert not s.running and s.stepper.step_count == 0
    assert url(at)[good] == str(value) and raw not in url(at).values()  # the address bar is corrected
    lesson, problems = links.parse(url(at), pages=("live", "experiments", "replay"))
    assert problems == []
    at.button(key="lesson_notices_ok").click().run()  # understood: the notice goes, nothing else changes
    assert notices(at) == "" and at.session_state.session is not None and not at.exception


def test_a_layer_in_a_model_without_bn(opened):
    at = opened({"norm": "none", "layer": "1"})
    assert "no BN layer" in notices(at) and at.session_state.session.config.norm == "none"
    assert "layer" not in url(at)


def test_locked_controls_are_shown_disabled_and_named(opened):
    at = opened({**SETTINGS, "lock": "norm,lr,batch_size,momentum,eps,seed,device,page,panel,layer,channel,"
                                     "lang,training,reset"})
    for name in ("norm", "device", "lang"):
        assert at.sidebar.selectbox(key=name).disabled, name
    for name in ("lr", "batch_size", "momentum", "eps", "seed"):
        assert at.sidebar.number_input(key=name).disabled, name
    assert at.sidebar.radio(key="mode").disabled and at.radio(key="panel").disabled
    assert at.selectbox(key="layer").disabled and at.number_input(key="channel-6").disabled
    for key in ("step", "run", "step_n", "epoch", "reset", "rewind"):
        assert at.button(key=key).disabled, key
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert "This lesson fixes: model, learning rate, batch size, BN momentum, BN eps, seed, device, page, " \
           "panel, BN layer, channel, language, the training buttons, the Reset button." in caption
    assert url(at)["lock"] == "norm,lr,batch_size,momentum,eps,seed,device,page,panel,layer,channel,lang," \
                              "training,reset"


def test_hidden_controls_are_not_drawn_and_keep_the_links_values(opened):
    at = opened({"seed": "9", "lang": "zh", "page": "live", "panel": "training",
                 "hide": "seed,device,lang,page,panel,channel"})
    drawn = {w.key for w in [*at.sidebar.selectbox, *at.sidebar.number_input, *at.sidebar.radio, *at.radio,
                             *at.number_input, *at.selectbox]}
    assert not drawn & {"seed", "device", "lang", "mode", "panel", "channel-6"}
    assert {"lr", "norm", "layer"} <= drawn
    assert at.session_state["lang"] == "zh"  # the texts follow the hidden language
    assert "隐藏了：种子、设备、语言、页面、面板、通道。" in " ".join(c.value for c in at.sidebar.caption)  # in Chinese
    at.sidebar.number_input(key="lr").set_value(0.5).run()
    at.button(key="reset").click().run()  # Reset takes the hidden seed from the lesson
    assert at.session_state.session.config == RunConfig(lr=0.5, seed=9)
    assert url(at)["hide"] == "seed,device,lang,page,panel,channel" and url(at)["lr"] == "0.5"


def test_hidden_training_buttons(opened):
    at = opened({"hide": "training,reset"})
    keys = {b.key for b in at.button}
    assert not keys & {"step", "run", "step_n", "epoch", "reset", "rewind"}


def test_the_url_follows_the_controls(opened):
    at = opened({})
    at.radio(key="panel").set_value(PANELS[3]).run()
    at.selectbox(key="layer").set_value("5").run()
    at.number_input(key="channel-16").set_value(9).run()
    at.sidebar.selectbox(key="lang").set_value("zh").run()
    assert (url(at)["panel"], url(at)["layer"], url(at)["channel"], url(at)["lang"]) == ("gamma-beta", "5", "9", "zh")
    at.button(key="step").click().run()
    assert url(at)["step"] == "1"
    at.sidebar.number_input(key="lr").set_value(0.25).run()
    assert url(at)["lr"] == "1.0"  # a pending setting: the link keeps the run shown until Reset
    at.button(key="reset").click().run()
    assert url(at)["lr"] == "0.25" and "step" not in url(at)
    at.sidebar.radio(key="mode").set_value("Experiments").run()
    assert url(at)["page"] == "experiments" and url(at)["lr"] == "0.25"
    at.sidebar.radio(key="mode").set_value("Live training").run()  # the view comes back as it was
    assert at.radio(key="panel").value == PANELS[3] and at.selectbox(key="layer").value == "5"
    assert at.sidebar.number_input(key="lr").value == 0.25


def test_copy_lesson_link_holds_what_is_shown(opened):
    at = opened({"seed": "2", "panel": "over-time", "lock": "lr"})
    at.button(key="step").click().run()
    link = next(c.value for c in at.code if "seed=" in c.value)
    params = dict(parse_qsl(urlsplit(link).query))
    assert params == url(at)
    lesson, problems = links.parse(params)
    assert problems == [] and lesson["seed"] == 2 and lesson["step"] == 1 and lesson["lock"] == ("lr",)


def test_a_tour_link_opens_its_stop_in_the_app_and_the_url_follows_the_student(opened):
    """page=tour&stop=3 through the app's own link reader: stop 3, and Next writes stop=4 into the
    whole lesson link (which keeps the page and the seed)."""
    at = opened({"page": "tour", "stop": "3", "seed": "0"})
    assert notices(at) == "" and at.subheader[0].value.startswith("Stop 3 of 8")
    assert url(at)["page"] == "tour" and url(at)["stop"] == "3"
    at.button(key="tour-next").click().run()
    assert at.subheader[0].value.startswith("Stop 4 of 8")
    assert url(at)["stop"] == "4" and url(at)["page"] == "tour" and url(at)["seed"] == "0"
    at.button(key="tour-back").click().run()
    assert at.subheader[0].value.startswith("Stop 3 of 8") and url(at)["stop"] == "3"
