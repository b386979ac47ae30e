"""Malformed knowledge bases: one per error kind, each with its specific message."""

from __future__ import annotations

import re
import shutil

import pytest

import model
from model.knowledge import MAX_CPT_ENTRIES, load_knowledge_base

from .helpers import ROOT, SMALL_KB

SOURCE = (SMALL_KB / "network.yaml").read_text()


def _load_mutated(tmp_path, old: str, new: str, count: int = 1):
    assert SOURCE.count(old) >= 1, f"fixture text not found: {old!r}"
    (tmp_path / "network.yaml").write_text(SOURCE.replace(old, new, count))
    return load_knowledge_base(tmp_path, check_catalog=False)


CASES = [
    ("unknown parent",
     "    parents: [excitability, caffeine, stress]", "    parents: [excitabilty, caffeine, stress]",
     r"file network\.yaml, node 'twitch', field 'parents': unknown parent 'excitabilty' "
     r"\(did you mean 'excitability'\?\)"),
    ("undeclared state in a link",
     'caffeine: {"high": {value: 0.3', 'caffeine: {"very_high": {value: 0.3',
     r"node 'twitch', field 'links\.caffeine': 'very_high' is not a state of 'caffeine'; its "
     r"states are \['low', 'moderate', 'high'\]"),
    ("probability outside [0, 1]",
     "leak: {value: 0.1, range: [0.05, 0.2], source: textbook}",
     "leak: {value: 1.2, range: [0.05, 0.2], source: textbook}",
     r"node 'twitch', field 'leak': value 1\.2 is not a probability: it must be a number in "
     r"\[0, 1\]"),
    ("range excludes its value",
     "stress: {\"yes\": {value: 0.2, range: [0.1, 0.3]",
     "stress: {\"yes\": {value: 0.2, range: [0.25, 0.3]",
     r"node 'twitch', field 'links\.stress\.yes': range \[0\.25, 0\.3\] excludes its value 0\.2"),
    ("missing source",
     "prior: {value: 0.3, range: [0.2, 0.4], source: textbook}",
     "prior: {value: 0.3, range: [0.2, 0.4]}",
     r"node 'stress', field 'prior': missing 'source'"),
    ("unknown source",
     "prior: {value: 0.3, range: [0.2, 0.4], source: textbook}",
     "prior: {value: 0.3, range: [0.2, 0.4], source: textbok}",
     r"node 'stress', field 'prior': unknown source 'textbok' \(did you mean 'textbook'\?\)"),
    ("expert estimate without a note",
     'source: expert, note: "test"', "source: expert",
     r"node 'excitability', field 'leak': an expert estimate needs a 'note'"),
    ("table misses a parent configuration",
     "      - when: {}\n        p: {pattern_a: {value: 0.02, range: [0.0, 0.05], source: textbook}, "
     "pattern_b: {value: 0.05, range: [0.0, 0.1], source: textbook}}\n", "",
     r"node 'scan', field 'rows': no row covers the parent configuration disease=no, "
     r"excitability=no"),
    ("unreachable table row",
     "      - when: {excitability: \"yes\"}",
     "      - when: {}\n        p: {pattern_b: {value: 0.5, range: [0.4, 0.6], source: textbook}}\n"
     "      - when: {excitability: \"yes\"}",
     r"node 'scan', field 'rows\[2\]': row 2 is never used"),
    ("distribution sums above one",
     "severe: {value: 0.6, range: [0.5, 0.7]", "severe: {value: 0.8, range: [0.5, 0.9]",
     r"node 'weakness', field 'links\.disease\.yes': probabilities sum to 1\.1 > 1"),
    ("baseline state given a link",
     'stress: {"yes": {value: 0.1, range: [0.05, 0.2], source: textbook}}',
     'stress: {"no": {value: 0.1, range: [0.05, 0.2], source: textbook}}',
     r"node 'disease', field 'links\.stress': 'no' is the baseline state of 'stress'"),
    ("unquoted YAML 1.1 boolean state",
     '    states: ["no", "yes"]\n    parents: [sunlight]',
     '    states: [false, true]\n    parents: [sunlight]',
     r"node 'tan', field 'states': state False is a boolean, not a string: quote it"),
    ("leak stratum missing",
     '      "old": {value: 0.2, range: [0.1, 0.3], source: textbook}\n', "",
     r"node 'disease', field 'leak': stratum by 'age' must give exactly its states "
     r"\['young', 'middle', 'old'\] \(missing \['old'\]"),
    ("parent listed but unused",
     "    parents: [sunlight]", "    parents: [sunlight, stress]",
     r"node 'tan', field 'parents': parent 'stress' has no link and does not stratify the leak"),
]


