"""TwitchDx what-if explorer: a Streamlit front end to the TwitchDx model.

Run with ``streamlit run app.py``. The app is a thin client of the model API (``model``): every
probability shown here comes from the model; the app only validates input, arranges and formats.

Environment:
    TWITCHDX_PRIORS  another priors folder (e.g. tests/data/small_kb); loaded without the catalog
                     check, for small teaching or test networks.
    TWITCHDX_CASES   another teaching-cases YAML file (default: model/cases/teaching_cases.yaml).
"""

from __future__ import annotations

import difflib
import json
import logging
import math
import os
import textwrap
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import CancelledError, Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import pandas as pd
import streamlit as st

import model
from model.display import (
    arrow,
    describe_parameter,
    format_probability,
    natural_frequency,
    short_parameter,
)

log = logging.getLogger("twitchdx.app")

ENTRY_GROUPS = ("Patient", "Lifestyle and exposures", "Medications", "The twitching",
                "Other symptoms and signs", "Tests")
GROUP_ICONS = {"Patient": ":material/person:", "Lifestyle and exposures": ":material/local_cafe:",
               "Medications": ":material/medication:", "The twitching": ":material/bolt:",
               "Other symptoms and signs": ":material/stethoscope:",
               "Tests": ":material/biotech:"}
OPEN_GROUPS = ("Patient", "The twitching")
SUBGROUPS = {"question": "History", "examination": "Examination", "blood_test": "Blood tests",
             "specialist_test": "Specialist tests"}
COST_TIERS = {1: "question", 2: "examination", 3: "blood test", 4: "specialist test"}
UNKNOWN = "unknown"
BENIGN, SERIOUS = "Benign or self-limiting", "Serious"
COLOURS = {BENIGN: "#2a9d8f", SERIOUS: "#c2410c"}
NOW, BEFORE = "With this evidence", "Before any evidence"
UNCERTAINTY_SAMPLES = 300
MAX_UPLOAD_BYTES = 64_000
SCENARIO_FORMAT = "twitchdx-scenario/1"
TABS = ["Why", "What to ask next", "Out of 1,000 people", "Sensitivity", "Node details & network"]


class ScenarioError(Exception):
    """A shared link, file or case that does not describe valid evidence (message is friendly)."""


# ============================================================================ model and caches


def priors_path() -> str | None:
    return os.environ.get("TWITCHDX_PRIORS") or None


@st.cache_resource(show_spinner="Building the Bayesian network…")
def get_model(path: str | None) -> model.TwitchModel:
    """Built once per process (per priors folder)."""
    if path:
        return model.load(path, check_catalog=False)
    return model.load()


def evk(ev: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """A hashable, order-independent key for evidence (not for m.why, where order matters)."""
    return tuple(sorted(ev.items()))


@st.cache_data(max_entries=512, show_spinner=False)
def c_differential(key: str | None, ev: tuple, _m: model.TwitchModel) -> pd.DataFrame:
    return _m.differential(dict(ev))


@st.cache_data(max_entries=256, show_spinner=False)
def c_posterior(key: str | None, ev: tuple, _m: model.TwitchModel) -> dict:
    return _m.posterior(dict(ev))


class CausesWorker:
    """Likely causes (m.causes) can take a second or more for a new evidence pattern, far over
    the budget of a rerun. They are worked out on a background thread, with a model instance of
    their own (nothing shared with the script threads); the page shows them as soon as they are
    ready (a small fragment polls), so the differential never waits for them."""

    MAX_KEPT = 256

    def __init__(self, path: str | None):
        self.model = (model.load(path, check_catalog=False) if path else model.load())
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="twitchdx-causes")
        self.jobs: dict[tuple, Future] = {}
        self.lock = threading.Lock()

    def job(self, ev: tuple) -> Future:
        with self.lock:
            fut = self.jobs.get(ev)
            if fut is None or fut.cancelled():
                for other in self.jobs.values():  # drop work nobody is waiting for any more
                    other.cancel()
                fut = self.pool.submit(self.model.causes, dict(ev))
                self.jobs[ev] = fut
                while len(self.jobs) > self.MAX_KEPT:
                    self.jobs.pop(next(iter(self.jobs)))
            return fut


@st.cache_resource(show_spinner=False)
def causes_worker(path: str | None) -> CausesWorker:
    return CausesWorker(path)


CAUSES_WAIT = 0.0  # a rerun never waits for the likely causes: they follow when ready


@st.cache_data(max_entries=256, show_spinner=False)
def c_why(key: str | None, ev: tuple, target: str, _m: model.TwitchModel):
    return _m.why(dict(ev), target)


@st.cache_data(max_entries=128, show_spinner=False)
def c_next_tests(key: str | None, ev: tuple, objective: str, _m: model.TwitchModel):
    return _m.next_tests(dict(ev), objective=objective)


@st.cache_data(max_entries=128, show_spinner=False)
def c_test_outcomes(key: str | None, ev: tuple, finding: str, _m: model.TwitchModel):
    return _m.test_outcomes(dict(ev), finding, top=5)


@st.cache_data(max_entries=64, show_spinner="Sampling the parameter ranges…")
def c_uncertainty(key: str | None, ev: tuple, _m: model.TwitchModel) -> pd.DataFrame:
    return _m.uncertainty(dict(ev), samples=UNCERTAINTY_SAMPLES, seed=0, level=0.9)


@st.cache_data(max_entries=64, show_spinner="Varying each parameter over its range…")
def c_sensitivity(key: str | None, ev: tuple, target: str, _m: model.TwitchModel):
    return _m.sensitivity(dict(ev), target, top=15)


@st.cache_data(show_spinner=False)
def c_cases(cases_path: str | None, key: str | None, _m: model.TwitchModel) -> list[dict]:
    from model.cases import load_cases

    return load_cases(cases_path, vocabulary=_m)


def teaching_cases(m: model.TwitchModel) -> list[dict]:
    """The sourced teaching cases, checked against the loaded model (model.cases.load_cases)."""
    return c_cases(os.environ.get("TWITCHDX_CASES") or None, priors_path(), m)


def panel(title: str, fn: Callable[[], None]) -> None:
    """Draw one panel; a model error becomes a friendly message, never a traceback."""
    try:
        fn()
    except model.TwitchDxError as exc:
        st.warning(f"{title}: {exc}", icon=":material/warning:")
    except Exception as exc:  # a bug in one panel must not take the page down
        log.error("panel %s failed:\n%s", title, traceback.format_exc())
        st.error(f"{title} could not be drawn ({type(exc).__name__}: {exc}).",
                 icon=":material/error:")


# ============================================================================ naming


def entry_nodes(m: model.TwitchModel) -> list:
    return [n for n in m.nodes.values() if n.group in ENTRY_GROUPS]


def label(m: model.TwitchModel, nid: str) -> str:
    node = m.nodes.get(nid)
    return node.label if node is not None else nid


def state_text(m: model.TwitchModel, nid: str, state: str) -> str:
    node = m.nodes[nid]
    return f"{node.label}: {node.state_label(state)}"


def evidence_sentence(m: model.TwitchModel, ev: Mapping[str, str]) -> str:
    return "; ".join(state_text(m, k, v) for k, v in ev.items()) or "no evidence"


