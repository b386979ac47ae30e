"""Predict first: on a teaching case or the current interview, the learner gives probabilities
(or a ranking) for a few entries BEFORE the model's answer is shown; then the scores against the
exact posterior (:mod:`model.scoring`: Brier, log score, Kendall's tau), over/under per entry,
a calibration picture across the session's forecasts and a CSV of the learner's results."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pandas as pd
import streamlit as st

from model.scoring import calibration, score_ranking

from .. import services as app_services
from ..panels.cases import neutral_label
from ..state import evidence_key, item_text, read_evidence
from ..ui import fmt_p
from . import services, session
from .state import Result, TeachState

ENTRIES = 5  # how many entries a learner forecasts
STYLES = {"probability": "Probabilities", "rank": "A ranking"}
SOURCES = {"case": "A teaching case", "interview": "The current interview"}


def cases(m: Any) -> list[tuple[int, dict]]:
    """(number in the case file, case) for the cases whose answer can be forecast: a condition
    or state not in the case's own evidence."""
    try:
        every = app_services.teaching_cases(m)
    except Exception:  # e.g. a small network the cases do not fit
        return []
    return [(i, c) for i, c in enumerate(every)
            if str(c.get("diagnosis")) in m.nodes and c["diagnosis"] not in c["evidence"]
            and m.nodes[c["diagnosis"]].role in ("condition", "state")]


def current_case(m: Any, ts: TeachState) -> tuple[int, dict] | None:
    return next(((i, c) for i, c in cases(m) if c["id"] == ts.case_id), None)


def forecast_evidence(m: Any, ts: TeachState) -> dict | None:
    if ts.predict_source == "interview":
        return ts.evidence if ts.start else None
    found = current_case(m, ts)
    if found is None:
        return None
    ev, problems = read_evidence(m, found[1].get("evidence") or {})
    return None if problems else ev


def forecast_entries(m: Any, ev: dict, case: dict | None) -> list[str]:
    """A few unobserved diagnoses to forecast, alphabetically (the order gives nothing away):
    the case's answer and its acceptable alternatives, the model's top three, and the most
    likely serious entry."""
    diag = app_services.diagnoses(m, evidence_key(ev))
    pool = set(diag["id"])
    want: list[str] = []
    if case is not None:
        want += [str(case.get("diagnosis"))] + [str(x) for x in case.get("top3") or []]
    want += list(diag["id"].head(3))
    serious = diag[diag["serious"]]
    if len(serious):
        want.append(str(serious.iloc[0]["id"]))
    chosen: list[str] = []
    for n in want:
        if n in pool and n not in chosen and len(chosen) < ENTRIES:
            chosen.append(n)
    return sorted(chosen, key=lambda n: m.nodes[n].label.lower())


# -- callbacks ---------------------------------------------------------------------------------


@session.safe
def on_source() -> None:
    ts = session.state()
    src = st.session_state.get("teach_source")
    if src in SOURCES:
        ts.predict_source = src
        ts.new_forecast()


@session.safe
def on_pick() -> None:
    ts = session.state()
    ts.case_id = st.session_state.get("teach_case")
    ts.new_forecast()


@session.safe
def on_next() -> None:
    m = app_services.get_model()
    ts = session.state()
    if ts.predict_source == "case":
        ids = [c["id"] for _, c in cases(m)]
        if ids:
            i = ids.index(ts.case_id) + 1 if ts.case_id in ids else 0
            ts.case_id = ids[i % len(ids)]
    ts.new_forecast()


@session.safe
def on_commit(entries: list[str], on: str) -> None:
    """Score the learner's forecast against the exact posterior and reveal the answer."""
    m = app_services.get_model()
    ts = session.state()
    ss = st.session_state
    ev = forecast_evidence(m, ts)
    if ev is None:
        return
    style = ss.get("teach_style") or "probability"
    if style == "rank":
        order = list(ss.get(f"teach_rank_{ts.serial}") or [])
        if len(order) < 2:
            ts.say("warning", "Rank at least two entries, most likely first, then commit.")
            return
        post = app_services.posterior(m, evidence_key(ev), tuple(entries))
        exact = {n: m.present_probability(n, post[n]) for n in entries}
        tau = score_ranking(order, exact)
        model_order = sorted(order, key=lambda n: -exact[n])
        ts.forecasts += 1
        for rank, n in enumerate(order, start=1):
            right = model_order.index(n) + 1
            verdict = "same place" if right == rank else ("ranked too high" if rank < right
                                                          else "ranked too low")
            ts.results.append(Result(ts.forecasts, on, "rank", n, m.nodes[n].label,
                                     float(rank), exact[n], verdict, kendall_tau=tau))
        ts.last = {"kind": "rank", "order": order, "model_order": model_order, "tau": tau,
                   "exact": exact}
    else:
        stated = {}
        for n in entries:
            v = ss.get(f"teach_p_{ts.serial}_{n}")
            if v is None:
                ts.say("warning", f"Give a probability for {m.nodes[n].label} (0 to 100%), "
                       "then commit.")
                return
            stated[n] = float(v) / 100
        df = services.score(m, evidence_key(ev), stated)
        ts.forecasts += 1
        for r in df.itertuples(index=False):
            ts.results.append(Result(ts.forecasts, on, "probability", r.id, r.label, r.stated,
                                     r.exact, r.verdict, df.attrs["brier"],
                                     df.attrs["log_score"]))
        ts.last = {"kind": "probability", "df": df}
    ts.revealed = True


