"""Headless tests of the explorer (streamlit.testing.v1.AppTest: no server, no browser).

They drive the app through its widgets, links and uploads and compare what the page shows with
the model API called directly, so they fail if a panel stops following the model. No
posterior is written down here: the knowledge base changes, the comparison does not.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import model
from explorer.panels.red_flags import combinations
from explorer.state import entry_ids
from model.cases import load_cases
from model.present.format import format_probability, natural_frequency

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
APP_KB = ROOT / "tests" / "data" / "app_kb"
SMALL_KB = ROOT / "tests" / "data" / "small_kb"
NOW = "With this evidence"


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
    at = AppTest.from_file(APP, default_timeout=180)
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
    """The Vega-Lite specs of the charts called ``name`` (usermeta.chart), with their data
    (Streamlit moves a spec's top-level data into Arrow IPC; it is put back here)."""
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


def bars(at: AppTest, name: str = "differential", kind: str = NOW) -> list[tuple]:
    """(label, probability, shown text) of one kind of bar, top to bottom."""
    (spec,) = specs(at, name)
    return [(r["label"], r["probability"], r["text"]) for r in spec["data"]["values"]
            if r["kind"] == kind]


def model_ev(ev: dict) -> dict:
    return {k: (list(v.split("|")) if isinstance(v, str) and "|" in v else v)
            for k, v in ev.items()}


def expected_bars(m: model.TwitchModel, ev: dict, n: int = 12) -> list[tuple]:
    df = m.diagnoses(model_ev(ev)).head(n)
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
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def errors(at: AppTest) -> list[str]:
    """Error boxes other than the red-flag box."""
    return [e.value for e in at.error if not e.value.startswith("**Red flags")]


def texts(at: AppTest) -> str:
    return "\n".join(t.value for t in at.text)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert not errors(at), errors(at)
    assert not [w.value for w in at.warning], [w.value for w in at.warning]


def scenario(at: AppTest):
    return at.session_state["scenario"]


def current_evidence(at: AppTest) -> dict:
    return {k: (v if isinstance(v, str) else "|".join(v))
            for k, v in scenario(at).evidence.items()}


def widget_evidence(at: AppTest, m: model.TwitchModel) -> dict[str, str]:
    return {n: item(at, n).value for n in entry_ids(m) if item(at, n).value != "unknown"}


def red_flag_box(at: AppTest) -> str:
    boxes = [e.value for e in at.error if e.value.startswith("**Red flags")]
    return boxes[0] if boxes else ""


CLINICIAN = {"age": "40_to_64", "sex": "male", "fasciculations": "yes",
             "twitch_arms_hands": "yes", "twitch_duration": "months",
             "weakness": "mild_stable", "brisk_reflexes": "yes", "numbness_tingling": "no"}


# ------------------------------------------------------------------------------ the page


def test_first_page_shows_the_prior_differential_and_the_disclaimer():
    at = start()
    assert_clean(at)
    assert model.DISCLAIMER in page_text(at)
    assert_bars(at, real_model(), {})
    assert at.query_params == {}
    assert "nothing entered yet" in page_text(at)


def test_every_entry_item_has_a_widget_with_plain_labels_and_no_latent_node_has_one():
    at = start()
    m = real_model()
    ids = entry_ids(m)
    assert len(ids) > 60
    for nid in ids:
        n = m.nodes[nid]
        w = item(at, nid)
        assert w.label == n.label and w.value == "unknown"
        assert w.options[0] == "unknown"
        assert w.options[1:1 + len(n.states)] == [n.state_label(s) for s in n.states]
    for nid in m.ids:
        if nid not in ids:
            with pytest.raises(KeyError):
                item(at, nid)


def test_examination_and_tests_have_their_own_tabs_before_the_history():
    at = start()
    tabs = [t.label for t in at.sidebar.tabs]
    assert tabs[:2] == ["Patient", "Exam"] and "Tests" in tabs
    exam = at.sidebar.tabs[1]
    keys = {w.key for w in [*exam.segmented_control, *exam.radio]}
    m = real_model()
    for nid in entry_ids(m):
        if m.nodes[nid].cost == "examination" and m.nodes[nid].group != "The twitching":
            assert f"ev_{nid}" in keys, nid


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
    assert at.query_params == ev
    assert "Muscle weakness on examination: " + m.nodes["weakness"].state_label(
        "progressive") in page_text(at)


def test_the_differential_lists_diagnoses_and_moved_exposures_separately():
    m = real_model()
    ev = {"fasciculations": "yes", "numbness_tingling": "yes", "reduced_reflexes": "yes"}
    at = start(ev)
    assert_clean(at)
    roles = {m.nodes[n].role for n in m.ids if m.nodes[n].label in [b[0] for b in bars(at)]}
    assert roles <= {"condition", "state"}
    assert "Ranks **diagnoses**" in page_text(at)
    df = m.differential(ev)
    ex = df[df["role"] == "exposure"]
    moved = ex[((ex["probability"] - ex["prior"]).abs() >= 0.02)
               & ((ex["probability"] / ex["prior"] >= 1.3)
                  | (ex["probability"] / ex["prior"] <= 1 / 1.3))]
    text = page_text(at)
    for r in moved.head(5).itertuples(index=False):
        assert f"**{r.label}**: {format_probability(r.prior)} → " in text
    unmoved = ex[~ex["id"].isin(moved["id"])]
    for r in unmoved.itertuples(index=False):
        assert f"**{r.label}**: {format_probability(r.prior)} → " not in text


def test_what_changed_lists_the_biggest_movers_with_arrows():
    m = real_model()
    at = start({"fasciculations": "yes"})
    enter(at, "weakness", "progressive")
    before = m.diagnoses({"fasciculations": "yes"}).set_index("id")
    after = m.diagnoses({"fasciculations": "yes", "weakness": "progressive"}).set_index("id")
    delta = (after["probability"] - before["probability"]).abs().sort_values(ascending=False)
    top = delta.index[0]
    changed = next(md.value for md in at.markdown if md.value.startswith("- :"))
    first = changed.splitlines()[0]
    arrow = "↑" if after.loc[top, "probability"] > before.loc[top, "probability"] else "↓"
    assert after.loc[top, "label"] in first and arrow in first
    assert (f"{format_probability(before.loc[top, 'probability'])} → "
            f"{format_probability(after.loc[top, 'probability'])}") in first


def test_red_flags_name_the_evidence_and_the_upper_plus_lower_motor_neuron_combination():
    m = real_model()
    at = start({"fasciculations": "yes", "twitch_tongue": "yes", "weakness": "progressive"})
    box = red_flag_box(at)
    for nid, state in (("twitch_tongue", "yes"), ("weakness", "progressive")):
        node = m.nodes[nid]
        assert node.red_flags.get(state), f"{nid}={state} is no red flag in the priors"
        assert f"**{node.label}: {node.state_label(state)}**" in box
    combo = combinations()[0]
    assert combo["title"] not in box  # no upper motor neuron sign yet
    enter(at, "brisk_reflexes", "yes")
    assert f"**{combo['title']}**" in red_flag_box(at)
    enter(at, "weakness", "none")
    assert m.nodes["weakness"].red_flags["progressive"] not in red_flag_box(at)


def test_every_red_flag_combination_names_real_items():
    m = real_model()

    def ids(cond):
        if "all" in cond or "any" in cond:
            for c in cond.get("all", cond.get("any")):
                yield from ids(c)
        else:
            ((nid, want),) = cond.items()
            yield nid, want

    for combo in combinations():
        for nid, want in ids(combo["when"]):
            assert nid in m.nodes, nid
            for s in want if isinstance(want, list) else [want]:
                assert s in m.nodes[nid].states, (nid, s)


def test_reset_clears_everything():
    at = start({"fasciculations": "yes", "weakness": "progressive"})
    at.button(key="reset").click().run()
    assert_clean(at)
    assert current_evidence(at) == {}
    assert item(at, "fasciculations").value == "unknown"
    assert at.query_params == {}
    assert_bars(at, real_model(), {})


def test_number_of_entries_log_scale_and_uncertainty():
    m = real_model()
    ev = {"fasciculations": "yes", "twitch_eyelid": "yes"}
    at = start(ev)
    at.number_input(key="n_entries").set_value(5).run()
    assert_bars(at, m, ev, n=5)
    at.toggle(key="log_scale").set_value(True).run()
    (spec,) = specs(at, "differential")
    bar = spec["layer"][0]["encoding"]
    assert bar["x"]["scale"]["type"] == "log" and bar["x2"]["datum"] > 0
    at.toggle(key="show_ranges").set_value(True).run()
    assert_clean(at)
    (spec,) = specs(at, "differential")
    (rule,) = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "rule"]
    got = {r["label"]: (r["low"], r["high"]) for r in rule["data"]["values"]}
    u = m.uncertainty(ev, samples=300, seed=0, level=0.9)
    u = u[u["id"].isin(m.diagnoses(ev)["id"].head(5))]
    assert len(got) == len(u)
    for r in u.itertuples(index=False):
        assert got[r.label] == pytest.approx((max(r.low, 1e-5), max(r.high, 1e-5)))


