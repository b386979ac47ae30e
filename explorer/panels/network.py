"""The network around a node: its causes and effects in columns by role (one DOT builder,
:func:`model.present.network.network_dot`, shared with the notebooks)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from model.present.network import network_dot

from .. import services
from ..state import Scenario, evidence_key


def draw(m: Any, sc: Scenario, nid: str) -> None:
    st.markdown("**The network around it**")
    depth = st.segmented_control("Reach", [1, 2], key="net_depth", default=1,
                                 format_func=lambda d: f"{d} step{'s' * (d > 1)}")
    top = list(services.diagnoses(m, evidence_key(sc.evidence))["id"].head(5))
    dot = network_dot(m, nid, sc.evidence, top, depth=int(depth or 1))
    st.graphviz_chart(dot, width="stretch")
    st.caption("Arrows run from cause to effect, in columns from the patient to the findings. "
               "Blue: entered. Orange: in the top five of the differential (red outline: "
               "serious). Dashed: a hidden mechanism. Thick outline: the chosen node. Two "
               "steps shows the nearest nodes only, so the picture stays readable.")
