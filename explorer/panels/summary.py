"""The header: title, disclaimer, messages and the presentation entered (as badges)."""

from __future__ import annotations

from typing import Any

import streamlit as st

import model

from ..state import Scenario, item_text
from ..ui import show

# No min-width hack on the sidebar (it left a strip over the content when collapsed); only
# tighter spacing.
PAGE_CSS = """
<style>
div.block-container { padding-top: 3rem; }
section[data-testid="stSidebar"] div[data-testid="stVerticalBlock"] { gap: 0.5rem; }
</style>
"""


def header() -> None:
    st.html(PAGE_CSS)
    st.markdown("### TwitchDx :gray[· what-if explorer for muscle twitching]")
    st.caption(model.DISCLAIMER)


def messages(sc: Scenario) -> None:
    for msg in sc.take_messages():
        show(msg)


def presentation(m: Any, sc: Scenario) -> None:
    ev = sc.evidence
    if not ev:
        st.markdown("**Presentation:** nothing entered yet — answer items in the sidebar "
                    "(open it with › on a phone), search for a finding, or pick a teaching "
                    "case. The differential shows the population before any evidence.")
        return
    # labels come from the knowledge base, not from the user
    badges = " ".join(f":blue-badge[{item_text(m, k, v)}]" for k, v in ev.items())
    st.markdown(f"**Presentation ({len(ev)}):** {badges}")
