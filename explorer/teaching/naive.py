"""Naive versus exact: for the focused entry, the network's posterior beside what a Fagan
nomogram gives (prior odds times each finding's stand-alone likelihood ratio), and finding by
finding why they differ, in words and numbers (:func:`model.naive.naive_vs_exact`)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model.present.format import format_probability, format_ratio

from .. import services as app_services
from ..state import evidence_key, ordered_key
from . import services, session
from .state import TeachState


def focus_choices(m: Any, ev: dict) -> list[str]:
    """Unobserved conditions and states, most probable first."""
    return [n for n in app_services.diagnoses(m, evidence_key(ev))["id"] if n not in ev]


def focus_picker(m: Any, ts: TeachState, ev: dict, key: str) -> str | None:
    ids = focus_choices(m, ev)
    if not ids:
        return None
    if ts.focus not in ids:
        ts.focus = ids[0]
    st.session_state[key] = ts.focus
    st.selectbox("Focus on", ids, key=key, format_func=lambda n: m.nodes[n].label,
                 on_change=session.on_focus, args=(key,))
    return ts.focus


def ratio(x: float) -> str:
    try:
        return format_ratio(float(x))
    except ValueError:
        return "–"


def relation_text(m: Any, row: Any, target_label: str) -> str:
    other = m.nodes[row.closest_other].label if row.closest_other in m.nodes else None
    if row.relation == "independent":
        return "independent: its likelihood ratio is the same with or without the others"
    if row.relation == "overlaps":
        return (f"overlaps: shares a cause with {other or 'the other findings'}, so the "
                "product counts the same evidence twice")
    if row.relation == "explained away":
        return (f"explained away by {other or 'the other findings'}: given that, it says "
                f"little (or the opposite) about {target_label}")
    return f"strengthened by {other or 'the other findings'}: together they say more"


def draw(m: Any, ts: TeachState) -> None:
    ev = ts.evidence
    context = [k for k in ev if m.nodes[k].role == "context"]
    if len(ev) - len(context) == 0:
        st.info("Start an interview (or explore a teaching case) first: naive versus exact "
                "compares what the findings entered so far say.", icon=":material/info:")
        return
    target = focus_picker(m, ts, ev, "teach_naive_focus")
    if target is None:
        st.info("Every entry is observed; nothing is left to compare.", icon=":material/info:")
        return
    label = m.nodes[target].label
    df = services.naive(m, ordered_key(ev), target)  # rows in the order entered
    pre, naive, exact = df.attrs["pretest"], df.attrs["naive"], df.attrs["exact"]
    a, b, c = st.columns(3)
    a.metric("Before the findings", format_probability(pre),
             help="P(present | age and sex only): the pre-test probability.")
    b.metric("Naive (Fagan) product", format_probability(naive),
             help="Pre-test odds times every finding's stand-alone likelihood ratio, as if "
                  "the findings were independent given the diagnosis.")
    c.metric("The network (exact)", format_probability(exact))
    if exact > 0 and naive > 0:
        f = (naive / (1 - naive) if naive < 1 else float("inf")) / (
            exact / (1 - exact) if exact < 1 else float("inf"))
        if abs(f - 1) < 0.05:
            st.markdown(f"For **{label}** the naive product and the network agree.")
        else:
            st.markdown(f"For **{label}**, multiplying the likelihood ratios "
                        f"{'overstates' if f > 1 else 'understates'} the odds by "
                        f"{ratio(f if f >= 1 else 1 / f).lstrip('×')} times.")
    chain = " × ".join(ratio(x) for x in df["standalone_lr"])
    st.caption(f"Fagan: pre-test odds × {chain} = naive odds. The stand-alone ratio of a "
               "finding is computed from the network with age and sex alone; the ratio given "
               "the others is its effect when it is added last.")
    st.table(pd.DataFrame({
        "Finding": df["label"], "Answer": [m.nodes[r.id].state_label(r.state) if r.state in
                                           m.nodes[r.id].states else r.state.replace("|", " or ")
                                           for r in df.itertuples()],
        "LR alone": df["standalone_lr"].map(ratio),
        "LR given the others": df["conditional_lr"].map(ratio),
        "Why they differ": [relation_text(m, r, label) for r in df.itertuples()]}),
        hide_index=True, border="horizontal")  # a static table: the words wrap
