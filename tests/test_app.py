"""Headless tests of app.py (streamlit.testing.v1.AppTest: no server, no browser).

They drive the app through its widgets, URL and uploads, and compare what the page shows with
the model API called directly, so they fail if a panel stops following the model.
"""

from __future__ import annotations

import json
import time
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import model
from model.cases import load_cases
from model.display import format_probability, natural_frequency

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
APP_KB = ROOT / "tests" / "data" / "app_kb"
NOW = "With this evidence"
GROUPS = ["Patient", "Lifestyle and exposures", "Medications", "The twitching",
          "Other symptoms and signs", "Tests"]


@lru_cache(maxsize=1)
def real_model() -> model.TwitchModel:
    return model.load()


@lru_cache(maxsize=1)
def app_kb_model() -> model.TwitchModel:
    return model.load(APP_KB, check_catalog=False)


@pytest.fixture(autouse=True)
def _real_priors(monkeypatch):
    """Every test uses the real priors unless it points TWITCHDX_PRIORS elsewhere."""
    monkeypatch.delenv("TWITCHDX_PRIORS", raising=False)
    monkeypatch.delenv("TWITCHDX_CASES", raising=False)


# ------------------------------------------------------------------------------ helpers


def start(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if query:
        at.query_params.update(query)
    return at.run()


def item(at: AppTest, node_id: str):
    """The evidence widget of a node (a segmented control, or a radio for long answers)."""
    key = f"ev_{node_id}"
    for finder in (at.segmented_control, at.radio):
        try:
            return finder(key=key)
        except KeyError:
            continue
    raise KeyError(key)


def enter(at: AppTest, node_id: str, state: str) -> AppTest:
    item(at, node_id).set_value(state)
    return at.run()


def specs(at: AppTest, name: str) -> list[dict]:
    """The Vega-Lite specs of the charts called ``name`` (usermeta.chart), with their data.

    Streamlit moves a spec's top-level data into Arrow IPC (proto.data); it is put back here
    as ``spec["data"]["values"]``. Layer-level data stays inline in the spec.
    """
    out = []
    for el in at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        if spec.get("usermeta", {}).get("chart") != name:
            continue
        if el.proto.HasField("data") and el.proto.data.data:
            table = pa.ipc.open_stream(el.proto.data.data).read_all()
            spec["data"] = {"values": table.to_pylist()}
        out.append(spec)
    return out


def bars(at: AppTest, name: str = "differential") -> list[tuple[str, float, str]]:
    """(label, probability, shown text) of the 'with this evidence' bars, top to bottom."""
    (spec,) = specs(at, name)
    return [(r["label"], r["probability"], r["text"]) for r in spec["data"]["values"]
            if r["kind"] == NOW]


def expected_bars(m: model.TwitchModel, ev: dict, n: int = 12) -> list[tuple[str, float, str]]:
    df = m.differential(ev)
    df = df[df["role"].isin(["condition", "state"])].head(n)  # the chart's default kinds
    return [(r.label, r.probability, format_probability(r.probability))
            for r in df.itertuples(index=False)]


def assert_bars(at: AppTest, m: model.TwitchModel, ev: dict, n: int = 12,
                name: str = "differential") -> None:
    got, want = bars(at, name), expected_bars(m, ev, n)
    assert [g[0] for g in got] == [w[0] for w in want]
    assert [g[2] for g in got] == [w[2] for w in want]
    assert [g[1] for g in got] == pytest.approx([w[1] for w in want], abs=1e-12)


def page_text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def errors(at: AppTest) -> list[str]:
    """Error boxes other than the red-flag box."""
    return [e.value for e in at.error if not e.value.startswith("**Red flags")]


def assert_clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert not [w.value for w in at.warning], [w.value for w in at.warning]


def current_evidence(at: AppTest) -> dict[str, str]:
    return dict(at.session_state["evidence"])


def widget_evidence(at: AppTest, m: model.TwitchModel) -> dict[str, str]:
    out = {}
    for n in m.nodes.values():
        if n.group in GROUPS and item(at, n.id).value != "unknown":
            out[n.id] = item(at, n.id).value
    return out


# ------------------------------------------------------------------------------ the page


def test_first_page_shows_the_prior_differential_and_the_disclaimer():
    at = start()
    assert_clean(at)
    m = real_model()
    assert any(model.DISCLAIMER in i.value for i in at.info)
    assert_bars(at, m, {})
    assert all(t.endswith("%") or " in " in t for _, _, t in bars(at))  # readable, not 0.003
    assert at.query_params == {}
    assert "nothing entered yet" in page_text(at)


def test_evidence_entry_is_grouped_with_plain_labels():
    at = start()
    m = real_model()
    expanders = [e.label for e in at.sidebar.expander]
    for group in GROUPS:
        assert any(label.startswith(group) for label in expanders), (group, expanders)
    entry = [n for n in m.nodes.values() if n.group in GROUPS]
    assert len(entry) > 60
    for n in entry:
        w = item(at, n.id)
        assert w.label == n.label
        assert w.value == "unknown"
        assert w.options[0] == "unknown"
        assert w.options[1:] == [n.state_label(s) for s in n.states]
    # latent nodes (conditions, states, mechanisms) are never entry items
    for n in m.nodes.values():
        if n.group not in GROUPS:
            with pytest.raises(KeyError):
                item(at, n.id)


def test_evidence_changes_move_the_differential_and_the_url():
    m = real_model()
    at = start()
    enter(at, "fasciculations", "yes")
    assert_clean(at)
    assert_bars(at, m, {"fasciculations": "yes"})
    enter(at, "weakness", "progressive")
    ev = {"fasciculations": "yes", "weakness": "progressive"}
    assert current_evidence(at) == ev
    assert_bars(at, m, ev)
    assert bars(at) != expected_bars(m, {"fasciculations": "yes"})
    assert at.query_params == ev
    # the summary names the evidence in plain words
    assert "Muscle weakness on examination: " + m.nodes["weakness"].state_label(
        "progressive") in page_text(at)


def test_what_changed_lists_the_biggest_movers_with_arrows():
    m = real_model()
    at = start({"fasciculations": "yes"})
    enter(at, "weakness", "progressive")
    before = m.differential({"fasciculations": "yes"}).set_index("id")
    after = m.differential({"fasciculations": "yes", "weakness": "progressive"}).set_index("id")
    delta = (after["probability"] - before["probability"]).abs().sort_values(ascending=False)
    top = delta.index[0]
    changed = next(md.value for md in at.markdown if md.value.startswith("- :"))
    first = changed.splitlines()[0]
    arrow = "↑" if after.loc[top, "probability"] > before.loc[top, "probability"] else "↓"
    assert after.loc[top, "label"] in first and arrow in first
    assert (f"{format_probability(before.loc[top, 'probability'])} → "
            f"**{format_probability(after.loc[top, 'probability'])}**") in first
    assert "Muscle weakness on examination →" in page_text(at)


def test_red_flags_name_the_evidence_that_raised_them():
    m = real_model()
    at = start({"fasciculations": "yes", "twitch_tongue": "yes", "weakness": "progressive"})
    assert not at.exception
    (box,) = [e.value for e in at.error if e.value.startswith("**Red flags")]
    for nid, state in (("twitch_tongue", "yes"), ("weakness", "progressive")):
        node = m.nodes[nid]
        assert node.red_flags.get(state), f"{nid}={state} is no red flag in the priors"
        assert f"**{node.label}: {node.state_label(state)}**" in box
        assert node.red_flags[state] in box
    enter(at, "weakness", "none")
    (box,) = [e.value for e in at.error if e.value.startswith("**Red flags")]
    assert m.nodes["weakness"].red_flags["progressive"] not in box


def test_reset_clears_everything():
    at = start({"fasciculations": "yes", "weakness": "progressive"})
    at.button(key="reset").click().run()
    assert_clean(at)
    assert current_evidence(at) == {}
    assert item(at, "fasciculations").value == "unknown"
    assert at.query_params == {}
    assert_bars(at, real_model(), {})


def test_number_of_entries_is_adjustable():
    at = start({"fasciculations": "yes"})
    at.number_input(key="n_entries").set_value(5).run()
    assert_bars(at, real_model(), {"fasciculations": "yes"}, n=5)


def test_kinds_filter_and_log_scale():
    m = real_model()
    ev = {"fasciculations": "yes"}
    at = start(ev)
    at.button_group(key="diff_kinds").set_value(["Conditions"]).run()
    want = m.differential(ev)
    want = want[want["role"] == "condition"].head(12)
    assert [b[0] for b in bars(at)] == list(want["label"])
    at.toggle(key="log_scale").set_value(True).run()
    (spec,) = specs(at, "differential")
    bar = spec["layer"][0]["encoding"]
    assert bar["x"]["scale"]["type"] == "log" and bar["x2"]["datum"] > 0  # bars start > 0
    assert [b[0] for b in bars(at)] == list(want["label"])


def test_uncertainty_bars_come_from_the_model():
    ev = {"fasciculations": "yes", "twitch_eyelid": "yes"}
    at = start(ev)
    at.toggle(key="show_ranges").set_value(True).run()
    assert_clean(at)
    (spec,) = specs(at, "differential")
    (rule,) = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "rule"]
    got = {r["label"]: (r["low"], r["high"]) for r in rule["data"]["values"]}
    u = real_model().uncertainty(ev, samples=300, seed=0, level=0.9)
    u = u[u["role"].isin(["condition", "state"])].head(12)  # the chart's default kinds
    assert len(got) == len(u)
    for r in u.itertuples(index=False):
        assert got[r.label] == pytest.approx((max(r.low, 1e-5), max(r.high, 1e-5)))


