"""Likely causes of the twitching: for each cause, the probability that it is present and
that the twitching would not be there without it (exact counterfactuals in the model).

A second view beside the differential, not a competing ranking: it answers "what is behind
the twitching", so entered exposures (caffeine) can head it. It sits in its own tab (worked out
only when opened) and runs as a parallel fragment over a bounded cache: the rest of the page
never waits for it."""

from __future__ import annotations

from typing import Any

import streamlit as st

from .. import services
from ..state import Value
from ..ui import fmt_p, panel

CAPTION_DISABLEMENT = (
    "A second view beside the differential (which ranks what is *present*): causes, including "
    "exposures already entered, ranked by how many of the abnormal findings entered would go "
    "away without each (expected disablement). *Twitching would stop*: the probability that it "
    "is present and the twitching would not be there without it.")
CAPTION_CAUSING = (
    "A second view beside the differential (which ranks what is *present*): causes, including "
    "exposures already entered, ranked by the probability that each is present *and* the "
    "twitching would not be there without it.")


@st.fragment(parallel=True)
def _causes(key: tuple[tuple[str, Value], ...]) -> None:
    panel("Likely causes", lambda: _list(key))  # errors are caught inside the fragment


def _list(key: tuple[tuple[str, Value], ...]) -> None:
    m = services.get_model()
    if "fasciculations" in m.nodes and dict(key).get("fasciculations") == "no":
        st.caption("No twitching entered, so there is nothing to explain.")
        return
    df = services.causes(m, key)
    lines = []
    for i, r in enumerate(df.head(8).itertuples(index=False), 1):
        node = m.nodes.get(r.id)
        badge = " :red-badge[serious]" if node is not None and node.serious else ""
        explains = ""
        if hasattr(r, "expected_disablement"):
            explains = f"explains {float(r.expected_disablement):.2f} findings · "
        lines.append(f"{i}. **{r.label}**{badge} — {explains}twitching would stop "
                     f"{fmt_p(r.causing)} · present {fmt_p(r.probability_present)}")
    st.markdown("\n".join(lines))


def draw(m: Any, key: tuple[tuple[str, Value], ...]) -> None:
    m_cols = services.causes_columns(m)
    st.caption(CAPTION_DISABLEMENT if "expected_disablement" in m_cols else CAPTION_CAUSING)
    _causes(key)
