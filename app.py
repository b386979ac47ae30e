"""TwitchDx what-if explorer: ``streamlit run app.py``.

The entrypoint: page settings, the model, navigation (Explore; Teach, ``explorer/teaching``) and
the Explore page's layout. Every panel is
a module in ``explorer/panels``; the scenario is a plain object (``explorer/state.py``) that
widget callbacks change (``explorer/session.py``); model answers are cached in
``explorer/services.py``. Every probability comes from the model API (``model``).

Environment:
    TWITCHDX_PRIORS  another priors folder (e.g. tests/data/small_kb), loaded without the
                     catalog check, for small teaching or test networks.
    TWITCHDX_CASES   another teaching-cases YAML file.
"""

from __future__ import annotations

import logging
import re
import time
import traceback

import streamlit as st

from explorer import services, session
from explorer.panels import (
    cases,
    causes,
    compare,
    differential,
    evidence_form,
    exposures,
    focus,
    frequencies,
    next_tests,
    node_details,
    red_flags,
    sensitivity,
    share,
    summary,
    what_changed,
    why,
)
from explorer.state import evidence_key
from explorer.ui import panel
from model.present.format import shorten

log = logging.getLogger("twitchdx.app")
TABS = ["Why", "Likely causes", "What to ask next", "Out of 1,000 people", "Sensitivity",
        "Node details & network"]


def explore() -> None:
    """The explorer page: evidence in the sidebar, results in the main column."""
    m = services.get_model()
    try:
        page(m)
    except Exception as exc:  # Stop/Rerun are BaseExceptions and pass through
        log.error("page failed:\n%s", traceback.format_exc())
        st.error(f"Something went wrong while drawing the page ({type(exc).__name__}). "
                 "Press Reset, or reload the page.", icon=":material/error:")


def page(m) -> None:
    t0 = time.perf_counter()
    sc = session.start(m)
    session.catch_up(m)
    session.write_url(sc)
    ev = sc.evidence
    key = evidence_key(ev)

    summary.header()
    summary.messages(sc)
    cases.card(m, sc)
    summary.presentation(m, sc)
    red_flags.draw(m, ev)
    # results first: on a phone the columns stack with the differential on top
    left, right = st.columns([3, 2], gap="large")
    with left:
        panel("The differential", lambda: differential.draw(m, sc))
    with right:
        panel("What changed", lambda: what_changed.draw(m, sc))
        panel("Exposures", lambda: exposures.draw(m, sc))
    # the sidebar after the headline: the browser shows the chart as soon as it arrives
    cases.picker(m, sc)
    evidence_form.draw(m, sc)
    share.draw(m, sc)
    panel("Scenario A/B", lambda: compare.draw(m, sc))
    st.divider()
    target = focus.draw(m, sc)
    tabs = st.tabs(TABS, key="panel_tab", on_change="rerun")  # only the open tab is drawn
    views = [lambda: why.draw(m, sc, target), lambda: causes.draw(m, key),
             lambda: next_tests.draw(m, sc),
             lambda: frequencies.draw(m, sc, target),
             lambda: sensitivity.draw(m, sc, target),
             lambda: node_details.draw(m, sc, target)]
    for name, tab, view in zip(TABS, tabs, views, strict=True):
        with tab:
            if tab.open is not False:
                panel(name, view)
    st.session_state["_run_ms"] = 1000 * (time.perf_counter() - t0)


def main() -> None:
    st.set_page_config(page_title="TwitchDx · what-if explorer", page_icon=":material/neurology:",
                       layout="wide", initial_sidebar_state="auto")
    try:
        m = services.get_model()
    except Exception as exc:  # a broken knowledge base: say so, without paths or a traceback
        log.error("model load failed:\n%s", traceback.format_exc())
        st.title("TwitchDx")
        st.error("The knowledge base could not be loaded; change it and reload the page.",
                 icon=":material/error:")
        # the message names file, node and field; folders are cut so no server path shows
        st.text(shorten(re.sub(r"(?:[A-Za-z]:)?[/\\][^\s'\"]*[/\\]", "", str(exc)), 400))
        st.stop()
    del m  # each page gets it from the cache
    pages = [st.Page(explore, title="Explore", icon=":material/neurology:", default=True)]
    try:  # the teaching page (issue 12) when its package is present
        from explorer import teaching

        pages.append(st.Page(teaching.page, title="Teach", icon=":material/school:",
                             url_path="teach"))
    except ImportError:
        log.warning("the teaching page is not available:\n%s", traceback.format_exc())
    st.navigation(pages, position="top" if len(pages) > 1 else "hidden").run()


main()