# ------------------------------------------------------------------------------ sharing


def test_url_parameters_restore_a_scenario_exactly():
    m = real_model()
    ev = {"age": "40_to_64", "fasciculations": "yes", "twitch_legs_calves": "yes",
          "weakness": "none", "caffeine_intake": "high", "emg": "fasciculations_only"}
    at = start(ev)
    assert_clean(at)
    assert widget_evidence(at, m) == ev
    assert current_evidence(at) == ev
    assert_bars(at, m, ev)
    assert at.query_params == ev


@pytest.mark.parametrize("query, message", [
    ({"fasciculations": "maybe"}, "'maybe' is not a state of Muscle twitching"),
    ({"twitchy": "yes"}, "'twitchy' is not an item TwitchDx knows"),
    ({"als": "yes"}, "cannot be entered as evidence"),
])
def test_bad_link_gives_a_friendly_message(query, message):
    at = start(query)
    assert not at.exception
    (err,) = errors(at)
    assert message in err and "shared link" in err
    assert "Traceback" not in page_text(at)
    assert current_evidence(at) == {}
    assert item(at, "fasciculations").value == "unknown"
    assert at.query_params == {}  # the URL is rewritten to the scenario actually shown
    assert_bars(at, real_model(), {})


def test_the_link_is_read_once_and_a_lagging_url_never_undoes_an_edit():
    """The browser sends its query string with every rerun, and it can lag one edit behind;
    the widgets are the truth after the page has opened."""
    at = start({"fasciculations": "yes"})
    enter(at, "weakness", "none")
    at.query_params = {"fasciculations": "yes"}  # what a lagging browser would still send
    enter(at, "twitch_eyelid", "yes")
    ev = {"fasciculations": "yes", "weakness": "none", "twitch_eyelid": "yes"}
    assert current_evidence(at) == ev
    assert at.query_params == ev
    assert_bars(at, real_model(), ev)
    assert not errors(at)


