"""Node details: what an entry or finding is, its probability now and before, every number
that produces it and that it produces, with range and source."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model.present.format import citation_text, describe_parameter

from .. import services
from ..state import Scenario, evidence_key, value_text
from ..ui import fmt_p
from . import network


def params_table(m: Any, params: list) -> None:
    """The numbers with their ranges and sources (a static table: text wraps)."""
    if not params:
        st.caption("None.")
        return
    rows = []
    for p in params:
        cite, url = citation_text(m, p)
        rows.append({"What": describe_parameter(m, p), "Value": fmt_p(p.value),
                     "Range": f"{fmt_p(p.low)} – {fmt_p(p.high)}",
                     "Source": cite + (f" — {url}" if url else "")})
    st.table(pd.DataFrame(rows), hide_index=True, border="horizontal")


def draw(m: Any, sc: Scenario, target: str) -> None:
    ev = sc.evidence
    ids = sorted(m.ids, key=lambda n: (m.nodes[n].group, m.nodes[n].label.lower()))
    if st.session_state.get("detail_node") not in ids:
        st.session_state["detail_node"] = target
    nid = st.selectbox("Cause or finding", ids, key="detail_node",
                       format_func=lambda n: f"{m.nodes[n].label} · {m.nodes[n].group}")
    node = m.nodes[nid]
    with st.container():
        badges = f":gray-badge[{node.role}] :gray-badge[{node.group}]"
        if node.role == "condition":
            badges += " :red-badge[serious]" if node.serious else " :green-badge[benign]"
        st.markdown(f"### {node.label}\n{badges} `{node.id}`")
        st.markdown(node.description)
        st.markdown("**States:** " + ", ".join(node.state_label(s) for s in node.states))
        if nid in ev:
            st.markdown(f"**Entered:** {value_text(node, ev[nid])}")
        else:
            post = services.posterior(m, evidence_key(ev), (nid,))[nid]
            prior = m.prior[nid]
            st.markdown("\n".join(
                f"- {node.state_label(s)}: **{fmt_p(post[s])}** now "
                f"(before any evidence {fmt_p(prior[s])})" for s in node.states))
        if node.red_flags:
            st.markdown("**Red flags:** " + "; ".join(
                f"{node.state_label(s)} — {why}" for s, why in node.red_flags.items()))
        if node.note:
            st.caption(node.note)
    network.draw(m, sc, nid)  # full width: the picture stays legible
    st.markdown("**Numbers for this node (what produces it)**")
    params_table(m, [p for p in m.kb.params if p.node == nid])
    outgoing = [p for p in m.kb.params if len(p.path) > 1 and p.path[0] == "links"
                and p.path[1] == nid]
    outgoing += [p for p in m.kb.params if p.path[0] == "rows" and p.node != nid
                 and nid in m.nodes[p.node].rows[int(p.path[1])].when]
    st.markdown("**What it produces (its links to other nodes)**")
    params_table(m, outgoing)
