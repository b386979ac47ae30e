"""Kept for existing imports: the presentation helpers live in :mod:`model.present`."""

from .present.format import (  # noqa: F401
    arrow,
    citation_text,
    describe_parameter,
    format_probability,
    format_ratio,
    logit,
    natural_frequency,
    short_parameter,
)
