"""The engine on networks nobody wrote by hand: hypothesis draws small random knowledge bases
(noisy-OR, noisy-MAX and table nodes; multi-state parents; several ``leak_by`` parents, also on
noisy findings; disconnected parts; core noisy nodes with enough links to be factorised), writes
them as priors documents, loads them through the real loader, and checks posteriors, P(evidence)
and impossible evidence (exact and set-valued) against brute-force enumeration of the joint.
The reference decides whether evidence is impossible, never TwitchDx.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model.api import TwitchModel
from model.inference import FACTORISE_MIN_LINKS
from model.knowledge import load_knowledge_base

from .helpers import brute_force_causing, brute_force_disablement, brute_force_posterior
from .test_set_evidence import set_evidence

SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# probabilities include the exact ends, so impossible evidence comes up
PROBS = st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.7, 0.9, 1.0])


def _param(v: float) -> dict:
    return {"value": v, "range": [v, v], "source": "gen"}


@st.composite
def _dist(draw, states: list[str]) -> dict:
    """A distribution over the non-baseline states (they sum to at most 1)."""
    if len(states) == 2:
        return _param(draw(PROBS))
    out, left = {}, 1.0
    for s in states[1:]:
        v = min(draw(PROBS), round(left, 6))
        out[s] = _param(v)
        left -= v
    return out


@st.composite
def _leak(draw, by: list[str], states_of: dict, states: list[str]):
    if not by:
        return draw(_dist(states))
    return {s: draw(_leak(by[1:], states_of, states)) for s in states_of[by[0]]}


@st.composite
def networks(draw) -> dict:
    """A priors document: 1-2 disconnected parts, each with roots, inner nodes and findings."""
    nodes: dict[str, dict] = {}
    states_of: dict[str, list[str]] = {}
    for part in range(draw(st.integers(1, 2))):
        upstream: list[str] = []
        n_roots, n_inner, n_find = (draw(st.integers(1, 3)), draw(st.integers(0, 2)),
                                    draw(st.integers(1, 3)))
        for i in range(n_roots + n_inner + n_find):
            kind = "root" if i < n_roots else "inner" if i < n_roots + n_inner else "finding"
            nid = f"p{part}_{kind}{i}"
            card = draw(st.integers(2, 3))
            states = [f"s{k}" for k in range(card)]
            role = {"root": "exposure", "inner": "condition", "finding": "finding"}[kind]
            entry: dict = {"label": nid, "description": "generated", "role": role,
                           "states": states}
            if role == "finding":
                entry["cost"] = "question"
            if kind == "root":
                entry.update(parents=[], model="prior", prior=draw(_dist(states)))
            else:
                parents = draw(st.lists(st.sampled_from(upstream), min_size=1,
                                        max_size=min(len(upstream), FACTORISE_MIN_LINKS + 1),
                                        unique=True))
                entry["parents"] = parents
                if draw(st.integers(0, 3)) == 0:  # a table: rows matched top-down
                    rows = []  # every parent named in a row, each row reachable
                    for p in parents:
                        rows.append({"when": {p: draw(st.sampled_from(states_of[p]))},
                                     "p": draw(_dist(states))})
                    rows.append({"when": {}, "p": draw(_dist(states))})
                    entry.update(model="table", rows=rows)
                else:
                    leak_by = draw(st.lists(st.sampled_from(parents), max_size=2, unique=True))
                    links: dict = {}
                    for p in parents:
                        if p in leak_by:
                            continue
                        pstates = states_of[p][1:]
                        chosen = draw(st.lists(st.sampled_from(pstates), min_size=1,
                                               unique=True))
                        links[p] = {s: draw(_dist(states)) for s in chosen}
                    entry.update(model="noisy_or" if card == 2 else "noisy_max",
                                 leak_by=leak_by, links=links,
                                 leak=draw(_leak([p for p in parents if p in leak_by],
                                                 states_of, states)))
                    # the loader reads strata in leak_by order: keep parents' order for both
                    entry["leak_by"] = [p for p in parents if p in leak_by]
            nodes[nid] = entry
            states_of[nid] = states
            if kind != "finding":  # findings are leaves
                upstream.append(nid)
    return {"sources": {"gen": {"citation": "Generated for tests; not clinical figures."}},
            "nodes": nodes}


def build(document: dict) -> TwitchModel:
    kb = load_knowledge_base(Path("generated"), documents={"generated.yaml": document},
                             check_catalog=False)
    return TwitchModel(kb)


def _check_against_brute_force(m: TwitchModel, ev: dict) -> None:
    pe, ref = brute_force_posterior(m, ev)
    assert m.probability_of_evidence(ev) == pytest.approx(pe, rel=1e-9, abs=1e-13)
    if pe == 0.0:  # the reference says impossible: TwitchDx must say so too
        with pytest.raises(model.ImpossibleEvidenceError):
            m.posterior(ev)
        return
    post = m.posterior(ev)
    for n, dist in post.items():
        assert math.isclose(sum(dist.values()), 1.0, abs_tol=1e-9), n
        np.testing.assert_allclose(list(dist.values()), ref[n], atol=1e-9, err_msg=n)


@SETTINGS
@given(doc=networks(), data=st.data())
def test_generated_networks_equal_brute_force(doc, data):
    m = build(doc)
    for _ in range(3):
        _check_against_brute_force(m, data.draw(set_evidence(m, max_size=5)))


def _finding_with_two_strata() -> dict:
    """A noisy finding whose leak is stratified by two parents (one of them three-state), a
    factorised core node (three linked parents) and a second, disconnected part."""
    p = _param
    nodes = {
        "a": {"states": ["no", "yes"], "parents": [], "model": "prior", "prior": p(0.3)},
        "b": {"states": ["lo", "mid", "hi"], "parents": [], "model": "prior",
              "prior": {"mid": p(0.3), "hi": p(0.2)}},
        "c": {"states": ["no", "yes"], "parents": [], "model": "prior", "prior": p(0.6)},
        "d": {"states": ["no", "yes"], "parents": ["a", "b", "c"], "model": "noisy_or",
              "leak": p(0.05), "links": {"a": {"yes": p(0.7)}, "b": {"hi": p(0.5)},
                                          "c": {"yes": p(0.2)}}},
        "f": {"states": ["none", "some", "much"], "parents": ["a", "b", "d"],
              "model": "noisy_max", "leak_by": ["a", "b"],
              "leak": {"no": {"lo": {"some": p(0.1), "much": p(0.0)},
                              "mid": {"some": p(0.2), "much": p(0.05)},
                              "hi": {"some": p(0.3), "much": p(0.1)}},
                       "yes": {"lo": {"some": p(0.4), "much": p(0.1)},
                               "mid": {"some": p(0.5), "much": p(0.2)},
                               "hi": {"some": p(0.2), "much": p(0.7)}}},
              "links": {"d": {"yes": {"some": p(0.3), "much": p(0.6)}}}},
        "g": {"states": ["no", "yes"], "parents": ["d", "a"], "model": "noisy_or",
              "leak_by": ["a"], "leak": {"no": p(0.0), "yes": p(0.1)},
              "links": {"d": {"yes": p(1.0)}}},
        "x": {"states": ["no", "yes"], "parents": [], "model": "prior", "prior": p(0.5)},
        "y": {"states": ["no", "yes"], "parents": ["x"], "model": "noisy_or",
              "leak": p(0.1), "links": {"x": {"yes": p(0.8)}}},
    }
    roles = {"a": "context", "b": "context", "c": "exposure", "d": "condition",
             "f": "finding", "g": "finding", "x": "exposure", "y": "finding"}
    for nid, entry in nodes.items():
        entry.update(label=nid, description="hand-made", role=roles[nid])
        if roles[nid] == "finding":
            entry["cost"] = "question"
    return {"sources": {"gen": {"citation": "Hand-made for tests."}}, "nodes": nodes}


@SETTINGS
@given(data=st.data())
def test_a_noisy_finding_with_two_leak_strata_equals_brute_force(data):
    m = build(_finding_with_two_strata())
    assert "d" in m._inference.factorised  # the factorised branch runs here too
    _check_against_brute_force(m, data.draw(set_evidence(m, max_size=5)))


@pytest.mark.parametrize("ev", [
    {"f": "much", "g": "yes"}, {"f": ["some", "much"], "a": "yes", "y": "yes"},
    {"g": "no", "d": "yes"},  # impossible: d = yes always gives g = yes
])
def test_two_strata_fixed_cases(ev):
    _check_against_brute_force(build(_finding_with_two_strata()), ev)


def test_causes_on_a_hand_made_network_equal_twin_enumeration():
    """Expected disablement on the hand-made network (a noisy-MAX effect with a two-way
    stratified leak, a binary effect through a factorised node, a second part)."""
    m = build(_finding_with_two_strata())
    ev = {"f": ["some", "much"], "g": "yes", "b": "hi", "y": "yes"}
    df = m.causes(ev, effect="g").set_index("id")
    for cause in ("c", "d", "x"):
        assert df.loc[cause, "expected_disablement"] == pytest.approx(
            brute_force_disablement(m, ev, cause), abs=1e-12), cause
        assert df.loc[cause, "twitching_would_stop"] == pytest.approx(
            brute_force_causing(m, ev, cause, "g"), abs=1e-12), cause
