"""The model's own epidemiology (issue: knowledge base, second edition, §2).

Every condition, state and exposure has a published prevalence in priors/targets.yaml; the
model's implied marginal in each stratum must fall in the target's range. A failure names the
node, the stratum, the model's value and the target.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import model
from model.epidemiology import epidemiology, read_targets, untargeted_nodes
from model.errors import KnowledgeBaseError
from model.knowledge import DEFAULT_PRIORS

from .helpers import full_model


@pytest.fixture(scope="module")
def table():
    return epidemiology(full_model())


def test_every_condition_state_and_exposure_has_a_published_target():
    missing = untargeted_nodes(full_model())
    assert not missing, f"no target in priors/targets.yaml for: {', '.join(missing)}"


def test_implied_prevalences_fall_in_the_published_ranges(table):
    assert len(table) > 0
    out = table[~table["in_range"]]
    lines = [f"{r.node} [{r.stratum}] model {r.model:.3g} vs target {r.value:.3g} "
             f"(range {r.low:.3g}-{r.high:.3g}, {r.source}; target '{r.target}')"
             for r in out.itertuples()]
    assert not lines, "implied prevalence outside the literature's range:\n" + "\n".join(lines)


def test_marginals_equal_pgmpy_variable_elimination(table):
    """The implied prevalences are exact: a second engine gives the same numbers."""
    from pgmpy.inference import VariableElimination

    m = full_model()
    ve = VariableElimination(m.network)
    sample = table.drop_duplicates(["node", "stratum"]).sort_values(["node", "stratum"])
    sample = sample[~sample["node"].isin(["age", "sex"])].iloc[::7].head(12)
    for r in sample.itertuples():
        ev = {}
        if r.stratum != "all":
            for part in r.stratum.split("/"):
                ev["age" if part in m.nodes["age"].states else "sex"] = part
        q = ve.query([r.node], evidence=ev or None, show_progress=False)
        states = r.states.split("|")
        p = sum(q.get_value(**{r.node: s}) for s in states)
        assert abs(p - r.model) < 1e-9, (r.node, r.stratum)


def _copy_priors(tmp_path):
    dest = tmp_path / "priors"
    shutil.copytree(DEFAULT_PRIORS, dest)
    return dest


def test_a_target_outside_the_model_is_reported_by_node_and_stratum(tmp_path):
    dest = _copy_priors(tmp_path)
    (dest / "targets.yaml").unlink(missing_ok=True)
    (dest / "zz_targets.yaml").write_text(
        'targets:\n'
        '  als_check:\n'
        '    node: als\n'
        '    what: "deliberately wrong: one adult in ten"\n'
        '    source: expert\n'
        '    note: "test"\n'
        '    strata:\n'
        '      "65_plus/male": {value: 0.1, range: [0.05, 0.2]}\n'
        '      all: {value: 0.00005, range: [0.0, 1.0]}\n')
    m = model.load(dest)
    df = epidemiology(m)
    bad = df[~df["in_range"]]
    assert list(bad["stratum"]) == ["65_plus/male"]
    assert bad.iloc[0]["node"] == "als" and bad.iloc[0]["model"] < 0.01
    assert df[df["stratum"] == "all"].iloc[0]["in_range"]
    assert "als" not in untargeted_nodes(m) and "diabetes" in untargeted_nodes(m)


@pytest.mark.parametrize("body, message", [
    ('  x:\n    node: no_such_node\n    source: expert\n    note: n\n'
     '    strata: {all: {value: 0.1, range: [0, 1]}}\n', "unknown node 'no_such_node'"),
    ('  x:\n    node: als\n    states: ["maybe"]\n    source: expert\n    note: n\n'
     '    strata: {all: {value: 0.1, range: [0, 1]}}\n', "'states' must be a list"),
    ('  x:\n    node: als\n    source: expert\n    note: n\n'
     '    strata: {"90_plus": {value: 0.1, range: [0, 1]}}\n', "unknown stratum '90_plus'"),
    ('  x:\n    node: als\n    source: expert\n    note: n\n'
     '    strata: {all: {value: 0.5, range: [0.6, 1]}}\n', "range [0.6, 1] must be"),
    ('  x:\n    node: als\n    source: nosuchsource\n'
     '    strata: {all: {value: 0.1, range: [0, 1]}}\n', "unknown source 'nosuchsource'"),
    ('  x:\n    node: als\n    source: expert\n'
     '    strata: {all: {value: 0.1, range: [0, 1]}}\n', "needs a 'note'"),
])
def test_malformed_targets_name_the_file_target_and_field(tmp_path, body, message):
    dest = _copy_priors(tmp_path)
    (dest / "zz_targets.yaml").write_text("targets:\n" + body)
    m = model.load(dest)
    with pytest.raises(KnowledgeBaseError) as err:
        read_targets(m)
    text = str(err.value)
    assert message in text and "zz_targets.yaml" in text and "target x" in text


def test_implied_prevalence_matches_a_hand_computation_on_a_root():
    """For a root exposure stratified by age and sex the implied prevalence is the stratum's
    own number, and the overall one is the census-weighted mix."""
    m = full_model()
    node = m.nodes["diabetes"]
    if not node.leak_by:
        pytest.skip("diabetes is not stratified in this knowledge base")
    post = m.posterior({})
    age_p = post["age"]
    sex_p = post["sex"]
    mix = 0.0
    for a, pa in age_p.items():
        for s, ps in sex_p.items():
            key = tuple({"age": a, "sex": s}[p] for p in node.leak_by)
            mix += pa * ps * node.leak[key][1].value
    assert np.isclose(post["diabetes"]["yes"], mix, atol=1e-12)
