"""Headless tests of the teaching page (AppTest on tests/teach_page_app.py, which draws
``explorer.teaching.page`` exactly as app.py's "Teach" page does).

Every number the page shows is compared with the model API called directly (interview,
efficiency, score_prediction, naive_vs_exact, the network DOT), so a view that stops following
the model fails; nothing here writes a posterior down.
"""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

import model
from explorer.teaching.state import TeachState, encode_items, read_query
from model.interview import efficiency, interview
from model.present.format import format_probability, format_ratio
from model.present.network import shift_colour
from model.scoring import score_ranking

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "tests" / "teach_page_app.py")
START = {"age": "18_to_39", "sex": "male", "fasciculations": "yes",
         "twitch_legs_calves": "yes"}


@lru_cache(maxsize=1)
def real_model() -> model.TwitchModel:
    return model.load()


@pytest.fixture(autouse=True)
def _real_priors(monkeypatch):
    monkeypatch.delenv("TWITCHDX_PRIORS", raising=False)
    monkeypatch.delenv("TWITCHDX_CASES", raising=False)


def open_page(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180)
    if query:
        at.query_params.update(query)
    return at.run()


def text(at: AppTest) -> str:
    parts = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
    return "\n".join(parts)


def teach(at: AppTest) -> TeachState:
    return at.session_state["teach"]


def answer_pills(at: AppTest):
    return at.pills(key=f"teach_answer_{teach(at).revision}")


def greedy_path(m, start, n_max=25, skip_every=3):
    """The interview driven directly through the model: the first state each time, "don't
    know" every third question."""
    path, ev, skipped = [], dict(start), []
    for i in range(n_max):
        step = interview(m, ev, skipped=skipped, asked=len(path))
        if step.stop:
            return path, step
        q = step.question.id
        if i % skip_every == skip_every - 1:
            path.append((q, None))
            skipped.append(q)
        else:
            path.append((q, m.nodes[q].states[0]))
            ev[q] = m.nodes[q].states[0]
    raise AssertionError("the interview did not stop")


# ------------------------------------------------------------------------------ interview


def test_complaint_starts_the_interview_with_the_models_first_question():
    m = real_model()
    at = open_page()
    assert not at.exception
    assert "start the interview" in text(at)
    at.button(key="cc_begin").click().run()
    assert teach(at).start == START  # the default complaint: a young man, calves
    want = interview(m, START, asked=0)
    assert f"**Question 1: {want.question.label}**" in text(at)
    assert want.reason in text(at)
    assert "It separates: " + ", ".join(want.question.separates) in text(at)
    # "Why this question?": the differential under each answer is the model's
    table = at.table[0].value
    out = want.question.outcomes
    assert list(table["Entry"]) == list(out.drop_duplicates("id")["label"])
    for a in out.drop_duplicates("outcome").itertuples():
        col = next(c for c in table.columns if c.startswith(f"If {a.outcome_label} ("))
        sub = out[out["outcome"] == a.outcome]
        assert list(table[col]) == [format_probability(p) for p in sub["probability"]]
    assert at.query_params["start"] == encode_items(list(START.items()))


def test_dont_know_skips_and_the_question_is_not_asked_again():
    m = real_model()
    at = open_page({"start": encode_items(list(START.items()))})
    first = interview(m, START, asked=0).question
    answer_pills(at).set_value("-").run()
    assert teach(at).path == [(first.id, None)]
    assert at.query_params["path"] == f"{first.id}:-"
    second = interview(m, START, skipped=[first.id], asked=1).question
    assert second.id != first.id
    assert f"**Question 2: {second.label}**" in text(at)


