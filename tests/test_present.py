"""model.present: probability wording (unit + property tests), ratios, logit, what moved, the
chart specs and the network picture, without Streamlit."""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model
from model.present import charts
from model.present.format import (
    format_probability,
    format_ratio,
    logit,
    natural_frequency,
    shorten,
    what_moved,
)
from model.present.network import neighbourhood, network_dot

from .helpers import full_model

SMALL_KB = Path(__file__).resolve().parent / "data" / "small_kb"


@lru_cache(maxsize=1)
def small() -> model.TwitchModel:
    return model.load(SMALL_KB, check_catalog=False)


# ------------------------------------------------------------------ format_probability


@pytest.mark.parametrize("p, text", [
    (0.0, "0"),
    (1.0, "100%"),
    (0.5, "50.0%"),
    (0.234, "23.4%"),
    (0.01, "1.0%"),
    (0.00999, "1.0%"),           # was "10.0 in 1,000"
    (0.0031, "3.1 in 1,000"),
    (0.0009999, "1.0 in 1,000"),  # was "100.0 in 100,000"
    (0.00004, "4.0 in 100,000"),
    (0.0000099999, "1.0 in 100,000"),
    (1e-7, "under 1 in 100,000"),
    (0.9994, "99.9%"),
    (0.9996, ">99.9%"),          # was "100.0%": not certain
    (1 + 1e-12, "100%"),         # float noise from a sum
])
def test_format_probability_cases(p, text):
    assert format_probability(p) == text


@pytest.mark.parametrize("bad", [1.5, -0.1, float("nan"), float("inf"), None, "x"])
def test_format_probability_refuses_non_probabilities(bad):
    with pytest.raises(ValueError, match="not a probability"):
        format_probability(bad)


def _value(text: str) -> float:
    """The probability a formatted text stands for (inverse of format_probability)."""
    if text == "0":
        return 0.0
    if text in ("100%", ">99.9%"):
        return 1.0
    if text == "under 1 in 100,000":
        return 0.0
    m = re.fullmatch(r"([\d.]+)(%| in 1,000| in 100,000)", text)
    assert m, text
    scale = {"%": 100, " in 1,000": 1000, " in 100,000": 100_000}[m.group(2)]
    return float(m.group(1)) / scale


