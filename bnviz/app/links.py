"""Lesson links: the page's state in its URL's query parameters, read back field by field.

    ?page=live&norm=custom&lr=1.0&batch_size=256&momentum=0.9&eps=1e-05&seed=0
     &panel=moving-mean&layer=1&channel=2&step=40&lang=zh&lock=lr,norm&hide=device,seed

`parse` turns query parameters into a lesson (a plain dict, one entry per field); each bad field
gets a notice in plain words (an i18n.Message: English as a str, any language by .text(lang)) and its default, the others are kept. `build` turns a lesson back
into query parameters. Values are only ever matched against fixed choices or parsed as numbers:
nothing in a link is evaluated, and no field names a file (a recording is opened by the student).
The lock is a classroom aid, not security: a student can edit the URL.
"""
import math
import re
from urllib.parse import urlencode, urlsplit

from ..i18n import CATALOGUES, Message
from ..train.config import DEVICES, LIMITS, RunConfig, config_problems

SETTINGS = ("norm", "lr", "batch_size", "momentum", "eps", "seed", "device")
PAGES = ("live", "experiments", "replay", "tour")
PANEL_SLUGS = ("distributions-now", "over-time", "moving-mean", "gamma-beta", "training", "inside-one-step",
               "precise-statistics")  # in the order of bnviz.app.panels.PANELS
LANGS = tuple(CATALOGUES)  # "en", "zh": the languages bnviz.i18n has
FIELDS = ("page", *SETTINGS, "panel", "layer", "channel", "step", "stop", "lang", "lock", "hide")
ACTIONS = ("reset", "training")  # groups of buttons a lesson can lock or hide
LOCKABLE = ("page", *SETTINGS, "panel", "layer", "channel", "lang", *ACTIONS)
NAMES = {"page": "links.name.page", "norm": "links.name.norm", "lr": "links.name.lr",
         "batch_size": "links.name.batch_size", "momentum": "links.name.momentum", "eps": "links.name.eps",
         "seed": "links.name.seed", "device": "links.name.device", "panel": "links.name.panel",
         "layer": "links.name.layer", "channel": "links.name.channel", "lang": "links.name.lang",
         "reset": "links.name.reset", "training": "links.name.training"}  # catalogue keys of what a student
# reads in "This lesson fixes: …"
MAX_STEP = 10_000  # a link trains at most this far on opening (about 40 epochs at batch 256)
MAX_VALUE_CHARS = 200  # longer values are refused before they are looked at
INTEGER = re.compile(r"\+?[0-9]{1,12}")
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,3})?")  # no nan, inf, 1_0, 0x1
TOKEN = re.compile(r"[A-Za-z0-9_.]{1,40}")  # a BN layer's name in named_modules(), e.g. "1" or "net.1"


def defaults():
    """The lesson of a link without parameters: RunConfig()'s settings, the first panel, layer and channel."""
    return {"page": "live", **RunConfig().to_dict(), "panel": PANEL_SLUGS[0], "layer": None, "channel": 0,
            "step": None, "stop": 1, "lang": "en", "lock": (), "hide": ()}


def shown(value):
    """A value from a link, safe to quote in a Markdown notice (a code span, cut short)."""
    text = re.sub(r"[`\s\\]", " ", str(value))
    return f"`{text[:40]}{'…' if len(text) > 40 else ''}`" if text.strip() else "(empty)"


def parse(params, pages=PAGES, devices=DEVICES):
    """A lesson from query parameters, and the notices for the fields that were not usable.

    Args:
        params: a mapping of field name -> str (or a list of str: the last one counts).
        pages: the page names this app has wired (a page missing here falls back to live).
        devices: the device names that work on this machine.
    Returns:
        (lesson dict with every field of FIELDS, list of plain-words notices).
    """
    lesson, notices = defaults(), []
    for name, raw in params.items():
        if isinstance(raw, (list, tuple)):
            raw = raw[-1] if raw else ""
        raw = str(raw)
        if name not in FIELDS:
            notices.append(Message("links.unknown_field", name=shown(name), fields=", ".join(FIELDS)))
            continue
        if len(raw) > MAX_VALUE_CHARS:
            notices.append(Message("links.too_long", name=name, chars=len(raw)))
            continue
        value, problem = FIELD_PARSERS[name](raw.strip(), pages, devices)
        if value is None:
            default = lesson[name]
            if default not in (None, ()):
                notices.append(Message("links.default", name=name, value=shown(raw), problem=problem,
                                       default=shown(default)))
            else:
                notices.append(Message("links.default_none", name=name, value=shown(raw), problem=problem))
        else:
            lesson[name] = value
            if problem:  # usable in part (lock=lr,typo keeps the lr lock)
                notices.append(Message("links.partly", name=name, value=shown(raw), problem=problem))
    if lesson["stop"] != 1 and lesson["page"] != "tour":
        notices.append(Message("links.stop_ignored"))
        lesson["stop"] = 1
    return lesson, notices


