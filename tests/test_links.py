"""Lesson links without the app: parse and build round trip, and each field's bad values fall back alone."""
from urllib.parse import parse_qsl, urlsplit

import pytest

from bnviz.app import links
from bnviz.app.panels import PANELS
from bnviz.capturing.layers import find_bn_layers, layer_facts
from bnviz.chapter.models import lenet
from bnviz.train.config import LIMITS, RunConfig, config_problems

A_LESSON = {"page": "live", "norm": "torch", "lr": 0.1 + 0.2, "batch_size": 128, "momentum": 0.9999,
            "eps": 1e-12, "seed": 2**31 - 1, "device": "cpu", "panel": "moving-mean", "layer": "5",
            "channel": 15, "step": 40, "stop": 1, "lang": "zh", "lock": ("lr", "norm", "reset"),
            "hide": ("device", "seed")}


def bn_layers(norm="custom"):
    """{name: facts} of the chapter's LeNet BN layers, straight from the model (not from the app)."""
    return {name: layer_facts(m) for name, m in find_bn_layers(lenet(norm)).items()}


def test_every_panel_has_a_slug():
    assert len(links.PANEL_SLUGS) == len(PANELS) == len(set(links.PANEL_SLUGS))


def test_no_parameters_give_the_defaults():
    lesson, notices = links.parse({})
    assert notices == []
    assert {k: lesson[k] for k in links.SETTINGS} == RunConfig().to_dict()
    assert (lesson["page"], lesson["panel"], lesson["channel"], lesson["lang"]) == ("live", "distributions-now", 0, "en")


@pytest.mark.parametrize("lesson", [A_LESSON, {**links.defaults(), "layer": "1"},
                                    {**A_LESSON, "page": "tour", "stop": 3, "step": None, "lock": (), "hide": ()}])
def test_build_then_parse_gives_the_same_lesson(lesson):
    params = links.build(lesson)
    assert all(isinstance(v, str) for v in params.values())
    back, notices = links.parse(params)
    assert notices == [] and back == lesson
    assert back["lr"] == lesson["lr"] and type(back["batch_size"]) is int  # floats travel exactly (repr)


def test_the_link_is_the_base_with_the_query():
    url = links.to_url("http://host:8501/?old=1#x", A_LESSON)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("http", "host:8501", "/")
    back, notices = links.parse(dict(parse_qsl(parts.query)))
    assert notices == [] and back == A_LESSON
    assert "lock=lr,norm,reset" in url  # commas stay readable
    assert links.to_url("http://host:8501", A_LESSON) == url  # the server's root gets its /


@pytest.mark.parametrize("field", list(LIMITS))
def test_settings_accept_exactly_what_runconfig_accepts(field):
    low, high = LIMITS[field]
    for value in (low, high):
        lesson, notices = links.parse({field: repr(value)})
        assert notices == [] and lesson[field] == value
    for value in (low - (1 if field in ("batch_size", "seed") else low / 2 or 1), high * 2 + 1):
        probe = type("Probe", (), {**RunConfig().to_dict(), field: value})
        assert config_problems(probe)  # the oracle says no, so must the link
        other, kept = ("seed", 7) if field != "seed" else ("lr", 0.5)
        lesson, notices = links.parse({field: repr(value), other: repr(kept)})
        assert lesson[field] == getattr(RunConfig(), field), value
        assert len(notices) == 1 and notices[0].startswith(f"{field}=") and "using the default" in notices[0]
        assert lesson[other] == kept  # the other field is kept


