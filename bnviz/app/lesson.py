"""A session's lesson: read from the URL on its first run, kept in st.session_state, written back
to the URL after every run, with its notices, its lock caption and the "Copy lesson link" box.

The schema (which fields, which values) is bnviz.app.links; this file is its Streamlit side.
"""
import json

import streamlit as st

from ..i18n import in_language, text
from ..train.config import RunConfig, available_devices
from . import links
from .language import lang, t


def start_lesson(pages):
    """This session's lesson (st.session_state.lesson); parsed from the URL on its first run."""
    ss = st.session_state
    if "lesson" not in ss:
        ss.lesson, ss.lesson_notices = links.parse(st.query_params.to_dict(), pages, available_devices())
        ss.lesson_opened = False  # open_lesson has not checked the view nor started the step yet
    return ss.lesson


def lesson_config(lesson):
    """The run a lesson starts: its settings as a RunConfig (the defaults while a typed one is invalid)."""
    try:
        return RunConfig(**{name: lesson[name] for name in links.SETTINGS})
    except ValueError:  # links.parse checked the link's values; a student may have typed since
        return RunConfig()


def layers_of(session):
    """{BN layer name: facts} of a LiveRun's model ({} without BN)."""
    return session.history.meta["layers"] if session.has_bn else {}


def open_lesson(session):
    """Once per session: fit the link's layer and channel to the model, and train to its step."""
    ss = st.session_state
    if ss.lesson_opened:
        return
    ss.lesson_opened = True
    lesson = ss.lesson
    ss.lesson_notices += links.check_view(lesson, layers_of(session))
    if lesson["step"] and lesson["page"] == "live":  # tick by tick, so the page stays responsive
        session.start_running_until(lesson["step"])


def link_state(lesson, session):
    """The lesson as the page shows it: the run's own settings (pending ones count from Reset on),
    and on the live page its view and step (the target step while a link's run is on its way)."""
    state = {**lesson, **session.config.to_dict()}
    if lesson["page"] == "live":
        going_to = session.target_step if session.running and session.target_step else None
        state["step"] = going_to or session.stepper.step_count
    else:
        state.update(panel=None, layer=None, channel=None, step=None)
    return state


def write_url(state):
    """Make the address bar a link to `state` (only when it changed: no message otherwise)."""
    params = links.build(state)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)


def notices_ui():
    """What the link asked for that could not be used, until the student dismisses it."""
    notices = st.session_state.get("lesson_notices")
    if notices:
        chosen = lang()  # notices are i18n.Messages: each in this session's language
        st.warning(t("lesson.notices") + "\n\n" + "\n".join(f"- {in_language(n, chosen)}" for n in notices))
        st.button(t("lesson.ok"), key="lesson_notices_ok", on_click=lambda: st.session_state.pop("lesson_notices", None))


def locks_ui(lesson):
    """Sidebar: what this lesson fixes and hides."""
    parts, chosen = [], lang()
    names = lambda fields: t("lesson.separator").join(text(links.NAMES[n], chosen) for n in fields)  # noqa: E731
    if lesson["lock"]:
        parts.append(t("lesson.fixes", names=names(lesson["lock"])))
    if lesson["hide"]:
        parts.append(t("lesson.hides", names=names(lesson["hide"])))
    if parts:
        st.sidebar.caption("🔒 " + " ".join(parts))


# Streamlit has no clipboard API: a button in a small iframe (Streamlit's iframes may write to the
# clipboard) copies the link; where the browser refuses (navigator.clipboard needs https or localhost),
# it falls back to execCommand("copy"), and the link is also shown in a box to copy by hand.
COPY_BUTTON = """<style>body{margin:0}</style>
<button id="copy" style="box-sizing:border-box;width:100%;height:40px;border-radius:8px;cursor:pointer;
border:1px solid rgba(49,51,63,0.2);background:#fff;color:rgb(49,51,63);font:400 15px sans-serif">
</button>
<script>
const link = LINK, words = WORDS, button = document.getElementById("copy");
button.textContent = words.copy;
button.onclick = async () => {
  let ok = false;
  try { await navigator.clipboard.writeText(link); ok = true; } catch (e) {}
  if (!ok) {
    const t = document.createElement("textarea");
    t.value = link; document.body.appendChild(t); t.select();
    try { ok = document.execCommand("copy"); } catch (e) {}
    t.remove();
  }
  button.textContent = ok ? words.copied : words.failed;
  setTimeout(() => { button.textContent = words.copy; }, 2500);
};
</script>"""


def copy_link_ui(where, state):
    """The "Copy lesson link" button, and the link in a box (Streamlit draws a copy icon beside it)."""
    url = links.to_url(st.context.url or "", state)
    # json.dumps quotes the link for the script; "<" escaped so that no value can close the script
    words = {"copy": t("lesson.copy"), "copied": t("lesson.copied"), "failed": t("lesson.copy_failed")}
    script = lambda value: json.dumps(value, ensure_ascii=False).replace("<", "\\u003c")
    where.iframe(COPY_BUTTON.replace("WORDS", script(words)).replace("LINK", script(url)), height=40)
    with where.expander(t("lesson.link")):
        st.code(url, language=None, wrap_lines=True)
        st.caption(t("lesson.link_caption"))
    return url
