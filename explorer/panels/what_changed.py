"""What changed: the diagnoses that moved most with the last change, with × and ÷ ratios."""

from __future__ import annotations

from typing import Any

import streamlit as st

from model.present.format import arrow, moved_text, what_moved

from .. import services
from ..state import Scenario, evidence_key


def draw(m: Any, sc: Scenario) -> None:
    st.markdown("#### What changed")
    prev, ev = sc.previous, sc.evidence
    if prev is None or prev == ev:
        st.caption("Change any item and the diagnoses that moved most appear here.")
        return
    before = services.diagnoses(m, evidence_key(prev))
    after = services.diagnoses(m, evidence_key(ev))
    st.caption(f"After: {sc.change_note}")
    lines = []
    for r in what_moved(before, after, top=6).to_dict("records"):
        a = arrow(r["before"], r["after"])
        colour = "red" if a == "↑" else "green" if a == "↓" else "gray"
        lines.append(f"- :{colour}[**{a}**] **{r['label']}**: {moved_text(r)}")
    st.markdown("\n".join(lines))
