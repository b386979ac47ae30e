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
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

import model
from model.display import arrow, format_probability, natural_frequency

log = logging.getLogger("twitchdx.app")

ROOT = Path(__file__).resolve().parent
DEFAULT_CASES = ROOT / "model" / "cases" / "teaching_cases.yaml"
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
NOW, BEFORE = "With this evidence", "Before any evidence (prior)"
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
    """A hashable, order-independent key for evidence."""
    return tuple(sorted(ev.items()))


@st.cache_data(max_entries=512, show_spinner=False)
def c_differential(key: str | None, ev: tuple, _m: model.TwitchModel) -> pd.DataFrame:
    return _m.differential(dict(ev))


@st.cache_data(max_entries=256, show_spinner=False)
def c_posterior(key: str | None, ev: tuple, _m: model.TwitchModel) -> dict:
    return _m.posterior(dict(ev))


@st.cache_data(max_entries=256, show_spinner=False)
def c_causes(key: str | None, ev: tuple, _m: model.TwitchModel) -> pd.DataFrame:
    return _m.causes(dict(ev))


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
def load_teaching_cases(path: str | None) -> list[dict]:
    """Teaching cases: ``model.cases.load_cases()`` when it exists, else the YAML file itself."""
    if path is None:
        try:
            from model.cases import load_cases  # type: ignore[import-not-found]
        except ImportError:
            load_cases = None
        if load_cases is not None:
            return [dict(c) for c in load_cases()]
        if not DEFAULT_CASES.exists():
            return []
        path = str(DEFAULT_CASES)
    from ruamel.yaml import YAML

    doc = YAML(typ="safe").load(Path(path).read_text(encoding="utf-8")) or {}
    cases = doc.get("cases") if isinstance(doc, dict) else None
    if not isinstance(cases, list):
        raise ScenarioError(f"{Path(path).name} has no top-level 'cases:' list")
    return [dict(c) for c in cases if isinstance(c, dict) and c.get("id")]


def has(m: model.TwitchModel, method: str) -> bool:
    return callable(getattr(m, method, None))


def coming_soon(what: str) -> None:
    st.info(f"{what}: coming soon — this part of the model is still being written.",
            icon=":material/construction:")


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
        ss[f"ev_{n.id}"] = ev.get(n.id, UNKNOWN)


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
    ss._qp_written = None
    for n in entry_nodes(m):
        ss[f"ev_{n.id}"] = UNKNOWN


def query_evidence() -> dict[str, Any]:
    qp = st.query_params
    out: dict[str, Any] = {}
    for k in qp:
        values = qp.get_all(k)
        out[k] = values[0] if len(values) == 1 else values
    return out


def sync_state(m: model.TwitchModel) -> None:
    """Reconcile the URL, the widgets and the last good evidence (before any widget is drawn)."""
    ss = st.session_state
    # 1. A link opened (or the URL changed under us): restore it exactly, or explain why not.
    url = query_evidence()
    if url != ss._qp_written:
        if url or ss._qp_written is not None:
            try_apply(m, url, "The shared link", "Opened a shared link")
    # 2. Widget edits: accept them if possible, otherwise undo them.
    candidate = {}
    for n in entry_nodes(m):
        value = ss.get(f"ev_{n.id}")
        if value is None or (value != UNKNOWN and value not in n.states):
            ss[f"ev_{n.id}"] = value = UNKNOWN
        if value != UNKNOWN:
            candidate[n.id] = value
    if candidate != ss.evidence:
        changed = [k for k in {**candidate, **ss.evidence}
                   if candidate.get(k) != ss.evidence.get(k)]
        try:
            check_possible(m, candidate)
        except model.ImpossibleEvidenceError:
            flash("error", impossible_message(m, candidate, "That combination"))
            apply_evidence(m, ss.evidence, ss.change_note)  # puts the widgets back
        else:
            note = "; ".join(
                f"{label(m, k)} → {m.nodes[k].state_label(candidate[k]) if k in candidate else UNKNOWN}"
                for k in changed)
            apply_evidence(m, candidate, note)
    # 3. The URL always describes the current scenario.
    if query_evidence() != ss.evidence:
        st.query_params.from_dict(ss.evidence)
    ss._qp_written = dict(ss.evidence)


