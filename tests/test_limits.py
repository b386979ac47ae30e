"""Bounded work (issue 14 §2): every limit of model.limits is enforced before the work it bounds,
with a one-line message naming it, and batches over the allocation budget are answered exactly in
chunks. Test names carry the id of the reliability review's finding they reproduce (S2-x).
"""

from __future__ import annotations

import numpy as np
import pytest

import model
from model import inference as inference_module
from model import limits
from model.cases import load_cases
from model.engine import ByteLRU, JunctionTree, array_bytes
from model.inference import Among
from model.limits import LimitError


@pytest.fixture(scope="module")
def m() -> model.TwitchModel:
    return model.load()


def positives(m, k: int) -> dict[str, str]:
    """The first k noisy findings of the model at their top state (the review's S2-1 input)."""
    return {f: m.kb.nodes[f].states[-1] for f in m._inference.noisy_findings[:k]}


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and len(text) < 600, text
    return text


# ------------------------------------------------------------------------ plan size


def test_S2_1_thirty_positive_findings_are_refused_before_any_table_is_built(m, monkeypatch):
    def no_tables(*args, **kwargs):  # allocation starts here: the refusal must come first
        raise AssertionError("clique tables were allocated for a refused plan")

    monkeypatch.setattr(JunctionTree, "clique_potentials", no_tables)
    with pytest.raises(LimitError) as info:
        m.posterior(positives(m, 30))
    text = one_line(info.value)
    assert "30 positive findings" in text and "MAX_PLAN_ENTRIES = 8,388,608" in text
    assert isinstance(info.value, model.TwitchDxError)


@pytest.mark.parametrize("call", ["differential", "causes", "next_tests", "why"])
def test_S2_1_every_entry_point_refuses_an_oversized_plan(m, call):
    ev = positives(m, 30)
    with pytest.raises(LimitError, match=r"positive findings .* MAX_(TWIN_)?PLAN_ENTRIES"):
        if call == "why":
            m.why(ev, "als")
        else:
            getattr(m, call)(ev)


def test_every_teaching_case_fits_the_plain_plan_limit(m):
    """Compile only (no tables): the plan each case's posterior needs is under the limit."""
    inf = m._inference
    sizes = {}
    for case in load_cases():
        ev = m.check_evidence(case["evidence"])
        element = {k: Among(v) if isinstance(v, tuple) else v for k, v in ev.items()}
        plan = inf._compile(inf.positive_set(element), None)
        sizes[case["id"]] = plan.junction_tree.entries
    assert max(sizes.values()) <= limits.MAX_PLAN_ENTRIES, max(sizes.items(), key=lambda kv: kv[1])


def test_a_refusal_does_not_poison_the_model(m):
    with pytest.raises(LimitError):
        m.posterior(positives(m, 30))
    post = m.posterior({"fasciculations": "yes"})
    assert abs(sum(post["als"].values()) - 1) < 1e-9


# ------------------------------------------------------------------------ chunked batches


def test_S2_2_why_with_about_100_observations_answers_within_the_budget(m):
    rng = np.random.default_rng(2)
    ev = {}
    for nid in m.ids:
        node = m.kb.nodes[nid]
        if nid == "als" or node.role not in ("context", "exposure", "finding"):
            continue
        # mostly baseline (absent) states, a few positives: a realistic long record
        ev[nid] = node.states[0] if rng.random() < 0.9 else node.states[-1]
    ev = dict(list(ev.items())[:100])
    assert len(ev) >= 60
    try:
        expl = m.why(ev, "als")
    except LimitError as exc:  # allowed: a clear refusal, never MemoryError
        one_line(exc)
        return
    assert len(expl.contributions) == len(ev)
    assert np.isfinite(expl.contributions["probability_after"]).all()


def test_chunked_batches_give_the_same_answers(m, monkeypatch):
    ev = {"fasciculations": "yes", "weakness": m.kb.nodes["weakness"].states[-1],
          "muscle_cramps": "yes", "age": m.kb.nodes["age"].states[-1]}
    whole_why = m.why(ev, "als").contributions
    whole_post = m.posterior(ev)
    monkeypatch.setattr(inference_module, "MAX_BATCH_ENTRIES", 1)  # one element per run
    m._inference._plans.clear()
    chunked_why = m.why(ev, "als").contributions
    chunked_post = m.posterior(ev)
    assert np.allclose(whole_why["probability_after"], chunked_why["probability_after"],
                       rtol=0, atol=1e-12)
    for nid, dist in whole_post.items():
        for state, p in dist.items():
            assert chunked_post[nid][state] == pytest.approx(p, abs=1e-12)


def test_chunked_parameter_samples_give_the_same_intervals(m, monkeypatch):
    ev = {"fasciculations": "yes", "muscle_cramps": "yes"}
    whole = m.uncertainty(ev, samples=60, seed=3)
    monkeypatch.setattr(inference_module, "MAX_BATCH_ENTRIES", 1)
    chunked = m.uncertainty(ev, samples=60, seed=3)
    assert np.allclose(whole[["low", "high"]].to_numpy(), chunked[["low", "high"]].to_numpy(),
                       rtol=0, atol=1e-12)


# ------------------------------------------------------------------------ caches in bytes


def test_byte_lru_keeps_its_budget_and_recency():
    cache = ByteLRU(100, size=lambda v: v)
    cache.put("a", 40)
    cache.put("b", 40)
    assert cache.get("a") == 40  # a is now the most recent
    cache.put("c", 40)  # evicts b, the least recently used
    assert cache.get("b") is None and cache.get("a") == 40 and cache.get("c") == 40
    assert cache.nbytes == 80
    cache.put("huge", 101)  # larger than the whole budget: not kept, nothing evicted
    assert cache.get("huge") is None and len(cache) == 2
    cache.put("a", 10)  # replacing a value re-counts it
    assert cache.nbytes == 50


def test_array_bytes_counts_owned_arrays_once():
    a = np.zeros((10, 10))
    assert array_bytes({"x": a, "y": [a[:2]], "z": (np.ones(3), None)}) == 800 + 24
    wide = np.broadcast_to(np.ones(4), (1000, 4))  # a view 1000x its memory
    assert array_bytes([wide, wide]) == 32


def test_S2_3_a_long_lived_model_keeps_its_caches_within_their_byte_budgets(m, monkeypatch):
    inf = m._inference
    budget = 8 * 2**20
    monkeypatch.setattr(inf._plans, "budget", budget)
    rng = np.random.default_rng(23)
    findings = inf.noisy_findings
    for _ in range(40):  # varied evidence: a new plan almost every time
        chosen = rng.choice(len(findings), size=6, replace=False)
        ev = {findings[i]: m.kb.nodes[findings[i]].states[-1] for i in chosen}
        m.posterior(ev)
        assert inf._plans.nbytes <= budget
        assert inf._columns.nbytes <= limits.COLUMN_CACHE_BYTES
    overhead = inference_module.PLAN_OVERHEAD_BYTES
    assert inf._plans.nbytes == sum(8 * p.junction_tree.entries + overhead
                                    for p, _ in inf._plans._items.values())
