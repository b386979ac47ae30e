"""Interview mode: from a complaint, the model asks one question, examination or test at a time
(:func:`model.interview.interview`), says why, and stops by its stated rule; then the path, the
number of questions and its efficiency against the greedy best order
(:func:`model.interview.efficiency`), replayable step by step and shareable as a link."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

from model.interview import MAX_QUESTIONS, MIN_GAIN, SETTLE
from model.present.format import cost_name, format_probability

from .. import services as app_services
from ..state import evidence_key, is_multi, item_text, unsure_label, unsure_states, value_text
from ..ui import fmt_p
from . import services, session
from .state import DONT_KNOW, TeachState

COMPLAINT_SITES = ("twitch_legs_calves", "twitch_arms_hands", "twitch_eyelid", "twitch_tongue",
                   "twitch_torso_back", "twitch_face_one_side", "twitch_widespread")
GOAL_NAMES = {"entropy": "The whole differential", "serious": "Serious causes"}


# -- callbacks ---------------------------------------------------------------------------------


@session.safe
def on_begin() -> None:
    """Start an interview from the complaint widgets."""
    m = app_services.get_model()
    ss = st.session_state
    start: dict[str, Any] = {}
    for nid in ("age", "sex"):
        if nid in m.nodes and ss.get(f"cc_{nid}") in m.nodes[nid].states:
            start[nid] = ss[f"cc_{nid}"]
    if "fasciculations" in m.nodes:
        start["fasciculations"] = "yes"
    for nid in ss.get("cc_sites") or []:
        if nid in m.nodes:
            start[nid] = "yes"
    if "twitch_duration" in m.nodes and ss.get("cc_duration") in m.nodes["twitch_duration"].states:
        start["twitch_duration"] = ss["cc_duration"]
    session.change(m, lambda ts: ts.begin(start))


@session.safe
def on_answer(nid: str, key: str) -> None:
    m = app_services.get_model()
    raw = st.session_state.get(key)
    if raw in (None, ""):
        return
    value: Any = None if raw == DONT_KNOW else (tuple(raw.split("|")) if "|" in raw else raw)
    session.change(m, lambda ts: ts.answer(nid, value))


@session.safe
def on_undo() -> None:
    session.state().undo()


@session.safe
def on_restart() -> None:
    ts = session.state()
    ts.begin(ts.start)


# -- drawing -----------------------------------------------------------------------------------


def complaint_form(m: Any, ts: TeachState) -> None:
    """A few widgets for the presenting complaint (default: a 28-year-old man, calves)."""
    ss = st.session_state
    sites = [s for s in COMPLAINT_SITES if s in m.nodes]
    who = [n for n in ("age", "sex") if n in m.nodes]
    for nid, default in (("age", "18_to_39"), ("sex", "male")):
        if nid in m.nodes and default in m.nodes[nid].states:
            ss.setdefault(f"cc_{nid}", default)
    ss.setdefault("cc_sites", sites[:1])
    with st.expander("The complaint", expanded=not ts.start, icon=":material/record_voice_over:"):
        st.caption("Twitching is the complaint. Who is it, and where?")
        for col, nid in zip(st.columns(max(len(who), 1)), who, strict=False):
            with col:
                st.segmented_control(m.nodes[nid].label, list(m.nodes[nid].states),
                                     key=f"cc_{nid}", format_func=m.nodes[nid].state_label)
        if sites:
            st.pills("Where is the twitching?", sites, selection_mode="multi", key="cc_sites",
                     format_func=lambda n: m.nodes[n].label.replace("Twitching in the ", "")
                     .replace("Twitching ", "").replace(" twitching", "").capitalize())
        if "twitch_duration" in m.nodes:
            node = m.nodes["twitch_duration"]
            st.segmented_control("For how long? (leave empty to let the model ask)",
                                 list(node.states), key="cc_duration",
                                 format_func=node.state_label)
        st.button("Start the interview", type="primary", on_click=on_begin,
                  icon=":material/play_arrow:", key="cc_begin")


def settings_row(ts: TeachState) -> None:
    st.session_state["teach_goal"] = ts.goal
    st.session_state["teach_cost"] = ts.cost_aware
    a, b = st.columns([3, 2])
    with a:
        st.segmented_control("Goal", list(GOAL_NAMES), key="teach_goal",
                             format_func=GOAL_NAMES.get, on_change=session.on_goal,
                             help="Narrow the whole differential (entropy), or rule serious "
                                  "disease in or out.")
    with b:
        st.toggle("Cost-aware (a question costs less than a blood test)", key="teach_cost",
                  on_change=session.on_cost)


def answer_options(node: Any, sets: bool = True) -> list[str]:
    opts = list(node.states)
    if sets and is_multi(node):
        opts.append("|".join(unsure_states(node)))
    return opts + [DONT_KNOW]


def option_label(node: Any, opt: str) -> str:
    if opt == DONT_KNOW:
        return "don't know"
    if "|" in opt:
        return unsure_label(node)
    return node.state_label(opt)


def outcomes_table(q: Any) -> pd.DataFrame:
    """Entries as rows; now, and under each answer (with that answer's probability)."""
    out = q.outcomes
    answers = out.drop_duplicates("outcome")[["outcome", "outcome_label", "outcome_probability"]]
    now = out.drop_duplicates("id").set_index("id")
    table = pd.DataFrame({"Entry": now["label"], "Now": now["now"].map(fmt_p)})
    for a in answers.itertuples(index=False):
        col = f"If {a.outcome_label} ({fmt_p(a.outcome_probability)} likely)"
        sub = out[out["outcome"] == a.outcome].set_index("id")["probability"]
        table[col] = sub.reindex(table.index).map(fmt_p)
    return table.reset_index(drop=True)


def question_card(m: Any, ts: TeachState, step: Any) -> None:
    q = step.question
    n = len(ts.path) + 1
    # the learner may ask something else instead; the efficiency score then tells
    own = st.session_state.get(f"teach_own_{ts.revision}")
    asked = own if own in m.nodes else q.id
    node = m.nodes[asked]
    with st.container(border=True, key="teach_question"):
        badge = f":gray-badge[{cost_name(node.cost)}]"
        if asked != q.id:
            badge += " :orange-badge[your choice]"
        st.markdown(f"**Question {n}: {node.label}**  \n{badge}")
        key = f"teach_answer_{ts.revision}"
        st.pills("Answer", answer_options(node, app_services.sets_supported(m)), key=key,
                 format_func=lambda o: option_label(node, o), on_change=on_answer,
                 args=(asked, key), label_visibility="collapsed")
        others = list(step.alternatives["id"])
        st.selectbox("Or ask something else instead", others, index=None,
                     key=f"teach_own_{ts.revision}", placeholder="The model's choice",
                     format_func=lambda i: m.nodes[i].label)
        with st.expander("Why this question?" if asked == q.id else
                         f"Why the model would ask {q.label} instead", icon=":material/help:"):
            st.markdown(f"{step.reason}" + (f" ({q.gain_per_cost:.3f} bits per cost tier)"
                                             if ts.cost_aware else "") + ".")
            if q.separates:
                st.markdown("It separates: " + ", ".join(q.separates) + ".")
            st.markdown("The differential under each answer:")
            st.table(outcomes_table(q), hide_index=True, border="horizontal")
            alt = step.alternatives.head(5)
            if len(alt) > 1:
                st.caption("Also considered: " + "; ".join(
                    f"{r.label} ({r.information_gain:.3f} bits, {cost_name(r.cost)})"
                    for r in alt.iloc[1:].itertuples()))


def now_card(step: Any) -> None:
    st.markdown("**The differential now**")
    top = step.top.head(6)
    st.table(pd.DataFrame({"Entry": top["label"], "Probability": top["probability"]
                               .map(fmt_p)}), hide_index=True, border="horizontal")
    st.caption("Any serious condition or state (red in the differential): "
               f"{format_probability(step.serious_probability)}")


def path_table(m: Any, ts: TeachState) -> pd.DataFrame:
    rows = []
    for i, (k, v) in enumerate(ts.path, start=1):
        node = m.nodes[k]
        rows.append({"Step": i, "Question": node.label,
                     "Answer": "don't know" if v is None else value_text(node, v)})
    return pd.DataFrame(rows, columns=["Step", "Question", "Answer"])


def share_link(ts: TeachState) -> str:
    try:
        base = str(st.context.url or "").split("?")[0]
    except Exception:  # an old Streamlit or a test run without a browser
        base = ""
    return (base or "?") + ("?" if base else "") + urlencode(ts.query(), safe=":,|")


def efficiency_view(m: Any, ts: TeachState) -> None:
    eff = services.efficiency(m, tuple(ts.path), evidence_key(ts.start), ts.goal,
                              ts.cost_aware)
    score = eff.attrs["score"]
    st.metric("Efficiency against the greedy best order", f"{score:.0%}",
              help="At each step, the expected gain of the question asked divided by the best "
                   "expected gain on offer then; the mean over the path. 100% = always the "
                   "best question.")
    label = lambda n: m.nodes[n].label if n in m.nodes else "–"  # noqa: E731
    unit = "bits per cost tier" if ts.cost_aware else "bits"
    st.table(pd.DataFrame({
        "Step": eff["step"], "Asked": eff["id"].map(label),
        f"Expected gain ({unit})": eff["gain"].map(lambda g: f"{g:.3f}"),
        "Best on offer": eff["best_id"].map(label),
        "Its gain": eff["best_gain"].map(lambda g: f"{g:.3f}"),
        "Ratio": eff["ratio"].map(lambda r: f"{r:.0%}")}),
        hide_index=True, border="horizontal")


def replay(m: Any, ts: TeachState) -> None:
    """Step through the path: the differential after each answer."""
    n = len(ts.path)
    if n == 0:
        return
    k = st.slider("Replay: after answer", 0, n, n, key=f"teach_replay_{ts.revision}")
    ev = dict(ts.start)
    for nid, v in ts.path[:k]:
        if v is not None:
            ev[nid] = v
    top = app_services.diagnoses(m, evidence_key(ev)).head(5)
    said = ("the complaint only" if k == 0 else
            item_text(m, ts.path[k - 1][0], ts.path[k - 1][1]) if ts.path[k - 1][1] is not None
            else f"{m.nodes[ts.path[k - 1][0]].label}: don't know")
    st.caption(f"After {k} answer{'s' * (k != 1)} (last: {said})")
    st.table(pd.DataFrame({"Entry": top["label"], "Probability": top["probability"]
                               .map(fmt_p)}), hide_index=True, border="horizontal")


def draw(m: Any, ts: TeachState) -> None:
    complaint_form(m, ts)
    if not ts.start:
        st.info("Describe the complaint and start the interview: the model will ask one "
                "question, examination or test at a time.", icon=":material/info:")
        return
    st.markdown("**Complaint:** " + "; ".join(item_text(m, k, v) for k, v in ts.start.items()))
    settings_row(ts)
    step = services.step(m, evidence_key(ts.evidence), ts.skipped, len(ts.path), ts.goal,
                         ts.cost_aware)
    left, right = st.columns([3, 2], gap="large")
    with left:
        if step.stop:
            with st.container(border=True, key="teach_stopped"):
                st.success(f"The interview stopped: {step.reason}.", icon=":material/flag:")
                st.markdown(f"**Questions asked:** {len(ts.path)}")
                efficiency_view(m, ts)
        else:
            question_card(m, ts, step)
    with right:
        now_card(step)
    st.markdown("**The path so far**")
    if ts.path:
        st.table(path_table(m, ts), hide_index=True, border="horizontal")
    else:
        st.caption("No answers yet.")
    a, b = st.columns(2)
    a.button("Undo the last answer", on_click=on_undo, disabled=not ts.path,
             icon=":material/undo:", key="teach_undo")
    b.button("Start again from the complaint", on_click=on_restart, disabled=not ts.path,
             icon=":material/restart_alt:", key="teach_restart")
    if ts.path:
        if not step.stop:
            box = st.expander("Score the path so far", key=f"teach_score_{ts.revision}",
                              on_change="rerun")
            with box:
                if box.open:
                    efficiency_view(m, ts)
        with st.expander("Replay", icon=":material/replay:"):
            replay(m, ts)
    st.markdown("**Share or replay this interview**")
    st.code(share_link(ts), language=None, wrap_lines=True)
    st.caption("The link holds the complaint and every answer in order; opening it replays "
               "the interview to this point.")
    st.caption(f"Stop rule: the top entry is settled ({SETTLE:.0%} or more; for serious "
               f"causes, P(any serious condition) at most {1 - SETTLE:.0%} or at least "
               f"{SETTLE:.0%}), or no remaining question is worth its cost (the best expected "
               f"gain under {MIN_GAIN} bits{' per cost tier' * ts.cost_aware}), or "
               f"{MAX_QUESTIONS} questions.")