# -- callbacks (run before the script, so they may set widget state) ----------------------------


def on_reset() -> None:
    m = get_model(priors_path())
    apply_evidence(m, {}, "Cleared all evidence")
    st.session_state.case_id = None


def on_load_case() -> None:
    m = get_model(priors_path())
    ss = st.session_state
    case_id = ss.get("case_pick")
    cases = {c["id"]: c for c in load_teaching_cases(os.environ.get("TWITCHDX_CASES") or None)}
    case = cases.get(case_id)
    if case is None:
        flash("warning", "Pick a teaching case first.")
        return
    if try_apply(m, case.get("evidence") or {}, f"Teaching case '{case.get('title', case_id)}'",
                 f"Loaded teaching case: {case.get('title', case_id)}"):
        ss.case_id = case_id


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


def on_pin() -> None:
    st.session_state.pinned = dict(st.session_state.evidence)


def on_unpin() -> None:
    st.session_state.pinned = None


def on_restore_pinned() -> None:
    m = get_model(priors_path())
    pinned = st.session_state.pinned or {}
    try_apply(m, pinned, "Scenario A", "Went back to scenario A")


# ============================================================================ charts (Vega-Lite)


def differential_spec(rows: list[dict], *, log_scale: bool, x_max: float | None = None,
                      ranges: list[dict] | None = None) -> dict:
    """Grouped horizontal bars: each entry now (solid) and before any evidence (faded)."""
    order = [r["label"] for r in rows if r["kind"] == NOW]
    x_scale: dict[str, Any] = {"type": "log", "domain": [1e-5, 1]} if log_scale else {
        "domain": [0, max(0.05, x_max or max((r["probability"] for r in rows), default=1))]}
    y = {"field": "label", "type": "nominal", "sort": order, "title": None,
         "axis": {"labelLimit": 260, "labelFontSize": 13}}
    x = {"field": "shown", "type": "quantitative", "scale": x_scale,
         "title": "Probability (log scale)" if log_scale else "Probability",
         "axis": {"format": ".0%" if not log_scale else "~%", "grid": True}}
    layers: list[dict] = [
        {"mark": {"type": "bar", "cornerRadiusEnd": 2, "height": {"band": 0.9}},
         "encoding": {
             "y": y, "x": x,
             "yOffset": {"field": "kind", "type": "nominal", "sort": [NOW, BEFORE]},
             "color": {"field": "category", "type": "nominal", "title": None,
                       "scale": {"domain": [BENIGN, SERIOUS],
                                 "range": [COLOURS[BENIGN], COLOURS[SERIOUS]]},
                       "legend": {"orient": "top"}},
             "opacity": {"field": "kind", "type": "nominal", "title": None,
                         "scale": {"domain": [NOW, BEFORE], "range": [1.0, 0.3]},
                         "legend": {"orient": "top"}},
             "tooltip": [{"field": "label", "title": "Entry"},
                         {"field": "kind", "title": "When"},
                         {"field": "text", "title": "Probability"}]}},
        {"transform": [{"filter": {"field": "kind", "equal": NOW}}],
         "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12},
         "encoding": {"y": y, "x": x,
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
    return {"data": {"values": rows}, "height": {"step": 15}, "layer": layers,
            "config": {"axis": {"labelFontSize": 12}}}


def waterfall_spec(rows: list[dict]) -> dict:
    """Log-odds steps; the axis is labelled in probability."""
    lab = "format(1/(1+exp(-datum.value)), '.2~%')"
    order = [r["step"] for r in rows]
    return {
        "data": {"values": rows}, "height": {"step": 30},
        "layer": [
            {"mark": {"type": "bar", "height": {"band": 0.7}},
             "encoding": {
                 "y": {"field": "step", "type": "nominal", "sort": order, "title": None,
                       "axis": {"labelLimit": 280, "labelFontSize": 12}},
                 "x": {"field": "start", "type": "quantitative", "title": "Probability "
                       "(log-odds scale: each finding adds its weight)",
                       "axis": {"labelExpr": lab}, "scale": {"zero": False}},
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
        "data": {"values": rows}, "height": {"step": 26},
        "layer": [
            {"mark": {"type": "bar", "height": {"band": 0.75}},
             "encoding": {
                 "y": {"field": "parameter", "type": "nominal", "sort": order, "title": None,
                       "axis": {"labelLimit": 360}},
                 "x": {"field": "base", "type": "quantitative", "title": "Probability of the "
                       "focus entry", "axis": {"format": "~%"}, "scale": {"zero": False}},
                 "x2": {"field": "result"},
                 "color": {"field": "end", "type": "nominal", "title": None,
                           "scale": {"domain": ["parameter at its low end",
                                                "parameter at its high end"],
                                     "range": ["#0ea5e9", "#f59e0b"]},
                           "legend": {"orient": "top"}},
                 "tooltip": [{"field": "parameter", "title": "Parameter"},
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
        "data": {"values": cells}, "width": "container", "height": 12 * (denominator // cols),
        "mark": {"type": "square", "size": 60, "filled": True},
        "encoding": {
            "x": {"field": "col", "type": "ordinal", "axis": None},
            "y": {"field": "row", "type": "ordinal", "axis": None},
            "color": {"field": "who", "type": "nominal", "title": None,
                      "scale": {"domain": [what, "everyone else"],
                                "range": [colour, "#d1d5db"]},
                      "legend": {"orient": "top", "labelLimit": 400}}},
        "config": {"view": {"stroke": None}}}


def chart(spec: dict, key: str) -> None:
    st.vega_lite_chart(spec, width="stretch", key=key)


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
                    st.segmented_control(
                        n.label, [UNKNOWN, *n.states], key=f"ev_{n.id}", required=True,
                        format_func=lambda s, n=n: UNKNOWN if s == UNKNOWN else n.state_label(s),
                        help=n.description, width="stretch")
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


def case_picker(m: model.TwitchModel) -> None:
    try:
        cases = load_teaching_cases(os.environ.get("TWITCHDX_CASES") or None)
    except Exception as exc:  # a malformed cases file must not break entry
        st.caption(f"Teaching cases could not be read ({exc}).")
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


def header(m: model.TwitchModel) -> None:
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
    cases = {c["id"]: c for c in load_teaching_cases(os.environ.get("TWITCHDX_CASES") or None)}
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
    if not has(m, "causes"):
        coming_soon("Likely causes (what is producing this presentation)")
        return
    df = c_causes(priors_path(), evk(ev), m).head(8)
    st.caption("Ranked by the probability that each one is *causing* this presentation "
               "(not merely present).")
    lines = []
    for i, r in enumerate(df.itertuples(index=False), 1):
        node = m.nodes.get(r.id)
        badge = ":red-badge[serious]" if node is not None and node.serious else ""
        lines.append(f"{i}. **{r.label}** {badge} — causing {fmt_p(r.probability_causing)}"
                     f" · present {fmt_p(r.probability_present)}")
    st.markdown("\n".join(lines))


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
            ratio = f" (×{x:.3g})" if x >= 1 else f" (÷{1 / x:.3g})"
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
    c1, c2, c3 = st.columns([3, 2, 2])
    kinds = {"condition": "Conditions", "state": "States", "exposure": "Exposures"}
    shown_kinds = c1.pills("Show", list(kinds.values()), selection_mode="multi",
                           default=list(kinds.values()), key="diff_kinds")
    n_max = max(1, len(df))
    n = c2.number_input("Entries", min_value=1, max_value=n_max, value=min(12, n_max),
                        key="n_entries")
    log_scale = c3.toggle("Log scale", key="log_scale",
                          help="Spread out rare entries (log axis)")
    unc = c3.toggle("90% ranges", key="show_ranges",
                    help="Uncertainty from the parameters' literature ranges "
                         f"({UNCERTAINTY_SAMPLES} samples)")
    df = df[df["role"].map(kinds).isin(shown_kinds or [])].head(int(n))
    if df.empty:
        st.caption("Nothing to show: choose at least one kind of entry.")
        return
    ranges = None
    if unc:
        if has(m, "uncertainty"):
            u = c_uncertainty(priors_path(), evk(ev), m)
            u = u[u["id"].isin(df["id"])]
            ranges = [{"label": r.label, "kind": NOW, "low": max(float(r.low), 1e-5),
                       "high": max(float(r.high), 1e-5),
                       "range_text": f"{fmt_p(r.low)} – {fmt_p(r.high)}"}
                      for r in u.itertuples(index=False)]
        else:
            coming_soon("Uncertainty ranges")
    chart(differential_spec(chart_rows(df), log_scale=log_scale, ranges=ranges),
          key="chart_differential")
    st.caption("Solid bars: probability with the evidence entered. Faded bars: before any "
               "evidence. Probabilities are of each entry being present; several can be "
               "present at once, so they need not add up to 100%.")


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
    da = c_differential(priors_path(), evk(pinned), m).head(n)
    db = c_differential(priors_path(), evk(ev), m).head(n)
    x_max = max(float(da["probability"].max()), float(db["probability"].max()), 0.05)
    log_scale = bool(ss.get("log_scale"))
    ca, cb = st.columns(2)
    for col, name, evx, dfx in ((ca, "A (pinned)", pinned, da), (cb, "B (current)", ev, db)):
        with col, st.container(border=True):
            st.markdown(f"**Scenario {name}**")
            st.caption(evidence_sentence(m, evx))
            chart(differential_spec(chart_rows(dfx), log_scale=log_scale, x_max=x_max),
                  key=f"chart_{name[0]}")
    only_a = {k: v for k, v in pinned.items() if ev.get(k) != v}
    only_b = {k: v for k, v in ev.items() if pinned.get(k) != v}
    if only_a or only_b:
        st.caption(f"A differs from B in: {evidence_sentence(m, only_a)} (A) vs "
                   f"{evidence_sentence(m, only_b)} (B).")
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
    if not has(m, "why"):
        coming_soon("The 'Why' waterfall")
        return
    if target in ev:
        st.caption(f"{label(m, target)} is in the evidence; pick another focus.")
        return
    if not ev:
        st.caption("Enter some evidence: the waterfall shows how each item moves the focus "
                   "entry away from its prior.")
    exp = c_why(priors_path(), evk(ev), target, m)
    prior, post = float(exp.prior), float(exp.posterior)
    st.markdown(f"**{label(m, target)}**: {fmt_p(prior)} before any evidence → "
                f"**{fmt_p(post)}** with it.")
    contrib = exp.contributions
    if contrib is None or len(contrib) == 0:
        return

    def logit(p: float) -> float:
        p = min(max(p, 1e-9), 1 - 1e-9)
        return math.log(p / (1 - p))

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
        "Likelihood ratio": [f"×{float(v):.3g}" for v in contrib["likelihood_ratio"]],
        "Probability after": [fmt_p(v) for v in contrib["probability_after"]],
    })
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption("Each item multiplies the odds by its likelihood ratio, in the order entered: "
               "bars to the right raise the probability, bars to the left lower it.")


def next_tests_panel(m: model.TwitchModel, ev: dict) -> None:
    if not has(m, "next_tests"):
        coming_soon("What to ask next")
        return
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
    if not has(m, "test_outcomes"):
        coming_soon("What each answer would do")
        return
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
          key="chart_icons")
    if 0 < p * 1000 < 1:
        st.caption(f"Rarer than 1 in 1,000: {natural_frequency(p, 100_000)} people like this.")


def sensitivity_panel(m: model.TwitchModel, ev: dict, target: str) -> None:
    if not has(m, "sensitivity"):
        coming_soon("The sensitivity (tornado) chart")
        return
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
    rows = []
    for r in df.itertuples(index=False):
        name = str(r.label)
        rng = f"{fmt_p(r.low)} – {fmt_p(r.high)} (now {fmt_p(r.value)})"
        res = f"{fmt_p(r.result_low)} – {fmt_p(r.result_high)}"
        for end, result in (("parameter at its low end", r.result_low),
                            ("parameter at its high end", r.result_high)):
            rows.append({"parameter": name, "end": end, "base": base,
                         "result": float(result), "range_text": rng, "result_text": res})
    st.markdown(f"Which literature numbers matter most for **{label(m, target)}** "
                f"(now {fmt_p(base)}): each bar moves one parameter across its range.")
    chart(tornado_spec(rows, base), key="chart_tornado")


def describe_param(m: model.TwitchModel, p) -> str:
    node = m.nodes[p.node]
    path = tuple(p.path)
    kind = path[0]

    def sname(s: str) -> str:
        return node.state_label(s)

    default = node.states[1] if len(node.states) > 1 else node.states[0]
    if kind == "prior":
        state = path[1] if len(path) > 1 else default
        return f"{node.label} = {sname(state)} in the population"
    if kind == "leak":
        k = len(node.leak_by)
        strata, rest = path[1:1 + k], path[1 + k:]
        state = rest[0] if rest else default
        where = ", ".join(f"{label(m, b)} {m.nodes[b].state_label(s)}"
                          for b, s in zip(node.leak_by, strata, strict=False))
        return (f"{node.label} = {sname(state)} with none of its listed causes"
                + (f" ({where})" if where else ""))
    if kind == "links":
        parent, pstate = path[1], path[2]
        state = path[3] if len(path) > 3 else default
        return (f"{label(m, parent)} = {m.nodes[parent].state_label(pstate)} alone causes "
                f"{node.label} = {sname(state)}")
    if kind == "rows":
        row = node.rows[int(path[1])]
        state = path[2] if len(path) > 2 else default
        cond = ", ".join(f"{label(m, k)} = {m.nodes[k].state_label(v)}"
                         for k, v in row.when.items()) or "otherwise"
        return f"{node.label} = {sname(state)} when {cond}"
    return p.name


def source_text(m: model.TwitchModel, p) -> tuple[str, str | None]:
    if p.source == "expert":
        return f"Expert estimate: {p.note or ''}".strip(), None
    src = m.kb.sources.get(p.source) or {}
    cite = src.get("citation", p.source)
    if p.note:
        cite = f"{cite} — {p.note}"
    return cite, src.get("url")


def params_table(m: model.TwitchModel, params: list) -> None:
    if not params:
        st.caption("None.")
        return
    rows = []
    for p in params:
        cite, url = source_text(m, p)
        rows.append({"What": describe_param(m, p), "Value": fmt_p(p.value),
                     "Range": f"{fmt_p(p.low)} – {fmt_p(p.high)}", "Source": cite,
                     "Link": url})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config={"Link": st.column_config.LinkColumn("Link", width="small"),
                                "What": st.column_config.TextColumn(width="large"),
                                "Source": st.column_config.TextColumn(width="large")})


def node_details_panel(m: model.TwitchModel, ev: dict, target: str) -> None:
    ss = st.session_state
    ids = sorted(m.ids, key=lambda n: (m.nodes[n].group, m.nodes[n].label.lower()))
    if ss.get("detail_node") not in ids:
        ss.detail_node = target
    nid = st.selectbox("Cause or finding", ids, key="detail_node",
                       format_func=lambda n: f"{m.nodes[n].label} · {m.nodes[n].group}")
    node = m.nodes[nid]
    left, right = st.columns([1, 1])
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
    with right:
        depth = st.segmented_control("Network around it", [1, 2], key="net_depth",
                                     default=1, format_func=lambda d: f"{d} step{'s' * (d > 1)}")
        context = st.toggle("Also show the evidence and the top causes", key="net_context",
                            value=True)
        df = c_differential(priors_path(), evk(ev), m)
        top = [i for i in df[df["role"] == "condition"]["id"].head(5)]
        st.graphviz_chart(network_dot(m, nid, ev, top, int(depth or 1), context),
                          width="stretch")
        st.caption("Arrows run from cause to effect. Blue: observed. Orange: a top cause "
                   "(red outline: serious). Thick outline: the selected node.")
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


def main() -> None:
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
    init_session(m, key)
    sync_state(m)
    ev = dict(st.session_state.evidence)

    sidebar(m)
    header(m)
    show_flash()
    case_card(m)
    evidence_summary(m)
    red_flags(m)
    left, right = st.columns([2, 3], gap="large")
    with left:
        panel("Likely causes", lambda: causes_panel(m, ev))
        panel("What changed", lambda: what_changed(m, ev))
    with right:
        panel("The differential", lambda: differential_panel(m, ev))
    panel("Scenario A/B", lambda: compare_panel(m, ev))
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
    st.divider()
    share_box(ev)


main()
