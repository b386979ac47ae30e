"""The teaching state (explorer/teaching/state.py): the interview's path and the page address
that replays it."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.teaching.state import TeachState, read_query

from .helpers import full_model


@st.composite
def states(draw):
    m = full_model()
    findings = [n for n in m.ids if m.nodes[n].role == "finding"]
    start = {"age": draw(st.sampled_from(m.nodes["age"].states))}
    path = []
    for f in draw(st.lists(st.sampled_from(findings), max_size=6, unique=True)):
        node = m.nodes[f]
        kind = draw(st.integers(0, 2))
        if kind == 0:
            path.append((f, None))
        elif kind == 1 or len(node.states) < 3:
            path.append((f, draw(st.sampled_from(node.states))))
        else:
            path.append((f, tuple(node.states[1:])))
    return TeachState(start=start, path=path, goal=draw(st.sampled_from(["entropy", "serious"])),
                      cost_aware=draw(st.booleans()),
                      mode=draw(st.sampled_from(["interview", "predict", "naive", "network"])))


@settings(max_examples=40, deadline=None, derandomize=True)
@given(ts=states())
def test_the_address_round_trips(ts):
    back, problems = read_query(full_model(), ts.query())
    assert problems == []
    assert (back.start, back.path, back.goal, back.cost_aware, back.mode) == (
        ts.start, ts.path, ts.goal, ts.cost_aware, ts.mode)


def test_evidence_skips_dont_know_and_a_later_answer_replaces_an_earlier_one():
    ts = TeachState(start={"age": "18_to_39", "weakness": "none"})
    ts.answer("emg", None)
    ts.answer("weakness", "progressive")  # moves from the start into the path
    ts.answer("brisk_reflexes", "no")
    ts.answer("brisk_reflexes", "yes")
    assert ts.evidence == {"age": "18_to_39", "weakness": "progressive", "brisk_reflexes": "yes"}
    assert ts.skipped == ("emg",)
    assert [k for k, _ in ts.path] == ["emg", "weakness", "brisk_reflexes"]
    ts.undo()
    assert "brisk_reflexes" not in ts.evidence
    ts.forget("weakness")
    assert ts.evidence == {"age": "18_to_39"}


def test_a_bad_path_item_stops_the_path_there_and_is_named():
    m = full_model()
    ts, problems = read_query(m, {"path": "weakness:none,emg:bogus,brisk_reflexes:yes",
                                  "mode": "nonsense", "goal": "x"})
    assert ts.path == [("weakness", "none")]
    assert ts.mode == "interview" and ts.goal == "entropy"
    assert len(problems) == 3 and any("bogus" in p for p in problems)