def test_yes_not_sure_which_enters_the_non_baseline_states():
    m = real_model()
    at = open_page({"start": encode_items(list(START.items()))})
    for _ in range(20):  # answer the model's questions until it asks a multi-state finding
        pills = answer_pills(at)
        qid = interview(m, teach(at).evidence, skipped=list(teach(at).skipped),
                        asked=len(teach(at).path)).question.id
        node = m.nodes[qid]
        if len(node.states) > 2:
            unsure = "|".join(node.states[1:])
            assert unsure in pills.options or any("not sure" in o or "one of" in o
                                                   for o in pills.options)
            pills.set_value(unsure).run()
            assert teach(at).path[-1] == (qid, tuple(node.states[1:]))
            assert at.query_params["path"].endswith(f"{qid}:{unsure}")
            break
        pills.set_value(node.states[0]).run()
    else:
        pytest.fail("the interview never asked a finding with more than two states")


def test_a_shared_link_replays_to_the_stop_with_count_and_efficiency():
    m = real_model()
    path, last = greedy_path(m, START)
    at = open_page({"start": encode_items(list(START.items())), "path": encode_items(path)})
    assert not at.exception
    assert teach(at).path == path
    assert f"The interview stopped: {last.reason}." in text(at)
    assert f"**Questions asked:** {len(path)}" in text(at)
    eff = efficiency(m, path, START)
    (metric,) = [x for x in at.metric if x.label.startswith("Efficiency")]
    assert metric.value == f"{eff.attrs['score']:.0%}"
    shown = next(d.value for d in at.table if "Asked" in d.value.columns)
    assert list(shown["Asked"]) == [m.nodes[k].label for k, _ in path]
    assert list(shown["Ratio"]) == [f"{r:.0%}" for r in eff["ratio"]]


def test_the_learner_may_ask_another_question_and_the_path_records_it():
    m = real_model()
    at = open_page({"start": encode_items(list(START.items()))})
    step = interview(m, START, asked=0)
    mine = step.alternatives.iloc[3]
    at.selectbox(key=f"teach_own_{teach(at).revision}").select(mine["id"]).run()
    assert f"**Question 1: {mine['label']}**" in text(at) and "your choice" in text(at)
    state = m.nodes[mine["id"]].states[0]
    answer_pills(at).set_value(state).run()
    assert teach(at).path == [(mine["id"], state)]
    eff = efficiency(m, teach(at).path, START)
    assert eff.loc[0, "best_id"] == step.question.id and eff.attrs["score"] < 1


def test_goal_and_cost_change_the_question_as_the_model_does():
    m = real_model()
    at = open_page({"start": encode_items(list(START.items()))})
    at.segmented_control(key="teach_goal").set_value("serious").run()
    want = interview(m, START, goal="serious", asked=0)
    assert f"**Question 1: {want.question.label}**" in text(at)
    assert at.query_params["goal"] == "serious"
    at.toggle(key="teach_cost").set_value(False).run()
    want = interview(m, START, goal="serious", asked=0, cost_aware=False)
    assert f"**Question 1: {want.question.label}**" in text(at)
    assert at.query_params["cost"] == "0"


def test_undo_removes_the_last_answer():
    at = open_page({"start": encode_items(list(START.items()))})
    answer_pills(at).set_value("-").run()
    assert len(teach(at).path) == 1
    at.button(key="teach_undo").click().run()
    assert teach(at).path == []
    assert "path" not in at.query_params


def test_a_bad_link_keeps_the_good_items_and_quotes_the_bad_as_plain_text():
    at = open_page({"start": "age:18_to_39,**bold**:yes", "path": "nope:yes",
                    "mode": "interview"})
    assert not at.exception
    assert teach(at).start == {"age": "18_to_39"}
    assert teach(at).path == []
    assert any("could not be used" in w.value for w in at.warning)
    plain = "\n".join(t.value for t in at.text)
    assert "**bold**" in plain and "nope" in plain
    assert "**bold**" not in "\n".join(x.value for x in at.markdown)


