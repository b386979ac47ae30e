"""Out of 1,000 people with this presentation: natural frequencies of the top diagnoses (the
same entries as the differential) and an icon array for the focus entry."""

from __future__ import annotations

from typing import Any

import streamlit as st

from model.present.charts import COLOURS, category, icon_array_spec
from model.present.format import natural_frequency

from .. import services
from ..state import Scenario, evidence_key
from ..ui import chart, fmt_p


def draw(m: Any, sc: Scenario, target: str) -> None:
    df = services.diagnoses(m, evidence_key(sc.evidence))
    st.markdown("Out of **1,000 people with this presentation**, the model expects:")
    st.markdown("\n".join(
        f"- **{r.label}**: {natural_frequency(float(r.probability))}"
        f" (before any evidence: {natural_frequency(float(r.prior))})"
        for r in df.head(6).itertuples(index=False)))
    full = services.differential(m, evidence_key(sc.evidence))
    row = full[full["id"] == target]
    if row.empty:
        st.caption(f"{m.nodes[target].label} is entered, so it is not estimated; pick another "
                   "entry to explain.")
        return
    r = row.iloc[0]
    p = float(r["probability"])
    count = round(p * 1000)
    colour = COLOURS[category(bool(r["serious"]))]
    st.markdown(f"**{r['label']}**: {natural_frequency(p)} people like this ({fmt_p(p)}).")
    chart(icon_array_spec(count, 1000, colour, f"have {r['label']} ({count:,})"),
          key="chart_icons", width="content")
    if 0 < p * 1000 < 1:
        st.caption(f"Rarer than 1 in 1,000: {natural_frequency(p, 100_000)} people like this.")
