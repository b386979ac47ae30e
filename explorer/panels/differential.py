"""The headline: the differential of diagnoses (conditions and states), now and before any
evidence. Exposures the patient was not asked about are left out (they sit at their population
frequency); the few the evidence moved are listed beside it (see :mod:`.exposures`)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from model.present.charts import differential_rows, differential_spec, uncertainty_ranges

from .. import services, session
from ..state import Scenario, evidence_key
from ..ui import chart, fmt_p

DONT_MISS = 0.01  # serious entries at or above this are named even when off the chart

CAPTION = ("Ranks **diagnoses** (conditions and states such as low magnesium) by the "
           "probability that each is present with the evidence entered (solid bars); faded "
           "bars are the same before any evidence. Several can be present at once, so they "
           "need not add up to 100%. Red: serious, not to be missed.")


def draw(m: Any, sc: Scenario) -> None:
    ev = sc.evidence
    head = st.columns([3, 2], vertical_alignment="bottom")
    head[0].markdown("#### Differential")
    if sc.pinned is None:
        head[1].button("Pin as scenario A", key="pin", on_click=session.on_pin,
                       icon=":material/push_pin:", width="stretch",
                       help="Keep this scenario to compare with what you change next")
    df = services.diagnoses(m, evidence_key(ev))
    c1, c2, c3 = st.columns([2, 2, 3], vertical_alignment="bottom")
    n = c1.number_input("Entries shown", min_value=1, max_value=max(1, len(df)),
                        value=min(12, max(1, len(df))), key="n_entries")
    log_scale = c2.toggle("Log scale", key="log_scale",
                          help="A log axis spreads out the rare entries")
    unc = c3.toggle("90% uncertainty", key="show_ranges",
                    help="Error bars from sampling every parameter within its literature range "
                         f"({services.UNCERTAINTY_SAMPLES} samples)")
    shown = df.head(int(n))
    ranges = None
    if unc:
        ranges = uncertainty_ranges(services.uncertainty(m, evidence_key(ev)), shown["id"])
    chart(differential_spec(differential_rows(shown), log_scale=log_scale, ranges=ranges),
          key="chart_differential")
    st.caption(CAPTION)
    dont_miss(df, int(n))


def dont_miss(df: Any, n: int) -> None:
    """Serious entries below the entries shown, so none falls off the chart unseen."""
    rest = df.iloc[n:]
    rest = rest[rest["serious"] & (rest["probability"] >= DONT_MISS)]
    if rest.empty:
        return
    st.markdown(":red[**Also serious, below the chart:**] " + "; ".join(
        f"{r.label} {fmt_p(r.probability)} (#{i + 1})"
        for i, r in zip(rest.index, rest.itertuples(index=False), strict=True)))
