"""Presentation shared by the app, the CLI and the notebooks: how numbers are written
(:mod:`.format`), the charts (:mod:`.charts`, Vega-Lite specs) and the network picture
(:mod:`.network`, Graphviz DOT). Nothing here computes a probability; it only shows them."""

from .format import (
    arrow,
    citation_text,
    cost_name,
    describe_parameter,
    format_probability,
    format_ratio,
    group_name,
    logit,
    natural_frequency,
    short_parameter,
    shorten,
    what_moved,
)

__all__ = [
    "arrow", "citation_text", "cost_name", "describe_parameter", "format_probability",
    "format_ratio", "group_name", "logit", "natural_frequency", "short_parameter", "shorten",
    "what_moved",
]
