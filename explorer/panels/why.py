"""Why: how each piece of evidence, in the order entered, moved the focus entry (a log-odds
waterfall with likelihood ratios). For an entered cause (e.g. caffeine), how the evidence made
it the likely cause of the twitching."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model.present.charts import waterfall_rows, waterfall_spec
from model.present.format import format_ratio

from .. import services
from ..state import Scenario, evidence_key, item_text, ordered_key
from ..ui import chart, fmt_p

MAX_CAUSE_STEPS = 6


def draw(m: Any, sc: Scenario, target: str) -> None:
    ev = sc.evidence
    if target in ev:
        entered_cause(m, sc, target)
        return
    if not ev:
        st.caption("Enter some evidence: the waterfall shows how each item moves the entry "
                   "away from how common it is.")
    exp = services.why(m, ordered_key(ev), target)
    prior, post = float(exp.prior), float(exp.posterior)
    st.markdown(f"**{m.nodes[target].label}**: {fmt_p(prior)} before any evidence → "
                f"**{fmt_p(post)}** with it.")
    contrib = exp.contributions
    if contrib is None or len(contrib) == 0:
        return
    steps = []
    for r in contrib.itertuples(index=False):
        nid = str(r.id)
        name = item_text(m, nid, ev[nid]) if nid in ev else str(r.label)
        steps.append({"name": name, "log_odds_change": float(r.log_odds_change),
                      "likelihood_ratio": float(r.likelihood_ratio),
                      "probability_after": float(r.probability_after)})
    chart(waterfall_spec(waterfall_rows(prior, post, steps)), key="chart_why")
    table = pd.DataFrame({
        "Evidence (in the order entered)": [s["name"] for s in steps],
        "Likelihood ratio": [format_ratio(s["likelihood_ratio"]) for s in steps],
        "Probability after": [fmt_p(s["probability_after"]) for s in steps],
    })
    st.table(table, hide_index=True, border="horizontal")
    st.caption("Each item multiplies the odds by its likelihood ratio, in the order entered: "
               "bars to the right raise the probability, bars to the left lower it. The grey "
               "marks are where it started and where it ended, not steps.")


def entered_cause(m: Any, sc: Scenario, target: str) -> None:
    """Why an entered exposure is (or is not) the likely cause of the twitching."""
    ev = sc.evidence
    node = m.nodes[target]
    df = services.causes(m, evidence_key(ev))
    hit = df.index[df["id"] == target]
    if not len(hit):
        st.caption(f"{node.label} is entered; it is not a cause of the twitching in the model, "
                   "so there is nothing to explain here. Pick another entry.")
        return
    row = df.loc[hit[0]]
    st.markdown(f"**{item_text(m, target, ev[target])}** is entered. The model gives it "
                f"**{fmt_p(row['causing'])}** of being what causes the twitching "
                f"(#{int(hit[0]) + 1} of the likely causes).")
    others = [k for k in ev if k != target][:MAX_CAUSE_STEPS]
    if not others or not st.toggle("Show how each item changed it", key="cause_steps",
                                    help="Works the likely causes out once per item; slow"):
        return
    rows, so_far = [], {target: ev[target]}
    first = services.causes(m, evidence_key(so_far))
    p0 = first.loc[first["id"] == target, "causing"]
    rows.append({"Evidence added": item_text(m, target, ev[target]) + " (alone)",
                 "Probability it causes the twitching": fmt_p(p0.iloc[0]) if len(p0) else "–"})
    for k in others:
        so_far[k] = ev[k]
        d = services.causes(m, evidence_key(so_far))
        p = d.loc[d["id"] == target, "causing"]
        rows.append({"Evidence added": item_text(m, k, ev[k]),
                     "Probability it causes the twitching": fmt_p(p.iloc[0]) if len(p) else "–"})
    st.table(pd.DataFrame(rows), hide_index=True, border="horizontal")
    st.caption("Each row adds one more item (in the order entered) and shows how likely the "
               "entered cause is to be behind the twitching: findings another cause explains "
               "better lower it.")