def test_a_dropped_widget_state_is_restored_from_the_last_good_scenario():
    """Streamlit can drop a widget's server-side state (around fragment reruns); the answer
    must come back from the scenario, not silently become 'unknown'."""
    at = start({"fasciculations": "yes", "twitch_eyelid": "yes"})
    at.session_state["ev_fasciculations"] = None  # what a dropped state reads as
    at.run()
    assert current_evidence(at) == {"fasciculations": "yes", "twitch_eyelid": "yes"}
    assert item(at, "fasciculations").value == "yes"


def test_upload_of_a_scenario_file():
    m = real_model()
    at = start()
    text = b"# saved by hand\nfasciculations: yes\nweakness: \"none\"\ntwitch_eyelid: no\n"
    at.file_uploader(key="scenario_upload").upload("mine.yaml", text, "application/yaml")
    at.run()
    ev = {"fasciculations": "yes", "weakness": "none", "twitch_eyelid": "no"}
    assert not at.exception and not errors(at)
    assert current_evidence(at) == ev
    assert widget_evidence(at, m) == ev
    assert_bars(at, m, ev)
    assert any("mine.yaml" in s.value for s in at.success)


@pytest.mark.parametrize("content, message", [
    (b"{not json", "neither valid JSON nor valid YAML"),
    (b"[1, 2, 3]", "must hold a mapping"),
    (b'{"evidence": {"weakness": "very"}}', "'very' is not a state of"),
    (b'{"evidence": {"nonsense_node": "yes"}}', "'nonsense_node' is not an item"),
    (b"\xff\xfe\x00binary", "not text"),
    (b"{" + b" " * 70_000 + b"}", "a scenario file is small"),
])
def test_bad_upload_gives_a_friendly_message_and_keeps_the_state(content, message):
    at = start({"fasciculations": "yes"})
    at.file_uploader(key="scenario_upload").upload("bad.json", content, "application/json")
    at.run()
    assert not at.exception
    (err,) = errors(at)
    assert message in err and "bad.json" in err
    assert current_evidence(at) == {"fasciculations": "yes"}
    assert item(at, "fasciculations").value == "yes"
    assert_bars(at, real_model(), {"fasciculations": "yes"})


