"""`twitchdx audit`: parameter influence summed over teaching cases."""

from __future__ import annotations

import numpy as np

from model.audit import audit
from model.cases import load_cases

from .helpers import full_model


def _cases(m, ids):
    return [c for c in load_cases(vocabulary=m) if c["id"] in ids]


def test_influence_is_the_summed_tornado_swing_and_expert_share_adds_up():
    m = full_model()
    cases = [c for c in load_cases(vocabulary=m) if c["diagnosis"] not in c["evidence"]][:2]
    report = audit(m, cases)
    assert report.cases_used == [c["id"] for c in cases]
    # independent recomputation from the per-case tornado tables
    expected: dict[str, float] = {}
    for c in cases:
        t = m.sensitivity(c["evidence"], c["diagnosis"], top=None)
        for name, lo, hi in zip(t["parameter"], t["result_low"], t["result_high"], strict=True):
            expected[name] = expected.get(name, 0.0) + abs(hi - lo)
    got = dict(zip(report.table["parameter"], report.table["influence"], strict=True))
    for name, value in expected.items():
        if value > 0:
            assert np.isclose(got[name], value, atol=1e-12), name
    assert np.isclose(report.table["share"].sum(), 1.0)
    assert list(report.table["influence"]) == sorted(report.table["influence"], reverse=True)
    expert = report.table.loc[report.table["source"] == "expert", "share"].sum()
    assert np.isclose(report.expert_share, expert)
    assert 0.0 <= report.expert_share <= 1.0


def test_a_case_whose_answer_is_entered_is_skipped_not_guessed():
    m = full_model()
    entered = [c for c in load_cases(vocabulary=m) if c["diagnosis"] in c["evidence"]][:1]
    report = audit(m, entered)
    assert report.cases_skipped == [c["id"] for c in entered]
    assert report.table.empty and report.expert_share == 0.0