def times(x: float) -> str:
    """A ratio for people: 3.11, 82.1, 2,240."""
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def fmt_p(p: Any) -> str:
    try:
        return format_probability(float(p))
    except (TypeError, ValueError):
        return "–"


def category(serious: bool) -> str:
    return SERIOUS if serious else BENIGN


# ============================================================================ scenarios


def validate_scenario(m: model.TwitchModel, raw: Any, where: str) -> dict[str, str]:
    """Evidence {node id: state} from a link, file or case, or a ScenarioError listing problems.

    Only items a user can enter (the evidence groups) are accepted; "unknown" means not observed.
    """
    if not isinstance(raw, Mapping):
        raise ScenarioError(f"{where} must map item ids to states, e.g. "
                            "{\"fasciculations\": \"yes\"}")
    entry_ids = {n.id for n in entry_nodes(m)}
    problems, ev = [], {}
    for key, value in raw.items():
        key = str(key)
        node = m.nodes.get(key)
        if node is None:
            close = difflib.get_close_matches(key, sorted(entry_ids), n=1)
            hint = f" — did you mean '{close[0]}' ({label(m, close[0])})?" if close else ""
            problems.append(f"'{key}' is not an item TwitchDx knows{hint}")
            continue
        if key not in entry_ids:
            problems.append(f"'{key}' ({node.label}) is a {node.role} the model infers; it "
                            "cannot be entered as evidence")
            continue
        if isinstance(value, list):
            problems.append(f"{node.label} ('{key}') is given more than once")
            continue
        value = value if isinstance(value, str) else str(value)
        if value in (UNKNOWN, ""):
            continue
        if value not in node.states:
            choices = ", ".join(f"'{s}'" for s in node.states)
            problems.append(f"'{value}' is not a state of {node.label} ('{key}'); "
                            f"use one of {choices} or 'unknown'")
            continue
        ev[key] = value
    if problems:
        raise ScenarioError(f"{where} could not be used: " + "; ".join(problems) + ".")
    m.check_evidence(ev)  # the model's own gate (raises EvidenceError)
    return ev


def check_possible(m: model.TwitchModel, ev: dict[str, str]) -> None:
    """Raise ImpossibleEvidenceError if the model gives this evidence probability zero."""
    c_differential(priors_path(), evk(ev), m)


def impossible_message(m: model.TwitchModel, ev: Mapping[str, str], what: str) -> str:
    return (f"{what} is impossible under the model ({evidence_sentence(m, ev)} cannot all be "
            "true together, so no probabilities exist). The last good scenario was kept; "
            "change or remove one of these findings.")


def flash(kind: str, text: str) -> None:
    st.session_state.setdefault("flash", []).append((kind, text))


def apply_evidence(m: model.TwitchModel, ev: dict[str, str], note: str) -> None:
    """Make ``ev`` the current scenario (call before the evidence widgets are drawn)."""
    ss = st.session_state
    if ev != ss.evidence:
        ss.prev_evidence = dict(ss.evidence)
        ss.change_note = note
    ss.evidence = dict(ev)
    for n in entry_nodes(m):
        # write only what differs: a write is pushed to the browser as the widget's value and
        # could overwrite an answer the user is clicking at this moment
        value = ev.get(n.id, UNKNOWN)
        if ss.get(f"ev_{n.id}") != value:
            ss[f"ev_{n.id}"] = value


def try_apply(m: model.TwitchModel, raw: Any, where: str, note: str) -> bool:
    """Validate and apply a scenario; on failure show a friendly message and keep the old one."""
    try:
        ev = validate_scenario(m, raw, where)
        check_possible(m, ev)
    except ScenarioError as exc:
        flash("error", str(exc))
        return False
    except model.ImpossibleEvidenceError:
        flash("error", impossible_message(m, ev, where))
        return False
    except model.TwitchDxError as exc:
        flash("error", f"{where} could not be used: {exc}")
        return False
    apply_evidence(m, ev, note)
    return True