# ------------------------------------------------------------------------------ A/B, cases


def test_pinned_scenario_a_and_current_b_side_by_side():
    m = real_model()
    a = {"fasciculations": "yes", "twitch_eyelid": "yes"}
    at = start(a)
    assert not specs(at, "scenario A")
    at.button(key="pin").click().run()
    enter(at, "weakness", "progressive")
    b = {**a, "weakness": "progressive"}
    assert_clean(at)
    assert_bars(at, m, a, name="scenario A")
    assert_bars(at, m, b, name="scenario B")
    assert "Scenario A (pinned)" in page_text(at) and "Scenario B (current)" in page_text(at)
    at.button(key="restore_pinned").click().run()
    assert current_evidence(at) == a
    assert item(at, "weakness").value == "unknown"
    at.button(key="unpin").click().run()
    assert not specs(at, "scenario A")


def test_teaching_case_loads_with_its_source():
    case = load_cases()[0]
    at = start()
    at.selectbox(key="case_pick").select(case["id"]).run()
    at.button(key="load_case").click().run()
    assert_clean(at)
    ev = case["evidence"]
    assert current_evidence(at) == ev
    assert widget_evidence(at, real_model()) == ev
    assert at.query_params == ev
    text = page_text(at)
    assert case["title"] in text
    assert case["source"]["citation"] in text
    assert f"**Diagnosis:** {real_model().nodes[case['diagnosis']].label}" in text


def test_every_teaching_case_loads():
    at = start()
    for case in load_cases():
        at.selectbox(key="case_pick").select(case["id"]).run()
        at.button(key="load_case").click().run()
        assert not at.exception, case["id"]
        assert not errors(at), (case["id"], errors(at))
        assert current_evidence(at) == case["evidence"]


# ------------------------------------------------------------------------------ robustness


