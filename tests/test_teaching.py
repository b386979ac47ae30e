"""Teaching mode: the guided interview, naive versus exact, and scoring a learner's forecast."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model.cli import main
from model.errors import ParameterError
from model.interview import efficiency, interview
from model.naive import naive_vs_exact
from model.scoring import calibration, score_probabilities, score_ranking

from .helpers import full_model

SLOW = settings(max_examples=6, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])
START = {"age": "18_to_39", "sex": "male", "fasciculations": "yes", "twitch_legs_calves": "yes"}


# --------------------------------------------------------------------------- interview

@st.composite
def partial_presentations(draw):
    m = full_model()
    findings = [n for n in m.ids if m.nodes[n].role == "finding"]
    chosen = draw(st.lists(st.sampled_from(findings), min_size=0, max_size=5, unique=True))
    ev = {"age": draw(st.sampled_from(m.nodes["age"].states))}
    for f in chosen:
        ev[f] = draw(st.sampled_from(m.nodes[f].states))
    return ev


@SLOW
@given(ev=partial_presentations(), goal=st.sampled_from(["entropy", "serious"]))
def test_the_interview_never_asks_an_observed_or_skipped_finding(ev, goal):
    m = full_model()
    try:
        m.check_evidence(ev)
        m.probability_of_evidence(ev)
    except model.TwitchDxError:
        return
    if m.probability_of_evidence(ev) == 0:
        return
    unanswered = [n for n in m.ids if m.nodes[n].role == "finding" and n not in ev]
    skip = unanswered[:2]
    step = interview(m, ev, goal=goal, skipped=skip)
    if step.question is not None:
        assert step.question.id not in ev and step.question.id not in skip
        assert not step.stop
    else:
        assert step.stop and step.reason


def test_the_stop_rule_terminates_and_each_question_is_new():
    m = full_model()
    rng = np.random.default_rng(0)
    ev = dict(START)
    asked = []
    for _ in range(7):
        step = interview(m, ev, max_questions=5, asked=len(asked))
        if step.stop:
            break
        q = step.question.id
        assert q not in asked and q not in ev
        asked.append(q)
        # answer as the model itself expects (a plausible patient)
        dist = m.posterior(ev)[q]
        ev[q] = str(rng.choice(list(dist), p=np.array(list(dist.values())) / sum(dist.values())))
    assert step.stop and len(asked) <= 5, (asked, step.reason)


def test_a_settled_differential_stops_with_its_reason():
    m = full_model()
    step = interview(m, START, settle=0.5, goal="entropy")
    top = step.top.iloc[0]["probability"]
    assert step.stop == (top >= 0.5)
    low = interview(m, START, goal="serious", settle=0.51)
    assert low.stop and "settled" in low.reason


def test_following_the_interview_scores_full_efficiency():
    m = full_model()
    ev, path = dict(START), []
    for _ in range(2):
        step = interview(m, ev)
        q = step.question.id
        state = max(m.posterior(ev)[q].items(), key=lambda kv: kv[1])[0]
        path.append((q, state))
        ev[q] = state
    df = efficiency(m, path, START)
    assert np.allclose(df["ratio"], 1.0) and df.attrs["score"] == pytest.approx(1.0)
    # a "don't know" gains nothing
    worse = efficiency(m, [(path[0][0], None)], START)
    assert worse.iloc[0]["gain"] > 0  # it was worth asking ...
    assert m.interview_efficiency([(path[0][0], None)], START).attrs["score"] == \
        worse.attrs["score"]


def test_interview_rejects_bad_arguments():
    m = full_model()
    with pytest.raises(ParameterError, match="'goal' parameter of interview"):
        interview(m, START, goal="fast")
    with pytest.raises(ParameterError, match="'settle'"):
        interview(m, START, settle=0.2)


def test_interview_cli_one_step(capsys):
    assert main(["interview", "age=18_to_39", "fasciculations=yes", "--skip", "weakness",
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["stop"] is False and out["question"]["id"] not in ("weakness", "fasciculations")
    assert 0 <= out["serious_probability"] <= 1


# --------------------------------------------------------------------------- naive vs exact

NAIVE_KB = """
sources:
  toy:
    citation: "Illustrative numbers for tests only (2026); not clinical figures."
nodes:
  sex:
    label: Sex
    description: Sex.
    role: context
    states: ["female", "male"]
    parents: []
    model: prior
    prior: {{value: 0.5, range: [0.5, 0.5], source: toy}}
  d:
    label: Disease
    description: The diagnosis.
    role: condition
    states: ["no", "yes"]
    parents: [sex]
    model: noisy_or
    leak_by: [sex]
    leak:
      "female": {{value: {p0}, range: [0, 1], source: toy}}
      "male": {{value: {p1}, range: [0, 1], source: toy}}
{findings}
"""
FINDING = """  f{i}:
    label: Finding {i}
    description: A finding.
    role: finding
    states: ["no", "yes"]
    parents: [d]
    model: noisy_or
    cost: question
    leak: {{value: {leak}, range: [0, 1], source: toy}}
    links:
      d: {{"yes": {{value: {link}, range: [0, 1], source: toy}}}}