# ------------------------------------------------------------------------------ entry


def test_search_finds_a_finding_by_synonym_and_sets_it_in_place():
    m = real_model()
    at = start()
    search = at.sidebar.selectbox(key="search")
    hits = [o for o in search.options if "hyperreflexia" in o]
    assert hits, "no search option mentions the synonym"
    assert any(o.startswith(m.nodes["brisk_reflexes"].label + ": yes") for o in hits)
    search.set_value("brisk_reflexes=yes").run()
    assert current_evidence(at) == {"brisk_reflexes": "yes"}
    assert item(at, "brisk_reflexes").value == "yes"
    assert at.sidebar.selectbox(key="search").value is None  # ready for the next one
    assert_bars(at, m, {"brisk_reflexes": "yes"})


def test_yes_not_sure_which_is_set_valued_evidence_end_to_end():
    m = real_model()
    at = start({"fasciculations": "yes"})
    w = item(at, "weakness")
    unsure = "mild_stable|progressive"
    assert "yes, not sure which" in w.options
    enter(at, "weakness", unsure)
    assert_clean(at)
    ev = {"fasciculations": "yes", "weakness": unsure}
    assert current_evidence(at) == ev
    assert at.query_params == ev
    assert_bars(at, m, ev)
    # the link restores it exactly
    at2 = start(ev)
    assert item(at2, "weakness").value == unsure and current_evidence(at2) == ev


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


