"""The editing API (model.edit): round trips, one-line diffs, atomic saves, modeller errors."""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
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
    kind = re.search(r"range_kind: \w+, ", removed[0])  # kept in place when the file has one
    assert added[0] == (f'      motor_neuron_loss: {{"yes": {{value: 0.7, range: [0.5, 0.8], '
                        f'{kind.group(0) if kind else ""}source: {source}, '
                        'note: "A new note, with a comma: and a colon"}}')
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


def leftovers(folder: Path) -> list[str]:
    """Temporary or journal files a save may leave while it runs (none once it is over)."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_failure_before_the_commit_point_changes_nothing(priors, monkeypatch):
    ed = Editor(priors)
    ed.add_source("zz_new2099", "Someone A. A title. J 2099;1:1.", file="sources.yaml")
    ed.set_parameter("fasciculations", ("leak",), value=0.2, source="zz_new2099")
    assert sorted(ed.changed_files()) == ["findings.yaml", "sources.yaml"]
    before = snapshot(priors)
    real_fsync, calls = os.fsync, []

    def failing_fsync(fd):  # the second temporary file cannot be written
        calls.append(fd)
        if len(calls) == 2:
            raise OSError("disk full")
        return real_fsync(fd)

    monkeypatch.setattr("model.storage.os.fsync", failing_fsync)
    with pytest.raises(OSError, match="disk full"):
        ed.save()
    monkeypatch.undo()
    assert snapshot(priors) == before and leftovers(priors) == []
    assert sorted(p.name for p in ed.save()) == ["findings.yaml", "sources.yaml"]
    assert load_knowledge_base(priors).sources["zz_new2099"]
    assert leftovers(priors) == []


def test_failure_after_the_commit_point_is_finished_by_the_next_editor(priors, monkeypatch):
    ed = Editor(priors)
    ed.add_source("zz_new2099", "Someone A. A title. J 2099;1:1.", file="sources.yaml")
    ed.set_parameter("fasciculations", ("leak",), value=0.2, source="zz_new2099")
    expected = {f: ed.text(f).encode() for f in ed.changed_files()}
    real_replace, calls = os.replace, []

    def failing_replace(src, dst):  # the journal lands, then the first file rename fails
        calls.append(Path(dst).name)
        if Path(dst).name.endswith(".yaml"):
            raise OSError("power cut")
        return real_replace(src, dst)

    monkeypatch.setattr("model.storage.os.replace", failing_replace)
    with pytest.raises(OSError, match="power cut"):
        ed.save()
    monkeypatch.undo()
    assert ".twitchdx-journal" in leftovers(priors)
    # a reader already sees the committed set (the loader reads the journal's files) ...
    assert load_knowledge_base(priors).sources["zz_new2099"]
    # ... and the next editor finishes the save on disk and cleans up
    Editor(priors)
    assert leftovers(priors) == []
    assert {f: (priors / f).read_bytes() for f in expected} == expected


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
    sources_file = "sources.yaml"  # node files may hold sources too: name the file
    ed.add_source("zzkantor2015", "Kantor ED, Rehm CD, Haas JS, Chan AT, Giovannucci EL. Trends "
                  "in prescription drug use among adults in the United States from 1999-2012. "
                  "JAMA 2015;314(17):1818-1831.", "https://doi.org/10.1001/jama.2015.13766",
                  file=sources_file)
    ed.add_node("exposures.yaml", "med_statin", {
        "label": "Taking a statin",
        "description": "Cholesterol-lowering drugs; muscle aches and cramps are common effects.",
        "role": "exposure", "states": ["no", "yes"], "parents": [], "model": "prior",
        "prior": {"value": 0.17, "range": [0.12, 0.22], "source": "zzkantor2015"},
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
    assert '    states: ["no", "yes"]\n' in exposures.split("med_statin:")[1]
    assert "    prior: {value: 0.17, range: [0.12, 0.22], source: zzkantor2015}\n" in exposures

    m = model.load(priors)
    assert m.nodes["med_statin"].label == "Taking a statin"
    assert m.nodes["muscle_cramps"].parents[-1] == "med_statin"
    assert m.kb.sources["zzkantor2015"]["url"] == "https://doi.org/10.1001/jama.2015.13766"
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


# ------------------------------------------------------------------------ crashes and concurrency
# Children run model.storage alone (a bare package stub skips model/__init__'s heavy imports), so
# a kill lands inside a save nearly every time.

MODEL_DIR = Path(model.__file__).resolve().parent
_STUB = ("import sys, types\n"
         "pkg = types.ModuleType('model'); pkg.__path__ = [sys.argv[1]]\n"
         "sys.modules['model'] = pkg\n")

GENERATIONS = _STUB + r'''
from pathlib import Path
from model import storage
d = Path(sys.argv[2])
print("ready", flush=True)
while True:
    old = {n: (d / n).read_bytes() for n in ("a.yaml", "b.yaml")}
    g = int(old["a.yaml"].split()[1]) + 1
    storage.write_set(d, {n: f"gen: {g}\n".encode() + n.encode() * 50_000
                          for n in ("a.yaml", "b.yaml")}, old)
'''


def _generation(data: bytes) -> int:
    return int(data.split()[1])


def _start(code: str, *args: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", code, str(MODEL_DIR), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    line = proc.stdout.readline()
    assert line.strip() == "ready", proc.stderr.read()
    return proc


def _kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()


def test_S4_1_S4_3_kill_during_a_two_file_save_never_splits_the_set(tmp_path):
    from model import storage

    d = tmp_path / "kb"
    d.mkdir()
    for n in ("a.yaml", "b.yaml"):
        (d / n).write_bytes(b"gen: 0\n")
    rng = random.Random(14)
    interrupted = 0
    for _ in range(40):
        proc = _start(GENERATIONS, str(d))
        time.sleep(rng.uniform(0.0, 0.15))
        _kill(proc)
        interrupted += bool(leftovers(d))
        # a reader sees one generation of the set, before any recovery ...
        seen = storage.read_texts(d, ["a.yaml", "b.yaml"], lambda p: p.read_bytes())
        assert _generation(seen["a.yaml"]) == _generation(seen["b.yaml"])
        # ... and the next writer's recovery leaves exactly that generation, and no temporaries
        storage.recover(d)
        assert leftovers(d) == []
        on_disk = {n: (d / n).read_bytes() for n in ("a.yaml", "b.yaml")}
        assert on_disk == seen
    assert _generation(on_disk["a.yaml"]) > 0  # saves did complete between kills
    assert interrupted >= 5  # and many kills landed inside a save (the case under test)


EDITOR_LOOP = r'''
import sys
from model.edit import Editor
ed = Editor(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    i += 1
    key = f"killtest{i}x"
    ed.add_source(key, f"Kill A. Test {i}. J 2099;1:{i}.")
    ed.set_parameter("fasciculations", ("leak",), value=0.2 if i % 2 else 0.21, source=key)
    ed.save()
'''


def test_S4_1_kill_during_editor_save_leaves_a_loadable_folder(priors):
    rng = random.Random(41)
    for _ in range(4):  # each child builds an Editor (seconds); storage is hammered above
        proc = subprocess.Popen([sys.executable, "-c", EDITOR_LOOP, str(priors)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
        time.sleep(rng.uniform(0.2, 2.5))
        _kill(proc)
        load_knowledge_base(priors)  # loads before recovery (every source cited exists) ...
        Editor(priors)  # ... and after it, with no temporary file left
        assert leftovers(priors) == []


COUNTER = _STUB + r'''
from pathlib import Path
from model import storage
from model.errors import KnowledgeBaseError
d, me, rounds = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
print("ready", flush=True)
saved = refused = 0
while saved < rounds:
    old = (d / "c.yaml").read_bytes()
    counts = [int(x) for x in old.split()]
    counts[me] += 1
    try:
        storage.write_set(d, {"c.yaml": " ".join(map(str, counts)).encode()}, {"c.yaml": old})
        saved += 1
    except KnowledgeBaseError as exc:
        assert "changed on disk" in str(exc), exc
        refused += 1
print(saved, refused, flush=True)
'''


def test_S4_2_two_processes_saving_one_file_never_lose_an_update(tmp_path):
    d = tmp_path / "kb"
    d.mkdir()
    (d / "c.yaml").write_bytes(b"0 0")
    procs = [_start(COUNTER, str(d), str(me), "150") for me in (0, 1)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        results.append([int(x) for x in out.split()])
    final = [int(x) for x in (d / "c.yaml").read_bytes().split()]
    # every successful save is in the file: none was overwritten by the other process
    assert final == [results[0][0], results[1][0]] == [150, 150]
    assert leftovers(d) == []


EDITOR_WRITER = r'''
import sys
from model.edit import Editor
from model.errors import KnowledgeBaseError
folder, node, path = sys.argv[1], sys.argv[2], sys.argv[3]
last = None
for value in (0.31, 0.32, 0.33):
    ed = Editor(folder)  # a fresh editor per round, as a notebook user would
    ed.set_parameter(node, path, value=value)
    try:
        ed.save()
        last = value
    except KnowledgeBaseError as exc:
        assert "changed on disk" in str(exc), exc
print(last, flush=True)
'''


def test_S4_2_two_editors_on_one_file_refuse_rather_than_overwrite(priors):
    params = [(p.node, ".".join(p.path)) for p in load_knowledge_base(priors).params
              if p.file == "findings.yaml" and p.low <= 0.31 and p.high >= 0.34][:2]
    assert len(params) == 2
    procs = [subprocess.Popen([sys.executable, "-c", EDITOR_WRITER, str(priors), node, path],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for node, path in params]
    kb = None
    lasts = []
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        lasts.append(out.strip())
    kb = load_knowledge_base(priors)
    final = {p.node + "." + ".".join(p.path): p.value for p in kb.params}
    for (node, path), last in zip(params, lasts, strict=True):
        if last != "None":  # the last value each process saved is still there
            assert final[f"{node}.{path}"] == float(last)
    assert leftovers(priors) == []


def test_aligned_values_keep_their_layout_and_an_edit_changes_one_line(tmp_path):
    """A file whose values are aligned in columns (which the YAML writer cannot reproduce) is
    neither rewritten when unedited nor re-spaced around an edit."""
    folder = tmp_path / "kb"
    shutil.copytree(SMALL_KB, folder)
    path = folder / "network.yaml"
    text = path.read_text()
    aligned = (text.replace('      "young": {value: 0.01', '      "young":  {value: 0.01')
                   .replace('      "old": {value: 0.2', '      "old":    {value: 0.2'))
    assert aligned != text
    path.write_text(aligned)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "layout cannot be reproduced" warning
        ed = Editor(folder, check_catalog=False)
    assert ed.changed_files() == [] and ed.text("network.yaml") == aligned
    node = next(p.node for p in ed.kb.params if p.path[-1:] == ("middle",) and p.path[0] == "leak")
    ed.set_parameter(node, ("leak", "middle"), value=0.06)
    ed.save()
    removed, added = changed_lines(aligned.encode(), path.read_bytes())
    assert removed == ['      "middle": {value: 0.05, range: [0.02, 0.08], source: textbook}']
    assert added == ['      "middle": {value: 0.06, range: [0.02, 0.08], source: textbook}']
    assert '      "young":  {value: 0.01' in path.read_text()  # the alignment survived
