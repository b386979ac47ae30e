"""The reasoning layer: counterfactual causes, why, what next, how sure, which numbers matter."""

from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model

from .helpers import (
    SMALL_KB,
    brute_force_causing,
    brute_force_disablement,
    full_model,
    small_model,
)
from .test_inference import evidence_sets

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- likely causes (expected disablement) ---------------------------------------------------

@pytest.mark.parametrize("evidence", [
    {"twitch": "yes", "age": "old"},
    {"twitch": "yes", "caffeine": "high", "weakness": "mild"},
    {"twitch": "yes", "stress": "yes", "scan": "pattern_b"},
    {"caffeine": "moderate"},  # effect unobserved: P(cause, twitch, no twitch without it)
    {"twitch": "yes", "weakness": ["mild", "severe"], "certain_sign": "yes"},  # a set, 3 effects
    {"weakness": "severe", "caffeine": ["moderate", "high"], "tan": "yes"},  # noisy-MAX effect
])
def test_causes_match_brute_force_twin_enumeration(evidence):
    m = small_model()
    df = m.causes(evidence, effect="twitch").set_index("id")
    for cause in ("disease", "low_mineral", "caffeine", "stress", "sunlight"):
        stop = brute_force_causing(m, evidence, cause, "twitch")
        assert df.loc[cause, "twitching_would_stop"] == pytest.approx(stop, abs=1e-12), cause
        ed = brute_force_disablement(m, evidence, cause)
        assert df.loc[cause, "expected_disablement"] == pytest.approx(ed, abs=1e-12), cause
        assert df.loc[cause, "twitching_would_stop"] <= df.loc[cause, "probability_present"] \
            + 1e-12


def test_expected_disablement_counts_every_abnormal_noisy_finding():
    """ED is a sum over the abnormal findings; with one (the twitching) it equals the twitching
    column; a finding with a table model (scan) is not counted; the sort is by ED."""
    from model.counterfactual import abnormal_findings

    m = small_model()
    ev = {"twitch": "yes", "scan": "pattern_b", "weakness": "mild", "certain_sign": "no"}
    assert abnormal_findings(m, ev) == {"twitch": ("yes",), "weakness": ("mild",)}
    df = m.causes(ev, effect="twitch")
    assert df["expected_disablement"].is_monotonic_decreasing
    assert (df["expected_disablement"] <= 2 + 1e-12).all()
    one = m.causes({"twitch": "yes", "age": "old"}, effect="twitch")
    np.testing.assert_allclose(one["expected_disablement"], one["twitching_would_stop"],
                               atol=1e-12)


def test_causes_without_a_path_or_without_the_effect_are_zero():
    m = small_model()
    df = m.causes({"twitch": "yes"}, effect="twitch").set_index("id")
    assert df.loc["sunlight", "twitching_would_stop"] == 0.0  # no path to twitching
    assert df.loc["sunlight", "expected_disablement"] == 0.0
    df = m.causes({"twitch": "no"}, effect="twitch").set_index("id")
    assert (df["twitching_would_stop"] == 0.0).all()
    assert (df["expected_disablement"] == 0.0).all()


def test_causes_rejects_an_effect_without_a_structural_model():
    m = small_model()
    with pytest.raises(model.ParameterError, match="The 'effect' parameter of causes must be"):
        m.causes({"twitch": "yes"}, effect="scan")


def test_causes_on_the_full_model_rank_a_stated_exposure():
    m = full_model()
    ev = {"age": "18_to_39", "caffeine_intake": "high", "sleep_deprivation": "yes",
          "fasciculations": "yes", "twitch_eyelid": "yes", "weakness": "none"}
    df = m.causes(ev)
    assert list(df.columns) == ["id", "role", "label", "probability_present",
                                "expected_disablement", "twitching_would_stop"]
    assert df["expected_disablement"].is_monotonic_decreasing
    assert df.iloc[0]["id"] in ("caffeine_intake", "sleep_deprivation")
    als = df.set_index("id").loc["als"]
    assert als["twitching_would_stop"] < 1e-4


