"""Save, open and share a scenario: the page address (always holds the evidence), a download
and an upload. A file with some bad items keeps the good ones and names the rest."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import streamlit as st

import model

from .. import session
from ..state import (
    MAX_SCENARIO_BYTES,
    Scenario,
    ScenarioError,
    problems_text,
    query_params,
    read_evidence,
    scenario_document,
)


def link(sc: Scenario) -> str:
    qs = "?" + urlencode(query_params(sc.evidence)) if sc.evidence else ""
    try:
        base = (st.context.url or "").split("?")[0]
    except Exception:  # other runtimes: a relative link still works
        base = ""
    if base and not base.endswith("/"):
        base += "/"
    return f"{base}{qs}"


@session.safe
def on_upload(key: str) -> None:
    from .. import services

    m = services.get_model()
    sc = session.scenario()
    up = st.session_state.get(key)
    st.session_state["upload_serial"] = st.session_state.get("upload_serial", 0) + 1
    if up is None:
        return
    name = up.name
    try:
        raw = model_file(up.getvalue())
    except ScenarioError as exc:
        sc.say("error", "The file could not be used; the last good scenario was kept.",
               f"{name}: {exc}")
        return
    ev, problems = read_evidence(m, raw)
    if problems and not ev:
        sc.say("error", "Nothing in the file could be used; the last good scenario was kept.",
               f"{name}: {problems_text(problems)}")
        return
    if session.apply(m, ev, "The file", "Opened a scenario file"):
        sc.case_id = None
        if problems:
            sc.say("warning", "Part of the file could not be used; the items that could be "
                   "used were opened.", f"{name}: {problems_text(problems)}")
        else:
            sc.say("success", "Opened the scenario file.", name)


def model_file(data: bytes) -> dict[str, Any]:
    from ..state import parse_file

    return parse_file(data)


def draw(m: Any, sc: Scenario) -> None:
    with st.sidebar:
        st.divider()
        st.markdown("**Share, save or open**")
        st.caption("The page address always holds the evidence; copy it, or this link:")
        st.code(link(sc) or "(no evidence yet)", language=None, wrap_lines=True)
        st.download_button("Download this scenario (JSON)",
                           scenario_document(m, sc.evidence, model.DISCLAIMER),
                           file_name="twitchdx-scenario.json", mime="application/json",
                           key="scenario_download", on_click="ignore",
                           icon=":material/download:", width="stretch")
        key = f"scenario_upload_{st.session_state.get('upload_serial', 0)}"
        st.file_uploader(f"Open a scenario file (JSON or YAML, up to "
                         f"{MAX_SCENARIO_BYTES // (1024 * 1024)} MB)",
                         type=["json", "yaml", "yml"], key=key, on_change=on_upload,
                         args=(key,), max_upload_size=MAX_SCENARIO_BYTES // (1024 * 1024),
                         help="A file downloaded from here, or a mapping such as "
                              "{\"fasciculations\": \"yes\", \"weakness\": \"none\"}")
