"""A graph you can touch: the network around the focused entry, every node drawn coloured by how
far its probability moved from before any evidence to now (legend in the picture), and, right
beside it, a control that sets any finding in the picture (``st.graphviz_chart`` cannot take
clicks). Setting one is an answer in the interview's path."""

from __future__ import annotations

from typing import Any

import streamlit as st

from model.present.network import neighbourhood, network_dot

from .. import services as app_services
from ..state import UNKNOWN, evidence_key, is_multi, unsure_label, unsure_states
from . import session
from .naive import focus_picker
from .state import TeachState


def shift(m: Any, ev: dict, ids: list[str]) -> dict[str, tuple[float, float]]:
    """(P(present) before any evidence, now) for every unobserved non-context node in ``ids``."""
    post = app_services.posterior(m, evidence_key(ev))
    return {n: (m.present_probability(n, m.prior[n]), m.present_probability(n, post[n]))
            for n in ids if n not in ev and n in post and m.nodes[n].role != "context"}


@session.safe
def on_set(nid: str, key: str) -> None:
    m = app_services.get_model()
    raw = st.session_state.get(key)
    if raw in (None, UNKNOWN):
        session.change(m, lambda ts: ts.forget(nid))
        return
    value: Any = tuple(raw.split("|")) if "|" in raw else raw
    session.change(m, lambda ts: ts.answer(nid, value))


def control(m: Any, ts: TeachState, ev: dict, shown: list[str]) -> None:
    findings = [n for n in shown if m.nodes[n].role == "finding"]
    st.markdown("**Set a finding in the picture**")
    if not findings:
        st.caption("No finding is drawn; focus on another entry or widen the reach.")
        return
    key = "teach_net_finding"
    if st.session_state.get(key) not in findings:
        st.session_state[key] = findings[0]
    nid = st.selectbox("Finding", findings, key=key, format_func=lambda n: m.nodes[n].label)
    node = m.nodes[nid]
    opts = [UNKNOWN, *node.states]
    if is_multi(node) and app_services.sets_supported(m):
        opts.append("|".join(unsure_states(node)))
    value = ev.get(nid)
    current = UNKNOWN if value is None else (value if isinstance(value, str)
                                             else "|".join(value))
    vkey = f"teach_net_value_{nid}_{ts.revision}"
    st.session_state.setdefault(vkey, current)
    st.radio("State", opts, key=vkey, on_change=on_set, args=(nid, vkey),
             format_func=lambda o: "unknown" if o == UNKNOWN else (
                 unsure_label(node) if "|" in o else node.state_label(o)))
    st.caption("Setting a finding here adds it to the interview's answers; every colour in "
               "the picture then updates.")


def draw(m: Any, ts: TeachState) -> None:
    ev = ts.evidence
    a, b = st.columns([3, 1])
    with a:
        center = focus_picker(m, ts, ev, "teach_net_focus")
    with b:
        depth = st.segmented_control("Reach", [1, 2], key="teach_net_depth", default=1,
                                     format_func=lambda d: f"{d} step{'s' * (d > 1)}")
    if center is None:
        st.info("Nothing is left unobserved to centre the picture on.", icon=":material/info:")
        return
    shown = neighbourhood(m, center, int(depth or 1))
    top = list(app_services.diagnoses(m, evidence_key(ev))["id"].head(5))
    dot = network_dot(m, center, ev, top, depth=int(depth or 1), shift=shift(m, ev, shown))
    pic, side = st.columns([3, 1], gap="medium")
    with pic:
        st.graphviz_chart(dot, width="stretch")
    with side:
        control(m, ts, ev, shown)
    st.caption("Each node shows its probability of being present before any evidence → now, "
               "and is filled by how much its odds moved (legend under the picture: green less "
               "likely, orange more). Blue: entered. Outlined: in the top five (red: serious). "
               "Thick outline: the focus. Dashed: a hidden mechanism.")
