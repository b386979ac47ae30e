"""Exact inference: posteriors are distributions, independent of evidence order, and equal to
brute-force enumeration (small network), pgmpy's VariableElimination and pyAgrum (full model)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model

from .helpers import (
    assert_posterior_matches_brute_force,
    brute_force_posterior,
    full_model,
    small_model,
)

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def evidence_sets(draw, m, roles=("context", "exposure", "finding"), max_size=8):
    ids = [n for n in m.ids if m.nodes[n].role in roles]
    chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=max_size))
    return {n: draw(st.sampled_from(m.nodes[n].states)) for n in chosen}


def _possible(m, ev) -> bool:
    return m.probability_of_evidence(ev) > 0


def few_positive(m, ev: dict, k: int = 2) -> dict:
    """The evidence with at most k noisy findings outside their baseline (later ones set to
    baseline): with more, the reference engines' elimination on the full model (QMR-like: each
    positive finding couples its parents) can take minutes."""
    out, n_pos = {}, 0
    for n, v in ev.items():
        node = m.nodes[n]
        states = [v] if isinstance(v, str) else list(v)
        if node.role == "finding" and node.states[0] not in states:
            n_pos += 1
            if n_pos > k:
                v = node.states[0]
        out[n] = v
    return out


def reference_probability(query, ev: dict) -> float:
    """P(evidence) from a reference engine by the chain rule, P(e_1) P(e_2 | e_1) ...: each
    factor is a one-target query given evidence the reference has already found possible (a
    reference engine given impossible evidence silently returns a normalised answer, so the
    product stops at the first zero). ``query(node, evidence)`` -> {state: probability}."""
    p, before = 1.0, {}
    for n, v in ev.items():
        dist = query(n, before)
        p *= sum(q for s, q in dist.items() if s == v)
        if p == 0.0:
            return 0.0
        before[n] = v
    return p


def pgmpy_query(ve):
    def query(n, evidence):
        q = ve.query([n], evidence=evidence or None, show_progress=False)
        return dict(zip(q.state_names[n], map(float, q.values), strict=True))
    return query


# -- the small network: everything against brute-force enumeration of the joint ------------

def test_cpt_entries_match_hand_worked_noisy_or():
    m = small_model()
    # P(twitch = yes | excitability = yes, caffeine = high, stress = no)
    cpt = m.cpts["twitch"][0]  # axes: excitability, caffeine, stress, twitch
    assert cpt[1, 2, 0, 1] == pytest.approx(1 - (1 - 0.1) * (1 - 0.8) * (1 - 0.3), abs=1e-15)
    # noisy-MAX weakness: P(<= mild | disease, low_mineral) = leak CDF * link CDFs
    w = m.cpts["weakness"][0]  # axes: disease, low_mineral, weakness
    f_none = (1 - 0.06) * (1 - 0.9) * (1 - 0.4)
    f_mild = (1 - 0.01) * (1 - 0.6) * 1.0
    assert w[1, 1].tolist() == pytest.approx([f_none, f_mild - f_none, 1 - f_mild], abs=1e-15)
    # table: first matching row
    assert m.cpts["scan"][0][1, 0].tolist() == pytest.approx([0.1, 0.8, 0.1])
    assert m.cpts["scan"][0][0, 1].tolist() == pytest.approx([0.3, 0.0, 0.7])


@SETTINGS
@given(data=st.data())
def test_small_network_equals_brute_force(data):
    m = small_model()
    ev = data.draw(evidence_sets(m, roles=("context", "exposure", "state", "condition",
                                            "mechanism", "finding")))
    assert_posterior_matches_brute_force(m, ev)


def test_impossible_evidence_is_a_named_error_never_nan():
    m = small_model()
    ev = {"disease": "yes", "certain_sign": "no"}
    assert brute_force_posterior(m, ev)[0] == 0.0
    with pytest.raises(model.ImpossibleEvidenceError, match="impossible evidence: P\\("):
        m.posterior(ev)
    with pytest.raises(model.ImpossibleEvidenceError):
        m.differential(ev)


def test_evidence_errors_list_the_valid_choices():
    m = full_model()
    with pytest.raises(model.EvidenceError, match=r"unknown node 'fasciculation' \(did you mean "
                                                  r"'fasciculations'\?\); valid nodes: age, sex,"):
        m.posterior({"fasciculation": "yes"})
    with pytest.raises(model.EvidenceError, match=r"'severe' is not a state of 'weakness'; valid "
                                                  r"states: none, mild_stable, progressive"):
        m.posterior({"weakness": "severe"})
    with pytest.raises(model.EvidenceError, match="must be a string"):
        m.posterior({"fasciculations": True})


# -- the full model ------------------------------------------------------------------------

@SETTINGS
@given(data=st.data())
def test_posteriors_sum_to_one_and_ignore_evidence_order(data):
    m = full_model()
    ev = data.draw(evidence_sets(m))
    if not _possible(m, ev):
        with pytest.raises(model.ImpossibleEvidenceError):
            m.posterior(ev)
        return
    post = m.posterior(ev)
    order = data.draw(st.permutations(list(ev)))
    again = m.posterior({k: ev[k] for k in order})
    for n, dist in post.items():
        values = np.array(list(dist.values()))
        assert np.all(np.isfinite(values)) and np.all(values >= 0), n
        assert math.isclose(values.sum(), 1.0, abs_tol=1e-9), n
        np.testing.assert_allclose(values, list(again[n].values()), atol=1e-12, err_msg=n)


@SETTINGS
@given(data=st.data())
def test_posterior_of_chosen_nodes_equals_the_full_posterior(data):
    """Asking for a few nodes propagates only towards them (engine: distribute down the paths
    to the cliques read); the answer must be the full posterior's, node for node."""
    m = full_model()
    ev = data.draw(evidence_sets(m))
    if not _possible(m, ev):
        return
    chosen = data.draw(st.lists(st.sampled_from(m.ids), unique=True, min_size=1, max_size=6))
    part = m.posterior(ev, nodes=chosen)
    full = m.posterior(ev)
    assert list(part) == [n for n in full if n in chosen]
    for n, dist in part.items():
        np.testing.assert_allclose(list(dist.values()), list(full[n].values()), atol=1e-12,
                                   err_msg=n)


