"""Scenario A (pinned) against B (the current one): one chart with both bars per entry, in
the same order, and the items that differ."""

from __future__ import annotations

from typing import Any

import streamlit as st

from model.present.charts import differential_spec
from model.present.format import format_probability

from .. import services, session
from ..state import UNKNOWN, Scenario, evidence_key, item_text, value_text
from ..ui import chart

A, B = "A (pinned)", "B (now)"


def rows(m: Any, sc: Scenario, n: int) -> list[dict]:
    da = services.diagnoses(m, evidence_key(sc.pinned or {})).set_index("id")
    db = services.diagnoses(m, evidence_key(sc.evidence)).set_index("id")
    ids = list(dict.fromkeys([*db.index[:n], *da.index[:n]]))
    out = []
    for nid in ids:
        for kind, d in ((B, db), (A, da)):
            p = float(d.loc[nid, "probability"]) if nid in d.index else 0.0
            out.append({"id": nid, "label": m.nodes[nid].label, "kind": kind,
                        "probability": p, "shown": max(p, 1e-5),
                        "text": format_probability(p),
                        "category": "Serious" if m.nodes[nid].serious
                        else "Benign or self-limiting"})
    return out


def draw(m: Any, sc: Scenario) -> None:
    if sc.pinned is None:
        return
    st.markdown("#### Scenario A / B")
    b1, b2, _ = st.columns([2, 2, 4])
    b1.button("Go back to A", key="restore_pinned", on_click=session.on_restore_pinned,
              icon=":material/undo:", width="stretch")
    b2.button("Unpin A", key="unpin", on_click=session.on_unpin, icon=":material/close:",
              width="stretch")
    n = int(st.session_state.get("n_entries") or 12)
    data = rows(m, sc, n)
    spec = differential_spec(data, log_scale=bool(st.session_state.get("log_scale")),
                             name="compare")
    # the same chart as the differential, with A and B as the two bars of each entry
    for layer in spec["layer"]:
        enc = layer.get("encoding", {})
        if "yOffset" in enc:
            enc["yOffset"]["sort"] = [B, A]
        if "opacity" in enc:
            enc["opacity"]["scale"]["domain"] = [B, A]
        if "transform" in layer:
            layer["transform"] = [{"filter": {"field": "kind", "equal": B}}]
    chart(spec, key="chart_compare")
    differ = sc.differences()
    a = sc.pinned
    st.caption("A: " + ("; ".join(item_text(m, k, v) for k, v in a.items()) or "no evidence"))
    if differ:
        st.caption("B differs from A in: " + "; ".join(
            f"{m.nodes[k].label}: "
            f"{value_text(m.nodes[k], a[k]) if k in a else UNKNOWN} → "
            f"{value_text(m.nodes[k], sc.evidence[k]) if k in sc.evidence else UNKNOWN}"
            for k in differ) + ".")
    else:
        st.caption("A and B have the same evidence: change something to compare.")
