"""Teaching cases: a neutral label (no diagnosis in it), the case's evidence entered, and the
source's answer behind a reveal that starts closed for every case loaded. The rank the reveal
states is the rank on the page: in the differential for a diagnosis, in the likely causes for
an entered exposure."""

from __future__ import annotations

from typing import Any

import streamlit as st

import model

from .. import services, session
from ..state import Scenario, evidence_key, read_evidence
from ..ui import fmt_p


def neutral_label(m: Any, index: int, case: dict) -> str:
    """'Case 7 · 40–64 years, male · 6 findings' (built from the evidence, never the title,
    which may name the answer)."""
    ev = case.get("evidence") or {}
    who = [m.nodes[k].state_label(str(ev[k])) for k in ("age", "sex")
           if k in ev and k in m.nodes]
    n = len([k for k in ev if k not in ("age", "sex")])
    return f"Case {index + 1} · " + ", ".join(who or ["adult"]) + f" · {n} findings"


@session.safe
def on_pick() -> None:
    m = services.get_model()
    sc = session.scenario()
    case_id = st.session_state.get("case_pick")
    cases = {c["id"]: c for c in services.teaching_cases(m)}
    case = cases.get(case_id)
    if case is None:
        return
    ev, problems = read_evidence(m, case.get("evidence") or {})
    if problems:
        sc.say("error", "This teaching case does not fit the loaded knowledge base.",
               "; ".join(problems))
        return
    if session.check(m, ev, "The teaching case"):
        sc.load_case(case_id, ev, "Loaded a teaching case")
        session.sync_widgets(m, sc.evidence)


def picker(m: Any, sc: Scenario) -> None:
    try:
        cases = services.teaching_cases(m)
    except (ImportError, model.TwitchDxError):
        return  # e.g. a small test network the cases do not fit
    if not cases:
        return
    labels = {c["id"]: neutral_label(m, i, c) for i, c in enumerate(cases)}
    with st.sidebar.expander(f"Teaching cases ({len(cases)})", icon=":material/menu_book:",
                             expanded=False):
        st.selectbox("Teaching case", list(labels), index=None, key="case_pick",
                     format_func=labels.get, placeholder="Choose a sourced case…",
                     on_change=on_pick, label_visibility="collapsed")
        st.caption("Picking a case enters its findings; its diagnosis stays hidden until "
                   "you reveal it.")


def card(m: Any, sc: Scenario) -> None:
    if not sc.case_id:
        return
    cases = services.teaching_cases(m)
    index = next((i for i, c in enumerate(cases) if c["id"] == sc.case_id), None)
    if index is None:
        return
    case = cases[index]
    with st.container(border=True):
        st.markdown(f"**Teaching case: {neutral_label(m, index, case)}**")
        ev, _ = read_evidence(m, case.get("evidence") or {})
        if ev != sc.evidence:
            st.caption("You have changed the case's evidence since loading it.")
        else:
            st.caption("Its findings are entered; what would you think, and what would you "
                       "ask next? Then reveal the source's answer.")
        # a new key for every case loaded: the reveal starts closed; drawn only when opened
        box = st.expander("Reveal the source's diagnosis", key=f"reveal_{sc.case_serial}",
                          on_change="rerun")
        with box:
            if box.open:
                reveal(m, sc, case)


def reveal(m: Any, sc: Scenario, case: dict) -> None:
    dx = str(case.get("diagnosis") or "")
    if dx and dx in m.nodes:
        st.markdown(f"**Diagnosis:** {m.nodes[dx].label}")
        st.markdown(rank_text(m, sc, dx))
    also = case.get("also_acceptable") or []
    if also:
        st.markdown("**Also acceptable:** " + ", ".join(
            m.nodes[str(a)].label for a in also if str(a) in m.nodes))
    if case.get("title"):
        st.markdown(f"**The source's case:** {case['title']}")
    if case.get("summary"):
        st.text(str(case["summary"]))
    if case.get("source_diagnosis"):
        st.text("The publication's diagnosis: " + str(case["source_diagnosis"]))
    src = case.get("source") or {}
    if isinstance(src, dict) and src.get("citation"):
        st.caption("Source: " + str(src["citation"]) + (f" — {src['url']}"
                                                         if src.get("url") else ""))


def rank_text(m: Any, sc: Scenario, dx: str) -> str:
    key = evidence_key(sc.evidence)
    if dx in sc.evidence:
        causes = services.causes(m, key)
        hit = causes.index[causes["id"] == dx]
        if len(hit):
            return (f"It is entered in the evidence; it ranks **#{int(hit[0]) + 1}** in "
                    "*Likely causes* "
                    f"({fmt_p(causes.loc[hit[0], 'causing'])}).")
        return "It is entered in the evidence."
    diag = services.diagnoses(m, key)
    hit = diag.index[diag["id"] == dx]
    if len(hit):
        return (f"Now ranked **#{int(hit[0]) + 1}** in the differential "
                f"({fmt_p(diag.loc[hit[0], 'probability'])}).")
    full = services.differential(m, key)
    hit = full.index[full["id"] == dx]
    if len(hit):
        return (f"An exposure not entered: {fmt_p(full.loc[hit[0], 'probability'])} with "
                "this evidence (exposures are not in the differential chart).")
    return ""
