"""Lesson links: the page's state in its URL's query parameters, read back field by field.

    ?page=live&norm=custom&lr=1.0&batch_size=256&momentum=0.9&eps=1e-05&seed=0
     &panel=moving-mean&layer=1&channel=2&step=40&lang=zh&lock=lr,norm&hide=device,seed

`parse` turns query parameters into a lesson (a plain dict, one entry per field); each bad field
gets a notice in plain words and its default, the others are kept. `build` turns a lesson back
into query parameters. Values are only ever matched against fixed choices or parsed as numbers:
nothing in a link is evaluated, and no field names a file (a recording is opened by the student).
The lock is a classroom aid, not security: a student can edit the URL.
"""
import math
import re
from urllib.parse import urlencode, urlsplit

from ..train.config import DEVICES, LIMITS, RunConfig, config_problems

SETTINGS = ("norm", "lr", "batch_size", "momentum", "eps", "seed", "device")
PAGES = ("live", "experiments", "replay", "tour")
PANEL_SLUGS = ("distributions-now", "over-time", "moving-mean", "gamma-beta", "training", "inside-one-step",
               "precise-statistics")  # in the order of bnviz.app.panels.PANELS
LANGS = ("en", "zh")
FIELDS = ("page", *SETTINGS, "panel", "layer", "channel", "step", "stop", "lang", "lock", "hide")
ACTIONS = ("reset", "training")  # groups of buttons a lesson can lock or hide
LOCKABLE = ("page", *SETTINGS, "panel", "layer", "channel", "lang", *ACTIONS)
NAMES = {"page": "page", "norm": "model", "lr": "learning rate", "batch_size": "batch size",
         "momentum": "BN momentum", "eps": "BN eps", "seed": "seed", "device": "device", "panel": "panel",
         "layer": "BN layer", "channel": "channel", "lang": "language", "reset": "the Reset button",
         "training": "the training buttons"}  # what a student reads in "This lesson fixes: …"
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
            notices.append(f"{shown(name)} is not a lesson link field; it was ignored. "
                           f"The fields are: {', '.join(FIELDS)}.")
            continue
        if len(raw) > MAX_VALUE_CHARS:
            notices.append(f"{name}: the value is {len(raw)} characters long; using the default.")
            continue
        value, problem = FIELD_PARSERS[name](raw.strip(), pages, devices)
        if value is None:
            default = lesson[name]
            notices.append(f"{name}={shown(raw)}: {problem}; using the default"
                           + (f" ({shown(default)})." if default not in (None, ()) else "."))
        else:
            lesson[name] = value
            if problem:  # usable in part (lock=lr,typo keeps the lr lock)
                notices.append(f"{name}={shown(raw)}: {problem}.")
    if lesson["stop"] != 1 and lesson["page"] != "tour":
        notices.append("stop is a tour stop and only counts with page=tour; it was ignored.")
        lesson["stop"] = 1
    return lesson, notices


# Each parser: raw text -> (value, None) when usable, (None, problem) when not, (value, problem) in part.
def _choice(choices, what):
    def parse_choice(raw, pages, devices):
        return (raw, None) if raw in choices else (None, f"{what} must be one of {', '.join(choices)}")
    return parse_choice


def _page(raw, pages, devices):
    if raw in pages:
        return raw, None
    if raw in PAGES:
        return None, f"the {raw} page is not part of this version of the app"
    return None, f"page must be one of {', '.join(pages)}"


def _device(raw, pages, devices):
    if raw in devices:
        return raw, None
    if raw in DEVICES:
        return None, f"this server has no {raw} device (it has {', '.join(devices)})"
    return None, f"device must be one of {', '.join(devices)}"


def _setting(field):
    """A number checked by RunConfig's own rules (config_problems), so a link accepts what Reset does."""
    whole = field in ("batch_size", "seed")

    def parse_setting(raw, pages, devices):
        if not (INTEGER if whole else NUMBER).fullmatch(raw):
            return None, f"{field} must be a {'whole number' if whole else 'number'}"
        value = int(raw) if whole else float(raw)
        if not math.isfinite(value):
            return None, f"{field} must be a finite number"
        probe = type("Probe", (), {**RunConfig().to_dict(), field: value})
        problems = config_problems(probe)
        return (None, problems[0].split(", got")[0]) if problems else (value, None)
    return parse_setting


def _integer(low, high, what):
    def parse_integer(raw, pages, devices):
        if not INTEGER.fullmatch(raw):
            return None, f"{what} must be a whole number"
        value = int(raw)
        return (value, None) if low <= value <= high else (None, f"{what} must be between {low} and {high}")
    return parse_integer


def _layer(raw, pages, devices):
    return (raw, None) if TOKEN.fullmatch(raw) else (None, "layer must be a BN layer's name, e.g. 1")


def _names(field):
    """A comma-separated list of lockable names; unknown names are dropped (with a notice), the rest kept."""
    def parse_names(raw, pages, devices):
        names = [n.strip() for n in raw.split(",") if n.strip()]
        bad = [n for n in names if n not in LOCKABLE]
        good = tuple(dict.fromkeys(n for n in names if n in LOCKABLE))
        if bad:
            return good, (f"{', '.join(shown(n) for n in bad)} cannot be {'locked' if field == 'lock' else 'hidden'}"
                          f" and {'was' if len(bad) == 1 else 'were'} ignored (the names are: {', '.join(LOCKABLE)})")
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
            notices.append(f"layer={shown(lesson['layer'])}: this model has no BN layer; it was ignored.")
        lesson["layer"], lesson["channel"] = None, 0
        return notices
    if lesson["layer"] is None:
        lesson["layer"] = next(iter(layers))
    elif lesson["layer"] not in layers:
        notices.append(f"layer={shown(lesson['layer'])}: this model's BN layers are {', '.join(layers)}; "
                       f"using the first ({next(iter(layers))}).")
        lesson["layer"] = next(iter(layers))
    channels = layers[lesson["layer"]]["channels"]
    if not 0 <= lesson["channel"] < channels:
        notices.append(f"channel={lesson['channel']}: layer {lesson['layer']} has channels 0 to {channels - 1}; "
                       f"using channel 0.")
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