# -- why: contributions reproduce the posterior odds ----------------------------------------

@SETTINGS
@given(data=st.data())
def test_why_contributions_reproduce_posterior_odds(data):
    m = full_model()
    ev = data.draw(evidence_sets(m, max_size=6))
    if m.probability_of_evidence(ev) == 0:
        return
    target = data.draw(st.sampled_from([n for n in m.nodes_by_role("condition", "state")]))
    ex = m.why(ev, target)
    post = m.posterior(ev)[target]
    assert ex.posterior == pytest.approx(1 - post[m.nodes[target].states[0]], abs=1e-12)
    total = ex.prior_log_odds + ex.contributions["log_odds_change"].sum()
    if math.isfinite(ex.posterior_log_odds):
        assert total == pytest.approx(ex.posterior_log_odds, abs=1e-9)


def test_why_likelihood_ratios_match_an_independent_computation():
    """LR_k = P(e_k | D, e_<k) / P(e_k | not D, e_<k), computed with pgmpy."""
    from pgmpy.inference import VariableElimination

    m = full_model()
    ve = VariableElimination(m.network)
    ev = {"age": "65_plus", "fasciculations": "yes", "weakness": "progressive",
          "emg": "denervation"}
    ex = m.why(ev, "als")
    items = list(ev.items())
    for k, row in enumerate(ex.contributions.itertuples()):
        before = dict(items[:k])
        node, state = items[k]
        p_yes = ve.query([node], evidence={**before, "als": "yes"}, show_progress=False)
        p_no = ve.query([node], evidence={**before, "als": "no"}, show_progress=False)
        lr = p_yes.get_value(**{node: state}) / p_no.get_value(**{node: state})
        assert row.likelihood_ratio == pytest.approx(lr, rel=1e-7)
    assert (ex.contributions["log_odds_change"] > 0).all()  # all of these argue for ALS
    against = m.why({"fasciculations": "yes", "weakness": "none"}, "als").contributions
    assert against.set_index("id").loc["weakness", "log_odds_change"] < 0


# -- what next ------------------------------------------------------------------------------

@SETTINGS
@given(data=st.data())
def test_information_gain_is_never_negative(data):
    m = full_model()
    ev = data.draw(evidence_sets(m, max_size=5))
    if m.probability_of_evidence(ev) == 0:
        return
    objective = data.draw(st.sampled_from(["entropy", "serious"]))
    df = m.next_tests(ev, objective=objective)
    assert (df["information_gain"] >= 0).all()
    assert set(df["id"]) == {n for n in m.nodes_by_role("finding") if n not in ev}


def test_information_gain_is_zero_without_a_path_and_matches_brute_force():
    m = small_model()
    ev = {"age": "old", "twitch": "yes"}
    df = m.next_tests(ev).set_index("id")
    assert df.loc["tan", "information_gain"] == 0.0
    # independent: sum over targets of mutual information I(target; finding | ev)
    from .helpers import brute_force_posterior
    targets = ["disease", "low_mineral"]
    pe, _ = brute_force_posterior(m, ev)

    def h(p):
        return 0.0 if p <= 0 or p >= 1 else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
    for f in ("weakness", "scan", "certain_sign"):
        gain = sum(h(brute_force_posterior(m, ev)[1][t][1]) for t in targets)
        for s in m.nodes[f].states:
            pf, post = brute_force_posterior(m, {**ev, f: s})
            if pf > 0:
                gain -= pf / pe * sum(h(post[t][1]) for t in targets)
        assert df.loc[f, "information_gain"] == pytest.approx(gain, abs=1e-9), f


