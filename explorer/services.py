"""The model and its cached answers for the page.

One model per process (``st.cache_resource``), shared by every session (the model is
thread-safe). Each answer is cached per evidence with a bounded number of entries, so a
long-running server's memory stays bounded; the model itself bounds its own plan caches.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd
import streamlit as st

import model
from model.api import TwitchModel

from .state import Value, to_model

UNCERTAINTY_SAMPLES = 300
Key = tuple[tuple[str, Value], ...]


def priors_path() -> str | None:
    """Another priors folder (``TWITCHDX_PRIORS``), loaded without the catalog check."""
    return os.environ.get("TWITCHDX_PRIORS") or None


def cases_path() -> str | None:
    return os.environ.get("TWITCHDX_CASES") or None


@st.cache_resource(show_spinner="Building the Bayesian network…")
def _load(path: str | None) -> TwitchModel:
    if path:
        return model.load(path, check_catalog=False)
    return model.load()


def get_model() -> TwitchModel:
    return _load(priors_path())


# The model argument is unhashed (_m); `key` (the priors folder) keeps two knowledge bases
# apart in the caches.
@st.cache_data(max_entries=256, show_spinner=False)
def _differential(key: str | None, ev: Key, _m: TwitchModel) -> pd.DataFrame:
    return _m.differential(to_model(dict(ev)))


def differential(m: TwitchModel, ev: Key) -> pd.DataFrame:
    """Every entry (conditions, states, unobserved exposures), ranked."""
    return _differential(priors_path(), ev, m)


def diagnoses(m: TwitchModel, ev: Key) -> pd.DataFrame:
    """Conditions and states only (what the differential chart ranks)."""
    df = differential(m, ev)
    return df[df["role"].isin(("condition", "state"))].reset_index(drop=True)


@st.cache_data(max_entries=128, show_spinner=False)
def _posterior(key: str | None, ev: Key, nodes: tuple[str, ...] | None, _m: TwitchModel) -> dict:
    return _m.posterior(to_model(dict(ev)), nodes=nodes)


def posterior(m: TwitchModel, ev: Key, nodes: tuple[str, ...] | None = None) -> dict:
    """The posterior of ``nodes`` (default: every node; an unobserved finding costs extra)."""
    return _posterior(priors_path(), ev, nodes, m)


@st.cache_data(max_entries=128, show_spinner=False)
def _causes(key: str | None, ev: Key, _m: TwitchModel) -> pd.DataFrame:
    return _m.causes(to_model(dict(ev)))


def causes(m: TwitchModel, ev: Key) -> pd.DataFrame:
    """Likely causes in the model's order, with ``causing`` = P(present and the twitching would
    not be there without it) whichever version of the API is installed."""
    df = _causes(priors_path(), ev, m)
    if "causing" not in df.columns:
        col = ("twitching_would_stop" if "twitching_would_stop" in df.columns
               else "probability_causing")
        df = df.assign(causing=df[col])
    return df


@st.cache_data(max_entries=128, show_spinner=False)
def _why(key: str | None, ev: Key, target: str, _m: TwitchModel) -> Any:
    return _m.why(to_model(dict(ev)), target)


def why(m: TwitchModel, ordered: Key, target: str) -> Any:
    """Why, with the evidence in entry order (the waterfall adds items in that order)."""
    return _why(priors_path(), ordered, target, m)


@st.cache_data(max_entries=64, show_spinner=False)
def _next_tests(key: str | None, ev: Key, objective: str, _m: TwitchModel) -> pd.DataFrame:
    return _m.next_tests(to_model(dict(ev)), objective=objective)


def next_tests(m: TwitchModel, ev: Key, objective: str) -> pd.DataFrame:
    return _next_tests(priors_path(), ev, objective, m)


@st.cache_data(max_entries=64, show_spinner=False)
def _test_outcomes(key: str | None, ev: Key, finding: str, _m: TwitchModel) -> pd.DataFrame:
    return _m.test_outcomes(to_model(dict(ev)), finding, top=len(_m.ids))


def test_outcomes(m: TwitchModel, ev: Key, finding: str) -> pd.DataFrame:
    """Every diagnosis under every outcome of ``finding`` (one pass in the model)."""
    return _test_outcomes(priors_path(), ev, finding, m)


@st.cache_data(max_entries=16, show_spinner="Sampling the parameter ranges…")
def _uncertainty(key: str | None, ev: Key, _m: TwitchModel) -> pd.DataFrame:
    return _m.uncertainty(to_model(dict(ev)), samples=UNCERTAINTY_SAMPLES, seed=0, level=0.9)


def uncertainty(m: TwitchModel, ev: Key) -> pd.DataFrame:
    return _uncertainty(priors_path(), ev, m)


@st.cache_data(max_entries=16, show_spinner="Varying each parameter over its range…")
def _sensitivity(key: str | None, ev: Key, target: str, _m: TwitchModel) -> pd.DataFrame:
    return _m.sensitivity(to_model(dict(ev)), target, top=15)


def sensitivity(m: TwitchModel, ev: Key, target: str) -> pd.DataFrame:
    return _sensitivity(priors_path(), ev, target, m)


@st.cache_data(max_entries=4, show_spinner=False)
def _cases(path: str | None, key: str | None, _m: TwitchModel) -> list[dict]:
    from model.cases import load_cases

    return load_cases(path, vocabulary=_m)


def teaching_cases(m: TwitchModel) -> list[dict]:
    """The sourced teaching cases, checked against the loaded model."""
    return _cases(cases_path(), priors_path(), m)


@st.cache_data(max_entries=4, show_spinner=False)
def _sets_supported(key: str | None, _m: TwitchModel) -> bool:
    multi = [n for n in _m.ids if len(_m.nodes[n].states) > 2
             and _m.nodes[n].role == "finding"]
    if not multi:
        return False
    node = _m.nodes[multi[0]]
    try:
        _m.check_evidence({node.id: list(node.states[1:])})
    except Exception:
        return False
    return True


def sets_supported(m: TwitchModel) -> bool:
    """Whether the model takes set-valued evidence ("one of these states")."""
    return _sets_supported(priors_path(), m)


@st.cache_data(max_entries=4, show_spinner=False)
def _causes_columns(key: str | None, _m: TwitchModel) -> tuple[str, ...]:
    try:
        return tuple(_m.causes({}).columns)
    except Exception:  # e.g. a small network without the twitching finding
        return ()


def causes_columns(m: TwitchModel) -> tuple[str, ...]:
    """The columns the installed model's ``causes`` returns (its ranking differs by version)."""
    return _causes_columns(priors_path(), m)
