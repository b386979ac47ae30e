"""Checks for arguments that are not evidence; one message format, as in scikit-learn:
"The 'samples' parameter of uncertainty must be an int in [1, 100000]. Got -3 instead."
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from .errors import ParameterError


def check_choice(name: str, value: Any, options: Sequence[Any], caller: str) -> Any:
    """``value`` if it is one of ``options``, else a ParameterError listing them."""
    if isinstance(value, bool) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        raise ParameterError(f"The {name!r} parameter of {caller} must be one of {{{listed}}}. "
                             f"Got {value!r} instead.")
    return value


def check_range(name: str, value: Any, caller: str, *, kind: type = float,
                low: float | None = None, high: float | None = None,
                closed: str = "both", allow_none: bool = False) -> Any:
    """``value`` if it is a number of ``kind`` (int or float) in the interval, else a
    ParameterError. ``closed`` is "both", "left", "right" or "neither"."""
    if value is None and allow_none:
        return value
    ok_type = (isinstance(value, numbers.Integral) if kind is int
               else isinstance(value, numbers.Real)) and not isinstance(value, bool)
    ok = ok_type
    if ok_type:
        if value != value:  # NaN
            ok = False
        if low is not None:
            ok = ok and (value >= low if closed in ("both", "left") else value > low)
        if high is not None:
            ok = ok and (value <= high if closed in ("both", "right") else value < high)
    if not ok:
        lb = "[" if closed in ("both", "left") else "("
        rb = "]" if closed in ("both", "right") else ")"
        lo = "-inf" if low is None else f"{low:g}" if kind is float else str(low)
        hi = "inf" if high is None else f"{high:g}" if kind is float else str(high)
        what = "an int" if kind is int else "a float"
        none = " or None" if allow_none else ""
        raise ParameterError(f"The {name!r} parameter of {caller} must be {what} in "
                             f"{lb}{lo}, {hi}{rb}{none}. Got {value!r} instead.")
    return value