def test_impossible_evidence_is_refused_and_the_last_good_state_kept(monkeypatch):
    monkeypatch.setenv("TWITCHDX_PRIORS", str(APP_KB))
    m = app_kb_model()
    at = start()
    enter(at, "hallmark", "no")
    assert not errors(at)
    enter(at, "marker", "positive")  # positive only with the disease, which hallmark=no excludes
    assert not at.exception
    (err,) = errors(at)
    assert "impossible under the model" in err
    assert "Hallmark sign: no" in err and "Disease marker: positive" in err
    assert current_evidence(at) == {"hallmark": "no"}
    assert item(at, "marker").value == "unknown"  # the impossible edit was undone
    assert at.query_params == {"hallmark": "no"}
    assert_bars(at, m, {"hallmark": "no"})
    with pytest.raises(model.ImpossibleEvidenceError):
        m.differential({"hallmark": "no", "marker": "positive"})


def test_impossible_link_is_refused(monkeypatch):
    monkeypatch.setenv("TWITCHDX_PRIORS", str(APP_KB))
    at = start({"hallmark": "no", "marker": "positive"})
    assert not at.exception
    (err,) = errors(at)
    assert "impossible under the model" in err
    assert current_evidence(at) == {}


def test_a_model_error_in_a_panel_becomes_a_message(monkeypatch):
    """Likely causes needs the 'fasciculations' node; a network without it gets a message."""
    monkeypatch.setenv("TWITCHDX_PRIORS", str(ROOT / "tests" / "data" / "small_kb"))
    at = start({"twitch": "yes"})
    t0 = time.monotonic()
    while not any(w.value.startswith("Likely causes:") for w in at.warning):
        assert time.monotonic() - t0 < 60, "no message about the likely causes"
        time.sleep(0.1)
        at.run()
    assert not at.exception
    assert_bars(at, model.load(ROOT / "tests" / "data" / "small_kb", check_catalog=False),
                {"twitch": "yes"})


# ------------------------------------------------------------------------------ the tabs


def open_tab(at: AppTest, name: str) -> AppTest:
    at.session_state["panel_tab"] = name
    return at.run()


def wait_for_causes(at: AppTest, timeout: float = 120.0) -> AppTest:
    """Likely causes are worked out in the background; the page polls until they are in."""
    t0 = time.monotonic()
    while not any(md.value.startswith("1. **") for md in at.markdown):
        assert any("Working out the likely causes" in md.value for md in at.markdown), \
            "neither the likely causes nor the 'working' note is on the page"
        assert time.monotonic() - t0 < timeout, "the likely causes never appeared"
        time.sleep(0.1)
        at.run()
    return at


def test_likely_causes_headline_follows_the_model():
    ev = {"fasciculations": "yes", "twitch_eyelid": "yes", "caffeine_intake": "high"}
    at = wait_for_causes(start(ev))
    assert_clean(at)
    causes = real_model().causes(ev).head(3)
    (md,) = [m.value for m in at.markdown if m.value.startswith("1. **")]
    lines = md.splitlines()
    for i, r in enumerate(causes.itertuples(index=False)):
        assert lines[i].startswith(f"{i + 1}. **{r.label}**")
        assert f"causing {format_probability(r.probability_causing)}" in lines[i]


def test_why_waterfall():
    m = real_model()
    ev = {"fasciculations": "yes", "weakness": "progressive", "twitch_tongue": "yes"}
    at = start(ev)
    at.selectbox(key="focus").select("als").run()
    open_tab(at, "Why")
    assert_clean(at)
    (spec,) = specs(at, "why")
    rows = spec["data"]["values"]
    exp = m.why(ev, "als")
    assert len(rows) == len(ev) + 2
    assert rows[-1]["after"] == format_probability(exp.posterior)
    assert [r["after"] for r in rows[1:-1]] == [
        format_probability(p) for p in exp.contributions["probability_after"]]


