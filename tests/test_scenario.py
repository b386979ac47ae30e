"""explorer.state: the scenario object and its link/file codec, without Streamlit.

Uses the small test network (tests/data/small_kb: 'weakness' none/mild/severe, 'scan'
normal/pattern_a/pattern_b, 'twitch' no/yes, 'disease' a condition)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import model
from explorer.state import (
    MAX_SCENARIO_BYTES,
    Scenario,
    ScenarioError,
    change_note,
    entry_ids,
    evidence_key,
    parse_file,
    parse_value,
    query_params,
    read_evidence,
    read_query,
    scenario_document,
    to_model,
    unsure_label,
    value_text,
)

SMALL_KB = Path(__file__).resolve().parent / "data" / "small_kb"


@lru_cache(maxsize=1)
def m() -> model.TwitchModel:
    return model.load(SMALL_KB, check_catalog=False)


# ------------------------------------------------------------------ the object


def test_entry_order_is_kept_and_a_changed_answer_keeps_its_place():
    sc = Scenario()
    sc.set("weakness", "mild", "w")
    sc.set("twitch", "yes", "t")
    sc.set("age", "old", "a")
    assert list(sc.evidence) == ["weakness", "twitch", "age"]
    sc.set("weakness", "severe", "w2")
    assert list(sc.evidence) == ["weakness", "twitch", "age"]
    assert sc.previous == {"weakness": "mild", "twitch": "yes", "age": "old"}
    assert sc.change_note == "w2"
    sc.set("twitch", None, "gone")
    assert sc.evidence == {"weakness": "severe", "age": "old"}


def test_no_change_is_not_a_change():
    sc = Scenario()
    sc.set("twitch", "yes", "t")
    rev, prev = sc.revision, sc.previous
    assert not sc.set("twitch", "yes", "again")
    assert sc.revision == rev and sc.previous == prev


def test_pin_restore_and_differences():
    sc = Scenario()
    sc.set("twitch", "yes", "")
    sc.pin()
    sc.set("weakness", "mild", "")
    sc.set("twitch", "no", "")
    assert sc.differences() == ["twitch", "weakness"]
    sc.replace(dict(sc.pinned), "back to A")
    assert sc.evidence == {"twitch": "yes"} and sc.differences() == []
    sc.unpin()
    assert sc.pinned is None


def test_clear_and_cases_and_messages():
    sc = Scenario()
    sc.load_case("c1", {"twitch": "yes"}, "case")
    serial = sc.case_serial
    sc.load_case("c2", {"twitch": "no"}, "case")
    assert sc.case_serial == serial + 1 and sc.case_id == "c2"
    sc.clear()
    assert sc.evidence == {} and sc.case_id is None
    sc.say("error", "text", "detail")
    (msg,) = sc.take_messages()
    assert (msg.kind, msg.text, msg.detail) == ("error", "text", "detail")
    assert sc.take_messages() == []


def test_change_note_names_items_in_words():
    note = change_note(m(), {"twitch": "yes"}, {"twitch": "yes", "weakness": "mild"})
    assert note == f"{m().nodes['weakness'].label} → {m().nodes['weakness'].state_label('mild')}"
    assert change_note(m(), {"twitch": "yes"}, {}).endswith("→ unknown")


# ------------------------------------------------------------------ values and sets


def test_parse_value_single_set_unknown_and_errors():
    w = m().nodes["weakness"]
    assert parse_value(w, "mild") == "mild"
    assert parse_value(w, "") is None and parse_value(w, "unknown") is None
    assert parse_value(w, "severe|mild") == ("mild", "severe")  # node order, no duplicates
    assert parse_value(w, ["severe", "mild", "mild"]) == ("mild", "severe")
    assert parse_value(w, "mild|mild") == "mild"
    assert parse_value(w, "none|mild|severe") is None  # every state: no information
    with pytest.raises(ValueError, match="'very' is not a state of"):
        parse_value(w, "mild|very")
    with pytest.raises(ValueError, match="one state only"):
        parse_value(w, "mild|severe", allow_sets=False)
    assert parse_value(m().nodes["twitch"], True) == "yes"  # YAML 1.1 bare yes


def test_unsure_wording():
    w = m().nodes["weakness"]
    assert unsure_label(w) == "yes, not sure which"
    assert "not sure which" in value_text(w, ("mild", "severe"))
    scan = m().nodes["scan"]
    assert unsure_label(scan).startswith("yes, not sure which")


def test_to_model_and_keys():
    ev = {"weakness": ("mild", "severe"), "twitch": "yes"}
    assert to_model(ev) == {"weakness": ["mild", "severe"], "twitch": "yes"}
    assert evidence_key(ev) == evidence_key(dict(reversed(list(ev.items()))))
    assert query_params(ev) == {"weakness": "mild|severe", "twitch": "yes"}


# ------------------------------------------------------------------ links


def test_a_partly_bad_link_keeps_its_good_items_and_names_the_rest():
    ev, problems = read_query(m(), {"twitch": ["yes"], "weakness": ["maybe"],
                                    "nonsense": ["1"], "disease": ["yes"],
                                    "scan": ["normal", "pattern_a"]})
    assert ev == {"twitch": "yes"}
    text = " ".join(problems)
    assert "'maybe' is not a state of" in text
    assert "'nonsense' is not an item" in text
    assert "the model infers" in text
    assert "given more than once" in text


def test_long_bad_keys_and_values_are_shortened():
    ev, problems = read_query(m(), {"k" * 10_000: ["yes"], "twitch": ["v" * 10_000]})
    assert ev == {}
    assert all(len(p) < 300 for p in problems), [len(p) for p in problems]
    assert any("10,000 characters" in p for p in problems)


def test_markup_in_a_link_is_kept_as_text_for_plain_display():
    bad = "**B** ![i](http://127.0.0.1:9/x.png) [L](http://evil.example/)"
    _, problems = read_query(m(), {bad: ["yes"]})
    assert problems and "![i](" in problems[0]  # the page shows it with st.text, never Markdown


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(["twitch", "weakness", "scan", "age", "tan"]),
                       st.data(), min_size=0, max_size=5))
def test_link_round_trip(data):
    ev = {}
    for nid, d in data.items():
        states = m().nodes[nid].states
        pick = d.draw(st.lists(st.sampled_from(states), min_size=1, max_size=len(states) - 1,
                               unique=True))
        ev[nid] = pick[0] if len(pick) == 1 else tuple(s for s in states if s in pick)
    back, problems = read_query(m(), {k: [v] for k, v in query_params(ev).items()})
    assert problems == [] and back == ev and list(back) == list(ev)


def test_only_entry_items():
    assert "disease" not in entry_ids(m()) and "twitch" in entry_ids(m())


# ------------------------------------------------------------------ files


def test_file_round_trip_json_and_yaml():
    ev = {"twitch": "yes", "weakness": ("mild", "severe")}
    doc = scenario_document(m(), ev, "a teaching aid")
    back, problems = read_evidence(m(), parse_file(doc.encode()))
    assert problems == [] and back == ev
    yaml_doc = b"# by hand\ntwitch: yes\nweakness: [mild, severe]\n"
    back, problems = read_evidence(m(), parse_file(yaml_doc))
    assert problems == [] and back == ev
    assert json.loads(doc)["readable"][0].startswith(m().nodes["twitch"].label)


@pytest.mark.parametrize("data, message", [
    (b"{not json", "neither valid JSON nor valid YAML"),
    (b"[1, 2, 3]", "must hold a mapping"),
    (b"\xff\xfe\x00binary", "not text"),
    (b"{" + b" " * (MAX_SCENARIO_BYTES + 10) + b"}", "must be under"),
    (b"[" * 30_000 + b"]" * 30_000, "nested too deeply"),
    (b"a: &x [1, 2]\nb: *x\n", "aliases"),
    (b'{"evidence": {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {"i": {"j": {"k": {"l": '
     b'{"m": {"n": {"o": {"p": {"q": {"r": {"s": {"t": {"u": 1}}}}}}}}}}}}}}}}}}}}}}',
     "nested too deeply"),
])
def test_bad_files_give_one_friendly_line(data, message):
    with pytest.raises(ScenarioError, match=message) as info:
        parse_file(data)
    assert "\n" not in str(info.value) and len(str(info.value)) < 200


def test_alias_bomb_is_refused_quickly():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True))
    with pytest.raises(ScenarioError, match="aliases"):
        parse_file(bomb.encode())
