"""Small page helpers every panel uses: a panel that fails shows a message instead of a
traceback, messages with user text shown as plain text, probabilities formatted once."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import streamlit as st

import model
from model.present.format import format_probability

from .state import Message

log = logging.getLogger("twitchdx.app")
ICONS = {"error": ":material/error:", "warning": ":material/warning:",
         "success": ":material/check_circle:", "info": ":material/info:"}


def guarded(fn: Callable[..., None], report: Callable[[str], None]) -> Callable[..., None]:
    """``fn`` as a widget callback that never shows a traceback: a failure is logged and
    ``report(exception class name)`` tells the user (each page says it its own way)."""

    def wrapped(*args: Any) -> None:
        try:
            fn(*args)
        except Exception as exc:
            log.error("callback %s failed:\n%s", fn.__name__, traceback.format_exc())
            report(type(exc).__name__)

    wrapped.__name__ = fn.__name__
    return wrapped


def fmt_p(p: Any) -> str:
    try:
        return format_probability(float(p))
    except (TypeError, ValueError):
        return "–"


def show(msg: Message) -> None:
    """The app's own words in a coloured box; anything quoting user input as plain text."""
    box = {"error": st.error, "warning": st.warning, "success": st.success}.get(msg.kind,
                                                                                st.info)
    box(msg.text, icon=ICONS.get(msg.kind))
    if msg.detail:
        st.text(msg.detail)


def panel(title: str, fn: Callable[[], None]) -> None:
    """Draw one panel; a model error becomes a friendly message, never a traceback."""
    try:
        fn()
    except model.TwitchDxError as exc:
        st.warning(f"{title}: this could not be worked out for this scenario.",
                   icon=":material/warning:")
        st.text(str(exc)[:300])
    except Exception as exc:  # a bug in one panel must not take the page down
        log.error("panel %s failed:\n%s", title, traceback.format_exc())
        st.error(f"{title} could not be drawn ({type(exc).__name__}).", icon=":material/error:")


def chart(spec: dict, key: str, width: str = "stretch") -> None:
    st.vega_lite_chart(spec, width=width, key=key)
