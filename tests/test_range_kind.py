"""A parameter's range says what it is (range_kind), and the uncertainty sampler reads it so."""

from __future__ import annotations

import numpy as np
import pytest

import model
from model.errors import KnowledgeBaseError
from model.parameters import sample_parameters

KB = """
sources:
  toy:
    citation: "Illustrative numbers for tests only (2026); not clinical figures."
nodes:
  a:
    label: A
    description: A root.
    role: exposure
    states: ["no", "yes"]
    parents: []
    model: prior
    prior: {{value: 0.2, range: [0.1, 0.3], {kind}source: toy}}
"""


def _load(tmp_path, kind: str):
    (tmp_path / "kb.yaml").write_text(KB.format(kind=kind))
    return model.load(tmp_path, check_catalog=False)


@pytest.mark.parametrize("kind, tail", [("ci95: ", 2.5), ("ci90: ", 5.0)])
def test_a_confidence_interval_is_read_at_its_coverage_and_may_be_exceeded(tmp_path, kind, tail):
    m = _load(tmp_path, f"range_kind: {kind.split(':')[0]}, ")
    draws = sample_parameters(m.kb, 40_000, seed=1)[:, 0]
    lo, hi = np.percentile(draws, [tail, 100 - tail])
    assert lo == pytest.approx(0.1, abs=0.006) and hi == pytest.approx(0.3, abs=0.006)
    assert draws.min() < 0.1 < 0.3 < draws.max()  # an interval is not a bound
    assert np.median(draws) == pytest.approx(0.2, abs=0.004)


@pytest.mark.parametrize("kind", ["", "range_kind: judgement, ", "range_kind: spread, "])
def test_a_plausible_range_is_its_5th_to_95th_percentile_and_a_bound(tmp_path, kind):
    m = _load(tmp_path, kind)
    draws = sample_parameters(m.kb, 40_000, seed=1)[:, 0]
    assert draws.min() >= 0.1 and draws.max() <= 0.3
    lo, hi = np.percentile(draws, [5.5, 94.5])  # just inside the censored ends
    assert 0.1 < lo < 0.115 and 0.285 < hi < 0.3


def test_an_unknown_range_kind_names_the_field(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="range_kind 'guess' is not one of"):
        _load(tmp_path, "range_kind: guess, ")


def test_every_cited_number_says_what_its_range_is():
    """A cited number's range may be the source's interval or a judgement around it: the file
    must say which (only expert numbers may leave it to the default, judgement)."""
    from model.knowledge import DEFAULT_PRIORS, yaml_loader

    missing = []

    def walk(obj, where):
        if isinstance(obj, dict):
            if "value" in obj and "source" in obj:
                if obj["source"] != "expert" and "range_kind" not in obj:
                    missing.append(f"{where}: source {obj['source']}")
                return
            for k, v in obj.items():
                walk(v, f"{where}.{k}")

    for path in sorted(DEFAULT_PRIORS.glob("*.yaml")):
        walk(yaml_loader().load(path.read_text()), path.name)
    assert not missing, "cited numbers without range_kind:\n" + "\n".join(missing)
