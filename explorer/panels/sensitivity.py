"""Sensitivity: which literature numbers move the focus entry most (a tornado, each bar one
parameter across its range)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from model.present.charts import tornado_rows, tornado_spec

from .. import services
from ..state import Scenario, evidence_key
from ..ui import chart, fmt_p


def draw(m: Any, sc: Scenario, target: str) -> None:
    ev = sc.evidence
    if target in ev:
        st.caption(f"{m.nodes[target].label} is entered, so no parameter changes it; pick "
                   "another entry to explain.")
        return
    key = evidence_key(ev)
    df = services.sensitivity(m, key, target)
    if df is None or len(df) == 0:
        st.caption("No parameter moves this entry.")
        return
    diff = services.differential(m, key)
    hit = diff[diff["id"] == target]
    base = float(hit["probability"].iloc[0]) if len(hit) else float(
        (df["result_low"].astype(float) + df["result_high"].astype(float)).mean() / 2)
    st.markdown(f"Which literature numbers matter most for **{m.nodes[target].label}** "
                f"(now {fmt_p(base)}): each bar moves one parameter across its range.")
    chart(tornado_spec(tornado_rows(m, df, base), base), key="chart_tornado")