def test_no_server_path_is_shown(monkeypatch, tmp_path):
    monkeypatch.setenv("TWITCHDX_PRIORS", str(APP_KB))
    at = start()
    assert str(APP_KB) not in page_text(at) and str(ROOT) not in page_text(at)
    monkeypatch.setenv("TWITCHDX_PRIORS", str(tmp_path / "nope"))
    at = start()
    assert not at.exception
    assert "could not be loaded" in page_text(at)
    assert str(tmp_path) not in page_text(at)


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


def test_a_partly_bad_link_keeps_its_good_items_and_names_the_dropped_ones():
    at = start({"fasciculations": "yes", "weakness": "maybe", "twitchy": "yes", "als": "yes"})
    assert not at.exception
    assert current_evidence(at) == {"fasciculations": "yes"}
    assert at.query_params == {"fasciculations": "yes"}
    (warn,) = [w.value for w in at.warning]
    assert "Part of the shared link could not be used" in warn
    detail = texts(at)
    assert "'maybe' is not a state of Muscle weakness" in detail
    assert "'twitchy' is not an item TwitchDx knows" in detail
    assert "cannot be entered as evidence" in detail
    assert_bars(at, real_model(), {"fasciculations": "yes"})


def test_user_text_is_plain_text_and_long_values_are_shortened():
    bad_key = "**INJECT** ![i](http://127.0.0.1:9/k.png) :red[x] $x^2$"
    at = start({bad_key: "yes", "fasciculations": "v" * 10_000})
    assert not at.exception
    boxes = [*errors(at), *[w.value for w in at.warning]]
    assert boxes and not any("INJECT" in b or "vvvv" in b for b in boxes)  # not in Markdown
    assert bad_key[:40] in texts(at)  # shown (shortened) as plain text
    assert "10,000 characters" in texts(at) and "v" * 200 not in texts(at)