def test_posterior_of_an_unknown_node_names_it():
    m = full_model()
    with pytest.raises(model.EvidenceError, match="unknown node 'alss'.*did you mean 'als'"):
        m.posterior({"fasciculations": "yes"}, nodes=["alss"])


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_full_model_equals_pgmpy_variable_elimination_on_every_node(data):
    from pgmpy.inference import VariableElimination

    m = full_model()
    ev = few_positive(m, data.draw(evidence_sets(m, roles=("context", "exposure", "state",
                                                           "mechanism", "finding"), max_size=7)))
    ve = VariableElimination(m.network)
    p_ref = reference_probability(pgmpy_query(ve), ev)  # the reference decides "impossible"
    assert m.probability_of_evidence(ev) == pytest.approx(p_ref, rel=1e-7, abs=1e-15)
    if p_ref == 0.0:
        with pytest.raises(model.ImpossibleEvidenceError):
            m.posterior(ev)
        return
    post = m.posterior(ev)
    for n in m.ids:
        if n in ev:
            continue
        q = ve.query([n], evidence=ev, show_progress=False)
        ref = dict(zip(q.state_names[n], q.values, strict=True))
        for s, p in ref.items():
            assert post[n][s] == pytest.approx(p, abs=1e-9), (n, s, ev)


@SETTINGS
@given(data=st.data())
def test_small_network_equals_pgmpy_including_impossible_evidence(data):
    from pgmpy.inference import VariableElimination

    m = small_model()
    ev = data.draw(evidence_sets(m, roles=("context", "exposure", "state", "condition",
                                            "mechanism", "finding"), max_size=5))
    ve = VariableElimination(m.network)
    if brute_force_posterior(m, ev)[0] == 0.0:
        with pytest.raises(model.ImpossibleEvidenceError):
            m.posterior(ev)
        return
    post = m.posterior(ev)
    for n in post:
        q = ve.query([n], evidence=ev, show_progress=False)
        for s, p in zip(q.state_names[n], q.values, strict=True):
            assert post[n][s] == pytest.approx(p, abs=1e-9), (n, s, ev)