def test_why_adds_the_evidence_in_the_order_it_was_entered():
    m = real_model()
    at = start()
    at.selectbox(key="focus").select("als").run()
    for nid, state in (("weakness", "progressive"), ("fasciculations", "yes"),
                       ("age", "65_plus")):
        enter(at, nid, state)
    assert list(current_evidence(at)) == ["weakness", "fasciculations", "age"]
    (spec,) = specs(at, "why")
    steps = [r["step"] for r in spec["data"]["values"]][1:-1]
    assert steps == [f"{m.nodes[n].label}: {m.nodes[n].state_label(s)}" for n, s in
                     (("weakness", "progressive"), ("fasciculations", "yes"), ("age", "65_plus"))]
    enter(at, "weakness", "none")  # changing an answer keeps its place
    assert list(current_evidence(at)) == ["weakness", "fasciculations", "age"]


def test_what_to_ask_next_and_test_outcomes():
    m = real_model()
    ev = {"fasciculations": "yes", "twitch_legs_calves": "yes"}
    at = start(ev)
    open_tab(at, "What to ask next")
    assert_clean(at)
    want = m.next_tests(ev, objective="entropy")
    assert list(at.dataframe[0].value["Ask or test"])[:5] == list(want["label"].head(5))
    at.radio(key="next_objective").set_value("serious").run()
    want = m.next_tests(ev, objective="serious")
    assert list(at.dataframe[0].value["Ask or test"])[:5] == list(want["label"].head(5))
    cand = want["id"].iloc[0]
    outcomes = m.test_outcomes(ev, cand, top=5)
    text = page_text(at)
    node = m.nodes[cand]
    for outcome in outcomes["outcome"].unique():
        assert f"**If {node.label}: {node.state_label(outcome)}**" in text


def test_out_of_1000_people():
    m = real_model()
    ev = {"fasciculations": "yes", "twitch_eyelid": "yes"}
    at = start(ev)
    at.selectbox(key="focus").select("benign_fasciculation_syndrome").run()
    open_tab(at, "Out of 1,000 people")
    assert_clean(at)
    df = m.differential(ev).set_index("id")
    p = df.loc["benign_fasciculation_syndrome", "probability"]
    assert natural_frequency(p) in page_text(at)
    (spec,) = specs(at, "icon array")
    filled = [c for c in spec["data"]["values"] if c["who"] != "everyone else"]
    assert len(spec["data"]["values"]) == 1000 and len(filled) == round(p * 1000)


def test_sensitivity_tornado():
    m = real_model()
    ev = {"fasciculations": "yes", "weakness": "progressive"}
    at = start(ev)
    at.selectbox(key="focus").select("als").run()
    open_tab(at, "Sensitivity")
    assert_clean(at)
    (spec,) = specs(at, "tornado")
    rows = spec["data"]["values"]
    want = m.sensitivity(ev, "als", top=15)
    assert list(dict.fromkeys(r["name"] for r in rows)) == list(want["parameter"])
    assert len({r["parameter"] for r in rows}) == len(want)  # one readable bar label each
    for r, w in zip(rows[::2], want.itertuples(index=False), strict=True):
        assert r["result"] == pytest.approx(w.result_low)


def test_node_details_show_numbers_sources_and_the_network():
    m = real_model()
    at = start({"fasciculations": "yes"})
    open_tab(at, "Node details & network")
    at.selectbox(key="detail_node").select("als").run()
    assert_clean(at)
    text = page_text(at)
    assert m.nodes["als"].description in text
    tables = [t.value for t in at.table]
    sources = {s for t in tables for s in t["Source"]}
    own = [p for p in m.kb.params if p.node == "als"]
    assert own, "ALS has no parameters"
    for p in own:
        if p.source != "expert":
            src = m.kb.sources[p.source]
            assert any(src["citation"] in s for s in sources), src
            if src.get("url"):
                assert any(f"[link]({src['url']})" in s for s in sources), src
    (graph,) = at.get("graphviz_chart")
    dot = graph.proto.spec
    assert '"als"' in dot and "penwidth" in dot
    for parent in m.nodes["als"].parents:
        assert f'"{parent}" -> "als"' in dot
    assert '"fasciculations"' in dot and "#dbeafe" in dot  # the observed node, highlighted
