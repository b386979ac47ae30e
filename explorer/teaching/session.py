"""The teaching state in a Streamlit session, and the callbacks that change it.

:class:`~explorer.teaching.state.TeachState` in ``st.session_state["teach"]`` is the one source
of truth; widgets change it through ``on_change``/``on_click`` callbacks; the page address is
written from it after each run and read once, when a session opens a link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import streamlit as st

import model

from .. import services as app_services
from ..state import evidence_key, item_text, problems_text
from ..ui import guarded
from .state import TeachState, read_query

log = logging.getLogger("twitchdx.app")
KEY = "teach"


def state() -> TeachState:
    return st.session_state[KEY]


def start(m: model.TwitchModel) -> TeachState:
    """The session's teaching state; on the first run, read a shared link once."""
    ss = st.session_state
    key = app_services.priors_path()
    if KEY in ss and ss.get("_teach_model_key", "<none>") == key:
        return ss[KEY]
    ss["_teach_model_key"] = key
    params = {k: st.query_params.get(k) for k in st.query_params}
    ts, problems = read_query(m, params)
    ss[KEY] = ts
    if problems:
        ts.say("warning", "Part of the shared link could not be used; the rest is shown.",
               problems_text(problems))
    # a link whose answers cannot all be true: keep the longest possible start of the path
    if (ts.start or ts.path) and not possible(m, ts):
        while (ts.start or ts.path) and not possible(m, ts, quiet=True):
            if ts.path:
                ts.path.pop()
            else:
                ts.begin({})
    return ts


def write_url(ts: TeachState) -> None:
    want = ts.query()
    have = {k: st.query_params.get(k) for k in st.query_params}
    if have != want:
        st.query_params.from_dict(want)


def possible(m: model.TwitchModel, ts: TeachState, quiet: bool = False) -> bool:
    """Whether the model can answer for the interview's evidence; says why not otherwise."""
    ev = ts.evidence
    try:
        app_services.differential(m, evidence_key(ev))
    except model.ImpossibleEvidenceError:
        if not quiet:
            sentence = "; ".join(item_text(m, k, v) for k, v in ev.items())
            ts.say("error", "That answer is impossible under the model: these cannot all be "
                   "true together, so no probabilities exist. The last good state was kept.",
                   sentence)
        return False
    except model.TwitchDxError as exc:
        if not quiet:
            ts.say("error", "That could not be used.", str(exc))
        return False
    return True


def change(m: model.TwitchModel, fn: Callable[[TeachState], None]) -> bool:
    """Apply ``fn`` to the state; undo it if the model cannot answer for the result."""
    ts = state()
    snap = ts.snapshot()
    fn(ts)
    if not possible(m, ts):
        ts.restore(snap)
        return False
    return True


def safe(fn: Callable[..., None]) -> Callable[..., None]:
    """A callback that fails shows a message, never a traceback."""
    return guarded(fn, lambda kind: state().say(
        "error", "That did not work; the last good state was kept.", kind))


@safe
def on_mode() -> None:
    mode = st.session_state.get("teach_mode")
    if mode:
        state().mode = mode


@safe
def on_goal() -> None:
    goal = st.session_state.get("teach_goal")
    if goal:
        state().goal = goal


@safe
def on_cost() -> None:
    state().cost_aware = bool(st.session_state.get("teach_cost"))


@safe
def on_focus(key: str) -> None:
    value = st.session_state.get(key)
    if value:
        state().focus = value