def test_upload_of_a_scenario_file_with_a_set_value():
    m = real_model()
    at = start()
    assert "up to 1 MB" in at.sidebar.get("file_uploader")[0].proto.label
    text = b"# saved by hand\nfasciculations: yes\nweakness: [mild_stable, progressive]\n"
    at.file_uploader(key="scenario_upload_0").upload("mine.yaml", text, "application/yaml")
    at.run()
    ev = {"fasciculations": "yes", "weakness": "mild_stable|progressive"}
    assert not at.exception and not errors(at)
    assert current_evidence(at) == ev
    assert widget_evidence(at, m) == ev
    assert_bars(at, m, ev)
    assert "mine.yaml" in texts(at)


@pytest.mark.parametrize("content, message", [
    (b"{not json", "neither valid JSON nor valid YAML"),
    (b"[1, 2, 3]", "must hold a mapping"),
    (b'{"evidence": {"weakness": "very"}}', "'very' is not a state of"),
    (b"\xff\xfe\x00binary", "not text"),
])
def test_bad_upload_gives_a_friendly_message_and_keeps_the_state(content, message):
    at = start({"fasciculations": "yes"})
    at.file_uploader(key="scenario_upload_0").upload("bad.json", content, "application/json")
    at.run()
    assert not at.exception
    assert errors(at)
    assert message in texts(at) and "bad.json" in texts(at)
    assert current_evidence(at) == {"fasciculations": "yes"}
    assert item(at, "fasciculations").value == "yes"


# ------------------------------------------------------------------------------ panels


def test_likely_causes_follow_the_model_without_polling():
    ev = {"fasciculations": "yes", "twitch_eyelid": "yes", "caffeine_intake": "high"}
    at = start(ev)
    assert not [md for md in at.markdown if md.value.startswith("1. **")]  # only when opened
    open_tab(at, "Likely causes")
    assert_clean(at)
    causes = real_model().causes(ev).head(3)
    (md,) = [m.value for m in at.markdown if m.value.startswith("1. **")]
    lines = md.splitlines()
    for i, r in enumerate(causes.itertuples(index=False)):
        assert lines[i].startswith(f"{i + 1}. **{r.label}**")


def test_why_follows_the_top_entry_unless_one_is_pinned():
    m = real_model()
    at = start({"fasciculations": "yes"})
    for nid, state in (("weakness", "progressive"), ("twitch_tongue", "yes")):
        enter(at, nid, state)
    ev = {"fasciculations": "yes", "weakness": "progressive", "twitch_tongue": "yes"}
    top = m.diagnoses(ev).iloc[0]
    (spec,) = specs(at, "why")
    exp = m.why(ev, top["id"])
    rows = spec["data"]["values"]
    assert len(rows) == len(ev) + 2
    assert [r["after"] for r in rows[1:-1]] == [
        format_probability(p) for p in exp.contributions["probability_after"]]
    assert f"**{top['label']}**" in page_text(at)
    # pin another entry: it stays while the evidence changes
    other = m.diagnoses(ev).iloc[3]["id"]
    at.selectbox(key="focus_pick").select(other).run()
    enter(at, "age", "65_plus")
    assert f"**{m.nodes[other].label}**: " in page_text(at)
    steps = [r["step"] for r in specs(at, "why")[0]["data"]["values"]][1:-1]
    assert steps[-1] == f"{m.nodes['age'].label}: {m.nodes['age'].state_label('65_plus')}"


def test_why_explains_an_entered_cause():
    m = real_model()
    ev = {"fasciculations": "yes", "twitch_eyelid": "yes", "caffeine_intake": "high"}
    at = start(ev)
    at.selectbox(key="focus_pick").select("caffeine_intake").run()
    assert_clean(at)
    causes = m.causes(ev)
    col = "twitching_would_stop" if "twitching_would_stop" in causes else "probability_causing"
    p = causes.loc[causes["id"] == "caffeine_intake", col].iloc[0]
    assert f"**{format_probability(p)}** of being what causes the twitching" in page_text(at)
    at.toggle(key="cause_steps").set_value(True).run()
    (table,) = [t.value for t in at.table]
    assert len(table) == len(ev)
    last = table.iloc[-1]["Probability it causes the twitching"]
    assert last == format_probability(p)  # all the evidence: the number above


