"""Exposures the patient was not asked about, shown only where the evidence moved them (e.g.
diabetes after a neuropathy picture); the rest sit at their population frequency."""

from __future__ import annotations

from typing import Any

import streamlit as st

from model.present.format import format_ratio

from .. import services
from ..state import Scenario, evidence_key
from ..ui import fmt_p

MIN_CHANGE = 0.02  # absolute
MIN_RATIO = 1.3  # or its inverse


def moved(m: Any, sc: Scenario):
    df = services.differential(m, evidence_key(sc.evidence))
    ex = df[df["role"] == "exposure"].copy()
    change = (ex["probability"] - ex["prior"]).abs()
    ratio = ex["probability"] / ex["prior"].where(ex["prior"] > 0)
    keep = (change >= MIN_CHANGE) & ((ratio >= MIN_RATIO) | (ratio <= 1 / MIN_RATIO))
    return ex[keep].assign(ratio=ratio[keep])


def draw(m: Any, sc: Scenario) -> None:
    if not sc.evidence:
        return
    ex = moved(m, sc)
    if ex.empty:
        return
    st.markdown("#### Exposures the evidence points to")
    st.caption("Not asked about yet; shown because the evidence moved them from their "
               "population frequency. Asking about them is cheap.")
    st.markdown("\n".join(
        f"- **{r.label}**: {fmt_p(r.prior)} → **{fmt_p(r.probability)}** "
        f"({format_ratio(float(r.ratio))})" for r in ex.head(5).itertuples(index=False)))
