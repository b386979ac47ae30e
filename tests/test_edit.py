"""The editing API (model.edit): round trips, one-line diffs, atomic saves, modeller errors."""

from __future__ import annotations

import contextlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import model
from model.edit import Editor, scratch_copy
from model.knowledge import DEFAULT_PRIORS, load_knowledge_base

SMALL_KB = Path(__file__).resolve().parent / "data" / "small_kb"


@pytest.fixture
def priors(tmp_path) -> Path:
    """A private copy of the real knowledge base."""
    target = tmp_path / "priors"
    shutil.copytree(DEFAULT_PRIORS, target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def changed_lines(old: bytes, new: bytes) -> tuple[list[str], list[str]]:
    """Lines removed and added, as `git diff` counts them."""
    import difflib

    a, b = old.decode().splitlines(), new.decode().splitlines()
    removed, added = [], []
    for line in difflib.ndiff(a, b):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def params_by_name(kb) -> dict[str, tuple]:
    return {p.name: (p.value, p.low, p.high, p.source, p.note) for p in kb.params}


# ------------------------------------------------------------------------ round trip


@pytest.mark.parametrize("folder, catalog", [(DEFAULT_PRIORS, True), (SMALL_KB, False)],
                         ids=["priors", "small_kb"])
def test_round_trip_keeps_every_byte(tmp_path, folder, catalog):
    copy = tmp_path / "kb"
    shutil.copytree(folder, copy)
    before = snapshot(copy)
    ed = Editor(copy, check_catalog=catalog)
    for name in ed.documents:
        assert ed.text(name).encode() == before[name], name
    assert ed.changed_files() == []
    assert ed.diff() == ""
    assert ed.save() == []
    assert snapshot(copy) == before


def test_default_folder_and_scratch_copy():
    ed = Editor()
    assert ed.directory == DEFAULT_PRIORS
    copy = scratch_copy()
    try:
        assert copy != DEFAULT_PRIORS and snapshot(copy) == snapshot(DEFAULT_PRIORS)
    finally:
        shutil.rmtree(copy.parent)


# ------------------------------------------------------------------------ one parameter

def _example_params() -> list[tuple[str, tuple[str, ...]]]:
    """One parameter of every kind: binary and multi-state priors, plain and stratified leaks,
    binary and noisy-MAX links, table rows."""
    kb = load_knowledge_base(DEFAULT_PRIORS)
    seen, out = set(), []
    for p in kb.params:
        node = kb.nodes[p.node]
        kind = (p.path[0], node.model, len(node.states) > 2, bool(node.leak_by), len(p.path))
        if kind not in seen and p.low < p.value:
            seen.add(kind)
            out.append((p.node, p.path))
    return out


EXAMPLES = _example_params()


def test_examples_cover_every_kind():
    kinds = {(node, path[0], len(path)) for node, path in EXAMPLES}
    assert {k[1] for k in kinds} == {"prior", "leak", "links", "rows"}
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("node, path", EXAMPLES, ids=[".".join((n, *p)) for n, p in EXAMPLES])
def test_value_change_changes_exactly_one_line(priors, node, path):
    before = snapshot(priors)
    ed = Editor(priors)
    kb_before = params_by_name(ed.kb)
    old = ed.parameter(node, path)
    new_value = (old.low + old.value) / 2
    param = ed.set_parameter(node, path, value=new_value)
    assert param.value == pytest.approx(new_value)
    written = ed.save()
    assert [p.name for p in written] == [old.file]

    after = snapshot(priors)
    assert {k for k in after if after[k] != before[k]} == {old.file}
    removed, added = changed_lines(before[old.file], after[old.file])
    assert len(removed) == 1 and len(added) == 1, (removed, added)
    # the line is the same apart from the value, which is written as plain digits
    token = re.compile(r"value: [^,}]+")
    assert token.sub("value: V", removed[0]) == token.sub("value: V", added[0])
    written_value = token.search(added[0]).group(0).removeprefix("value: ")
    assert "e" not in written_value.lower() and float(written_value) == pytest.approx(new_value)

    kb_after = params_by_name(load_knowledge_base(priors))
    assert kb_after.pop(old.name)[0] == pytest.approx(new_value)
    kb_before.pop(old.name)
    assert kb_after == kb_before


def test_range_source_and_note_change_in_place(priors):
    ed = Editor(priors)
    node, path = "fasciculations", ("links", "motor_neuron_loss", "yes")
    old = ed.parameter(node, path)
    source = next(k for k in ed.kb.sources if k != old.source)
    ed.set_parameter(node, path, value=0.7, range=[0.5, 0.8], source=source,
                     note="A new note, with a comma: and a colon")
    before = (priors / old.file).read_bytes()
    ed.save()
    removed, added = changed_lines(before, (priors / old.file).read_bytes())
    assert len(removed) == 1 and len(added) == 1
    assert added[0] == (f'      motor_neuron_loss: {{"yes": {{value: 0.7, range: [0.5, 0.8], '
                        f'source: {source}, note: "A new note, with a comma: and a colon"}}}}')
    p = next(p for p in load_knowledge_base(priors).params if p.node == node and p.path == path)
    assert (p.value, p.low, p.high, p.source, p.note) == (
        0.7, 0.5, 0.8, source, "A new note, with a comma: and a colon")

    # note="" removes a note; None leaves every field as it is
    ed.set_parameter(node, path, note="")
    ed.set_parameter(node, path)
    ed.save()
    p = next(p for p in load_knowledge_base(priors).params if p.node == node and p.path == path)
    assert (p.value, p.source, p.note) == (0.7, source, None)


def test_dotted_path_and_pending_model(priors):
    ed = Editor(priors)
    before = model.load(priors)
    ed.set_parameter("fasciculations", "links.motor_neuron_loss.yes", value=0.6,
                     range=[0.5, 0.95])
    ev = {"fasciculations": "yes", "weakness": "progressive"}
    pending = ed.model()
    assert pending.posterior(ev)["als"]["yes"] != pytest.approx(before.posterior(ev)["als"]["yes"])
    assert snapshot(priors) == snapshot(DEFAULT_PRIORS)  # nothing written before save()
    ed.save()
    assert model.load(priors).posterior(ev)["als"]["yes"] == pytest.approx(
        pending.posterior(ev)["als"]["yes"])


# ------------------------------------------------------------------------ atomic, validated

def test_failed_validation_at_save_writes_nothing(priors):
    ed = Editor(priors)
    ed.set_parameter("fasciculations", ("leak",), value=0.2)  # a valid pending change
    before = snapshot(priors)
    # a change made behind the editor's back, e.g. directly in the documents
    ed.documents["findings.yaml"]["nodes"]["fasciculations"]["leak"]["value"] = 1.5
    with pytest.raises(model.KnowledgeBaseError, match="value 1.5 is not a probability"):
        ed.save()
    assert snapshot(priors) == before


def test_save_writes_a_temporary_file_then_renames(priors, monkeypatch):
    ed = Editor(priors)
    ed.set_parameter("fasciculations", ("leak",), value=0.2)
    before = snapshot(priors)
    calls = []

    def failing_replace(src, dst):
        calls.append((Path(src), Path(dst)))
        assert Path(src).parent == priors and Path(src).read_bytes() != before["findings.yaml"]
        raise OSError("disk full")

    monkeypatch.setattr("model.edit.os.replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        ed.save()
    assert calls and calls[0][1] == priors / "findings.yaml"
    assert snapshot(priors) == before  # original intact, no temporary file left behind
    monkeypatch.undo()
    assert [p.name for p in ed.save()] == ["findings.yaml"]
    assert snapshot(priors)["findings.yaml"] != before["findings.yaml"]


def test_file_changed_on_disk_is_not_overwritten(priors):
    ed = Editor(priors)
    ed.set_parameter("fasciculations", ("leak",), value=0.2)
    path = priors / "findings.yaml"
    other = path.read_text() + "# someone else's edit\n"
    path.write_text(other)
    with pytest.raises(model.KnowledgeBaseError, match="changed on disk"):
        ed.save()
    assert path.read_text() == other


# ------------------------------------------------------------------------ modeller errors

MISTAKES = {
    "probability above 1": (
        lambda ed: ed.set_parameter("fasciculations", ("links", "motor_neuron_loss", "yes"),
                                    value=1.2),
        r"^file findings\.yaml, node 'fasciculations', field 'links\.motor_neuron_loss\.yes': "
        r"value 1\.2 is not a probability: it must be a number in \[0, 1\]$"),
    "range excludes the value": (
        lambda ed: ed.set_parameter("fasciculations", ("leak",), value=0.5, range=[0.1, 0.3]),
        r"^file findings\.yaml, node 'fasciculations', field 'leak': range \[0\.1, 0\.3\] "
        r"excludes its value 0\.5$"),
    "typo in a parent id": (
        lambda ed: ed.add_link("twitch_tongue", "diabetis", "yes", 0.05, [0.01, 0.1], "expert",
                               "judgement"),
        r"^file findings\.yaml, node 'twitch_tongue', field 'parents': unknown parent "
        r"'diabetis' \(did you mean 'diabetes'\?\): no node has this id$"),
    "unknown state of the parent": (
        lambda ed: ed.add_link("twitch_tongue", "diabetes", "maybe", 0.05, [0.01, 0.1],
                               "expert", "judgement"),
        r"^file findings\.yaml, node 'twitch_tongue', field 'links\.diabetes': 'maybe' is not a "
        r"state of 'diabetes'; its states are \['no', 'yes'\]$"),
    "unknown state of the node": (
        lambda ed: ed.set_parameter("weakness", ("leak", "severe"), value=0.01,
                                    range=[0.005, 0.02], source="expert", note="judgement"),
        r"^file findings\.yaml, node 'weakness', field 'leak': undeclared state 'severe'; the "
        r"states are \['none', 'mild_stable', 'progressive'\]$"),
    "unknown source": (
        lambda ed: ed.set_parameter("fasciculations", ("leak",), source="reimers1969"),
        r"^file findings\.yaml, node 'fasciculations', field 'leak': unknown source "
        r"'reimers1969' \(did you mean 'reimers1996'\?\)"),
    "expert without a note": (
        lambda ed: ed.add_link("twitch_tongue", "diabetes", "yes", 0.05, [0.01, 0.1], "expert"),
        r"^file findings\.yaml, node 'twitch_tongue', field 'links\.diabetes\.yes': an expert "
        r"estimate needs a 'note'"),
}


@pytest.mark.parametrize("name", list(MISTAKES))
def test_mistake_gives_the_loader_message_and_changes_nothing(priors, tmp_path, name,
                                                              monkeypatch):
    edit, pattern = MISTAKES[name]
    ed = Editor(priors)
    ed.set_parameter("fasciculations", ("links", "benign_fasciculation_syndrome", "yes"),
                     value=0.95)  # a valid edit pending before the mistake
    pending = ed.diff()
    before = snapshot(priors)
    with pytest.raises(model.KnowledgeBaseError) as checked:
        edit(ed)
    message = str(checked.value)
    assert re.search(pattern, message), message
    assert snapshot(priors) == before  # files untouched
    assert ed.diff() == pending  # only the mistake was rolled back

    # The message is the one loading the mistaken files gives: make the same edit with the
    # checks off, write the result to another folder and load it.
    broken = Editor(priors)
    monkeypatch.setattr(broken, "validate", lambda: broken.kb)
    with contextlib.suppress(model.KnowledgeBaseError):  # reading back the new Param fails
        edit(broken)
    assert broken.changed_files()
    folder = tmp_path / "broken"
    shutil.copytree(priors, folder)
    for fname in broken.changed_files():
        (folder / fname).write_text(broken.text(fname))
    with pytest.raises(model.KnowledgeBaseError) as loaded:
        load_knowledge_base(folder)
    assert str(loaded.value) == message

    # the pending valid edit still saves
    ed.save()
    assert params_by_name(load_knowledge_base(priors)) == params_by_name(ed.kb)


def test_editor_errors_name_node_and_path(priors):
    ed = Editor(priors)
    with pytest.raises(model.KnowledgeBaseError, match=r"unknown node 'fasciculation' \(did you "
                       r"mean 'fasciculations'\?\)"):
        ed.set_parameter("fasciculation", ("leak",), value=0.2)
    with pytest.raises(model.KnowledgeBaseError,
                       match=r"file findings\.yaml, node 'fasciculations', field 'links\.diabetes"
                             r"\.yes': no parameter at 'links\.diabetes\.yes'.*use add_link"):
        ed.set_parameter("fasciculations", ("links", "diabetes", "yes"), value=0.2)
    with pytest.raises(model.KnowledgeBaseError, match="already has a link"):
        ed.add_link("fasciculations", "motor_neuron_loss", "yes", 0.5, [0.4, 0.6], "expert", "x")
    with pytest.raises(model.KnowledgeBaseError, match="already exists"):
        ed.add_node("exposures.yaml", "fasciculations", {"label": "x"})
    assert ed.diff() == ""


# ------------------------------------------------------------------------ adding


def test_add_source_node_and_link_then_reload(priors):
    before = snapshot(priors)
    ed = Editor(priors)
    sources_file = ed.source_file(next(iter(ed.kb.sources)))
    ed.add_source("kantor2015", "Kantor ED, Rehm CD, Haas JS, Chan AT, Giovannucci EL. Trends in "
                  "prescription drug use among adults in the United States from 1999-2012. "
                  "JAMA 2015;314(17):1818-1831.", "https://doi.org/10.1001/jama.2015.13766")
    ed.add_node("exposures.yaml", "med_statin", {
        "label": "Taking a statin",
        "description": "Cholesterol-lowering drugs; muscle aches and cramps are common effects.",
        "role": "exposure", "states": ["no", "yes"], "parents": [], "model": "prior",
        "prior": {"value": 0.17, "range": [0.12, 0.22], "source": "kantor2015"},
    })
    links = ed.add_link("muscle_cramps", "med_statin", "yes", 0.07, [0.02, 0.1], "expert",
                        "Illustrative")
    assert [p.path for p in links] == [("links", "med_statin", "yes")]
    assert sorted(ed.changed_files()) == sorted({sources_file, "exposures.yaml",
                                                 "findings.yaml"})
    ed.save()
    after = snapshot(priors)

    # only additions, apart from the one `parents` line of the child
    for fname in (sources_file, "exposures.yaml"):
        removed, added = changed_lines(before[fname], after[fname])
        assert removed == [] and added, fname
    removed, added = changed_lines(before["findings.yaml"], after["findings.yaml"])
    assert len(removed) == 1 and removed[0].strip().startswith("parents: [")
    assert added[0] == removed[0][:-1] + ", med_statin]"
    assert added[1] == ('      med_statin: {"yes": {value: 0.07, range: [0.02, 0.1], '
                        'source: expert, note: "Illustrative"}}')
    exposures = after["exposures.yaml"].decode()
    assert exposures.startswith(before["exposures.yaml"].decode())
    assert '    states: ["no", "yes"]\n' in exposures.split("med_statin:")[1]
    assert "    prior: {value: 0.17, range: [0.12, 0.22], source: kantor2015}\n" in exposures

    m = model.load(priors)
    assert m.nodes["med_statin"].label == "Taking a statin"
    assert m.nodes["muscle_cramps"].parents[-1] == "med_statin"
    assert m.kb.sources["kantor2015"]["url"] == "https://doi.org/10.1001/jama.2015.13766"
    assert m.prior["med_statin"]["yes"] == pytest.approx(0.17)
    on = m.posterior({"med_statin": "yes"})["muscle_cramps"]["yes"]
    off = m.posterior({"med_statin": "no"})["muscle_cramps"]["yes"]
    assert on > off
    # and a fresh editor reads the saved files back unchanged
    assert Editor(priors).changed_files() == []


def test_add_link_to_a_multistate_node_and_a_node_in_a_new_file(priors):
    ed = Editor(priors)
    new = ed.add_link("creatine_kinase", "diabetes", "yes",
                      {"mildly_raised": 0.1, "markedly_raised": 0.01},
                      {"mildly_raised": [0.05, 0.2], "markedly_raised": [0.001, 0.02]},
                      "expert", "Illustrative judgement")
    assert sorted(p.path[-1] for p in new) == ["markedly_raised", "mildly_raised"]
    ed.add_node("extra.yaml", "tinnitus", {
        "label": "Ringing in the ears", "description": "Illustrative finding.",
        "role": "finding", "states": ["no", "yes"], "parents": ["diabetes"],
        "model": "noisy_or", "cost": "question",
        "leak": {"value": 0.1, "range": [0.05, 0.2], "source": "expert", "note": "x"},
        "links": {"diabetes": {"yes": {"value": 0.02, "range": [0.01, 0.05],
                                       "source": "expert", "note": "y"}}},
    })
    assert "/dev/null" in ed.diff()
    ed.save()
    text = (priors / "extra.yaml").read_text()
    assert text == (
        "nodes:\n  tinnitus:\n    label: Ringing in the ears\n"
        "    description: Illustrative finding.\n    role: finding\n"
        '    states: ["no", "yes"]\n    parents: [diabetes]\n    model: noisy_or\n'
        "    cost: question\n"
        '    leak: {value: 0.1, range: [0.05, 0.2], source: expert, note: "x"}\n'
        "    links:\n"
        '      diabetes: {"yes": {value: 0.02, range: [0.01, 0.05], source: expert, '
        'note: "y"}}\n')
    m = model.load(priors)
    assert m.nodes["tinnitus"].file == "extra.yaml"
    ck = {p.path[-1]: p.value for p in m.kb.params
          if p.node == "creatine_kinase" and p.path[:3] == ("links", "diabetes", "yes")}
    assert ck == {"mildly_raised": 0.1, "markedly_raised": 0.01}


def test_failed_add_node_in_a_new_file_leaves_no_file(priors):
    ed = Editor(priors)
    before = snapshot(priors)
    with pytest.raises(model.KnowledgeBaseError, match=r"file extra\.yaml, node 'tinnitus', "
                       r"field 'parents': unknown parent 'diabetis'"):
        ed.add_node("extra.yaml", "tinnitus", {
            "label": "x", "description": "x", "role": "finding", "states": ["no", "yes"],
            "parents": ["diabetis"], "model": "noisy_or",
            "leak": {"value": 0.1, "range": [0.05, 0.2], "source": "expert", "note": "x"},
            "links": {"diabetis": {"yes": {"value": 0.02, "range": [0.01, 0.05],
                                           "source": "expert", "note": "y"}}}})
    assert "extra.yaml" not in ed.documents and ed.diff() == ""
    assert ed.save() == [] and snapshot(priors) == before


def test_git_diff_shows_one_line(priors):
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    original = priors.parent / "original.yaml"
    shutil.copy(priors / "findings.yaml", original)
    ed = Editor(priors)
    ed.set_parameter("fasciculations", ("leak",), value=0.2)
    ed.save()
    out = subprocess.run(["git", "diff", "--no-index", "--numstat", str(original),
                          str(priors / "findings.yaml")], capture_output=True, text=True)
    assert out.stdout.split()[:2] == ["1", "1"], out.stdout