@pytest.mark.parametrize("old,new,pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_error_names_file_node_field(tmp_path, old, new, pattern):
    with pytest.raises(model.KnowledgeBaseError, match=pattern):
        _load_mutated(tmp_path, old, new)


def test_cycle_is_named(tmp_path):
    text = SOURCE.replace("    parents: [caffeine]\n    model: noisy_or\n    leak: {value: 0.05",
                          "    parents: [caffeine, twitch]\n    model: noisy_or\n    leak: {value: 0.05")
    text = text.replace('      caffeine: {"moderate": {value: 0.1',
                        '      twitch: {"yes": {value: 0.1, range: [0.0, 0.2], source: textbook}}\n'
                        '      caffeine: {"moderate": {value: 0.1')
    (tmp_path / "network.yaml").write_text(text)
    with pytest.raises(model.KnowledgeBaseError) as exc:
        load_knowledge_base(tmp_path, check_catalog=False)
    msg = str(exc.value)
    assert "cycle" in msg
    cycle = re.search(r"cycle: ([a-z_ >-]+);", msg).group(1).split(" -> ")
    assert cycle[0] == cycle[-1] and {"low_mineral", "excitability", "twitch"} <= set(cycle)


def test_table_too_large(tmp_path):
    # thirteen binary parents on one noisy-OR child: 2**13 * 2 = 16,384 entries, over the limit
    nodes = "".join(
        f"  r{i}:\n    label: R{i}\n    description: d\n    role: exposure\n"
        f"    states: [\"no\", \"yes\"]\n    parents: []\n    model: prior\n"
        f"    prior: {{value: 0.1, range: [0.1, 0.1], source: textbook}}\n" for i in range(13))
    links = "".join(f"      r{i}: {{\"yes\": {{value: 0.1, range: [0.1, 0.1], source: textbook}}}}\n"
                    for i in range(13))
    big = (f"  big:\n    label: Big\n    description: d\n    role: finding\n    cost: question\n"
           f"    states: [\"no\", \"yes\"]\n    parents: [{', '.join(f'r{i}' for i in range(13))}]\n"
           f"    model: noisy_or\n    leak: {{value: 0.1, range: [0.1, 0.1], source: textbook}}\n"
           f"    links:\n{links}")
    (tmp_path / "network.yaml").write_text(SOURCE + nodes + big)
    with pytest.raises(model.KnowledgeBaseError,
                       match=r"node 'big', field 'parents': its table would have 16384 entries "
                             rf"\(limit {MAX_CPT_ENTRIES}\)"):
        load_knowledge_base(tmp_path, check_catalog=False)


def test_invalid_yaml_names_the_file(tmp_path):
    (tmp_path / "network.yaml").write_text(SOURCE + "\n  broken: [unclosed\n")
    with pytest.raises(model.KnowledgeBaseError, match=r"file network\.yaml: not valid YAML"):
        load_knowledge_base(tmp_path, check_catalog=False)


def test_catalog_state_mismatch_is_reported(tmp_path):
    shutil.copytree(ROOT / "priors", tmp_path / "priors")
    path = tmp_path / "priors" / "findings.yaml"
    text = path.read_text()
    assert 'states: ["none", "mild_stable", "progressive"]' in text
    path.write_text(text.replace('states: ["none", "mild_stable", "progressive"]',
                                 'states: ["none", "mild", "progressive"]', 1))
    with pytest.raises(model.KnowledgeBaseError, match=r"node 'weakness'"):
        model.load(tmp_path / "priors")


def test_missing_priors_folder(tmp_path):
    with pytest.raises(model.KnowledgeBaseError, match="priors folder not found"):
        model.load(tmp_path / "nowhere")
