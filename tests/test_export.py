"""Interchange: the BIF and XMLBIF files written by ``twitchdx export`` give the same posteriors
as the model in an independent engine (pyAgrum) and read back into pgmpy, and keep the node
descriptions and sources as properties."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import model
from model.cli import main
from model.export import annotated_network, export, format_for, node_properties, safe_property

from .helpers import full_model

gum = pytest.importorskip("pyagrum")

TOL = 1e-9
# pyAgrum's BIF parser reads numbers in single precision (0.37 -> 0.3700000047683716), so a BIF
# file can only agree to float32 round-off there; its XMLBIF parser and pgmpy's readers keep
# doubles and agree to TOL.
TOL_PYAGRUM_BIF = 1e-6
SETTINGS = settings(max_examples=6, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])
FILES = {"bif": "twitchdx.bif", "xmlbif": "twitchdx.bifxml"}  # pyAgrum reads by extension


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("export")
    return {fmt: export(full_model(), folder / name, fmt) for fmt, name in FILES.items()}


@cache
def _read_back(path: Path, fmt: str, properties: bool = False):
    """The pgmpy model read from an exported file (pgmpy's BIF parser is slow: read once)."""
    from pgmpy.readwrite import BIFReader, XMLBIFReader

    text = path.read_text(encoding="utf-8")
    if fmt == "bif":
        return BIFReader(string=text, include_properties=properties).get_model()
    return XMLBIFReader(string=text).get_model()


@cache
def _pyagrum_bn(path: Path):
    return gum.loadBN(str(path))


@st.composite
def realistic_evidence(draw) -> dict[str, str]:
    """A few findings and one or two exposures or context facts, with random states."""
    m = full_model()
    findings = [n for n in m.ids if m.nodes[n].role == "finding"]
    background = [n for n in m.ids if m.nodes[n].role in ("exposure", "context")]
    chosen = draw(st.lists(st.sampled_from(findings), min_size=1, max_size=4, unique=True))
    chosen += draw(st.lists(st.sampled_from(background), max_size=2, unique=True))
    return {n: draw(st.sampled_from(m.nodes[n].states)) for n in chosen}


def _posterior_or_skip(evidence: dict) -> dict:
    try:
        return full_model().posterior(evidence)
    except model.ImpossibleEvidenceError:
        assume(False)


def _pyagrum_posteriors(path, evidence: dict) -> dict[str, dict[str, float]]:
    bn = _pyagrum_bn(path)
    out = {}
    for name in bn.names():
        if name in evidence:
            continue
        # one target at a time, so that LazyPropagation prunes to the relevant part (with every
        # node a target it builds the whole moralised junction tree: minutes, and round-off)
        ie = gum.LazyPropagation(bn)
        ie.setEvidence(dict(evidence))
        ie.addTarget(name)
        ie.makeInference()
        post = ie.posterior(name)
        out[name] = {label: float(post[{name: label}]) for label in bn.variable(name).labels()}
    return out


def _pgmpy_posteriors(path, fmt: str, evidence: dict) -> dict[str, dict[str, float]]:
    from pgmpy.inference import VariableElimination

    net = _read_back(path, fmt)
    ve = VariableElimination(net)
    out = {}
    for name in net.nodes:
        if name in evidence:
            continue
        f = ve.query([name], evidence=dict(evidence), show_progress=False)
        out[name] = dict(zip(f.state_names[name], map(float, f.values), strict=True))
    return out


def _assert_same(ours: dict, theirs: dict, engine: str, tol: float = TOL) -> None:
    assert set(ours) == set(theirs), f"{engine}: different unobserved nodes"
    for node, dist in ours.items():
        assert set(dist) == set(theirs[node]), f"{engine}: states of '{node}' differ"
        for state, p in dist.items():
            assert abs(p - theirs[node][state]) <= tol, (
                f"{engine}: P({node}={state}) is {theirs[node][state]!r}, model {p!r}")


# -- structure and properties -----------------------------------------------------------------

@pytest.mark.parametrize("fmt", list(FILES))
def test_pyagrum_reads_the_same_structure_and_state_order(exported, fmt):
    m = full_model()
    bn = gum.loadBN(str(exported[fmt]))
    assert set(bn.names()) == set(m.ids)
    for nid in m.ids:
        assert list(bn.variable(nid).labels()) == list(m.nodes[nid].states), nid
        parents = {bn.variable(p).name() for p in bn.parents(nid)}
        assert parents == set(m.nodes[nid].parents), nid


@pytest.mark.parametrize("fmt", list(FILES))
def test_properties_travel_with_the_file(exported, fmt):
    m = full_model()
    assert exported[fmt].read_text(encoding="utf-8").isascii()
    net = _read_back(exported[fmt], fmt, properties=True)
    for nid in m.ids:
        assert list(net.get_cpds(nid).state_names[nid]) == list(m.nodes[nid].states)
        assert dict(net.nodes[nid]) == node_properties(m, nid), nid
    als = dict(net.nodes["als"])
    assert als["label"] == safe_property(m.nodes["als"].label)
    assert als["description"].startswith("Amyotrophic lateral sclerosis")
    cited = {p.source for p in m.kb.params if p.node == "als"}
    assert set(als["sources"].split(", ")) == cited
    for key in cited - {"expert"}:
        assert f"[{key}]" in als["citations"]


def test_export_leaves_the_model_network_untouched():
    m = full_model()
    net = annotated_network(m)
    assert net is not m.network
    assert all(not dict(m.network.nodes[n]) for n in m.ids)
    assert net.name == "TwitchDx"


def test_safe_property_survives_both_readers():
    text = safe_property('Guillain–Barré "a=b"; {x}\nhttps://doi.org/10.1/x?id=3 ≥ 5')
    assert text.isascii()
    for bad in (";", "{", "}", '"', "//", "\n"):
        assert bad not in text
    assert text.count("=") == 0 and "%3D" in text and "Guillain-Barre" in text


# -- posteriors: pyAgrum (independent engine) and pgmpy read-back ---------------------------

def _pyagrum_tol(fmt: str) -> float:
    return TOL_PYAGRUM_BIF if fmt == "bif" else TOL


@pytest.mark.parametrize("fmt", list(FILES))
def test_pyagrum_tables_equal_ours(exported, fmt):
    """Every CPT entry, matched by variable and state names (float32 round-off for BIF)."""
    m = full_model()
    bn = _pyagrum_bn(exported[fmt])
    worst = 0.0
    for nid in m.ids:
        pot = bn.cpt(nid)
        names = [pot.variable(i).name() for i in range(pot.nbrDim())]
        ours = [*m.nodes[nid].parents, nid]
        mine = np.transpose(m.cpts[nid][0], [ours.index(v) for v in reversed(names)])
        worst = max(worst, float(np.abs(pot.toarray() - mine).max()))
    if fmt == "bif":
        assert worst <= 1e-7  # single-precision parsing in pyAgrum's BIF reader
    else:
        assert worst <= 1e-15


@pytest.mark.parametrize("fmt", list(FILES))
def test_prior_matches_in_pyagrum(exported, fmt):
    _assert_same(full_model().posterior({}), _pyagrum_posteriors(exported[fmt], {}), "pyAgrum",
                 _pyagrum_tol(fmt))


@pytest.mark.parametrize("fmt", list(FILES))
def test_prior_matches_after_pgmpy_read_back(exported, fmt):
    _assert_same(full_model().posterior({}), _pgmpy_posteriors(exported[fmt], fmt, {}), "pgmpy")


@pytest.mark.parametrize("fmt", list(FILES))
@SETTINGS
@given(evidence=realistic_evidence())
def test_posteriors_match_in_pyagrum(exported, fmt, evidence):
    ours = _posterior_or_skip(evidence)
    _assert_same(ours, _pyagrum_posteriors(exported[fmt], evidence), f"pyAgrum ({fmt})",
                 _pyagrum_tol(fmt))


@pytest.mark.parametrize("fmt", list(FILES))
@SETTINGS
@given(evidence=realistic_evidence())
def test_posteriors_match_after_pgmpy_read_back(exported, fmt, evidence):
    ours = _posterior_or_skip(evidence)
    _assert_same(ours, _pgmpy_posteriors(exported[fmt], fmt, evidence), f"pgmpy ({fmt})")


def test_case_like_evidence_matches_in_pyagrum(exported):
    ev = {"age": "65_plus", "fasciculations": "yes", "weakness": "progressive",
          "brisk_reflexes": "yes", "emg": "denervation", "caffeine_intake": "high"}
    _assert_same(full_model().posterior(ev), _pyagrum_posteriors(exported["xmlbif"], ev),
                 "pyAgrum")


# -- format choice and the command line ------------------------------------------------------

def test_format_from_extension_and_errors(tmp_path):
    assert format_for("a.bif") == "bif"
    assert format_for("a.xml") == "xmlbif" and format_for("a.bifxml") == "xmlbif"
    assert format_for("a.txt", "bif") == "bif"
    with pytest.raises(model.TwitchDxError, match="cannot tell the format"):
        format_for("a.txt")
    with pytest.raises(model.TwitchDxError, match="unknown export format"):
        export(full_model(), tmp_path / "a.bif", "dsl")
    with pytest.raises(model.TwitchDxError, match="does not exist"):
        export(full_model(), tmp_path / "missing" / "a.bif", "bif")


def test_cli_export(tmp_path, capsys):
    path = tmp_path / "net.bifxml"
    assert main(["export", "--format", "xmlbif", str(path), "--json"]) == 0
    out = capsys.readouterr().out
    assert '"format": "xmlbif"' in out and path.exists()
    assert gum.loadBN(str(path)).size() == len(full_model().ids)
    assert main(["export", str(tmp_path / "net.bif")]) == 0
    assert "wrote" in capsys.readouterr().out
    assert main(["export", str(tmp_path / "net.txt")]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    assert main(["export", "--format", "dsl", str(path)]) == 2
    assert main(["export", str(path), "age=65_plus"]) == 2
    assert "unexpected arguments" in capsys.readouterr().err


def test_network_without_pgmpy_names_the_extra_to_install(monkeypatch):
    """The base install has no pgmpy: m.network says which extra brings it."""
    import sys

    m = model.load()
    for name in [n for n in sys.modules if n == "pgmpy" or n.startswith("pgmpy.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "pgmpy", None)
    monkeypatch.delitem(sys.modules, "model.network", raising=False)
    with pytest.raises(ModuleNotFoundError, match=r"twitchdx\[interchange\]"):
        m.network  # noqa: B018
