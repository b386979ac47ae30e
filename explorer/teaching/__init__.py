"""Teaching with TwitchDx: a page of four modes over one teaching state (issue 12).

- Interview: one question at a time from a complaint, with "Why this question?", the stated
  stop rule, the path's efficiency, replay and a shareable link (:mod:`.interview`).
- Predict first: the learner's probabilities or ranking before the reveal, scored, with a
  calibration picture and a CSV of the session (:mod:`.predict`).
- Naive versus exact: the Fagan product beside the network, finding by finding (:mod:`.naive`).
- The network: prior→posterior shift of every node drawn, and a control beside it that sets a
  finding (:mod:`.network`).

``page()`` draws it; ``app.py`` adds it as a page (``st.navigation``).
"""

from __future__ import annotations

import logging
import traceback

import streamlit as st

import model

from .. import services as app_services
from ..ui import panel
from . import interview, naive, network, predict, session
from .state import MODES

log = logging.getLogger("twitchdx.app")
MODE_NAMES = {"interview": "Interview", "predict": "Predict first",
              "naive": "Naive versus exact", "network": "The network"}
VIEWS = {"interview": interview.draw, "predict": predict.draw, "naive": naive.draw,
         "network": network.draw}


def show_messages(ts) -> None:
    icons = {"error": ":material/error:", "warning": ":material/warning:",
             "success": ":material/check_circle:", "info": ":material/info:"}
    for kind, text, detail in ts.take_messages():
        box = {"error": st.error, "warning": st.warning, "success": st.success}.get(kind,
                                                                                    st.info)
        box(text, icon=icons.get(kind))
        if detail:
            st.text(detail)  # may quote the link: plain text, never Markdown


def page() -> None:
    """The teaching page (call inside a Streamlit script or ``st.navigation`` page)."""
    try:
        m = app_services.get_model()
    except Exception:  # a broken knowledge base: the explorer page says why
        log.error("model load failed:\n%s", traceback.format_exc())
        st.error("The knowledge base could not be loaded; open the explorer page for details.",
                 icon=":material/error:")
        return
    ts = session.start(m)
    st.header("Teaching with TwitchDx")
    st.caption(model.DISCLAIMER)
    show_messages(ts)
    st.session_state["teach_mode"] = ts.mode
    st.segmented_control("Mode", list(MODES), key="teach_mode", format_func=MODE_NAMES.get,
                         on_change=session.on_mode, label_visibility="collapsed")
    panel(MODE_NAMES[ts.mode], lambda: VIEWS[ts.mode](m, ts))
    show_messages(ts)  # anything a view said while drawing
    session.write_url(ts)
