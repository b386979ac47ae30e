"""Cached model answers for the teaching pages (same conventions as ``explorer/services.py``:
one cache entry per evidence key, bounded; the priors folder keeps knowledge bases apart)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from model.api import TwitchModel
from model.interview import efficiency as _efficiency
from model.interview import interview as _interview

from ..services import priors_path
from ..state import to_model

Key = tuple[tuple[str, Any], ...]
PathKey = tuple[tuple[str, Any], ...]


def _path(path: PathKey) -> list[tuple[str, Any]]:
    return [(k, None if v is None else (v if isinstance(v, str) else list(v))) for k, v in path]


@st.cache_data(max_entries=128, show_spinner=False)
def _step(key: str | None, ev: Key, skipped: tuple[str, ...], asked: int, goal: str,
          cost_aware: bool, _m: TwitchModel) -> Any:
    return _interview(_m, to_model(dict(ev)), goal=goal, skipped=skipped, asked=asked,
                      cost_aware=cost_aware)


def step(m: TwitchModel, ev: Key, skipped: tuple[str, ...], asked: int, goal: str,
         cost_aware: bool) -> Any:
    """The interview's next step (:func:`model.interview.interview`)."""
    return _step(priors_path(), ev, skipped, asked, goal, cost_aware, m)


@st.cache_data(max_entries=32, show_spinner="Scoring the path against the best questions…")
def _efficiency_df(key: str | None, path: PathKey, start: Key, goal: str, cost_aware: bool,
                   _m: TwitchModel) -> pd.DataFrame:
    return _efficiency(_m, _path(path), to_model(dict(start)), goal=goal, cost_aware=cost_aware)


def efficiency(m: TwitchModel, path: PathKey, start: Key, goal: str,
               cost_aware: bool) -> pd.DataFrame:
    """Each answer's expected gain against the greedy best (``attrs["score"]``)."""
    return _efficiency_df(priors_path(), path, start, goal, cost_aware, m)


@st.cache_data(max_entries=64, show_spinner=False)
def _naive(key: str | None, ev: Key, target: str, _m: TwitchModel) -> pd.DataFrame:
    return _m.naive_vs_exact(to_model(dict(ev)), target)


def naive(m: TwitchModel, ev: Key, target: str) -> pd.DataFrame:
    return _naive(priors_path(), ev, target, m)


@st.cache_data(max_entries=64, show_spinner=False)
def _score(key: str | None, ev: Key, stated: tuple[tuple[str, float], ...],
           _m: TwitchModel) -> pd.DataFrame:
    return _m.score_prediction(to_model(dict(ev)), dict(stated))


def score(m: TwitchModel, ev: Key, stated: dict[str, float]) -> pd.DataFrame:
    """The learner's probabilities scored against the exact posterior."""
    return _score(priors_path(), ev, tuple(stated.items()), m)