def test_what_to_ask_next_answers_from_its_row_and_outcomes_show_serious_entries():
    m = real_model()
    ev = dict(CLINICIAN)
    at = start(ev)
    open_tab(at, "What to ask next")
    assert_clean(at)
    want = m.next_tests(ev, objective="entropy")
    labels = [md.value.split("  \n")[0] for md in at.markdown if "  \n:gray[" in md.value]
    assert labels[:5] == list(want["label"].head(5))
    at.radio(key="next_objective").set_value("serious").run()
    want = m.next_tests(ev, objective="serious")
    labels = [md.value.split("  \n")[0] for md in at.markdown if "  \n:gray[" in md.value]
    assert labels[:5] == list(want["label"].head(5))
    cand = want["id"].iloc[0]
    # the outcome cards follow the goal's top item and show the serious conditions it moves
    out = m.test_outcomes(ev, cand, top=len(m.ids))
    change = (out["probability"] - out["now"]).abs().groupby(out["id"]).max()
    serious = [n for n in change.index if m.nodes[n].serious]
    best = max(serious, key=lambda n: change[n] + out[out["id"] == n]["probability"].max())
    text = page_text(at)
    node = m.nodes[cand]
    for outcome in out["outcome"].unique():
        assert f"**If {node.label}: {node.state_label(outcome)}**" in text
    assert f"- {m.nodes[best].label} :red-badge[serious]" in text
    # answer the first row in place
    rev = scenario(at).revision
    state = m.nodes[cand].states[-1]
    at.button_group(key=f"ask_{cand}_{rev}").set_value(state).run()
    assert current_evidence(at)[cand] == state
    assert_bars(at, m, {**ev, cand: state})


def test_emg_outcomes_show_als():
    m = real_model()
    ev = dict(CLINICIAN)
    at = start(ev)
    open_tab(at, "What to ask next")
    rev = scenario(at).revision
    at.selectbox(key=f"next_candidate_entropy_{rev}").select("emg").run()
    out = m.test_outcomes(ev, "emg", top=len(m.ids))
    als = out[out["id"] == "als"].set_index("outcome")
    text = page_text(at)
    for _outcome, r in als.iterrows():  # ALS under every EMG result, as the model has it
        assert (f"- {m.nodes['als'].label} :red-badge[serious]: {format_probability(r['now'])}"
                in text)
        assert f"**{format_probability(r['probability'])}**" in text


def open_tab(at: AppTest, name: str) -> AppTest:
    at.session_state["panel_tab"] = name
    return at.run()


def test_out_of_1000_people():
    m = real_model()
    ev = {"fasciculations": "yes", "twitch_eyelid": "yes"}
    at = start(ev)
    at.selectbox(key="focus_pick").select("benign_fasciculation_syndrome").run()
    open_tab(at, "Out of 1,000 people")
    assert_clean(at)
    df = m.differential(ev).set_index("id")
    p = df.loc["benign_fasciculation_syndrome", "probability"]
    assert natural_frequency(p) in page_text(at)
    (spec,) = specs(at, "icon array")
    filled = [c for c in spec["data"]["values"] if c["who"] != "everyone else"]
    assert len(spec["data"]["values"]) == 1000 and len(filled) == round(p * 1000)
    for r in m.diagnoses(ev).head(6).itertuples(index=False):  # the same entries as the chart
        assert f"**{r.label}**: {natural_frequency(r.probability)}" in page_text(at)


def test_sensitivity_tornado():
    m = real_model()
    ev = {"fasciculations": "yes", "weakness": "progressive"}
    at = start(ev)
    at.selectbox(key="focus_pick").select("als").run()
    open_tab(at, "Sensitivity")
    assert_clean(at)
    (spec,) = specs(at, "tornado")
    rows = spec["data"]["values"]
    want = m.sensitivity(ev, "als", top=15)
    assert list(dict.fromkeys(r["name"] for r in rows)) == list(want["parameter"])
    assert len({r["parameter"] for r in rows}) == len(want)
    for r, w in zip(rows[::2], want.itertuples(index=False), strict=True):
        assert r["result"] == pytest.approx(w.result_low)