@settings(max_examples=400, deadline=None)
@given(st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_format_probability_properties(p):
    text = format_probability(p)
    # never claims certainty or impossibility that is not there
    if 0 < p < 1:
        assert text not in ("0", "100%") and not text.startswith("100.0")
    # the number shown is never its unit's upper boundary (10.0 in 1,000 would be 1.0%)
    assert not re.fullmatch(r"10\.0 in 1,000|100\.0 in 100,000|1000\.0 in 1,000", text)
    # it stands for the value within the rounding of its unit
    shown = _value(text)
    if text == "under 1 in 100,000":
        assert p < 1e-5
    elif text == ">99.9%":
        assert 0.9995 <= p < 1
    elif text in ("0", "100%"):
        assert p in (0.0, 1.0)
    else:
        unit = {"%": 0.0005, "1,000": 0.00005, "100,000": 0.0000005}[
            "%" if text.endswith("%") else text.rsplit(" ", 1)[1]]
        assert math.isclose(shown, p, abs_tol=unit + 1e-12)


@settings(max_examples=200, deadline=None)
@given(st.floats(min_value=0.0, max_value=1.0), st.floats(min_value=0.0, max_value=1.0))
def test_format_probability_is_monotone(a, b):
    lo, hi = sorted((a, b))
    assert _value(format_probability(lo)) <= _value(format_probability(hi)) + 1e-12


def test_natural_frequency():
    assert natural_frequency(0.0) == "none out of 1,000"
    assert natural_frequency(0.0004) == "fewer than 1 out of 1,000"
    assert natural_frequency(0.0123) == "about 12 out of 1,000"
    assert natural_frequency(0.9999) == "nearly all 1,000 out of 1,000"
    with pytest.raises(ValueError):
        natural_frequency(2.0)


def test_ratio_logit_and_shorten():
    assert format_ratio(3.114) == "×3.11"
    assert format_ratio(1 / 82.1) == "÷82.1"
    assert format_ratio(2240) == "×2,240"
    assert format_ratio(0) == "×0"
    with pytest.raises(ValueError):
        format_ratio(float("nan"))
    assert logit(0.5) == 0.0
    assert logit(0.9) == pytest.approx(math.log(9))
    assert math.isfinite(logit(1.0)) and math.isfinite(logit(0.0))
    assert shorten("abc", 5) == "abc"
    long = shorten("x" * 10_000, 40)
    assert len(long) < 70 and "10,000 characters" in long


def test_what_moved_ranks_by_absolute_change():
    before = pd.DataFrame({"id": ["a", "b", "c"], "label": ["A", "B", "C"],
                           "probability": [0.5, 0.1, 0.0]})
    after = pd.DataFrame({"id": ["a", "b", "c"], "label": ["A", "B", "C"],
                          "probability": [0.45, 0.4, 0.01]})
    out = what_moved(before, after, top=2)
    assert list(out["id"]) == ["b", "a"]
    assert out.loc[0, "ratio"] == pytest.approx(4.0)
    full = what_moved(before, after, top=3)
    assert math.isnan(full.loc[full["id"] == "c", "ratio"].iloc[0])  # from 0: no ratio


# ------------------------------------------------------------------ charts and network


def test_differential_spec_keeps_labels_whole_and_follows_the_model():
    m = small()
    df = m.differential({"twitch": "yes"})
    spec = charts.differential_spec(charts.differential_rows(df))
    rows = spec["data"]["values"]
    assert [r["label"] for r in rows if r["kind"] == charts.NOW] == list(df["label"])
    assert [r["text"] for r in rows if r["kind"] == charts.NOW] == [
        format_probability(p) for p in df["probability"]]
    enc = spec["layer"][0]["encoding"]
    assert enc["y"]["axis"]["labelLimit"] == 0  # never truncated
    assert enc["color"]["legend"]["labelLimit"] == 0 and enc["opacity"]["legend"]["labelLimit"] == 0
    # room on the right for the value label beyond the longest bar
    assert enc["x"]["scale"]["domain"][1] > max(r["shown"] for r in rows)
    colours = {r["label"]: r["category"] for r in rows}
    for r in df.itertuples(index=False):
        assert colours[r.label] == (charts.SERIOUS if r.serious else charts.BENIGN)
    # every label drawn: Vega's default hides every other label once one overlaps a neighbour
    assert enc["y"]["axis"]["labelOverlap"] is False


def _wrapped(label: str) -> list[str]:
    """The chart's labelExpr, in Python: lines of at most WRAP_WIDTH characters."""
    width = charts.WRAP_WIDTH
    assert f"{{1,{width}}}" in charts.WRAP_LABEL
    return re.sub(rf"(.{{1,{width}}})( +|$)", "\\1\n", label).strip().split("\n")


def test_every_differential_label_fits_two_lines():
    """A third line runs into the neighbouring rows of the differential (each entry's row holds
    two lines at its font size), so every entry the chart can list keeps to two."""
    m = full_model()
    long = {n: _wrapped(m.nodes[n].label)
            for n in m.nodes_by_role("condition", "state", "exposure")}
    assert {n: w for n, w in long.items() if len(w) > 2} == {}
    assert _wrapped("Cervical myelopathy (spinal cord squeezed in the neck)") == [
        "Cervical myelopathy (spinal", "cord squeezed in the neck)"]


def test_waterfall_rows_add_up_to_the_posterior():
    m = small()
    ev = {"twitch": "yes"}
    target = m.differential(ev)["id"].iloc[0]
    exp = m.why(ev, target)
    steps = [{"name": str(r.id), "log_odds_change": r.log_odds_change,
              "likelihood_ratio": r.likelihood_ratio, "probability_after": r.probability_after}
             for r in exp.contributions.itertuples(index=False)]
    rows = charts.waterfall_rows(exp.prior, exp.posterior, steps)
    assert len(rows) == len(steps) + 2
    assert rows[-2]["end"] == pytest.approx(logit(exp.posterior), abs=1e-6)
    spec = charts.waterfall_spec(rows)
    assert spec["usermeta"]["chart"] == "why"


def test_network_dot_is_a_layered_neighbourhood():
    m = small()
    center = m.ids[len(m.ids) // 2]
    dot = network_dot(m, center, {}, [], depth=1)
    near = neighbourhood(m, center, 1)
    assert set(near) == {center, *m.nodes[center].parents,
                         *[n for n in m.ids if center in m.nodes[n].parents]}
    for p in m.nodes[center].parents:
        assert f'"{p}" -> "{center}"' in dot
    assert "cluster_" in dot and "penwidth" in dot
    assert len(neighbourhood(m, center, 2, limit=3)) <= 3


def test_to_altair_reads_the_spec():
    pytest.importorskip("altair")
    m = small()
    spec = charts.differential_spec(charts.differential_rows(m.differential({})))
    chart = charts.to_altair(spec)
    assert chart.to_dict()["usermeta"]["chart"] == "differential"