def _pyagrum_net(m):
    import pyagrum as gum

    bn = gum.BayesNet("twitchdx")
    for n in m.ids:
        bn.add(gum.LabelizedVariable(n, n, list(m.nodes[n].states)))
    for n in m.ids:
        for p in m.nodes[n].parents:
            bn.addArc(p, n)
    for n in m.ids:
        node = m.nodes[n]
        cpt = m.cpts[n][0]  # axes: parents..., child
        pot = bn.cpt(n)
        names = [pot.variable(i).name() for i in range(pot.nbrDim())]
        # reorder our axes to pyAgrum's variable order (pyAgrum's toarray is last-var-first)
        ours = list(node.parents) + [n]
        arr = np.transpose(cpt, [ours.index(v) for v in reversed(names)])
        pot.fillWith(arr.flatten().tolist())
    return bn


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_full_model_equals_pyagrum_on_every_node(data):
    pytest.importorskip("pyagrum")
    import pyagrum as gum

    m = full_model()
    bn = _pyagrum_net(m)
    ev = few_positive(m, data.draw(evidence_sets(m, max_size=10)))

    def query(n, evidence):
        # one target at a time: with every node a target pyAgrum would have to build the whole
        # moralised junction tree (cliques of ~10^8 entries); one target lets it prune
        ie = gum.LazyPropagation(bn)
        if evidence:
            ie.setEvidence(evidence)
        ie.addTarget(n)
        ie.makeInference()
        ref = ie.posterior(n)
        return {s: ref[{n: s}] for s in m.nodes[n].states}
    p_ref = reference_probability(query, ev)  # the reference decides "impossible"
    if p_ref == 0.0:
        with pytest.raises(model.ImpossibleEvidenceError):
            m.posterior(ev)
        return
    assert m.probability_of_evidence(ev) == pytest.approx(p_ref, rel=1e-7, abs=1e-15)
    post = m.posterior(ev)
    for n, dist in post.items():
        ref = query(n, ev)
        for s, p in dist.items():
            assert p == pytest.approx(ref[s], abs=1e-9), (n, s, ev)


def test_evidence_on_latent_mechanisms_matches_pgmpy():
    from pgmpy.inference import VariableElimination

    m = full_model()
    ev = {"motor_neuron_loss": "yes", "fasciculations": "yes", "age": "65_plus"}
    post = m.posterior(ev)
    ve = VariableElimination(m.network)
    for n in ("als", "spinal_muscular_atrophy", "weakness", "emg"):
        q = ve.query([n], evidence=ev, show_progress=False)
        for s, p in zip(q.state_names[n], q.values, strict=True):
            assert post[n][s] == pytest.approx(p, abs=1e-9)


def test_concurrent_queries_on_one_model_give_the_same_answers():
    """Streamlit sessions share one cached model across threads."""
    import threading

    m = model.load()  # a fresh instance: empty plan caches, so threads compile concurrently
    ref_model = full_model()
    sets = [{"fasciculations": "yes", "age": a, "weakness": w}
            for a in ("18_to_39", "65_plus") for w in ("none", "progressive")]
    sets += [{"fasciculations": "yes", "emg": s} for s in ("denervation", "normal")]
    ref = [ref_model.posterior(e) for e in sets]
    errors: list = []

    def work(offset: int) -> None:
        try:
            for j in range(offset, len(sets) * 3, 4):
                e = sets[j % len(sets)]
                p = m.posterior(e)
                for n, dist in p.items():
                    for s, v in dist.items():
                        if abs(v - ref[j % len(sets)][n][s]) > 1e-12:
                            errors.append((j, n, s))
        except Exception as exc:  # surfaced below: a thread's exception is otherwise lost
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