@session.safe
def on_explore() -> None:
    """Take the case's evidence into the interview (and naive-vs-exact, the network)."""
    m = app_services.get_model()
    ts = session.state()
    found = current_case(m, ts)
    if found is None:
        return
    ev, problems = read_evidence(m, found[1].get("evidence") or {})
    if not problems:
        session.change(m, lambda t: t.begin(ev))
        ts.mode = "naive"


# -- drawing -----------------------------------------------------------------------------------


def calibration_spec(results: pd.DataFrame) -> dict:
    """Stated against exact, one point per entry, the binned means and the diagonal."""
    points = [{"stated": float(r.stated), "exact": float(r.exact), "label": r.label,
               "layer": "an entry"} for r in results.itertuples()]
    cal = calibration([(p["stated"], p["exact"]) for p in points])
    binned = [{"stated": float(r.mean_stated), "exact": float(r.mean_exact),
               "label": f"{r.bin} (n={r.n})", "layer": "mean of a bin"}
              for r in cal.itertuples()]
    axis = {"type": "quantitative", "scale": {"domain": [0, 1]}, "axis": {"format": "%"}}
    return {
        "usermeta": {"chart": "calibration"},
        "height": 260,
        "data": {"values": points + binned},
        "layer": [
            {"data": {"values": [{"stated": 0, "exact": 0}, {"stated": 1, "exact": 1}]},
             "mark": {"type": "line", "color": "#94a3b8", "strokeDash": [4, 4]},
             "encoding": {"x": {"field": "stated", **axis}, "y": {"field": "exact", **axis}}},
            {"mark": {"type": "point", "filled": True, "size": 70},
             "encoding": {
                 "x": {"field": "stated", "title": "You said", **axis},
                 "y": {"field": "exact", "title": "The network", **axis},
                 "color": {"field": "layer", "title": None,
                           "scale": {"domain": ["an entry", "mean of a bin"],
                                     "range": ["#60a5fa", "#c2410c"]}},
                 "shape": {"field": "layer", "title": None},
                 "tooltip": [{"field": "label"}, {"field": "stated", "format": ".1%"},
                             {"field": "exact", "format": ".1%"}]}}],
    }


def results_frame(ts: TeachState) -> pd.DataFrame:
    return pd.DataFrame([asdict(r) for r in ts.results],
                        columns=list(Result.__dataclass_fields__))


def session_record(ts: TeachState) -> None:
    st.markdown("**Your forecasts this session**")
    df = results_frame(ts)
    if df.empty:
        st.caption("None yet: commit a forecast to start your calibration picture.")
        return
    probs = df[df["kind"] == "probability"]
    st.caption(f"{ts.forecasts} forecast{'s' * (ts.forecasts != 1)}, {len(df)} entries. Points "
               "above the dashed line: you said less than the network (under-estimated); "
               "below: more (over-estimated).")
    if len(probs):
        per = probs.drop_duplicates("forecast")
        a, b = st.columns(2)
        a.metric("Mean Brier score", f"{per['brier'].mean():.3f}", help="0 is perfect")
        b.metric("Mean log score", f"{per['log_score'].mean():.3f} bits", help="0 is perfect")
        st.vega_lite_chart(calibration_spec(probs), width="stretch", key="teach_calibration")
    st.download_button("Download my results (CSV)", df.to_csv(index=False).encode(),
                       file_name="twitchdx-forecasts.csv", mime="text/csv",
                       icon=":material/download:", key="teach_csv")


