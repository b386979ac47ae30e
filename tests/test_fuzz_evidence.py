"""Evidence fuzz on the public API (issue 14 §6): random presentations over the real vocabulary
(single states and "one of these" sets) always give finite posteriors that sum to 1 and do not
depend on the order of the evidence, or a one-line TwitchDxError (impossible evidence, a plan
over the size limit); hostile keys and values are refused with one line, never another exception.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model


@pytest.fixture(scope="module")
def m() -> model.TwitchModel:
    return model.load()


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "Traceback" not in text, text[:300]
    return text


@st.composite
def presentations(draw, m, max_items: int = 10, max_positive: int = 6):
    """A random presentation: observable items (context, exposures, findings) at random states
    or state sets; at most ``max_positive`` noisy findings away from their baseline."""
    ids = [n for n in m.ids if m.kb.nodes[n].role in ("context", "exposure", "finding")]
    chosen = draw(st.lists(st.sampled_from(ids), unique=True, max_size=max_items))
    noisy = set(m._inference.noisy_findings)
    ev, positive = {}, 0
    for nid in chosen:
        states = list(m.kb.nodes[nid].states)
        if draw(st.booleans()) and len(states) > 2:
            value = draw(st.lists(st.sampled_from(states), min_size=2, max_size=len(states) - 1,
                                  unique=True))
        else:
            value = draw(st.sampled_from(states))
        if nid in noisy and value != states[0]:
            if positive >= max_positive:
                value = states[0]
            positive += 1
        ev[nid] = value
    return ev


def check_posterior(post: dict) -> None:
    for nid, dist in post.items():
        values = list(dist.values())
        assert all(math.isfinite(v) and -1e-12 <= v <= 1 + 1e-12 for v in values), (nid, dist)
        assert abs(sum(values) - 1) < 1e-9, (nid, dist)


def test_fuzz_random_presentations_give_proper_posteriors(m):
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ev=presentations(m), data=st.data())
    def run(ev, data):
        try:
            post = m.posterior(ev)
        except model.TwitchDxError as exc:  # impossible evidence or a plan over the limit
            one_line(exc)
            return
        check_posterior(post)
        order = data.draw(st.permutations(list(ev)))
        again = m.posterior({k: ev[k] for k in order})
        for nid, dist in post.items():
            for state, p in dist.items():
                assert again[nid][state] == pytest.approx(p, abs=1e-9)
        diff = m.differential(ev)
        assert diff.select_dtypes("number").notna().all().all()

    run()


HOSTILE = st.one_of(
    st.text(max_size=30), st.none(), st.integers(), st.floats(allow_nan=True), st.booleans(),
    st.binary(max_size=10), st.lists(st.text(max_size=5), max_size=3),
    st.sampled_from(["FASCICULATIONS", "fasc\u00edculations", "\u202efasciculations", "x" * 10_000,
                     "<script>alert(1)</script>", "**bold** [l](http://evil.example/)", "", "=",
                     "yes|no", "yes,no"]),
)


def test_fuzz_hostile_keys_and_values_are_refused_in_one_line(m):
    @settings(max_examples=150, deadline=None)
    @given(key=st.one_of(HOSTILE.filter(lambda k: not isinstance(k, list)),  # dict keys
                         st.sampled_from(["fasciculations", "age", "weakness"])),
           value=HOSTILE)
    def run(key, value):
        try:
            post = m.posterior({key: value})
        except model.TwitchDxError as exc:
            one_line(exc)
            return
        check_posterior(post)  # a valid-by-design input (e.g. a set of every state)

    run()


def test_fuzz_evidence_that_is_not_a_mapping_is_refused(m):
    for bad in (["fasciculations"], "fasciculations=yes", 3, [("fasciculations", "yes")]):
        with pytest.raises(model.TwitchDxError) as info:
            m.posterior(bad)
        one_line(info.value)