def scenario_document(m: model.TwitchModel, ev: Mapping[str, str]) -> str:
    doc = {"format": SCENARIO_FORMAT, "evidence": dict(ev),
           "readable": [state_text(m, k, v) for k, v in ev.items()],
           "note": model.DISCLAIMER}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def parse_scenario_file(data: bytes) -> Any:
    if len(data) > MAX_UPLOAD_BYTES:
        raise ScenarioError(f"the file is {len(data):,} bytes; a scenario file is small "
                            f"(under {MAX_UPLOAD_BYTES:,} bytes)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ScenarioError("the file is not text (UTF-8 JSON or YAML expected)") from None
    try:
        doc = json.loads(text)
    except ValueError:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            doc = YAML(typ="safe").load(text)
        except YAMLError:
            raise ScenarioError("the file is neither valid JSON nor valid YAML") from None
    if isinstance(doc, Mapping) and "evidence" in doc:
        doc = doc["evidence"]
        if doc is None:
            doc = {}
    if not isinstance(doc, Mapping):
        raise ScenarioError("the file must hold a mapping of item ids to states, or "
                            "{\"evidence\": {...}}")
    # YAML 1.1 habits: a bare yes/no becomes a boolean
    return {k: ("yes" if v is True else "no" if v is False else v) for k, v in doc.items()}


# ============================================================================ session state


def init_session(m: model.TwitchModel, key: str | None) -> None:
    ss = st.session_state
    if ss.get("_model_key", "<none>") == key and "evidence" in ss:
        return
    ss._model_key = key
    ss.evidence = {}
    ss.prev_evidence = None
    ss.change_note = ""
    ss.pinned = None
    ss.case_id = None
    ss.flash = []
    for n in entry_nodes(m):
        ss[f"ev_{n.id}"] = UNKNOWN
    # A shared link is read once, when the page opens (opening a link starts a new session).
    # Later the browser's query string can lag behind the widgets, so it is only written.
    url = query_evidence()
    if url:
        try_apply(m, url, "The shared link", "Opened a shared link")


def query_evidence() -> dict[str, Any]:
    qp = st.query_params
    out: dict[str, Any] = {}
    for k in qp:
        values = qp.get_all(k)
        out[k] = values[0] if len(values) == 1 else values
    return out


def sync_state(m: model.TwitchModel) -> None:
    """Reconcile the widgets with the last good evidence, and the URL with the evidence
    (before any evidence widget is drawn)."""
    ss = st.session_state
    # 1. Widget edits: accept them if possible, otherwise undo them.
    widgets = {}
    for n in entry_nodes(m):
        value = ss.get(f"ev_{n.id}")
        if value is None:
            # No value: Streamlit dropped this widget's state (it can, e.g. around fragment
            # reruns); the widgets never produce None themselves. Restore the last good answer.
            ss[f"ev_{n.id}"] = value = ss.evidence.get(n.id, UNKNOWN)
        elif value != UNKNOWN and value not in n.states:
            ss[f"ev_{n.id}"] = value = UNKNOWN
        if value != UNKNOWN:
            widgets[n.id] = value
    # keep the order of entry (the Why waterfall adds the items in this order)
    candidate = {k: widgets[k] for k in ss.evidence if k in widgets}
    candidate.update({k: v for k, v in widgets.items() if k not in candidate})
    if candidate != ss.evidence:
        changed = [k for k in {**candidate, **ss.evidence}
                   if candidate.get(k) != ss.evidence.get(k)]
        try:
            check_possible(m, candidate)
        except model.ImpossibleEvidenceError:
            flash("error", impossible_message(m, candidate, "That combination"))
            apply_evidence(m, ss.evidence, ss.change_note)  # puts the widgets back
        except model.TwitchDxError as exc:
            flash("error", f"That change could not be used: {exc}. The last good scenario "
                           "was kept.")
            apply_evidence(m, ss.evidence, ss.change_note)
        else:
            note = "; ".join(
                f"{label(m, k)} → "
                + (m.nodes[k].state_label(candidate[k]) if k in candidate else UNKNOWN)
                for k in changed)
            apply_evidence(m, candidate, note)
    # 2. The URL always describes the current scenario (one parameter per observed item).
    if query_evidence() != ss.evidence:
        st.query_params.from_dict(ss.evidence)


# -- callbacks (run before the script, so they may set widget state) ----------------------------


def safe_callback(fn: Callable[[], None]) -> Callable[[], None]:
    """A callback that fails shows a message in the page, never a traceback."""

    def wrapped() -> None:
        try:
            fn()
        except Exception as exc:
            log.error("callback %s failed:\n%s", fn.__name__, traceback.format_exc())
            flash("error", f"That did not work ({type(exc).__name__}: {exc}); the last good "
                           "scenario was kept.")

    wrapped.__name__ = fn.__name__
    return wrapped



@safe_callback
def on_reset() -> None:
    m = get_model(priors_path())
    apply_evidence(m, {}, "Cleared all evidence")
    st.session_state.case_id = None


@safe_callback
def on_load_case() -> None:
    m = get_model(priors_path())
    ss = st.session_state
    case_id = ss.get("case_pick")
    cases = {c["id"]: c for c in teaching_cases(m)}
    case = cases.get(case_id)
    if case is None:
        flash("warning", "Pick a teaching case first.")
        return
    if try_apply(m, case.get("evidence") or {}, f"Teaching case '{case.get('title', case_id)}'",
                 f"Loaded teaching case: {case.get('title', case_id)}"):
        ss.case_id = case_id


@safe_callback
def on_upload() -> None:
    m = get_model(priors_path())
    up = st.session_state.get("scenario_upload")
    if up is None:
        return
    try:
        raw = parse_scenario_file(up.getvalue())
    except ScenarioError as exc:
        flash("error", f"The file '{up.name}' could not be used: {exc}. The last good "
                       "scenario was kept.")
        return
    if try_apply(m, raw, f"The file '{up.name}'", f"Opened the file {up.name}"):
        st.session_state.case_id = None
        flash("success", f"Opened the scenario in '{up.name}'.")


@safe_callback
def on_pin() -> None:
    st.session_state.pinned = dict(st.session_state.evidence)


@safe_callback
def on_unpin() -> None:
    st.session_state.pinned = None


@safe_callback
def on_restore_pinned() -> None:
    m = get_model(priors_path())
    pinned = st.session_state.pinned or {}
    try_apply(m, pinned, "Scenario A", "Went back to scenario A")


# ============================================================================ charts (Vega-Lite)


LOG_TICKS = (1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0)
LOG_LABELS = ("datum.value < 0.00005 ? '1 in 100,000' : datum.value < 0.0005 ? '1 in 10,000' : "
              "datum.value < 0.005 ? '1 in 1,000' : format(datum.value, '.0%')")


def differential_spec(rows: list[dict], *, log_scale: bool, x_max: float | None = None,
                      ranges: list[dict] | None = None, name: str = "differential",
                      compact: bool = False) -> dict:
    """Grouped horizontal bars: each entry now (solid) and before any evidence (faded)."""
    order = [r["label"] for r in rows if r["kind"] == NOW]
    high = {r["label"]: r["high"] for r in ranges or []}
    for r in rows:  # the value label sits right of the bar, or of its error bar
        r["text_x"] = max(r["shown"], high.get(r["label"], 0.0))
    top = x_max or max([r["text_x"] for r in rows] or [1.0])
    x_scale: dict[str, Any] = {"type": "log", "domain": [LOG_TICKS[0], 1]} if log_scale else {
        "domain": [0, min(1.0, max(0.05, top))], "nice": True}
    y = {"field": "label", "type": "nominal", "sort": order, "title": None,
         "axis": {"labelLimit": 260, "labelFontSize": 13}}
    axis: dict[str, Any] = {"format": ".0%", "grid": True}
    if log_scale:
        axis = {"grid": True, "values": list(LOG_TICKS), "labelExpr": LOG_LABELS}
    x = {"field": "shown", "type": "quantitative", "scale": x_scale, "axis": axis,
         "title": "Probability (log scale)" if log_scale else "Probability"}
    bar_from = {"x2": {"datum": LOG_TICKS[0]}} if log_scale else {}  # log axes have no zero
    layers: list[dict] = [
        {"mark": {"type": "bar", "cornerRadiusEnd": 2, "height": {"band": 0.9}},
         "encoding": {
             "y": y, "x": x, **bar_from,
             "yOffset": {"field": "kind", "type": "nominal", "sort": [NOW, BEFORE]},
             "color": {"field": "category", "type": "nominal", "title": None,
                       "scale": {"domain": [BENIGN, SERIOUS],
                                 "range": [COLOURS[BENIGN], COLOURS[SERIOUS]]},
                       "legend": {"orient": "top", "labelLimit": 300,
                                  "direction": "vertical" if compact else "horizontal"}},
             "opacity": {"field": "kind", "type": "nominal", "title": None,
                         "scale": {"domain": [NOW, BEFORE], "range": [1.0, 0.3]},
                         "legend": {"orient": "bottom", "labelLimit": 300,
                                    "direction": "vertical" if compact else "horizontal"}},
             "tooltip": [{"field": "label", "title": "Entry"},
                         {"field": "kind", "title": "When"},
                         {"field": "text", "title": "Probability"}]}},
        {"transform": [{"filter": {"field": "kind", "equal": NOW}}],
         "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12},
         "encoding": {"y": y, "x": {**x, "field": "text_x"},
                      "yOffset": {"field": "kind", "type": "nominal", "sort": [NOW, BEFORE]},
                      "text": {"field": "text"}}},
    ]
    if ranges:
        layers.append({
            "data": {"values": ranges},
            "mark": {"type": "rule", "strokeWidth": 2, "color": "#1f2937"},
            "encoding": {"y": y, "x": {**x, "field": "low"}, "x2": {"field": "high"},
                         "yOffset": {"field": "kind", "type": "nominal",
                                     "sort": [NOW, BEFORE]},
                         "tooltip": [{"field": "label", "title": "Entry"},
                                     {"field": "range_text", "title": "90% range"}]}})
    return {"usermeta": {"chart": name}, "data": {"values": rows},
            "height": {"step": 15}, "layer": layers,
            "config": {"axis": {"labelFontSize": 12}}}


NICE_PROBABILITIES = (1e-5, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999,
                      0.9999)


def logit(p: float) -> float:
    p = min(max(float(p), 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))


def waterfall_spec(rows: list[dict]) -> dict:
    """Log-odds steps; the axis is labelled in probability at round values."""
    lab = "format(1/(1+exp(-datum.value)), '.3~%')"
    order = [r["step"] for r in rows]
    lo = min(min(r["start"], r["end"]) for r in rows)
    hi = max(max(r["start"], r["end"]) for r in rows)
    ticks = [logit(p) for p in NICE_PROBABILITIES if lo - 0.5 <= logit(p) <= hi + 0.5]
    return {
        "usermeta": {"chart": "why"}, "data": {"values": rows}, "height": {"step": 30},
        "layer": [
            {"mark": {"type": "bar", "height": {"band": 0.7}},
             "encoding": {
                 "y": {"field": "step", "type": "nominal", "sort": order, "title": None,
                       "axis": {"labelLimit": 280, "labelFontSize": 12}},
                 "x": {"field": "start", "type": "quantitative", "title": "Probability "
                       "(log-odds scale: each finding adds its weight)",
                       "axis": {"labelExpr": lab, "values": ticks},
                       "scale": {"zero": False}},
                 "x2": {"field": "end"},
                 "color": {"field": "direction", "type": "nominal", "title": None,
                           "scale": {"domain": ["raises it", "lowers it", "start / result"],
                                     "range": ["#c2410c", "#2a9d8f", "#64748b"]},
                           "legend": {"orient": "top"}},
                 "tooltip": [{"field": "step", "title": "Step"},
                             {"field": "detail", "title": "Effect"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 5, "fontSize": 12},
             "encoding": {"y": {"field": "step", "type": "nominal", "sort": order},
                          "x": {"field": "right", "type": "quantitative"},
                          "text": {"field": "after"}}},
        ]}


def tornado_spec(rows: list[dict], base: float) -> dict:
    order = [r["parameter"] for r in rows if r["end"] == "parameter at its low end"]
    return {
        "usermeta": {"chart": "tornado"}, "data": {"values": rows}, "height": {"step": 26},
        "layer": [
            {"mark": {"type": "bar", "height": {"band": 0.75}},
             "encoding": {
                 "y": {"field": "parameter", "type": "nominal", "sort": order, "title": None,
                       "axis": {"labelLimit": 400, "labelFontSize": 12}},
                 "x": {"field": "base", "type": "quantitative", "title": "Probability of the "
                       "focus entry", "axis": {"format": "~%"}, "scale": {"zero": False}},
                 "x2": {"field": "result"},
                 "color": {"field": "end", "type": "nominal", "title": None,
                           "scale": {"domain": ["parameter at its low end",
                                                "parameter at its high end"],
                                     "range": ["#0ea5e9", "#f59e0b"]},
                           "legend": {"orient": "top"}},
                 "tooltip": [{"field": "full", "title": "Parameter"},
                             {"field": "range_text", "title": "Range"},
                             {"field": "result_text", "title": "Result"}]}},
            {"data": {"values": [{"base": base}]},
             "mark": {"type": "rule", "color": "#111827", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "base", "type": "quantitative"}}},
        ]}


def icon_array_spec(count: int, denominator: int, colour: str, what: str) -> dict:
    cols = 50 if denominator >= 1000 else 10
    cells = [{"col": i % cols, "row": i // cols,
              "who": what if i < count else "everyone else"} for i in range(denominator)]
    return {
        "usermeta": {"chart": "icon array"}, "data": {"values": cells},
        "width": {"step": 15}, "height": {"step": 15},
        "mark": {"type": "square", "size": 110, "filled": True},
        "encoding": {
            "x": {"field": "col", "type": "ordinal", "axis": None},
            "y": {"field": "row", "type": "ordinal", "axis": None},
            "color": {"field": "who", "type": "nominal", "title": None,
                      "scale": {"domain": [what, "everyone else"],
                                "range": [colour, "#d1d5db"]},
                      "legend": {"orient": "top", "labelLimit": 400}}},
        "config": {"view": {"stroke": None}}}


def chart(spec: dict, key: str, width: str = "stretch") -> None:
    st.vega_lite_chart(spec, width=width, key=key)


# ============================================================================ page sections


def sidebar(m: model.TwitchModel) -> None:
    ss = st.session_state
    with st.sidebar:
        st.markdown("### Presentation")
        c1, c2 = st.columns([3, 2])
        c1.caption(f"{len(ss.evidence)} item(s) entered")
        c2.button("Reset", key="reset", icon=":material/restart_alt:", on_click=on_reset,
                  help="Set every item back to unknown", width="stretch")
        case_picker(m)
        for group in ENTRY_GROUPS:
            nodes = [n for n in entry_nodes(m) if n.group == group]
            if group in ("Other symptoms and signs", "Tests"):  # history before examination
                nodes.sort(key=lambda n: list(SUBGROUPS).index(n.cost)
                           if n.cost in SUBGROUPS else len(SUBGROUPS))
            if not nodes:
                continue
            entered = sum(1 for n in nodes if n.id in ss.evidence)
            title = f"{group} · {entered} entered" if entered else group
            with st.expander(title, expanded=group in OPEN_GROUPS or entered > 0,
                             icon=GROUP_ICONS.get(group)):
                sub = None
                for n in nodes:
                    if group in ("Other symptoms and signs", "Tests"):
                        heading = SUBGROUPS.get(n.cost or "", "")
                        if heading != sub and heading:
                            st.markdown(f"**{heading}**")
                        sub = heading
                    evidence_widget(n)
        st.divider()
        st.markdown("### Save or open a scenario")
        st.download_button("Download this scenario (JSON)", scenario_document(m, ss.evidence),
                           file_name="twitchdx-scenario.json", mime="application/json",
                           key="scenario_download", on_click="ignore",
                           icon=":material/download:", width="stretch")
        st.file_uploader("Open a scenario file (JSON or YAML)", type=["json", "yaml", "yml"],
                         key="scenario_upload", on_change=on_upload,
                         help="A file downloaded from here, or a mapping such as "
                              "{\"fasciculations\": \"yes\", \"weakness\": \"none\"}")


LONG_STATE_LABEL = 26  # characters: longer answers get a radio list (full text, wraps)


def evidence_widget(n) -> None:
    """One evidence item: "unknown" plus its states in plain words, one click to set.

    Short answers are a segmented control; items with long answers (test results) a radio list.
    Either way the widget key is ``ev_<node id>`` and its value the state id (or "unknown").
    """
    options = [UNKNOWN, *n.states]

    def fmt(s: str) -> str:
        return UNKNOWN if s == UNKNOWN else n.state_label(s)

    if max(len(n.state_label(s)) for s in n.states) > LONG_STATE_LABEL:
        st.radio(n.label, options, key=f"ev_{n.id}", format_func=fmt, help=n.description)
    else:
        st.segmented_control(n.label, options, key=f"ev_{n.id}", required=True,
                             format_func=fmt, help=n.description, width="stretch")


def case_picker(m: model.TwitchModel) -> None:
    try:
        cases = teaching_cases(m)
    except ImportError:
        st.caption("Teaching cases: coming soon.")
        return
    except model.TwitchDxError as exc:  # e.g. cases that name nodes this network lacks
        st.caption(f"Teaching cases are not available for this knowledge base: {exc}")
        return
    if not cases:
        st.caption("Teaching cases: coming soon.")
        return
    titles = {c["id"]: str(c.get("title") or c["id"]) for c in cases}
    with st.container(border=True):
        st.selectbox("Teaching case", list(titles), index=None, key="case_pick",
                     format_func=titles.get, placeholder="Choose a sourced example…")
        st.button("Load case", key="load_case", on_click=on_load_case,
                  icon=":material/menu_book:", width="stretch",
                  disabled=st.session_state.get("case_pick") is None)


PAGE_CSS = """
<style>
section[data-testid="stSidebar"] { min-width: 390px; }
div.block-container { padding-top: 2.2rem; }
section[data-testid="stSidebar"] div[data-testid="stVerticalBlock"] { gap: 0.55rem; }
</style>
"""


def header(m: model.TwitchModel) -> None:
    st.html(PAGE_CSS)
    st.title("TwitchDx", anchor=False)
    st.markdown("##### What-if explorer for the differential diagnosis of muscle twitching")
    st.info(model.DISCLAIMER, icon=":material/health_and_safety:")
    if priors_path():
        st.caption(f"Knowledge base: `{priors_path()}` ({len(m.nodes)} nodes)")


def show_flash() -> None:
    for kind, text in st.session_state.get("flash", []):
        {"error": st.error, "warning": st.warning, "success": st.success}.get(kind, st.info)(
            text, icon={"error": ":material/error:", "warning": ":material/warning:",
                        "success": ":material/check_circle:"}.get(kind))
    st.session_state.flash = []


def case_card(m: model.TwitchModel) -> None:
    ss = st.session_state
    if not ss.get("case_id"):
        return
    cases = {c["id"]: c for c in teaching_cases(m)}
    case = cases.get(ss.case_id)
    if case is None:
        return
    with st.container(border=True):
        st.markdown(f"**Teaching case: {case.get('title', case['id'])}**")
        if case.get("summary"):
            st.markdown(str(case["summary"]))
        src = case.get("source") or {}
        if isinstance(src, Mapping) and src.get("citation"):
            link = f" [{src['url']}]({src['url']})" if src.get("url") else ""
            st.caption(f"Source: {src['citation']}{link}")
        try:
            case_ev = validate_scenario(m, case.get("evidence") or {}, "The case")
        except (ScenarioError, model.TwitchDxError):
            case_ev = None
        if case_ev is not None and case_ev != ss.evidence:
            st.caption("You have changed the case's evidence since loading it.")
        with st.expander("Reveal the source's diagnosis"):
            dx = case.get("diagnosis")
            if dx:
                st.markdown(f"**Diagnosis:** {label(m, str(dx))}")
            also = case.get("also_acceptable") or []
            if also:
                st.markdown("**Also acceptable:** " + ", ".join(label(m, str(a)) for a in also))
            top3 = case.get("top3") or []
            if top3:
                st.markdown("**Expected in the top three:** "
                            + ", ".join(label(m, str(a)) for a in top3))
            if dx:
                df = c_differential(priors_path(), evk(ss.evidence), m)
                hit = df.index[df["id"] == dx]
                if len(hit):
                    st.markdown(f"Now ranked **#{int(hit[0]) + 1}** in the differential "
                                f"({fmt_p(df.loc[hit[0], 'probability'])}).")


def evidence_summary(m: model.TwitchModel) -> None:
    ev = st.session_state.evidence
    if not ev:
        st.markdown("**Presentation:** nothing entered yet — set items in the sidebar "
                    "(age, the twitching, other symptoms…) or load a teaching case. "
                    "The differential below shows the population before any evidence.")
        return
    badges = " ".join(f":blue-badge[{state_text(m, k, v)}]" for k, v in ev.items())
    st.markdown(f"**Presentation ({len(ev)}):** {badges}")


def red_flags(m: model.TwitchModel) -> None:
    flags = []
    for nid, state in st.session_state.evidence.items():
        reason = m.nodes[nid].red_flags.get(state)
        if reason:
            flags.append((nid, state, reason))
    if not flags:
        return
    lines = "\n".join(f"- **{state_text(m, nid, s)}** — {reason}" for nid, s, reason in flags)
    st.error(f"**Red flags — see a doctor promptly ({len(flags)})**\n\n{lines}",
             icon=":material/emergency:")


def causes_panel(m: model.TwitchModel, ev: dict) -> None:
    st.markdown("#### Likely causes")
    st.caption("Ranked by the probability that each one is *causing* this presentation "
               "(not merely present).")
    key = evk(ev)
    fut = causes_worker(priors_path()).job(key)
    try:
        df = fut.result(timeout=CAUSES_WAIT)
    except FutureTimeout:
        poll_causes(key)
        return
    except CancelledError:
        poll_causes(key)
        return
    show_causes(m, df)


def show_causes(m: model.TwitchModel, df: pd.DataFrame) -> None:
    lines = []
    for i, r in enumerate(df.head(8).itertuples(index=False), 1):
        node = m.nodes.get(r.id)
        badge = ":red-badge[serious]" if node is not None and node.serious else ""
        lines.append(f"{i}. **{r.label}** {badge} — causing {fmt_p(r.probability_causing)}"
                     f" · present {fmt_p(r.probability_present)}")
    st.markdown("\n".join(lines))


@st.fragment(run_every=0.3)
def poll_causes(key: tuple) -> None:
    """Shown while the likely causes are being worked out; reruns the page when they are."""
    fut = causes_worker(priors_path()).job(key)
    if fut.done() and dict(key) == st.session_state.get("evidence"):
        st.rerun()
    st.markdown(":gray[:material/hourglass_top: Working out the likely causes…]")


def what_changed(m: model.TwitchModel, ev: dict) -> None:
    ss = st.session_state
    st.markdown("#### What changed")
    prev = ss.prev_evidence
    if prev is None or prev == ev:
        st.caption("Change any item and the entries that moved most appear here.")
        return
    before = c_differential(priors_path(), evk(prev), m)
    after = c_differential(priors_path(), evk(ev), m)
    both = after.merge(before[["id", "probability"]], on="id", suffixes=("", "_before"))
    both["delta"] = (both["probability"] - both["probability_before"]).abs()
    top = both.sort_values("delta", ascending=False, kind="stable").head(6)
    st.caption(f"After: {ss.change_note}")
    lines = []
    for r in top.itertuples(index=False):
        a = arrow(r.probability_before, r.probability)
        colour = "red" if a == "↑" else "green" if a == "↓" else "gray"
        ratio = ""
        if r.probability_before > 0 and r.probability > 0 and a != "→":
            x = r.probability / r.probability_before
            ratio = f" (×{times(x)})" if x >= 1 else f" (÷{times(1 / x)})"
        lines.append(f"- :{colour}[**{a}**] **{r.label}**: {fmt_p(r.probability_before)} → "
                     f"**{fmt_p(r.probability)}**{ratio}")
    st.markdown("\n".join(lines))


def chart_rows(df: pd.DataFrame) -> list[dict]:
    rows = []
    for r in df.itertuples(index=False):
        for kind, p in ((NOW, r.probability), (BEFORE, r.prior)):
            rows.append({"id": r.id, "label": r.label, "kind": kind, "probability": float(p),
                         "shown": max(float(p), 1e-5), "text": fmt_p(p),
                         "category": category(bool(r.serious))})
    return rows


def differential_panel(m: model.TwitchModel, ev: dict) -> None:
    ss = st.session_state
    top = st.columns([3, 2])
    top[0].markdown("#### Differential")
    if ss.pinned is None:
        top[1].button("Pin as scenario A", key="pin", on_click=on_pin,
                      icon=":material/push_pin:", help="Keep this scenario to compare with "
                      "what you change next", width="stretch")
    df = c_differential(priors_path(), evk(ev), m)
    kinds = KINDS
    shown_kinds = st.pills("Show", list(kinds.values()), selection_mode="multi",
                           default=DEFAULT_KINDS, key="diff_kinds",
                           label_visibility="collapsed",
                           help="Conditions are diagnoses; states are deficiencies and other "
                                "physiological states; exposures are lifestyle factors and "
                                "medicines not yet entered")
    c2, c3, c4 = st.columns([2, 2, 3], vertical_alignment="bottom")
    n_max = max(1, len(focus_options(m)))  # fixed: observing an exposure must not shrink it
    n = c2.number_input("Entries shown", min_value=1, max_value=n_max, value=min(12, n_max),
                        key="n_entries")
    log_scale = c3.toggle("Log scale", key="log_scale",
                          help="A log axis spreads out rare entries")
    unc = c4.toggle("90% uncertainty", key="show_ranges",
                    help="Error bars from sampling every parameter within its literature "
                         f"range ({UNCERTAINTY_SAMPLES} samples)")
    df = df[df["role"].map(kinds).isin(shown_kinds or [])].head(int(n))
    if df.empty:
        st.caption("Nothing to show: choose at least one kind of entry.")
        return
    ranges = None
    if unc:
        u = c_uncertainty(priors_path(), evk(ev), m)
        u = u[u["id"].isin(df["id"])]
        ranges = [{"label": r.label, "kind": NOW, "low": max(float(r.low), 1e-5),
                   "high": max(float(r.high), 1e-5),
                   "range_text": f"{fmt_p(r.low)} – {fmt_p(r.high)}"}
                  for r in u.itertuples(index=False)]
    chart(differential_spec(chart_rows(df), log_scale=log_scale, ranges=ranges),
          key="chart_differential")
    st.caption("Solid bars: probability with the evidence entered. Faded bars: before any "
               "evidence. Probabilities are of each entry being present; several can be "
               "present at once, so they need not add up to 100%.")


KINDS = {"condition": "Conditions", "state": "States", "exposure": "Exposures"}
# Diagnoses by default: unobserved exposures sit at about their population frequency
# (caffeine ~65%) and would crowd the top of every chart; one click adds them.
DEFAULT_KINDS = ["Conditions", "States"]


def compare_panel(m: model.TwitchModel, ev: dict) -> None:
    ss = st.session_state
    if ss.pinned is None:
        return
    pinned = ss.pinned
    st.markdown("#### Scenario A / B")
    b1, b2, _ = st.columns([2, 2, 4])
    b1.button("Go back to A", key="restore_pinned", on_click=on_restore_pinned,
              icon=":material/undo:", width="stretch")
    b2.button("Unpin A", key="unpin", on_click=on_unpin, icon=":material/close:",
              width="stretch")
    n = int(ss.get("n_entries") or 12)
    roles = [r for r, k in KINDS.items() if k in (ss.get("diff_kinds") or DEFAULT_KINDS)]
    da = c_differential(priors_path(), evk(pinned), m)
    db = c_differential(priors_path(), evk(ev), m)
    da = da[da["role"].isin(roles)].head(n)  # the same kinds as the main chart
    db = db[db["role"].isin(roles)].head(n)
    x_max = max(float(da["probability"].max()), float(db["probability"].max()), 0.05)
    log_scale = bool(ss.get("log_scale"))
    ca, cb = st.columns(2)
    for col, name, evx, dfx in ((ca, "A (pinned)", pinned, da), (cb, "B (current)", ev, db)):
        with col, st.container(border=True):
            st.markdown(f"**Scenario {name}**")
            st.caption(evidence_sentence(m, evx))
            chart(differential_spec(chart_rows(dfx), log_scale=log_scale, x_max=x_max,
                                    name=f"scenario {name[0]}", compact=True),
                  key=f"chart_{name[0]}")
    differ = [k for k in {**pinned, **ev} if pinned.get(k) != ev.get(k)]
    if differ:
        st.caption("B differs from A in: " + "; ".join(
            f"{label(m, k)}: "
            f"{m.nodes[k].state_label(pinned[k]) if k in pinned else UNKNOWN} → "
            f"{m.nodes[k].state_label(ev[k]) if k in ev else UNKNOWN}" for k in differ) + ".")
    else:
        st.caption("A and B have the same evidence: change something to compare.")


def focus_options(m: model.TwitchModel) -> list[str]:
    order = {"condition": 0, "state": 1, "exposure": 2}
    ids = [n for n in m.ids if m.nodes[n].role in order]
    return sorted(ids, key=lambda n: (order[m.nodes[n].role], m.nodes[n].label.lower()))


def focus_picker(m: model.TwitchModel, ev: dict) -> str:
    ss = st.session_state
    options = focus_options(m)
    if ss.get("focus") not in options:
        df = c_differential(priors_path(), evk(ev), m)
        conds = df[df["role"] == "condition"]
        ss.focus = str((conds if len(conds) else df).iloc[0]["id"])
    role_name = {"condition": "condition", "state": "state", "exposure": "exposure"}
    return st.selectbox(
        "Focus on", options, key="focus",
        format_func=lambda n: f"{m.nodes[n].label} ({role_name[m.nodes[n].role]})",
        help="The entry the Why, Sensitivity and Out-of-1,000 views explain")


def why_panel(m: model.TwitchModel, ev: dict, target: str) -> None:
    if target in ev:
        st.caption(f"{label(m, target)} is in the evidence; pick another focus.")
        return
    if not ev:
        st.caption("Enter some evidence: the waterfall shows how each item moves the focus "
                   "entry away from its prior.")
    exp = c_why(priors_path(), tuple(ev.items()), target, m)  # order matters here
    prior, post = float(exp.prior), float(exp.posterior)
    st.markdown(f"**{label(m, target)}**: {fmt_p(prior)} before any evidence → "
                f"**{fmt_p(post)}** with it.")
    contrib = exp.contributions
    if contrib is None or len(contrib) == 0:
        return

    rows, cur = [], logit(prior)
    rows.append({"step": "Before any evidence", "start": cur - 0.05, "end": cur + 0.05,
                 "right": cur + 0.05, "after": fmt_p(prior), "direction": "start / result",
                 "detail": f"prior {fmt_p(prior)}"})
    for r in contrib.itertuples(index=False):
        step = float(r.log_odds_change)
        nid = str(r.id)
        name = state_text(m, nid, str(r.state)) if nid in m.nodes else str(r.label)
        lr = float(r.likelihood_ratio)
        rows.append({"step": name, "start": cur, "end": cur + step,
                     "right": max(cur, cur + step), "after": fmt_p(r.probability_after),
                     "direction": "raises it" if step > 0 else "lowers it",
                     "detail": f"likelihood ratio ×{lr:.3g}; after: {fmt_p(r.probability_after)}"})
        cur += step
    rows.append({"step": "With all the evidence", "start": logit(post) - 0.05,
                 "end": logit(post) + 0.05, "right": logit(post) + 0.05,
                 "after": fmt_p(post), "direction": "start / result",
                 "detail": f"posterior {fmt_p(post)}"})
    chart(waterfall_spec(rows), key="chart_why")
    table = pd.DataFrame({
        "Evidence": [rw["step"] for rw in rows[1:-1]],
        "Likelihood ratio": [f"×{times(float(v))}" if float(v) >= 1 else
                             f"÷{times(1 / float(v))}" if float(v) > 0 else "×0"
                             for v in contrib["likelihood_ratio"]],
        "Probability after": [fmt_p(v) for v in contrib["probability_after"]],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption("Each item multiplies the odds by its likelihood ratio, in the order entered: "
               "bars to the right raise the probability, bars to the left lower it.")


def next_tests_panel(m: model.TwitchModel, ev: dict) -> None:
    objectives = {"entropy": "Narrow the whole differential",
                  "serious": "Rule serious disease in or out"}
    objective = st.radio("Goal", list(objectives), format_func=objectives.get,
                         horizontal=True, key="next_objective")
    df = c_next_tests(priors_path(), evk(ev), objective, m)
    if df is None or len(df) == 0:
        st.caption("Every item has been entered.")
        return
    show = df.head(10)
    table = pd.DataFrame({
        "Ask or test": show["label"],
        "Cost": [COST_TIERS.get(int(t), str(t)) for t in show["cost_tier"]],
        "Information gain (bits)": show["information_gain"].astype(float).round(4),
        "Gain per cost": show["gain_per_cost"].astype(float).round(4),
    })
    st.dataframe(table, hide_index=True, width="stretch")
    ids = list(show["id"])
    cand = st.selectbox("What would each answer do?", ids, key="next_candidate",
                        format_func=lambda n: label(m, n))
    out = c_test_outcomes(priors_path(), evk(ev), cand, m)
    node = m.nodes[cand]
    cols = st.columns(min(3, max(1, out["outcome"].nunique())))
    for i, (outcome, grp) in enumerate(out.groupby("outcome", sort=False)):
        with cols[i % len(cols)], st.container(border=True):
            p_out = float(grp["outcome_probability"].iloc[0])
            st.markdown(f"**If {node.label}: {node.state_label(str(outcome))}** "
                        f"(chance {fmt_p(p_out)})")
            st.markdown("\n".join(
                f"- {r.label}: {fmt_p(r.now)} {arrow(float(r.now), float(r.probability))} "
                f"**{fmt_p(r.probability)}**" for r in grp.itertuples(index=False)))


def frequency_panel(m: model.TwitchModel, ev: dict, target: str) -> None:
    df = c_differential(priors_path(), evk(ev), m)
    st.markdown("Out of **1,000 people with this presentation**, the model expects:")
    lines = [f"- **{r.label}**: {natural_frequency(float(r.probability))}"
             f" (before any evidence: {natural_frequency(float(r.prior))})"
             for r in df.head(6).itertuples(index=False)]
    st.markdown("\n".join(lines))
    row = df[df["id"] == target]
    if row.empty:
        st.caption(f"{label(m, target)} is in the evidence; pick another focus.")
        return
    r = row.iloc[0]
    p = float(r["probability"])
    count = round(p * 1000)
    colour = COLOURS[category(bool(r["serious"]))]
    st.markdown(f"**{r['label']}**: {natural_frequency(p)} people like this "
                f"({fmt_p(p)}).")
    chart(icon_array_spec(count, 1000, colour, f"have {r['label']} ({count:,})"),
          key="chart_icons", width="content")
    if 0 < p * 1000 < 1:
        st.caption(f"Rarer than 1 in 1,000: {natural_frequency(p, 100_000)} people like this.")


def sensitivity_panel(m: model.TwitchModel, ev: dict, target: str) -> None:
    if target in ev:
        st.caption(f"{label(m, target)} is in the evidence; pick another focus.")
        return
    df = c_sensitivity(priors_path(), evk(ev), target, m)
    if df is None or len(df) == 0:
        st.caption("No parameter moves this entry.")
        return
    diff = c_differential(priors_path(), evk(ev), m)
    hit = diff[diff["id"] == target]
    base = float(hit["probability"].iloc[0]) if len(hit) else float(
        (df["result_low"].astype(float) + df["result_high"].astype(float)).mean() / 2)
    params = {p.name: p for p in m.kb.params}
    rows = []
    for r in df.itertuples(index=False):
        p = params.get(str(r.parameter))
        name = short_parameter(m, p) if p is not None else f"{r.label} ({r.parameter})"
        rng = f"{fmt_p(r.low)} – {fmt_p(r.high)} (now {fmt_p(r.value)})"
        res = f"{fmt_p(r.result_low)} – {fmt_p(r.result_high)}"
        for end, result in (("parameter at its low end", r.result_low),
                            ("parameter at its high end", r.result_high)):
            rows.append({"parameter": name, "name": str(r.parameter), "end": end, "base": base,
                         "full": describe_parameter(m, p) if p is not None else name,
                         "result": float(result), "range_text": rng, "result_text": res})
    st.markdown(f"Which literature numbers matter most for **{label(m, target)}** "
                f"(now {fmt_p(base)}): each bar moves one parameter across its range.")
    chart(tornado_spec(rows, base), key="chart_tornado")


def source_text(m: model.TwitchModel, p) -> tuple[str, str | None]:
    if p.source == "expert":
        return f"Expert estimate: {p.note or ''}".strip(), None
    src = m.kb.sources.get(p.source) or {}
    cite = src.get("citation", p.source)
    if p.note:
        cite = f"{cite} — {p.note}"
    return cite, src.get("url")


def md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def params_table(m: model.TwitchModel, params: list) -> None:
    """The numbers with their ranges and sources (a static table: text wraps, links work)."""
    if not params:
        st.caption("None.")
        return
    rows = []
    for p in params:
        cite, url = source_text(m, p)
        source = md_escape(cite)
        if url:
            source += f" [link]({url})"
        rows.append({"What": describe_parameter(m, p), "Value": fmt_p(p.value),
                     "Range": f"{fmt_p(p.low)} – {fmt_p(p.high)}", "Source": source})
    st.table(pd.DataFrame(rows), hide_index=True, border="horizontal")


def node_details_panel(m: model.TwitchModel, ev: dict, target: str) -> None:
    ss = st.session_state
    ids = sorted(m.ids, key=lambda n: (m.nodes[n].group, m.nodes[n].label.lower()))
    if ss.get("detail_node") not in ids:
        ss.detail_node = target
    nid = st.selectbox("Cause or finding", ids, key="detail_node",
                       format_func=lambda n: f"{m.nodes[n].label} · {m.nodes[n].group}")
    node = m.nodes[nid]
    left, right = st.columns([3, 2], gap="large")
    with left:
        badges = f":gray-badge[{node.role}] :gray-badge[{node.group}]"
        if node.role == "condition":
            badges += " :red-badge[serious]" if node.serious else " :green-badge[benign]"
        st.markdown(f"### {node.label}\n{badges} `{node.id}`")
        st.markdown(node.description)
        st.markdown("**States:** " + ", ".join(node.state_label(s) for s in node.states))
        if nid in ev:
            st.markdown(f"**Observed:** {node.state_label(ev[nid])}")
        else:
            post = c_posterior(priors_path(), evk(ev), m)[nid]
            prior = m.prior[nid]
            st.markdown("\n".join(
                f"- {node.state_label(s)}: **{fmt_p(post[s])}** now "
                f"(before any evidence {fmt_p(prior[s])})" for s in node.states))
        if node.red_flags:
            st.markdown("**Red flags:** " + "; ".join(
                f"{node.state_label(s)} — {why}" for s, why in node.red_flags.items()))
        if node.note:
            st.caption(node.note)
    with right, st.container(border=True):
        st.markdown("**The network around it**")
        depth = st.segmented_control("Reach", [1, 2], key="net_depth", default=1,
                                     format_func=lambda d: f"{d} step{'s' * (d > 1)}")
        context = st.toggle("Also show the evidence and the top causes", key="net_context",
                            value=True)
        st.caption("Arrows run from cause to effect. Blue: observed. Orange: one of the top "
                   "five conditions (red outline: serious). Dashed: a hidden mechanism. Thick "
                   "outline: the selected node.")
    df = c_differential(priors_path(), evk(ev), m)
    top = list(df[df["role"] == "condition"]["id"].head(5))
    st.graphviz_chart(network_dot(m, nid, ev, top, int(depth or 1), context), width="stretch")
    st.markdown("**Numbers for this node (what produces it)**")
    params_table(m, [p for p in m.kb.params if p.node == nid])
    outgoing = [p for p in m.kb.params if len(p.path) > 1 and p.path[0] == "links"
                and p.path[1] == nid]
    outgoing += [p for p in m.kb.params if p.path[0] == "rows" and p.node != nid
                 and nid in m.nodes[p.node].rows[int(p.path[1])].when]
    st.markdown("**What it produces (its links to other nodes)**")
    params_table(m, outgoing)


def network_dot(m: model.TwitchModel, center: str, ev: Mapping[str, str], top: list[str],
                depth: int, context: bool) -> str:
    children: dict[str, list[str]] = {n: [] for n in m.ids}
    for n in m.ids:
        for p in m.nodes[n].parents:
            children[p].append(n)
    shown, frontier = {center}, {center}
    for _ in range(depth):
        nxt = set()
        for n in frontier:
            nxt.update(m.nodes[n].parents)
            nxt.update(children[n])
        frontier = nxt - shown
        shown |= nxt
    if context:
        shown |= set(ev) | set(top)

    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["digraph G {", 'rankdir=LR; bgcolor="transparent"; nodesep=0.15; ranksep=0.5;',
             'node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, '
             'fillcolor="#f8fafc", color="#94a3b8"];', 'edge [color="#94a3b8"];']
    for n in sorted(shown, key=m.ids.index):
        node = m.nodes[n]
        text = "\n".join(textwrap.wrap(node.label, 22))
        attrs = {}
        if n in ev:
            text += f"\n= {node.state_label(ev[n])}"
            attrs["fillcolor"] = "#dbeafe"
            attrs["color"] = "#2563eb"
        elif n in top:
            attrs["fillcolor"] = "#fed7aa"
            attrs["color"] = "#b91c1c" if node.serious else "#c2410c"
        if node.role == "mechanism":
            attrs["style"] = '"rounded,filled,dashed"'
        if n == center:
            attrs["penwidth"] = "3"
        attr = ", ".join(f'{k}="{v}"' if not v.startswith('"') else f"{k}={v}"
                         for k, v in attrs.items())
        lines.append(f"{q(n)} [label={q(text)}{', ' + attr if attr else ''}];")
    for n in sorted(shown, key=m.ids.index):
        for p in m.nodes[n].parents:
            if p in shown:
                lines.append(f"{q(p)} -> {q(n)};")
    lines.append("}")
    return "\n".join(lines)


def share_box(ev: Mapping[str, str]) -> None:
    with st.expander("Share this scenario", icon=":material/share:"):
        from urllib.parse import urlencode

        qs = "?" + urlencode(ev) if ev else ""
        base = ""
        try:
            base = (st.context.url or "").split("?")[0]
        except Exception:  # older/other runtimes: a relative link still works
            base = ""
        st.markdown("The page address always holds the evidence (one parameter per item); "
                    "copy it, or this link:")
        st.code(f"{base}{qs}" or "(no evidence yet)", language=None)


# ============================================================================ main


class Timings:
    """Server-side time per section of one script run (read by benchmarks/bench_app.py)."""

    def __init__(self) -> None:
        self.t0 = self.last = time.perf_counter()
        self.sections: dict[str, float] = {}

    def mark(self, name: str) -> None:
        now = time.perf_counter()
        self.sections[name] = 1000 * (now - self.last)
        self.last = now

    def total(self) -> float:
        return 1000 * (time.perf_counter() - self.t0)


def main() -> None:
    timer = Timings()
    st.set_page_config(page_title="TwitchDx · what-if explorer", page_icon=":material/neurology:",
                       layout="wide", initial_sidebar_state="expanded")
    key = priors_path()
    try:
        m = get_model(key)
    except Exception as exc:  # a broken knowledge base: say so, no traceback
        log.error("model load failed:\n%s", traceback.format_exc())
        st.title("TwitchDx")
        st.error(f"The knowledge base could not be loaded ({type(exc).__name__}: {exc}).",
                 icon=":material/error:")
        st.stop()
    try:
        page(m, timer)
    except Exception as exc:  # Stop/Rerun are BaseExceptions and pass through
        log.error("page failed:\n%s", traceback.format_exc())
        st.error(f"Something went wrong while drawing the page ({type(exc).__name__}: {exc}). "
                 "Press Reset, or reload the page.", icon=":material/error:")


def page(m: model.TwitchModel, timer: Timings) -> None:
    init_session(m, priors_path())
    sync_state(m)
    ev = dict(st.session_state.evidence)
    timer.mark("model + state sync")

    sidebar(m)
    timer.mark("evidence entry")
    header(m)
    show_flash()
    case_card(m)
    evidence_summary(m)
    red_flags(m)
    timer.mark("header, case, red flags")
    left, right = st.columns([2, 3], gap="large")
    with left:
        panel("Likely causes", lambda: causes_panel(m, ev))
        timer.mark("likely causes")
        panel("What changed", lambda: what_changed(m, ev))
        timer.mark("what changed")
    with right:
        panel("The differential", lambda: differential_panel(m, ev))
        timer.mark("differential")
    panel("Scenario A/B", lambda: compare_panel(m, ev))
    timer.mark("A/B")
    st.divider()
    target = focus_picker(m, ev)
    tabs = st.tabs(TABS, key="panel_tab", on_change="rerun")
    views = [lambda: why_panel(m, ev, target), lambda: next_tests_panel(m, ev),
             lambda: frequency_panel(m, ev, target), lambda: sensitivity_panel(m, ev, target),
             lambda: node_details_panel(m, ev, target)]
    for name, tab, view in zip(TABS, tabs, views, strict=True):
        with tab:
            if tab.open is not False:
                panel(name, view)
                timer.mark(f"tab: {name}")
    st.divider()
    share_box(ev)
    timer.mark("footer")
    st.session_state._timings = timer.sections
    st.session_state._run_ms = timer.total()

main()