def reveal(m: Any, ts: TeachState, case: dict | None) -> None:
    last = ts.last or {}
    if last.get("kind") == "probability":
        df = last["df"]
        st.markdown(f"**Brier score {df.attrs['brier']:.3f}, log score "
                    f"{df.attrs['log_score']:.3f} bits** (0 is perfect for both)")
        words = {"over": "over-estimated", "under": "under-estimated", "close": "close"}
        st.table(pd.DataFrame({
            "Entry": df["label"], "You": df["stated"].map(fmt_p),
            "The network": df["exact"].map(fmt_p),
            "Difference": df["difference"].map(lambda d: f"{100 * d:+.1f} points"),
            "Verdict": df["verdict"].map(words)}), hide_index=True, border="horizontal")
        if df.attrs.get("clipped"):
            st.caption("A 0% or 100% was counted as 0.01% or 99.99% for the log score (a "
                       "certain miss would score infinitely badly).")
    elif last.get("kind") == "rank":
        st.markdown(f"**Kendall's tau {last['tau']:+.2f}** (1: your order is the network's; "
                    "−1: reversed)")
        exact = last["exact"]
        st.table(pd.DataFrame({
            "Your rank": range(1, len(last["order"]) + 1),
            "You": [m.nodes[n].label for n in last["order"]],
            "The network's order": [m.nodes[n].label for n in last["model_order"]],
            "Its probability": [fmt_p(exact[n]) for n in last["model_order"]]}),
            hide_index=True, border="horizontal")
    if case is not None:
        dx = str(case.get("diagnosis") or "")
        if dx in m.nodes:
            st.markdown(f"**The source's diagnosis:** {m.nodes[dx].label}")
        if case.get("source_diagnosis"):
            st.text(str(case["source_diagnosis"]))
        src = case.get("source") or {}
        if isinstance(src, dict) and src.get("citation"):
            st.caption("Source: " + str(src["citation"]))


def forecast_form(m: Any, ts: TeachState, entries: list[str], on: str) -> None:
    style = st.session_state.get("teach_style") or "probability"
    # A form: typing a number does not rerun the page, so a value entered just before the
    # commit click is never lost to a rerun that redraws the inputs.
    with st.form(key=f"teach_forecast_form_{ts.serial}", border=False, enter_to_submit=False):
        if style == "rank":
            st.multiselect("Pick them in order, most likely first", entries,
                           key=f"teach_rank_{ts.serial}", format_func=lambda n: m.nodes[n].label)
        else:
            cols = st.columns(min(len(entries), 3))
            for i, n in enumerate(entries):
                cols[i % len(cols)].number_input(
                    f"{m.nodes[n].label} (%)", min_value=0.0, max_value=100.0, value=None,
                    step=1.0, format="%.0f", key=f"teach_p_{ts.serial}_{n}",
                    placeholder="0–100")
        st.form_submit_button("Commit my forecast and show the answer", type="primary",
                              on_click=on_commit, args=(entries, on), icon=":material/lock:",
                              key="teach_commit")


def draw(m: Any, ts: TeachState) -> None:
    st.session_state["teach_source"] = ts.predict_source
    st.segmented_control("Forecast on", list(SOURCES), key="teach_source",
                         format_func=SOURCES.get, on_change=on_source)
    case = None
    on = "interview"
    if ts.predict_source == "case":
        all_cases = cases(m)
        if not all_cases:
            st.info("No teaching cases fit this knowledge base.", icon=":material/info:")
            return
        labels = {c["id"]: neutral_label(m, i, c) for i, c in all_cases}
        if ts.case_id not in labels:
            ts.case_id = all_cases[0][1]["id"]
        st.session_state["teach_case"] = ts.case_id
        st.selectbox("Teaching case", list(labels), key="teach_case", format_func=labels.get,
                     on_change=on_pick)
        case = current_case(m, ts)[1]
        on = labels[ts.case_id]
    ev = forecast_evidence(m, ts)
    if ev is None:
        st.info("Start an interview first (or forecast on a teaching case).",
                icon=":material/info:")
        return
    st.markdown("**What is known:**\n" + "\n".join(f"- {item_text(m, k, v)}"
                                                    for k, v in ev.items()))
    entries = forecast_entries(m, ev, case)
    if not entries:
        st.info("Nothing is left to forecast for this evidence.", icon=":material/info:")
        return
    with st.container(border=True, key="teach_forecast"):
        st.markdown("**Your forecast, before the answer.** How likely is each of these to be "
                    "present? (They are not exclusive: several can be present at once.)")
        st.segmented_control("How", list(STYLES), key="teach_style", default="probability",
                             format_func=STYLES.get, disabled=ts.revealed)
        if ts.revealed:  # the inputs' values are in the answer's "You" column below
            st.caption("Committed: your forecast and the network's answer are below.")
        else:
            forecast_form(m, ts, entries, on)
    if ts.revealed:
        with st.container(border=True, key="teach_revealed"):
            reveal(m, ts, case)
            a, b = st.columns(2)
            a.button("Next case" if ts.predict_source == "case" else "Forecast again",
                     on_click=on_next, icon=":material/skip_next:", key="teach_next")
            if case is not None:
                b.button("Explore this case: naive versus exact", on_click=on_explore,
                         icon=":material/calculate:", key="teach_explore")
    session_record(ts)
