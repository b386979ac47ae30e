"""Which entry the explanations (Why, Sensitivity, Out of 1,000) are about: the top of the
differential, following it as the evidence changes, unless the user picks one."""

from __future__ import annotations

from typing import Any

import streamlit as st

from .. import services
from ..state import Scenario, evidence_key

FOLLOW = ""


def options(m: Any) -> list[str]:
    order = {"condition": 0, "state": 1, "exposure": 2}
    ids = [n for n in m.ids if m.nodes[n].role in order]
    return sorted(ids, key=lambda n: (order[m.nodes[n].role], m.nodes[n].label.lower()))


def top_entry(m: Any, sc: Scenario) -> str:
    df = services.diagnoses(m, evidence_key(sc.evidence))
    return str(df.iloc[0]["id"])


def current(m: Any, sc: Scenario) -> str:
    if sc.focus and sc.focus in m.nodes:
        return sc.focus
    return top_entry(m, sc)


def draw(m: Any, sc: Scenario) -> str:
    top = top_entry(m, sc)
    opts = [FOLLOW, *options(m)]
    if st.session_state.get("focus_pick") not in opts:
        st.session_state["focus_pick"] = FOLLOW

    def fmt(n: str) -> str:
        if n == FOLLOW:
            return f"The top of the differential (now {m.nodes[top].label})"
        entered = " — entered" if n in sc.evidence else ""
        return f"{m.nodes[n].label} ({m.nodes[n].role}{entered})"

    pick = st.selectbox("Explain", opts, key="focus_pick", format_func=fmt,
                 help="The entry that Why, Sensitivity and Out of 1,000 explain. By default "
                      "it follows the top of the differential; pick one to keep it.")
    sc.focus = pick or None
    return current(m, sc)