def test_state_round_trips_through_the_address():
    m = real_model()
    ts = TeachState(start=dict(START), path=[("weakness", ("mild_stable", "progressive")),
                                             ("emg", None), ("brisk_reflexes", "no")],
                    goal="serious", cost_aware=False, mode="naive", focus="als")
    back, problems = read_query(m, ts.query())
    assert problems == []
    assert (back.start, back.path, back.goal, back.cost_aware, back.mode, back.focus) == (
        ts.start, ts.path, ts.goal, ts.cost_aware, ts.mode, ts.focus)


def test_a_small_knowledge_base_gets_a_working_interview(monkeypatch):
    kb = ROOT / "tests" / "data" / "app_kb"
    monkeypatch.setenv("TWITCHDX_PRIORS", str(kb))
    small = model.load(kb, check_catalog=False)
    at = open_page()
    assert not at.exception
    at.button(key="cc_begin").click().run()
    assert not at.exception and not at.error
    start = teach(at).start
    step = interview(small, start, asked=0)
    if step.stop:
        assert f"The interview stopped: {step.reason}." in text(at)
    else:
        assert f"**Question 1: {step.question.label}**" in text(at)
    for mode in ("predict", "naive", "network"):
        at.segmented_control(key="teach_mode").set_value(mode).run()
        assert not at.exception and not at.error, mode


# ------------------------------------------------------------------------------ predict first


def case_evidence(m, case):
    return {k: (v if isinstance(v, str) else list(v)) for k, v in case["evidence"].items()}


def test_predict_first_hides_the_answer_then_scores_against_the_exact_posterior():
    m = real_model()
    at = open_page({"mode": "predict"})
    assert not at.exception
    ts = teach(at)
    from model.cases import load_cases

    case = next(c for c in load_cases(vocabulary=m) if c["id"] == ts.case_id)
    assert "The source's diagnosis" not in text(at)
    assert not [x for x in at.table]  # no numbers from the network before committing
    entries = [w.key.removeprefix(f"teach_p_{ts.serial}_") for w in at.number_input]
    assert 2 <= len(entries) <= 5
    stated = {n: (i + 1) * 10.0 for i, n in enumerate(entries)}
    for n, v in stated.items():
        at.number_input(key=f"teach_p_{ts.serial}_{n}").set_value(v)
    at.button(key="teach_commit").click().run()
    assert not at.exception
    want = m.score_prediction(case_evidence(m, case), {n: v / 100 for n, v in stated.items()})
    assert f"**Brier score {want.attrs['brier']:.3f}, log score " \
           f"{want.attrs['log_score']:.3f} bits**" in text(at)
    table = at.table[0].value.set_index("Entry")
    words = {"over": "over-estimated", "under": "under-estimated", "close": "close"}
    assert len(table) == len(want)
    for r in want.itertuples():
        assert table.loc[r.label, "You"] == format_probability(r.stated)
        assert table.loc[r.label, "The network"] == format_probability(r.exact)
        assert table.loc[r.label, "Verdict"] == words[r.verdict]
    assert f"**The source's diagnosis:** {m.nodes[case['diagnosis']].label}" in text(at)
    # the session's record: a calibration point per entry and a CSV of the results
    (cal,) = [e for e in at.get("vega_lite_chart")
              if json.loads(e.proto.spec).get("usermeta", {}).get("chart") == "calibration"]
    spec = json.loads(cal.proto.spec)
    values = spec["data"]["values"] if "values" in spec.get("data", {}) else (
        pa.ipc.open_stream(cal.proto.data.data).read_all().to_pylist())
    points = [v for v in values if v["layer"] == "an entry"]
    assert sorted(p["exact"] for p in points) == pytest.approx(sorted(want["exact"]))
    assert [b.proto.label for b in at.get("download_button")] == [
        "Download my results (CSV)"]
    rows = list(csv.DictReader(io.StringIO(_csv(at))))
    exact = dict(zip(want["id"], want["exact"], strict=True))
    assert sorted(r["entry"] for r in rows) == sorted(exact)
    assert [float(r["exact"]) for r in rows] == pytest.approx([exact[r["entry"]] for r in rows])