def test_node_details_show_numbers_sources_and_the_network():
    m = real_model()
    at = start({"fasciculations": "yes"})
    open_tab(at, "Node details & network")
    at.selectbox(key="detail_node").select("als").run()
    assert_clean(at)
    assert m.nodes["als"].description in page_text(at)
    sources = {s for t in at.table for s in t.value["Source"]}
    for p in (p for p in m.kb.params if p.node == "als" and p.source != "expert"):
        src = m.kb.sources[p.source]
        assert any(src["citation"] in s for s in sources), src
    (graph,) = at.get("graphviz_chart")
    dot = graph.proto.spec
    assert '"als"' in dot and "penwidth" in dot and "cluster_" in dot
    for parent in m.nodes["als"].parents:
        assert f'"{parent}" -> "als"' in dot


def test_pinned_scenario_a_and_current_b_in_one_chart():
    m = real_model()
    a = {"fasciculations": "yes", "twitch_eyelid": "yes"}
    at = start(a)
    assert not specs(at, "compare")
    at.button(key="pin").click().run()
    enter(at, "weakness", "progressive")
    b = {**a, "weakness": "progressive"}
    assert_clean(at)
    got_b = dict((label, p) for label, p, _ in bars(at, "compare", "B (now)"))
    got_a = dict((label, p) for label, p, _ in bars(at, "compare", "A (pinned)"))
    assert set(got_a) == set(got_b)  # one order, both bars per entry
    da, db = m.diagnoses(a).set_index("label"), m.diagnoses(b).set_index("label")
    for label in got_b:
        assert got_b[label] == pytest.approx(db.loc[label, "probability"])
        assert got_a[label] == pytest.approx(da.loc[label, "probability"])
    at.button(key="restore_pinned").click().run()
    assert current_evidence(at) == a
    assert item(at, "weakness").value == "unknown"
    at.button(key="unpin").click().run()
    assert not specs(at, "compare")


# ------------------------------------------------------------------------------ cases


def test_teaching_cases_load_without_spoilers_and_reveal_the_rank_on_the_page():
    m = real_model()
    cases = load_cases()
    at = start()
    labels = at.sidebar.selectbox(key="case_pick")
    for case in cases:  # no label names the diagnosis
        text = labels.format_func(case["id"]) if hasattr(labels, "format_func") else ""
        dx = m.nodes[case["diagnosis"]].label if case["diagnosis"] in m.nodes else ""
        assert not dx or dx.lower() not in str(text).lower()
    case = next(c for c in cases if c["diagnosis"] in m.nodes
                and m.nodes[c["diagnosis"]].role == "condition")
    at.sidebar.selectbox(key="case_pick").select(case["id"]).run()
    assert_clean(at)
    assert current_evidence(at) == {k: v if isinstance(v, str) else "|".join(v)
                                    for k, v in case["evidence"].items()}
    assert case["title"] not in page_text(at)  # the source's title may name the answer
    serial = scenario(at).case_serial
    at.session_state[f"reveal_{serial}"] = True  # open the reveal
    at.run()
    text = page_text(at)
    assert case["title"] in text
    diag = m.diagnoses(case["evidence"])
    rank = int(diag.index[diag["id"] == case["diagnosis"]][0]) + 1
    assert f"Now ranked **#{rank}** in the differential" in text
    shown = [b[0] for b in bars(at)]
    if rank <= len(shown):
        assert shown[rank - 1] == m.nodes[case["diagnosis"]].label
    other = next(c for c in cases if c["id"] != case["id"])
    at.sidebar.selectbox(key="case_pick").select(other["id"]).run()
    assert scenario(at).case_serial == serial + 1  # a new reveal, closed
    assert other["title"] not in page_text(at)
    assert "Now ranked" not in page_text(at)


def test_every_teaching_case_loads():
    at = start()
    for case in load_cases():
        at.sidebar.selectbox(key="case_pick").select(case["id"]).run()
        assert not at.exception, case["id"]
        assert not errors(at), (case["id"], errors(at))


def test_a_model_error_in_a_panel_becomes_a_message(monkeypatch):
    """Likely causes needs the 'fasciculations' node; a network without it gets a message."""
    monkeypatch.setenv("TWITCHDX_PRIORS", str(SMALL_KB))
    at = start({"twitch": "yes"})
    open_tab(at, "Likely causes")
    assert not at.exception
    assert any(w.value.startswith("Likely causes") for w in at.warning)
    assert_bars(at, model.load(SMALL_KB, check_catalog=False), {"twitch": "yes"})