# Each parser: raw text -> (value, None) when usable, (None, problem) when not, (value, problem) in part.
def _choice(choices, what):
    def parse_choice(raw, pages, devices):
        return (raw, None) if raw in choices else (None, Message("links.one_of", what=what, choices=", ".join(choices)))
    return parse_choice


def _page(raw, pages, devices):
    if raw in pages:
        return raw, None
    if raw in PAGES:
        return None, Message("links.page_absent", page=raw)
    return None, Message("links.one_of", what="page", choices=", ".join(pages))


def _device(raw, pages, devices):
    if raw in devices:
        return raw, None
    if raw in DEVICES:
        return None, Message("links.no_device", device=raw, devices=", ".join(devices))
    return None, Message("links.one_of", what="device", choices=", ".join(devices))


def _setting(field):
    """A number checked by RunConfig's own rules (config_problems), so a link accepts what Reset does."""
    whole = field in ("batch_size", "seed")

    def parse_setting(raw, pages, devices):
        if not (INTEGER if whole else NUMBER).fullmatch(raw):
            return None, Message("links.whole" if whole else "links.number", what=field)
        value = int(raw) if whole else float(raw)
        if not math.isfinite(value):
            return None, Message("links.finite", what=field)
        probe = type("Probe", (), {**RunConfig().to_dict(), field: value})
        problems = config_problems(probe)
        return (None, problems[0].values["problem"]) if problems else (value, None)
    return parse_setting


def _integer(low, high, what):
    def parse_integer(raw, pages, devices):
        if not INTEGER.fullmatch(raw):
            return None, Message("links.whole", what=what)
        value = int(raw)
        return (value, None) if low <= value <= high else (None, Message("links.between", what=what, low=low, high=high))
    return parse_integer


def _layer(raw, pages, devices):
    return (raw, None) if TOKEN.fullmatch(raw) else (None, Message("links.layer"))


def _names(field):
    """A comma-separated list of lockable names; unknown names are dropped (with a notice), the rest kept."""
    def parse_names(raw, pages, devices):
        names = [n.strip() for n in raw.split(",") if n.strip()]
        bad = [n for n in names if n not in LOCKABLE]
        good = tuple(dict.fromkeys(n for n in names if n in LOCKABLE))
        if bad:
            key = {("lock", True): "links.cannot_lock.one", ("lock", False): "links.cannot_lock.many",
                   ("hide", True): "links.cannot_hide.one", ("hide", False): "links.cannot_hide.many"}
            return good, Message(key[field, len(bad) == 1], names=", ".join(shown(n) for n in bad),
                                 lockable=", ".join(LOCKABLE))
        return good, None
    return parse_names


FIELD_PARSERS = {
    "page": _page,
    "norm": _choice(("custom", "torch", "none"), "norm"),
    **{f: _setting(f) for f in LIMITS},
    "device": _device,
    "panel": _choice(PANEL_SLUGS, "panel"),
    "layer": _layer,
    "channel": _integer(0, 4096, "channel"),
    "step": _integer(0, MAX_STEP, "step"),
    "stop": _integer(1, 99, "stop"),
    "lang": _choice(LANGS, "lang"),
    "lock": _names("lock"),
    "hide": _names("hide"),
}
assert set(FIELD_PARSERS) == set(FIELDS)


def check_view(lesson, layers):
    """Fit the lesson's layer and channel to the model's BN layers ({name: {"channels": C}}); notices."""
    notices = []
    if not layers:
        if lesson["layer"] is not None:
            notices.append(Message("links.no_bn_layer", layer=shown(lesson["layer"])))
        lesson["layer"], lesson["channel"] = None, 0
        return notices
    if lesson["layer"] is None:
        lesson["layer"] = next(iter(layers))
    elif lesson["layer"] not in layers:
        notices.append(Message("links.bad_layer", layer=shown(lesson["layer"]), layers=", ".join(layers),
                               first=next(iter(layers))))
        lesson["layer"] = next(iter(layers))
    channels = layers[lesson["layer"]]["channels"]
    if not 0 <= lesson["channel"] < channels:
        notices.append(Message("links.bad_channel", channel=lesson["channel"], layer=lesson["layer"],
                               last=channels - 1))
        lesson["channel"] = 0
    return notices


def build(lesson):
    """Query parameters (field -> str) for a lesson, in FIELDS order; step, stop, lock and hide only when set."""
    out = {}
    for name in FIELDS:
        value = lesson.get(name)
        if value is None or value == () or (name == "stop" and lesson.get("page") != "tour"):
            continue
        if name == "step" and value == 0:
            continue
        out[name] = ",".join(value) if isinstance(value, tuple) else repr(value) if isinstance(value, float) \
            else str(value)
    return out


def to_url(base, lesson):
    """The lesson link: `base` (the app's address, any query dropped) with the lesson's parameters."""
    base = (base or "").split("?")[0].split("#")[0]
    if base and not urlsplit(base).path:
        base += "/"  # st.context.url is "http://host:port" at the server's root
    return f"{base}?{urlencode(build(lesson), safe=',')}"
