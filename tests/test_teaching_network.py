"""The network picture's prior→posterior shift colouring (model.present.network, issue 12 §4)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from model.present.format import format_probability
from model.present.network import (
    OBSERVED,
    SHIFT_SCALE,
    network_dot,
    odds_factor,
    shift_colour,
)

from .helpers import small_model

prob = st.floats(min_value=1e-6, max_value=1 - 1e-6, allow_nan=False)
ORDER = [c for _, c, _ in SHIFT_SCALE]


@given(before=prob, after=prob)
def test_odds_factor_is_the_ratio_of_the_odds(before, after):
    f = odds_factor(before, after)
    assert math.isclose(f, (after / (1 - after)) / (before / (1 - before)), rel_tol=1e-9)


@settings(max_examples=200)
@given(before=prob, a=prob, b=prob)
def test_colour_is_monotone_in_the_shift(before, a, b):
    lo, hi = sorted((a, b))
    assert ORDER.index(shift_colour(before, lo)) <= ORDER.index(shift_colour(before, hi))


def test_colour_bins_and_certain_ends():
    assert shift_colour(0.2, 0.2) == "#f8fafc"  # no change: neutral
    assert shift_colour(0.01, 0.5) == SHIFT_SCALE[-1][1]  # odds x99
    assert shift_colour(0.5, 0.01) == SHIFT_SCALE[0][1]
    assert shift_colour(0.5, 0.6) == "#fee8c8"  # odds x1.5
    assert shift_colour(0.5, 0.4) == "#e5f5e0"  # odds /1.5
    assert shift_colour(0.0, 0.1) == SHIFT_SCALE[-1][1]  # from impossible: up
    assert shift_colour(0.3, 0.0) == SHIFT_SCALE[0][1]  # ruled out: down
    assert shift_colour(0.3, 1.0) == SHIFT_SCALE[-1][1]


def test_network_dot_fills_each_unobserved_node_by_its_shift_with_a_legend():
    m = small_model()
    center = next(n for n in m.ids if m.nodes[n].role == "condition")
    finding = next(n for n in m.ids if m.nodes[n].role == "finding"
                   and center in m.nodes[n].parents)
    ev = {finding: m.nodes[finding].states[-1]}
    post = m.posterior(ev)
    shift = {n: (m.present_probability(n, m.prior[n]), m.present_probability(n, post[n]))
             for n in post}
    plain = network_dot(m, center, ev)
    dot = network_dot(m, center, ev, shift=shift)
    assert "Change since before any evidence" not in plain
    assert "Change since before any evidence" in dot and 'labelloc="b"' in dot
    lines = {ln.split(" [")[0].strip().strip('"'): ln for ln in dot.splitlines()
             if " [label=" in ln}
    assert finding in lines and OBSERVED["fillcolor"] in lines[finding]
    drawn = [n for n in lines if n != finding]
    assert drawn
    for n in drawn:
        before, after = shift[n]
        assert f'fillcolor="{shift_colour(before, after)}"' in lines[n]
        assert f"{format_probability(before)} → {format_probability(after)}" in lines[n]