def test_serious_goal_counts_serious_states_and_matches_brute_force(tmp_path):
    """"Any serious condition" is one set for next_tests and the interview (m.serious_ids):
    conditions and states flagged serious. A serious state must count in the information gain."""
    from model.interview import _serious_probability

    from .helpers import brute_force_posterior

    shutil.copytree(SMALL_KB, tmp_path / "kb")
    path = tmp_path / "kb" / "network.yaml"
    text = path.read_text()
    path.write_text(text.replace("    description: A deficiency state.\n",
                                 "    description: A deficiency state.\n    serious: true\n"))
    m = model.load(tmp_path / "kb", check_catalog=False)
    assert set(m.serious_ids()) == {"low_mineral", "disease"}
    ev = {"age": "old", "twitch": "yes"}
    none = {"disease": "no", "low_mineral": "no"}

    def p_serious(e):  # brute force: 1 - P(no serious entry | e)
        pe, _ = brute_force_posterior(m, e)
        p_none, _ = brute_force_posterior(m, {**e, **none})
        return 1.0 - p_none / pe, pe

    def h(p):
        return 0.0 if p <= 0 or p >= 1 else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
    now, pe = p_serious(ev)
    assert _serious_probability(m, ev) == pytest.approx(now, abs=1e-12)
    df = m.next_tests(ev, objective="serious").set_index("id")
    for f in ("weakness", "scan", "certain_sign"):
        gain = h(now)
        for s in m.nodes[f].states:
            pf, _ = brute_force_posterior(m, {**ev, f: s})
            if pf > 0:
                gain -= pf / pe * h(p_serious({**ev, f: s})[0])
        assert df.loc[f, "information_gain"] == pytest.approx(gain, abs=1e-9), f


def test_test_outcomes_show_how_causes_move():
    m = full_model()
    ev = {"age": "65_plus", "fasciculations": "yes", "weakness": "progressive"}
    df = m.test_outcomes(ev, "emg", top=60)
    assert set(df["outcome"]) == set(m.nodes["emg"].states)
    probs = df.drop_duplicates("outcome")["outcome_probability"]
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)
    als = df[df["id"] == "als"].set_index("outcome")["probability"]
    assert als["denervation"] > als["normal"]


# -- how sure -------------------------------------------------------------------------------

def test_uncertainty_intervals_contain_the_point_and_are_reproducible():
    m = full_model()
    ev = {"age": "40_to_64", "fasciculations": "yes", "twitch_legs_calves": "yes",
          "twitch_duration": "months", "weakness": "none"}
    a = m.uncertainty(ev, samples=300, seed=7)
    b = m.uncertainty(ev, samples=300, seed=7)
    pd_equal = np.array_equal(a[["low", "high"]].to_numpy(), b[["low", "high"]].to_numpy())
    assert pd_equal
    assert (a["low"] <= a["probability"] + 1e-12).all()
    assert (a["probability"] <= a["high"] + 1e-12).all()
    assert (a["high"] > a["low"]).any()


def test_uncertainty_collapses_when_every_range_has_zero_width(tmp_path):
    shutil.copytree(SMALL_KB, tmp_path / "kb")
    path = tmp_path / "kb" / "network.yaml"
    import re
    text = re.sub(r"value: ([0-9.]+), range: \[[0-9., ]+\]",
                  lambda mt: f"value: {mt.group(1)}, range: [{mt.group(1)}, {mt.group(1)}]",
                  path.read_text())
    path.write_text(text)
    m = model.load(tmp_path / "kb", check_catalog=False)
    df = m.uncertainty({"twitch": "yes"}, samples=50)
    np.testing.assert_allclose(df["low"], df["probability"], atol=1e-12)
    np.testing.assert_allclose(df["high"], df["probability"], atol=1e-12)


# -- which numbers matter -------------------------------------------------------------------

