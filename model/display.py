"""How probabilities are shown to people (shared by the CLI, the app and the notebooks)."""

from __future__ import annotations

import math


def format_probability(p: float) -> str:
    """A probability in the form people read correctly: '23.4%', '3.1 in 1,000', '4 in 100,000'."""
    if p is None or not math.isfinite(p):
        raise ValueError(f"not a probability: {p!r}")
    if p >= 0.01:
        return f"{100 * p:.1f}%"
    if p >= 0.001:
        return f"{1000 * p:.1f} in 1,000"
    if p >= 0.00001:
        return f"{100_000 * p:.1f} in 100,000"
    if p > 0:
        return "under 1 in 100,000"
    return "0"


def natural_frequency(p: float, denominator: int = 1000) -> str:
    """'about N out of 1,000 people like this' (natural frequencies, for teaching)."""
    n = p * denominator
    if n >= 1:
        return f"about {round(n):,} out of {denominator:,}"
    if n > 0:
        return f"fewer than 1 out of {denominator:,}"
    return f"none out of {denominator:,}"


def arrow(before: float, after: float, tol: float = 1e-12) -> str:
    if after > before + tol:
        return "↑"
    if after < before - tol:
        return "↓"
    return "→"