"""


@settings(max_examples=25, deadline=None, derandomize=True)
@given(p=st.tuples(st.floats(0.01, 0.5), st.floats(0.01, 0.5)),
       links=st.lists(st.tuples(st.floats(0.01, 0.5), st.floats(0.05, 0.95)), min_size=2,
                      max_size=4),
       data=st.data())
def test_naive_product_is_exact_when_findings_are_independent_given_the_diagnosis(
        tmp_path_factory, p, links, data):
    findings = "".join(FINDING.format(i=i, leak=lk, link=ln) for i, (lk, ln) in enumerate(links))
    folder = tmp_path_factory.mktemp("naive")
    (folder / "kb.yaml").write_text(NAIVE_KB.format(p0=p[0], p1=p[1], findings=findings))
    m = model.load(folder, check_catalog=False)
    ev = {"sex": data.draw(st.sampled_from(["female", "male"]))}
    for i in range(len(links)):
        ev[f"f{i}"] = data.draw(st.sampled_from(["no", "yes"]))
    df = naive_vs_exact(m, ev, "d")
    assert df.attrs["naive"] == pytest.approx(df.attrs["exact"], abs=1e-9)
    assert np.allclose(df["standalone_lr"], df["conditional_lr"], rtol=1e-9)
    assert set(df["relation"]) == {"independent"}


def test_naive_overcounts_findings_that_share_a_cause():
    """Weakness, wasting and brisk reflexes all point to ALS through shared causes: the naive
    product is far above the exact posterior, and the table says why."""
    m = full_model()
    ev = {"age": "65_plus", "sex": "male", "weakness": "progressive", "muscle_atrophy": "yes",
          "brisk_reflexes": "yes"}
    df = m.naive_vs_exact(ev, "als")
    assert df.attrs["naive"] > df.attrs["exact"]
    assert df.attrs["pretest"] == pytest.approx(m.posterior({"age": "65_plus",
                                                             "sex": "male"})["als"]["yes"])
    assert (df["relation"] != "independent").any()
    row = df.set_index("id").loc["muscle_atrophy"]
    assert row["conditional_lr"] < row["standalone_lr"] and row["closest_other"] in ev


# --------------------------------------------------------------------------- scoring

probs = st.floats(0.0, 1.0, allow_nan=False)


@given(p=st.lists(probs, min_size=1, max_size=6))
def test_a_perfect_forecast_scores_zero(p):
    exact = {f"e{i}": v for i, v in enumerate(p)}
    clipped = {k: min(max(v, 1e-4), 1 - 1e-4) for k, v in exact.items()}
    df = score_probabilities(clipped, clipped)
    assert df.attrs["brier"] == 0 and df.attrs["log_score"] == pytest.approx(0, abs=1e-12)


@given(p=st.floats(0.001, 0.999), q=st.floats(0.0, 1.0))
def test_scores_are_proper_never_better_than_the_exact_probability(p, q):
    df = score_probabilities({"e": q}, {"e": p})
    perfect = score_probabilities({"e": p}, {"e": p})
    assert df.attrs["brier"] >= perfect.attrs["brier"]
    assert df.attrs["log_score"] >= perfect.attrs["log_score"] - 1e-12


def test_scoring_names_over_and_under_estimates_and_rejects_bad_input():
    df = score_probabilities({"a": 0.8, "b": 0.01, "c": 0.5}, {"a": 0.2, "b": 0.3, "c": 0.52})
    assert list(df["verdict"]) == ["over", "under", "close"]
    with pytest.raises(ParameterError, match="stated"):
        score_probabilities({"a": 1.5}, {"a": 0.2})
    assert score_ranking(["a", "c", "b"], {"a": 0.9, "b": 0.1, "c": 0.5}) == 1.0
    assert score_ranking(["b", "c", "a"], {"a": 0.9, "b": 0.1, "c": 0.5}) == -1.0
    cal = calibration([(0.05, 0.01), (0.1, 0.02), (0.9, 0.5)], bins=5)
    assert list(cal["n"]) == [2, 1] and cal.iloc[0]["mean_stated"] == pytest.approx(0.075)


def test_score_against_the_model_uses_the_exact_posterior():
    m = full_model()
    df = m.score_prediction(START, {"als": 0.2, "benign_fasciculation_syndrome": 0.3})
    post = m.posterior(START)
    assert df.set_index("id").loc["als", "exact"] == pytest.approx(post["als"]["yes"])
    with pytest.raises(ParameterError, match="in the evidence"):
        m.score_prediction(START, {"fasciculations": 0.5})
