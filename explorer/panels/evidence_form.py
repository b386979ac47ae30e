"""The evidence form (sidebar): a search box that sets any answer in place, then the items in
tabs so examination findings and tests are one click away (not below the history)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import streamlit as st

from .. import services, session
from ..state import UNKNOWN, Scenario, entry_ids, is_multi, unsure_label, unsure_states

SYNONYMS = Path(__file__).resolve().parents[1] / "synonyms.yaml"
LONG_ANSWERS = 34  # characters of all answers together: longer gets a radio list (wraps)
TABS = ("Patient", "Exam", "History", "Exposures", "Tests")
SUBHEADS = {"blood_test": "Blood tests", "specialist_test": "Specialist tests",
            "Medications": "Medications", "Lifestyle and exposures": "Lifestyle"}


@lru_cache(maxsize=1)
def synonyms() -> dict[str, list[str]]:
    from ruamel.yaml import YAML

    doc = YAML(typ="safe").load(SYNONYMS.read_text(encoding="utf-8")) or {}
    return {str(k): [str(x) for x in v] for k, v in doc.items()}


def tab_of(node: Any) -> str:
    if node.group in ("Patient", "The twitching"):
        return "Patient"
    if node.group in ("Lifestyle and exposures", "Medications"):
        return "Exposures"
    if node.group == "Tests":
        return "Tests"
    return "Exam" if node.cost == "examination" else "History"


def options(m: Any, node: Any) -> list[str]:
    opts = [UNKNOWN, *node.states]
    if is_multi(node) and services.sets_supported(m):
        opts.append("|".join(unsure_states(node)))
    return opts


def option_label(node: Any, option: str) -> str:
    if option == UNKNOWN:
        return UNKNOWN
    if "|" in option:
        return unsure_label(node)
    return node.state_label(option)


def widget(m: Any, node: Any) -> None:
    """One item: "unknown" plus its answers in plain words, one click to set."""
    opts = options(m, node)

    def fmt(o: str) -> str:
        return option_label(node, o)

    common = {"key": session.widget_key(node.id), "format_func": fmt, "help": node.description,
              "on_change": session.on_item, "args": (node.id,)}
    if sum(len(fmt(o)) for o in opts) > LONG_ANSWERS:
        st.radio(node.label, opts, **common)
    else:
        st.segmented_control(node.label, opts, required=True, width="stretch", **common)


def search_options(m: Any) -> dict[str, str]:
    """'node=state' → 'Label: answer · synonyms' for every answer of every entry item."""
    out = {}
    syn = synonyms()
    for nid in entry_ids(m):
        node = m.nodes[nid]
        extra = f"  ·  {', '.join(syn[nid])}" if nid in syn else ""
        for o in options(m, node)[1:]:
            out[f"{nid}={o}"] = f"{node.label}: {option_label(node, o)}{extra}"
    return out


def draw(m: Any, sc: Scenario) -> None:
    with st.sidebar:
        top = st.columns([3, 2], vertical_alignment="center")
        top[0].markdown(f"**Presentation** · {len(sc.evidence)} entered")
        top[1].button("Reset", key="reset", icon=":material/restart_alt:",
                      on_click=session.on_reset, help="Set every item back to unknown",
                      width="stretch")
        found = search_options(m)
        st.selectbox("Find a finding", list(found), index=None, key="search",
                     format_func=found.get, filter_mode="contains",
                     placeholder="Type a finding, e.g. reflexes, wasting, EMG…",
                     on_change=session.on_search, label_visibility="collapsed")
        by_tab: dict[str, list[Any]] = {t: [] for t in TABS}
        for nid in entry_ids(m):
            by_tab[tab_of(m.nodes[nid])].append(m.nodes[nid])
        counts = {t: sum(1 for n in nodes if n.id in sc.evidence)
                  for t, nodes in by_tab.items()}
        tabs = st.tabs([t for t in TABS], key="form_tab")
        for name, tab in zip(TABS, tabs, strict=True):
            with tab:
                if counts[name]:
                    st.caption(f"{counts[name]} entered here")
                sub = None
                nodes = by_tab[name]
                if name in ("Tests", "Exposures"):
                    nodes = sorted(nodes, key=lambda n: (n.cost or "", n.group) if name ==
                                   "Tests" else (n.group != "Lifestyle and exposures",))
                for node in nodes:
                    head = SUBHEADS.get(node.cost if name == "Tests" else node.group)
                    if name in ("Tests", "Exposures") and head and head != sub:
                        st.markdown(f"**{head}**")
                        sub = head
                    widget(m, node)