def test_sensitivity_zero_for_unreachable_parameters_and_matches_recomputation(tmp_path):
    m = small_model()
    ev = {"twitch": "yes", "age": "old"}
    df = m.sensitivity(ev, "disease", top=None).set_index("parameter")
    assert df.loc["tan.leak", "swing"] == 0.0          # cannot reach the target
    assert df.loc["sunlight.prior", "swing"] == 0.0
    assert df.loc["scan.rows.0.pattern_a", "swing"] == 0.0  # unobserved child: barren
    top = df.index[0]
    assert df.loc[top, "swing"] > 0
    # recompute the top parameter's high end by editing the file
    p = next(q for q in m.kb.params if q.name == top)
    shutil.copytree(SMALL_KB, tmp_path / "kb")
    path = tmp_path / "kb" / "network.yaml"
    lines = path.read_text().splitlines()
    assert f"value: {p.value}" in lines[_line_of(m, p)]
    lines[_line_of(m, p)] = lines[_line_of(m, p)].replace(f"value: {p.value}", f"value: {p.high}")
    path.write_text("\n".join(lines) + "\n")
    m2 = model.load(tmp_path / "kb", check_catalog=False)
    assert df.loc[top, "result_high"] == pytest.approx(
        m2.posterior(ev)["disease"]["yes"], abs=1e-12)


def _line_of(m, p) -> int:
    """Line index of a parameter of the small network (its key is unique on its line)."""
    lines = (SMALL_KB / "network.yaml").read_text().splitlines()
    in_node = False
    for i, line in enumerate(lines):
        if line.startswith(f"  {p.node}:"):
            in_node = True
        elif in_node and line.startswith("  ") and not line.startswith("   "):
            in_node = False
        if in_node and f"value: {p.value}," in line and (p.path[-1] in line
                                                         or p.path == ("leak",)):
            return i
    raise AssertionError(p.name)


# -- arguments that are not evidence ----------------------------------------------------------

@pytest.mark.parametrize(("call", "message"), [
    (lambda m: m.uncertainty({}, samples=-3),
     "The 'samples' parameter of uncertainty must be an int in [1, 100000]. Got -3 instead."),
    (lambda m: m.uncertainty({}, samples=2.5),
     "The 'samples' parameter of uncertainty must be an int in [1, 100000]. Got 2.5 instead."),
    (lambda m: m.uncertainty({}, level=1.5),
     "The 'level' parameter of uncertainty must be a float in (0, 1). Got 1.5 instead."),
    (lambda m: m.uncertainty({}, seed=-1),
     "The 'seed' parameter of uncertainty must be an int in [0, inf]. Got -1 instead."),
    (lambda m: m.next_tests({}, objective="speed"),
     "The 'objective' parameter of next_tests must be one of {'entropy', 'serious'}. Got "
     "'speed' instead."),
    (lambda m: m.next_tests({}, sort_by="cost"),
     "The 'sort_by' parameter of next_tests must be one of {'information_gain', "
     "'gain_per_cost'}. Got 'cost' instead."),
    (lambda m: m.test_outcomes({}, "scan", top=0),
     "The 'top' parameter of test_outcomes must be an int in [1, inf]. Got 0 instead."),
    (lambda m: m.sensitivity({}, "disease", top=True),
     "The 'top' parameter of sensitivity must be an int in [1, inf] or None. Got True "
     "instead."),
])
def test_bad_arguments_raise_parameter_error_with_one_message_format(call, message):
    m = small_model()
    with pytest.raises(model.ParameterError) as err:
        call(m)
    assert str(err.value) == message
    assert not isinstance(err.value, model.EvidenceError)


def test_the_facade_keeps_its_engine_private():
    """Reasoning modules use the facade's public methods only (issue 13 §4)."""
    import re
    from pathlib import Path

    for name in ("counterfactual", "explain", "information", "parameters"):
        text = (Path(model.__file__).parent / f"{name}.py").read_text()
        assert not re.search(r"\bm\._\w+", text), name
        assert "m.inference" not in text and "evidence_error" not in text, name
