"""The app's words in English and Simplified Chinese: one catalogue per language (issue 15).

The lowest layer: it imports nothing of bnviz, so figures, experiments and the app can all use it.
Each catalogue (`en.py`, `zh.py`) is one dict, keys by place (`panel.moving_mean.title`,
`axis.step`, …), values with `{named}` placeholders for computed numbers. The placeholders carry
their format (`{mean:.5f}`), the same in both languages, so numbers read the same in both.
"""
import re
import string

from . import en, zh

LANGUAGES = {"en": "English", "zh": "中文"}  # code -> its own name, for the language select box
CATALOGUES = {"en": en.TEXTS, "zh": zh.TEXTS}
DEFAULT = "en"


def text(key, lang=DEFAULT, **values):
    """The text under `key` in `lang` with `values` filled in; English where `lang` lacks the key.

    An unknown key is a programming error (KeyError), never shown to a user as its name.
    """
    template = CATALOGUES.get(lang, CATALOGUES[DEFAULT]).get(key)
    if template is None:
        template = CATALOGUES[DEFAULT][key]
    return template.format(**values)


def missing(lang):
    """Keys of the English catalogue that `lang` does not translate (they fall back to English)."""
    return sorted(set(CATALOGUES[DEFAULT]) - set(CATALOGUES[lang]))


def extra(lang):
    """Keys of `lang` that English lacks (a typo, or a text no longer used)."""
    return sorted(set(CATALOGUES[lang]) - set(CATALOGUES[DEFAULT]))


def placeholders(template):
    """The set of (name, format spec) pairs of a template: `{mean:.5f}` -> ("mean", ".5f")."""
    return {(name, spec or "") for _, name, spec, _ in string.Formatter().parse(template) if name is not None}


def mismatched_placeholders(lang):
    """{key: (English's placeholders, lang's)} where the two differ."""
    out = {}
    for key, template in CATALOGUES[lang].items():
        if key in CATALOGUES[DEFAULT]:
            a, b = placeholders(CATALOGUES[DEFAULT][key]), placeholders(template)
            if a != b:
                out[key] = (a, b)
    return out


class Message(str):
    """A catalogue text that stays translatable after it leaves the layer that made it.

    It reads as its English text (a plain str: English callers and tests see no difference), and
    `.text(lang)` renders it in `lang`, a value that is itself a Message rendered in `lang` too.
    Lower layers (the lesson-link parser, RunConfig's checks) return Messages; the app shows them
    in the session's language.
    """

    def __new__(cls, key, **values):
        self = super().__new__(cls, text(key, DEFAULT, **values))
        self.key, self.values = key, values
        return self

    def __reduce__(self):
        return _message, (self.key, self.values)

    def text(self, lang=DEFAULT):
        return text(self.key, lang, **{k: in_language(v, lang) for k, v in self.values.items()})


def _message(key, values):
    return Message(key, **values)


def in_language(value, lang=DEFAULT):
    """`value` in `lang` when it is a Message, else `value` unchanged."""
    return value.text(lang) if isinstance(value, Message) else value


def from_english(value, keys, lang=DEFAULT):
    """`value` in `lang` where it is the English text of one of `keys` (a lower layer's table written
    in the catalogue's English); any other value unchanged. A key with placeholders matches its
    English text with any values in their places, and those values (as written) fill `lang`'s text."""
    if not isinstance(value, str) or lang == DEFAULT:
        return value
    for key in keys:
        english = CATALOGUES[DEFAULT][key]
        if not placeholders(english):
            if value == english:
                return text(key, lang)
            continue
        found = _pattern(english).fullmatch(value)
        if found:
            words = CATALOGUES.get(lang, {}).get(key, english)
            return re.sub(r"\{(\w+)(?::[^{}]*)?\}", lambda m: found.group(m.group(1)), words.replace("{{", "{").replace("}}", "}"))
    return value


def _pattern(template):
    """A regex matching `template` filled with any values: {name:spec} -> (?P<name>.+?)."""
    out, seen = [], set()
    for literal, name, _, _ in string.Formatter().parse(template):
        out.append(re.escape(literal))
        if name is not None:
            out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
    return re.compile("".join(out), re.S)