def _csv(at: AppTest) -> str:
    from explorer.teaching.predict import results_frame

    return results_frame(teach(at)).to_csv(index=False)


def test_next_case_then_a_ranking_is_scored_by_kendalls_tau():
    m = real_model()
    at = open_page({"mode": "predict"})
    first = teach(at).case_id
    at.segmented_control(key="teach_style").set_value("rank").run()
    ts = teach(at)
    ms = at.multiselect(key=f"teach_rank_{ts.serial}")
    # The inputs sit in a form: the value is sent with the commit click, as in a browser.
    ms.set_value(list(reversed(ms.options)))
    at.button(key="teach_commit").click().run()
    assert not at.exception
    from model.cases import load_cases

    case = next(c for c in load_cases(vocabulary=m) if c["id"] == first)
    post = m.posterior(case_evidence(m, case))
    picked = [r.entry for r in teach(at).results]
    tau = score_ranking(picked, {n: m.present_probability(n, post[n]) for n in picked})
    assert f"**Kendall's tau {tau:+.2f}**" in text(at)
    at.button(key="teach_next").click().run()
    assert teach(at).case_id != first and not teach(at).revealed


# ------------------------------------------------------------------------------ naive vs exact


def test_naive_versus_exact_shows_the_models_numbers_and_relations_in_words():
    m = real_model()
    ev = {**START, "weakness": "mild_stable", "brisk_reflexes": "yes"}
    at = open_page({"mode": "naive", "start": encode_items(list(ev.items())),
                    "focus": "als"})
    assert not at.exception
    want = m.naive_vs_exact(ev, "als")
    metrics = {x.label: x.value for x in at.metric}
    assert metrics["Before the findings"] == format_probability(want.attrs["pretest"])
    assert metrics["Naive (Fagan) product"] == format_probability(want.attrs["naive"])
    assert metrics["The network (exact)"] == format_probability(want.attrs["exact"])
    table = at.table[0].value
    assert list(table["LR alone"]) == [format_ratio(x) for x in want["standalone_lr"]]
    assert list(table["LR given the others"]) == [format_ratio(x) for x in
                                                  want["conditional_lr"]]
    for words, r in zip(table["Why they differ"], want.itertuples(), strict=True):
        assert words.startswith(r.relation)
        if r.closest_other:
            assert m.nodes[r.closest_other].label in words


# ------------------------------------------------------------------------------ the network


def dot(at: AppTest) -> str:
    (g,) = at.get("graphviz_chart")
    return g.proto.spec


def test_network_colours_every_drawn_node_by_its_shift_and_a_control_sets_a_finding():
    m = real_model()
    at = open_page({"mode": "network", "start": encode_items(list(START.items())),
                    "focus": "als"})
    assert not at.exception
    d = dot(at)
    assert "Change since before any evidence" in d  # the legend
    post = m.posterior(START)
    for n in m.ids:
        if f'"{n}" [label=' in d and n not in START and m.nodes[n].role != "context":
            before = m.present_probability(n, m.prior[n])
            after = m.present_probability(n, post[n])
            line = next(x for x in d.splitlines() if x.strip().startswith(f'"{n}" [label='))
            assert f'fillcolor="{shift_colour(before, after)}"' in line, n
            assert f"{format_probability(before)} → {format_probability(after)}" in line
    finding = at.selectbox(key="teach_net_finding").value
    node = m.nodes[finding]
    radio = at.radio(key=f"teach_net_value_{finding}_{teach(at).revision}")
    radio.set_value(node.states[-1]).run()
    assert not at.exception
    assert teach(at).path[-1] == (finding, node.states[-1])
    line = next(x for x in dot(at).splitlines() if x.strip().startswith(f'"{finding}" [label='))
    assert f"= {node.state_label(node.states[-1])}" in line and "#dbeafe" in line
