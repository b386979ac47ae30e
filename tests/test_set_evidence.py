"""Set-valued (likelihood) evidence: "one of these states", exact in every reasoning feature.

Checked against brute-force enumeration of the joint (small network), pgmpy's virtual evidence
(full model), and the definition of each reasoning quantity.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model.canonical import CPTBuilder
from model.evidence import format_observation, parse_state_text

from .helpers import (
    assert_posterior_matches_brute_force,
    brute_force_posterior,
    full_model,
    small_model,
)
from .test_inference import few_positive

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ALL_ROLES = ("context", "exposure", "state", "condition", "mechanism", "finding")


@st.composite
def set_evidence(draw, m, roles=ALL_ROLES, max_size=6):
    """Evidence where each value is a state or a non-empty list of states (any subset)."""
    ids = [n for n in m.ids if m.nodes[n].role in roles]
    chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=max_size))
    ev = {}
    for n in chosen:
        states = list(m.nodes[n].states)
        if draw(st.booleans()):
            ev[n] = draw(st.sampled_from(states))
        else:
            ev[n] = draw(st.lists(st.sampled_from(states), min_size=1, unique=True))
    return ev


# -- checking -------------------------------------------------------------------------------

def test_check_evidence_canonical_forms():
    m = small_model()
    ev = m.check_evidence({"weakness": ["severe", "mild", "severe"], "twitch": ["yes"],
                           "age": ("young", "middle", "old"), "scan": {"pattern_a"}})
    # a set: tuple in state order without duplicates; one state: the plain state; every state:
    # no evidence at all
    assert ev == {"weakness": ("mild", "severe"), "twitch": "yes", "scan": "pattern_a"}
    assert m.posterior({"twitch": ["yes"]}) == m.posterior({"twitch": "yes"})
    assert m.posterior({"age": ["young", "middle", "old"]}) == m.posterior({})


def test_bad_set_evidence_is_a_named_one_line_error():
    m = small_model()
    with pytest.raises(model.EvidenceError, match=r"the set of states for 'weakness' is empty"):
        m.posterior({"weakness": []})
    with pytest.raises(model.EvidenceError,
                       match=r"'moderate' is not a state of 'weakness'; valid states: none, "
                             r"mild, severe"):
        m.posterior({"weakness": ["mild", "moderate"]})
    with pytest.raises(model.EvidenceError, match=r"states of 'weakness' must be strings"):
        m.posterior({"weakness": ["mild", 1]})
    with pytest.raises(model.EvidenceError, match=r"give a list, e.g. \['mild', 'severe'\]"):
        m.posterior({"weakness": "mild|severe"})
    with pytest.raises(model.EvidenceError) as err:
        m.posterior({"weakness": {"a": 1}.keys()})
    assert "\n" not in str(err.value)


def test_text_form_round_trips():
    assert parse_state_text("mild_stable|progressive") == ["mild_stable", "progressive"]
    assert parse_state_text("yes") == "yes"
    assert format_observation(("mild_stable", "progressive")) == "mild_stable|progressive"
    assert format_observation("yes") == "yes"
    m = full_model()
    ev = m.check_evidence({"weakness": parse_state_text("progressive|mild_stable")})
    assert ev == {"weakness": ("mild_stable", "progressive")}


def test_impossible_set_evidence_is_reported():
    m = small_model()
    ev = {"disease": "yes", "certain_sign": ["no"], "weakness": ["mild", "severe"]}
    assert brute_force_posterior(m, ev)[0] == 0.0
    assert m.probability_of_evidence(ev) == 0.0
    with pytest.raises(model.ImpossibleEvidenceError, match=r"weakness=mild\|severe"):
        m.posterior(ev)


# -- exact posteriors -----------------------------------------------------------------------

@SETTINGS
@given(data=st.data())
def test_small_network_set_evidence_equals_brute_force(data):
    m = small_model()
    ev = data.draw(set_evidence(m))
    post = assert_posterior_matches_brute_force(m, ev)
    if post is not None:
        exact = {n for n, v in ev.items() if isinstance(v, str) or len(v) == 1}
        assert set(post) == set(m.ids) - exact  # set-observed nodes keep a posterior


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_full_model_set_evidence_is_order_invariant_and_sums_to_one(data):
    m = full_model()
    ev = data.draw(set_evidence(m, roles=("context", "exposure", "finding"), max_size=8))
    order = data.draw(st.permutations(list(ev)))
    shuffled = {k: (list(reversed(ev[k])) if isinstance(ev[k], list) else ev[k]) for k in order}
    if m.probability_of_evidence(ev) == 0:
        with pytest.raises(model.ImpossibleEvidenceError):
            m.posterior(shuffled)
        return
    post, again = m.posterior(ev), m.posterior(shuffled)
    assert post.keys() == again.keys()
    for n, dist in post.items():
        values = np.array(list(dist.values()))
        assert np.all(values >= 0) and math.isclose(values.sum(), 1.0, abs_tol=1e-9), n
        np.testing.assert_allclose(values, list(again[n].values()), atol=1e-12, err_msg=n)


def _virtual(m, ev):
    """pgmpy evidence: exact states as evidence, sets as 0/1 virtual (likelihood) evidence."""
    from pgmpy.factors.discrete import TabularCPD

    exact = {n: v for n, v in ev.items() if isinstance(v, str)}
    virtual = []
    for n, v in ev.items():
        if not isinstance(v, str):
            states = list(m.nodes[n].states)
            virtual.append(TabularCPD(n, len(states), [[1.0 if s in v else 0.0] for s in states],
                                      state_names={n: states}))
    return exact, virtual


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_full_model_set_evidence_equals_pgmpy_virtual_evidence(data):
    from pgmpy.inference import VariableElimination

    m = full_model()
    ev = few_positive(m, data.draw(set_evidence(m, roles=("context", "exposure", "state",
                                                          "finding"), max_size=6)))
    ve = VariableElimination(m.network)
    exact, virtual = _virtual(m, ev)
    targets = data.draw(st.lists(st.sampled_from(m.nodes_by_role("condition", "finding")),
                                 min_size=1, max_size=4, unique=True))
    targets = [t for t in targets if t not in exact]
    # the reference engine decides whether the evidence is possible: P(e) by summing its joint
    if virtual:
        names = [c.variables[0] for c in virtual]
        joint = ve.query(names, evidence=exact or None, joint=True, show_progress=False)
        mask = np.ones(joint.values.shape)
        for axis, n in enumerate(joint.variables):
            keep = [s in ev[n] for s in joint.state_names[n]]
            mask = mask * np.array(keep, float).reshape(
                [-1 if i == axis else 1 for i in range(mask.ndim)])
        p_sets = float((joint.values * mask).sum())
    else:
        p_sets = 1.0
    p_exact = m.probability_of_evidence(exact)  # cross-checked with pgmpy in test_inference
    assert m.probability_of_evidence(ev) == pytest.approx(p_exact * p_sets, rel=1e-7, abs=1e-14)
    if p_sets * p_exact == 0.0:
        with pytest.raises(model.ImpossibleEvidenceError):
            m.posterior(ev)
        return
    post = m.posterior(ev)
    for t in targets:
        q = ve.query([t], evidence=exact or None, virtual_evidence=virtual or None,
                     show_progress=False)
        for s, p in zip(q.state_names[t], q.values, strict=True):
            assert post[t][s] == pytest.approx(p, abs=1e-9), (t, s, ev)


# -- every reasoning feature ------------------------------------------------------------------

def test_why_gives_a_set_its_likelihood_ratio():
    """LR of a set = P(F in S | D, earlier) / P(F in S | not D, earlier), by brute force."""
    m = small_model()
    ev = {"age": "old", "weakness": ["mild", "severe"], "twitch": "yes"}
    ex = m.why(ev, "disease")
    rows = ex.contributions.set_index("id")
    assert rows.loc["weakness", "state"] == "mild|severe"
    assert rows.loc["weakness", "label"] == "Weakness: mild or severe"
    before = {"age": "old"}

    def p(e, d):
        return brute_force_posterior(m, {**e, "disease": d})[0]
    lr = (p({**before, "weakness": ["mild", "severe"]}, "yes") / p(before, "yes")) / (
        p({**before, "weakness": ["mild", "severe"]}, "no") / p(before, "no"))
    assert rows.loc["weakness", "likelihood_ratio"] == pytest.approx(lr, rel=1e-9)
    total = ex.prior_log_odds + ex.contributions["log_odds_change"].sum()
    assert total == pytest.approx(ex.posterior_log_odds, abs=1e-9)


def _entropy(p):
    return 0.0 if p <= 0 or p >= 1 else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


@pytest.mark.parametrize("ev", [
    {"age": "old", "weakness": ["mild", "severe"]},  # refine "weakness present"
    {"twitch": "yes", "scan": ["pattern_a", "pattern_b"], "caffeine": ["moderate", "high"]},
])
def test_next_tests_and_outcomes_refine_a_set_and_match_brute_force(ev):
    m = small_model()
    df = m.next_tests(ev).set_index("id")
    sets = [n for n, v in ev.items() if not isinstance(v, str) and m.nodes[n].role == "finding"]
    assert set(sets) <= set(df.index)  # a set-observed finding can still be refined
    targets = ["disease", "low_mineral"]
    pe, ref = brute_force_posterior(m, ev)
    for f in df.index:
        gain = sum(_entropy(ref[t][1]) for t in targets)
        allowed = ev.get(f, m.nodes[f].states)
        for s in allowed:
            pf, post = brute_force_posterior(m, {**ev, f: s})
            if pf > 0:
                gain -= pf / pe * sum(_entropy(post[t][1]) for t in targets)
        assert df.loc[f, "information_gain"] == pytest.approx(gain, abs=1e-9), f
    for f in sets:
        out = m.test_outcomes(ev, f, top=2)
        assert set(out["outcome"]) <= set(ev[f])
        probs = out.drop_duplicates("outcome").set_index("outcome")["outcome_probability"]
        assert probs.sum() == pytest.approx(1.0, abs=1e-12)
        for s, pr in probs.items():
            assert pr == pytest.approx(brute_force_posterior(m, {**ev, f: s})[0] / pe, abs=1e-12)


def test_sensitivity_with_a_set_opens_the_v_structure_below_it():
    """Soft evidence on weakness (child of disease and low_mineral) makes the caffeine -> low
    mineral parameters matter for P(disease) (explaining away); each end equals brute force on
    CPTs rebuilt with that parameter moved."""
    m = small_model()
    ev = {"weakness": ["mild", "severe"]}
    df = m.sensitivity(ev, "disease", top=None).set_index("parameter")
    p = next(q for q in m.kb.params if q.name == "low_mineral.links.caffeine.high")
    assert df.loc[p.name, "swing"] > 0
    assert df.loc["tan.leak", "swing"] == 0.0
    builder = CPTBuilder(m.kb)
    for end, col in ((p.low, "result_low"), (p.high, "result_high")):
        vals = m.values.copy()
        vals[0, p.index] = end
        cpts = builder.build(vals)
        assert df.loc[p.name, col] == pytest.approx(
            _brute_with(m, cpts, ev)["disease"][1], abs=1e-12)


def _brute_with(m, cpts, ev):
    import opt_einsum as oe

    sym = {n: oe.get_symbol(i) for i, n in enumerate(m.ids)}
    subs = ["".join(sym[q] for q in m.nodes[n].parents) + sym[n] for n in m.ids]
    joint = oe.contract(",".join(subs) + "->" + "".join(sym[n] for n in m.ids),
                        *[cpts[n][0] for n in m.ids])
    for i, n in enumerate(m.ids):
        if n in ev:
            allowed = [ev[n]] if isinstance(ev[n], str) else ev[n]
            mask = np.array([s in allowed for s in m.nodes[n].states], float)
            joint = joint * mask.reshape([-1 if j == i else 1 for j in range(len(m.ids))])
    pe = joint.sum()
    return {n: joint.sum(axis=tuple(j for j in range(len(m.ids)) if j != i)) / pe
            for i, n in enumerate(m.ids)}


def test_uncertainty_and_differential_take_sets():
    m = small_model()
    ev = {"twitch": "yes", "weakness": ["mild", "severe"], "caffeine": ["moderate", "high"]}
    diff = m.differential(ev).set_index("id")
    assert "caffeine" in diff.index  # a set-observed exposure keeps its probability
    ref = brute_force_posterior(m, ev)[1]
    assert diff.loc["disease", "probability"] == pytest.approx(ref["disease"][1], abs=1e-12)
    assert diff.loc["caffeine", "probability"] == pytest.approx(1.0, abs=1e-12)
    u = m.uncertainty(ev, samples=60, seed=3).set_index("id")
    assert (u["low"] <= u["probability"] + 1e-12).all()
    assert (u["probability"] <= u["high"] + 1e-12).all()


def test_causes_take_sets_on_the_full_model():
    m = full_model()
    ev = {"age": "65_plus", "fasciculations": "yes",
          "weakness": ["mild_stable", "progressive"]}
    df = m.causes(ev)
    assert df["expected_disablement"].is_monotonic_decreasing
    assert (df["expected_disablement"] <= 2 + 1e-9).all()  # two abnormal findings
    assert (df["twitching_would_stop"] <= df["probability_present"] + 1e-12).all()
