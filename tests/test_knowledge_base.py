"""The knowledge base in priors/: catalog coverage, sources and ranges, valid tables."""

from __future__ import annotations

import re

import numpy as np
import pytest
from ruamel.yaml import YAML

from model.knowledge import CATALOG_PATH, DEFAULT_PRIORS, MAX_CPT_ENTRIES

from .helpers import full_model


def _raw_priors():
    docs = {}
    for path in sorted(DEFAULT_PRIORS.glob("*.yaml")):
        docs[path.name] = YAML(typ="safe", pure=True).load(path.read_text())
    return docs


def _walk_params(obj, path=()):
    """Yield (path, mapping) for every parameter mapping (a dict with a 'value')."""
    if isinstance(obj, dict):
        if "value" in obj:
            yield path, obj
            return
        for k, v in obj.items():
            yield from _walk_params(v, (*path, str(k)))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _walk_params(v, (*path, str(i)))


def test_every_catalog_node_and_state_in_order():
    catalog = YAML(typ="safe", pure=True).load(CATALOG_PATH.read_text())
    m = full_model()
    n_checked = 0
    for role, entries in catalog.items():
        for node_id, spec in entries.items():
            assert node_id in m.nodes, f"catalog node {node_id} missing"
            node = m.nodes[node_id]
            assert list(node.states) == [str(s) for s in spec["states"]], node_id
            assert node.role == role, node_id
            n_checked += 1
    assert n_checked == 111


def test_catalog_copy_matches_the_spec_when_available():
    spec = DEFAULT_PRIORS.parents[1] / "shared" / "spec" / "catalog.yaml"
    if not spec.exists():
        pytest.skip("the shared spec is not beside this clone (users clone the project alone)")
    assert spec.read_text() == CATALOG_PATH.read_text()


def test_every_number_has_a_source_and_a_range_containing_it():
    docs = _raw_priors()
    sources = {}
    for doc in docs.values():
        sources.update((doc or {}).get("sources") or {})
    count = 0
    for fname, doc in docs.items():
        for node_id, node in ((doc or {}).get("nodes") or {}).items():
            for path, p in _walk_params(node):
                where = f"{fname}:{node_id}.{'.'.join(path)}"
                lo, hi = p["range"]
                assert 0 <= lo <= p["value"] <= hi <= 1, where
                src = p.get("source")
                assert src, where
                if src == "expert":
                    assert str(p.get("note") or "").strip(), f"{where}: expert without a note"
                else:
                    assert src in sources, f"{where}: unknown source {src}"
                count += 1
    assert count == len(full_model().kb.params) > 300


# Where a cited figure stands: a table, figure, page, section or the abstract; a pointer to the
# sibling note that says it; or an honest "not verified" (never an invented location).
LOCATION = re.compile(
    r"\b(table|abstract|page|p\.|pp\.|fig|figure|results|key findings?|summary|section|"
    r"discussion|methods|conclusions?|introduction|background|box|appendix|supplement|data brief|"
    r"report|fact sheet|press release|not verified|see the [^;)]*notes?)\b", re.I)


def test_every_cited_number_says_where_its_figure_stands():
    """kb-review: a cited value's note quotes the figure and where it stands in the source (or
    says plainly that the place was not verified)."""
    missing = []
    for fname, doc in _raw_priors().items():
        for node_id, node in ((doc or {}).get("nodes") or {}).items():
            for path, p in _walk_params(node):
                if p.get("source") != "expert" and not LOCATION.search(str(p.get("note") or "")):
                    missing.append(f"{fname}:{node_id}.{'.'.join(path)} ({p['source']})")
    for key, (_, entry) in full_model().kb.targets.items():  # the epidemiology targets too
        if entry.get("source") != "expert" and not LOCATION.search(str(entry.get("note") or "")):
            missing.append(f"targets.yaml:{key} ({entry.get('source')})")
    assert not missing, "cited notes that do not say where the figure stands:\n" + "\n".join(
        missing)


def test_sources_are_findable_citations():
    m = full_model()
    for key, src in m.kb.sources.items():
        text = src["citation"]
        assert len(text) > 25 and any(ch.isdigit() for ch in text), key  # has a year
    used = {p.source for p in m.kb.params}
    used |= {str(entry.get("source")) for _, entry in m.kb.targets.values()}
    # an expert estimate may name the works it weighed in its note, by key
    notes = " ".join([p.note or "" for p in m.kb.params]
                     + [str(entry.get("note") or "") for _, entry in m.kb.targets.values()])
    unused = {k for k in set(m.kb.sources) - used if k not in notes}
    assert not unused, f"sources never cited: {sorted(unused)}"


def test_states_are_strings_not_yaml11_booleans():
    for path in DEFAULT_PRIORS.glob("*.yaml"):
        # a YAML 1.1 reader (PyYAML's default) would turn bare yes/no into booleans
        doc = YAML(typ="safe", pure=True)
        doc.version = (1, 1)
        data = doc.load(path.read_text())
        for node_id, node in ((data or {}).get("nodes") or {}).items():
            for s in node["states"]:
                assert isinstance(s, str), f"{path.name}:{node_id} state {s!r} is not quoted"


def test_every_cpd_is_normalised_and_the_network_checks():
    m = full_model()
    net = m.network
    assert net.check_model()
    for cpd in net.get_cpds():
        values = cpd.get_values()
        assert np.all(values >= 0), cpd.variable
        np.testing.assert_allclose(values.sum(axis=0), 1.0, atol=1e-12, err_msg=cpd.variable)


def test_tables_stay_small_and_fasciculations_has_few_parents():
    m = full_model()
    for node in m.nodes.values():
        size = node.card * int(np.prod([m.nodes[p].card for p in node.parents]))
        assert size <= MAX_CPT_ENTRIES, node.id
    assert len(m.nodes["fasciculations"].parents) <= 12


def test_serious_flags_and_costs():
    m = full_model()
    assert m.nodes["als"].serious and not m.nodes["benign_fasciculation_syndrome"].serious
    for node in m.nodes.values():
        if node.role == "finding":
            assert node.cost in ("question", "examination", "blood_test", "specialist_test")