BAD = [  # (field, value): out of range, unknown, wrong type, path-like, code-like
    ("page", "admin"), ("page", "../replay"), ("norm", "layernorm"), ("norm", "__import__('os')"),
    ("lr", "abc"), ("lr", "nan"), ("lr", "inf"), ("lr", "1e999"), ("lr", "0x10"), ("lr", "1_0"), ("lr", "-1"),
    ("batch_size", "1"), ("batch_size", "256.5"), ("batch_size", "1e3"), ("momentum", "1.5"),
    ("eps", "0"), ("seed", "-3"), ("seed", "exec('print(1)')"), ("device", "tpu"), ("device", "/dev/nvidia0"),
    ("panel", "Moving mean"), ("panel", "../../etc/passwd"), ("layer", "../../etc/passwd"),
    ("layer", "/etc/passwd"), ("layer", "net[1]"), ("channel", "-1"), ("channel", "two"), ("channel", "99999"),
    ("step", "-5"), ("step", str(links.MAX_STEP + 1)), ("step", "ten"), ("stop", "0"), ("lang", "fr"),
    ("lang", "{{7*7}}"), ("lock", "lr" + "x" * 300),
]


@pytest.mark.parametrize("field,raw", BAD)
def test_a_bad_field_falls_back_alone_with_a_notice(field, raw):
    params = {field: raw, "seed": "7"} if field != "seed" else {field: raw, "lr": "0.5"}
    if field == "stop":
        params["page"] = "tour"
    lesson, notices = links.parse(params)
    assert lesson[field] == links.defaults()[field]
    assert len(notices) == 1 and field in notices[0] and "default" in notices[0]
    if field != "seed":
        assert lesson["seed"] == 7
    else:
        assert lesson["lr"] == 0.5


def test_a_notice_quotes_the_value_harmlessly():
    lesson, notices = links.parse({"norm": "x`[a](javascript:alert(1))`\n# big"})
    assert lesson["norm"] == "custom" and len(notices) == 1
    quoted = notices[0].split(": ")[0]
    assert quoted.count("`") == 2 and "\n" not in quoted  # one code span: Markdown draws it as text


def test_unknown_fields_and_names_are_named():
    lesson, notices = links.parse({"runs": "/etc/passwd", "lock": "lr,bogus,norm", "hide": "seed,lr_typo"})
    assert lesson["lock"] == ("lr", "norm") and lesson["hide"] == ("seed",)
    assert len(notices) == 3
    assert any("`runs` is not a lesson link field" in n for n in notices)
    assert any("`bogus` cannot be locked" in n for n in notices)
    assert any("`lr_typo` cannot be hidden" in n for n in notices)


def test_a_page_the_app_has_not_wired_falls_back_to_live():
    lesson, notices = links.parse({"page": "tour", "stop": "2"}, pages=("live", "experiments", "replay"))
    assert lesson["page"] == "live" and lesson["stop"] == 1
    assert "not part of this version" in notices[0] and "only counts with page=tour" in notices[1]
    lesson, notices = links.parse({"page": "tour", "stop": "2"})
    assert (lesson["page"], lesson["stop"], notices) == ("tour", 2, [])


def test_a_device_this_server_lacks():
    lesson, notices = links.parse({"device": "cuda"}, devices=("auto", "cpu"))
    assert lesson["device"] == "auto" and "no cuda device" in notices[0]


def test_layer_and_channel_are_fitted_to_the_model():
    layers = bn_layers()
    first, last = list(layers)[0], list(layers)[-1]
    lesson = {**links.defaults(), "layer": last, "channel": layers[last]["channels"] - 1}
    assert links.check_view(lesson, layers) == [] and lesson["layer"] == last
    lesson = {**links.defaults(), "layer": "99", "channel": 2}
    notices = links.check_view(lesson, layers)
    assert (lesson["layer"], lesson["channel"]) == (first, 2) and "99" in notices[0]
    C = layers[first]["channels"]
    lesson = {**links.defaults(), "layer": first, "channel": C}
    notices = links.check_view(lesson, layers)
    assert lesson["channel"] == 0 and f"channels 0 to {C - 1}" in notices[0]
    lesson = {**links.defaults(), "layer": first}
    notices = links.check_view(lesson, {})  # the no-BN variant
    assert lesson["layer"] is None and "no BN layer" in notices[0]
