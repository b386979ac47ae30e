"""What to ask next: unobserved items ranked by expected information for the chosen goal,
each answerable right from its row; and for a chosen item, what each answer would do to the
serious conditions and to the entries it moves most."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model.present.format import arrow, cost_name

from .. import services, session
from ..state import Scenario, evidence_key
from ..ui import fmt_p as fmt
from .evidence_form import option_label, options

GOALS = {"entropy": "Narrow the whole differential", "serious": "Rule serious disease in or out"}
ROWS = 10
MOVERS = 4
SERIOUS = 3


def outcome_entries(out: pd.DataFrame, m: Any, goal: str) -> list[str]:
    """The entries worth showing for a test: the serious conditions it could change most and
    the entries it moves most under any answer (not just the current top)."""
    change = (out["probability"] - out["now"]).abs().groupby(out["id"]).max()
    high = out.groupby("id")["probability"].max()
    serious = [n for n in change.index if m.nodes[n].serious]
    serious = sorted(serious, key=lambda n: (-(change[n] + high[n])))[:SERIOUS]
    movers = [n for n in change.sort_values(ascending=False).index if n not in serious]
    movers = movers[:MOVERS]
    return serious + movers if goal == "serious" else movers + serious


def draw(m: Any, sc: Scenario) -> None:
    key = evidence_key(sc.evidence)
    goal = st.radio("Goal", list(GOALS), format_func=GOALS.get, horizontal=True,
                    key="next_objective")
    df = services.next_tests(m, key, goal)
    if df is None or len(df) == 0:
        st.caption("Every item has been entered.")
        return
    show = df.head(ROWS)
    st.caption("Ranked by the expected information the answer gives about the goal, in bits "
               "(1 bit halves the uncertainty; near 0, the answer would change little). "
               "Answer any row right here.")
    head = st.columns([5, 2, 6])
    head[0].markdown("**Ask or test**")
    head[1].markdown("**Information**")
    head[2].markdown("**Answer**")
    for r in show.itertuples(index=False):
        node = m.nodes[r.id]
        c = st.columns([5, 2, 6], vertical_alignment="center")
        c[0].markdown(f"{node.label}  \n:gray[{cost_name(node.cost)}]")
        c[1].markdown(f"{float(r.information_gain):.3f} bits")
        k = f"ask_{r.id}_{sc.revision}"
        # wrap=True: directly in a column Streamlit would keep the pills on one scrolling row,
        # cutting long test results off at the edge
        c[2].pills(node.label, options(m, node)[1:], key=k,
                   format_func=lambda o, n=node: option_label(n, o),
                   on_change=session.on_answer, args=(r.id, k),
                   label_visibility="collapsed", wrap=True)
    rest = sorted((n for n in df["id"] if n not in set(show["id"])),
                  key=lambda n: m.nodes[n].label.lower())
    ids = [*show["id"], *rest]  # the suggestions first, then any other item
    cand = st.selectbox("What would each answer do?", ids, index=0,
                        key=f"next_candidate_{goal}_{sc.revision}",
                        format_func=lambda n: m.nodes[n].label)
    outcome_cards(m, sc, cand, goal)


def outcome_cards(m: Any, sc: Scenario, finding: str, goal: str) -> None:
    out = services.test_outcomes(m, evidence_key(sc.evidence), finding)
    if out.empty:
        return
    keep = outcome_entries(out, m, goal)
    node = m.nodes[finding]
    groups = list(out.groupby("outcome", sort=False))
    cols = st.columns(min(3, max(1, len(groups))))
    for i, (outcome, grp) in enumerate(groups):
        rows = grp.set_index("id")
        with cols[i % len(cols)], st.container(border=True):
            p_out = float(grp["outcome_probability"].iloc[0])
            st.markdown(f"**If {node.label}: {node.state_label(str(outcome))}** "
                        f"(chance {fmt(p_out)})")
            lines = []
            for nid in keep:
                r = rows.loc[nid]
                badge = " :red-badge[serious]" if m.nodes[nid].serious else ""
                lines.append(f"- {r['label']}{badge}: {fmt(r['now'])} "
                             f"{arrow(float(r['now']), float(r['probability']))} "
                             f"**{fmt(r['probability'])}**")
            st.markdown("\n".join(lines))
    st.caption("Each card: the serious conditions this answer could change most and the "
               "entries it moves most, now → after that answer.")
