"""The scenario in a Streamlit session, and the callbacks that change it.

The :class:`~explorer.state.Scenario` in ``st.session_state["scenario"]`` is the one source of
truth. Every evidence widget has an ``on_change`` callback that sets its one item (and puts the
widget back if the model says the combination is impossible); links, files, cases, A/B and
"answer from the list" go through :func:`apply`, which also moves the widgets. The page address
is written from the scenario after each change; it is read only when a session starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st

import model

from . import services
from .state import (
    UNKNOWN,
    Evidence,
    Scenario,
    change_note,
    entry_ids,
    evidence_key,
    item_text,
    parse_value,
    problems_text,
    query_params,
    read_query,
)
from .ui import guarded

log = logging.getLogger("twitchdx.app")
WIDGET = "ev_{}"


def widget_key(nid: str) -> str:
    return WIDGET.format(nid)


def scenario() -> Scenario:
    return st.session_state["scenario"]


def widget_value(value: Any) -> str:
    """A widget's option for an evidence value (a set is its '|' encoding)."""
    if value is None:
        return UNKNOWN
    return value if isinstance(value, str) else "|".join(value)


def start(m: model.TwitchModel) -> Scenario:
    """The session's scenario; on the first run, read a shared link once."""
    ss = st.session_state
    key = services.priors_path()
    if "scenario" in ss and ss.get("_model_key", "<none>") == key:
        return ss["scenario"]
    ss["_model_key"] = key
    ss["scenario"] = sc = Scenario()
    for nid in entry_ids(m):
        ss[widget_key(nid)] = UNKNOWN
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    if params:
        ev, problems = read_query(m, params)
        if problems:
            sc.say("warning" if ev else "error",
                   "Part of the shared link could not be used; " + (
                       "the items that could be used are shown." if ev else
                       "nothing in it could be used."),
                   problems_text(problems))
        apply(m, ev, "The shared link", "Opened a shared link")
    write_url(sc)
    return sc


def catch_up(m: model.TwitchModel) -> None:
    """Apply an answer whose callback Streamlit skipped.

    Clicking a second answer while the run for the first is still going can make Streamlit
    skip the first one's ``on_change`` (observed in Chromium: clicks lost). The callbacks stay
    the way changes arrive; this only notices a widget that disagrees with the scenario and
    routes it through the same :func:`set_item`. A widget whose state Streamlit dropped (None)
    is given the scenario's value back.
    """
    ss = st.session_state
    sc = scenario()
    for nid in entry_ids(m):
        raw = ss.get(widget_key(nid))
        want = widget_value(sc.evidence.get(nid))
        if raw == want:
            continue
        if raw is None:
            ss[widget_key(nid)] = want
            continue
        try:
            value = parse_value(m.nodes[nid], raw)
        except ValueError:
            ss[widget_key(nid)] = want
            continue
        set_item(m, nid, value)


def write_url(sc: Scenario) -> None:
    """Write the page address on every run: a write made in a run that a newer click then
    superseded can be lost on its way to the browser, while the server already holds it."""
    st.query_params.from_dict(query_params(sc.evidence))


def impossible_message(m: model.TwitchModel, ev: Mapping[str, Any], what: str) -> str:
    sentence = "; ".join(item_text(m, k, v) for k, v in ev.items())
    return (f"{what} is impossible under the model ({sentence} cannot all be true together, "
            "so no probabilities exist). The last good scenario was kept; change or remove "
            "one of these findings.")


def check(m: model.TwitchModel, ev: Evidence, what: str) -> bool:
    """Whether the model can answer for ``ev``; says why not otherwise."""
    sc = scenario()
    try:
        services.differential(m, evidence_key(ev))
    except model.ImpossibleEvidenceError:
        sc.say("error", impossible_message(m, ev, what))
        return False
    except model.TwitchDxError as exc:
        sc.say("error", f"{what} could not be used.", str(exc))
        return False
    return True


def sync_widgets(m: model.TwitchModel, ev: Evidence, only: list[str] | None = None) -> None:
    """Move the evidence widgets to ``ev`` (only those that differ: a write is pushed to the
    browser and could overwrite an answer being clicked)."""
    ss = st.session_state
    for nid in only if only is not None else entry_ids(m):
        want = widget_value(ev.get(nid))
        if ss.get(widget_key(nid)) != want:
            ss[widget_key(nid)] = want


def apply(m: model.TwitchModel, ev: Evidence, what: str, note: str) -> bool:
    """Make ``ev`` the scenario if the model can answer for it; otherwise keep the old one."""
    sc = scenario()
    if not check(m, ev, what):
        return False
    sc.replace(ev, note)
    sync_widgets(m, sc.evidence)
    return True


def set_item(m: model.TwitchModel, nid: str, value: Any, note: str | None = None) -> bool:
    sc = scenario()
    ev = sc.with_item(nid, value)
    # Only this item's widget is touched: rewriting the others could undo an answer the user
    # clicked while this run was starting.
    if not check(m, ev, "That combination"):
        sync_widgets(m, sc.evidence, [nid])  # put the widget back
        return False
    sc.replace(ev, note or change_note(m, sc.evidence, ev))
    sync_widgets(m, sc.evidence, [nid])
    return True


def safe(fn: Callable[..., None]) -> Callable[..., None]:
    """A callback that fails shows a message, never a traceback."""
    return guarded(fn, lambda kind: scenario().say(
        "error", "That did not work; the last good scenario was kept.", kind))


# -- callbacks (they run before the script, so they may set widget state) -------------------


@safe
def on_item(nid: str) -> None:
    """An evidence widget changed."""
    m = services.get_model()
    raw = st.session_state.get(widget_key(nid))
    node = m.nodes[nid]
    try:
        value = parse_value(node, raw)
    except ValueError:
        value = None
    set_item(m, nid, value)


@safe
def on_answer(nid: str, key: str) -> None:
    """An answer given somewhere else (search, "what to ask next")."""
    m = services.get_model()
    raw = st.session_state.get(key)
    if raw in (None, ""):
        return
    set_item(m, nid, parse_value(m.nodes[nid], raw))


@safe
def on_search() -> None:
    m = services.get_model()
    raw = st.session_state.get("search")
    st.session_state["search"] = None
    if not raw:
        return
    nid, _, value = str(raw).partition("=")
    if nid in m.nodes:
        set_item(m, nid, parse_value(m.nodes[nid], value))


@safe
def on_reset() -> None:
    m = services.get_model()
    sc = scenario()
    sc.clear()
    sync_widgets(m, sc.evidence)


@safe
def on_pin() -> None:
    scenario().pin()


@safe
def on_unpin() -> None:
    scenario().unpin()


@safe
def on_restore_pinned() -> None:
    m = services.get_model()
    apply(m, dict(scenario().pinned or {}), "Scenario A", "Went back to scenario A")
