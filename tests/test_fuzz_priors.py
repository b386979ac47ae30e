"""The priors loader under corruption (issue 14 §6): truncation, byte flips, other encodings,
aliases, deep nesting and hostile YAML spliced into real files always give either a valid
knowledge base or ONE line of KnowledgeBaseError — never another exception, never a hang.

Named regressions reproduce the reliability review's findings S1-1 ... S1-7 (the id is in the
test name). Each example runs under an alarm, so a hang fails the test instead of stalling CI.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import model
from model.knowledge import DEFAULT_PRIORS, load_knowledge_base, parse_document, read_documents
from model.limits import MAX_PRIORS_FILE_BYTES, MAX_YAML_DEPTH
from model.safe_yaml import YAMLInputError, load_text

FILES = sorted(p.name for p in DEFAULT_PRIORS.glob("*.yaml"))
ORIGINAL = {name: (DEFAULT_PRIORS / name).read_bytes() for name in FILES}


@contextlib.contextmanager
def alarm(seconds: int):
    """Fail (instead of hanging) if the block runs longer than ``seconds``."""
    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def one_line(exc: BaseException) -> str:
    text = str(exc)
    assert "\n" not in text and "\r" not in text, text[:500]
    assert "Traceback" not in text
    return text


@pytest.fixture
def priors(tmp_path) -> Path:
    target = tmp_path / "priors"
    shutil.copytree(DEFAULT_PRIORS, target)
    return target


def load_or_one_line(folder: Path) -> str | None:
    """None if the folder loads; the one-line message if it is refused; anything else fails."""
    with alarm(60):
        try:
            load_knowledge_base(folder)
        except model.KnowledgeBaseError as exc:
            return one_line(exc)
    return None


# ------------------------------------------------------------------------ hostile snippets

def alias_bomb(levels: int = 9, width: int = 9) -> str:
    parts = ['&l0 ["lol"]'] + [f"&l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]"
                               for i in range(1, levels + 1)]
    return "[" + ", ".join(parts) + "]"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def insert_after(text: str, anchor: str, line: str) -> str:
    assert anchor in text, anchor
    return text.replace(anchor, anchor + line, 1)


# ------------------------------------------------------------------------ S1 regressions


@pytest.mark.parametrize("where", ["note", "value", "citation"])
def test_S1_1_alias_bomb_in_a_note_value_or_citation(priors, where):
    if where == "citation":
        path = priors / "sources.yaml"
        text = path.read_text()
        first = text.index("citation:")
        end = text.index("\n", first)
        path.write_text(text[:first] + f"citation: {alias_bomb()}" + text[end:])
    else:
        path = priors / "findings.yaml"
        text = path.read_text()
        if where == "note":
            text = insert_after(text, "\n  fasciculations:\n", f"    note: {alias_bomb()}\n")
        else:
            i = text.index("value: ", text.index("\n  fasciculations:\n"))
            end = text.index(",", i)
            text = text[:i] + f"value: {alias_bomb()}" + text[end:]
        path.write_text(text)
    message = load_or_one_line(priors)
    assert message and "MAX_YAML_ALIAS_NODES" in message and path.name in message


def test_S1_2_table_with_30_parents_is_refused_before_its_rows_are_walked(tmp_path):
    source = "sources:\n  textbook: {citation: \"A textbook.\"}\nnodes:\n"
    roots = "".join(
        f"  r{i}:\n    label: R{i}\n    description: d\n    role: exposure\n"
        f"    states: [\"no\", \"yes\"]\n    parents: []\n    model: prior\n"
        f"    prior: {{value: 0.1, range: [0.1, 0.1], source: textbook}}\n" for i in range(30))
    table = ("  thirty:\n    label: T\n    description: d\n    role: finding\n"
             "    cost: question\n    states: [\"no\", \"yes\"]\n"
             f"    parents: [{', '.join(f'r{i}' for i in range(30))}]\n    model: table\n"
             "    rows:\n      - when: {r0: \"yes\"}\n"
             "        p: {value: 0.5, range: [0.5, 0.5], source: textbook}\n"
             "      - when: {}\n        p: {value: 0.1, range: [0.1, 0.1], source: textbook}\n")
    (tmp_path / "zz_extra.yaml").write_text(source + roots + table)
    with alarm(30), pytest.raises(model.KnowledgeBaseError) as info:
        load_knowledge_base(tmp_path, check_catalog=False)
    assert "its table would have 2147483648 entries" in one_line(info.value)


@pytest.mark.parametrize("encoding", ["latin-1 byte", "utf-16", "utf-16-be", "binary"])
def test_S1_3_non_utf8_files_are_one_line_errors_naming_the_file(priors, encoding):
    path = priors / "findings.yaml"
    text = path.read_text()
    if encoding == "latin-1 byte":
        path.write_bytes(text.encode() + b"\xff")
    elif encoding == "binary":
        path.write_bytes(Path(sys.executable).read_bytes()[:4096])
    else:
        path.write_bytes(text.encode(encoding) if encoding == "utf-16"
                         else b"\xfe\xff" + text.encode("utf-16-be"))
    message = load_or_one_line(priors)
    assert message and message.startswith("file findings.yaml:") and "UTF" in message


@pytest.mark.parametrize("kind", ["directory", "dangling symlink"])
def test_S1_4_a_directory_or_dangling_symlink_named_yaml(priors, kind):
    if kind == "directory":
        (priors / "x.yaml").mkdir()
    else:
        (priors / "x.yaml").symlink_to(priors / "missing-target.yaml")
    message = load_or_one_line(priors)
    assert message and message.startswith("file x.yaml:")


@pytest.mark.parametrize("style, depth", [("flow", 1_000), ("flow", 20_000), ("block", 1_000)])
def test_S1_5_deep_nesting_is_one_line(priors, style, depth):
    path = priors / "findings.yaml"
    if style == "flow":
        snippet = f"    note: {nested(depth)}\n"
    else:
        snippet = "    note:\n" + "".join(" " * (6 + 2 * i) + f"k{i}:\n" for i in range(depth))
        snippet += " " * (6 + 2 * depth) + "x: 1\n"
    path.write_text(insert_after(path.read_text(), "\n  fasciculations:\n", snippet))
    message = load_or_one_line(priors)
    assert message and f"MAX_YAML_DEPTH = {MAX_YAML_DEPTH}" in message


@pytest.mark.parametrize("breakage", ["unclosed bracket", "duplicate key", "tab", "NUL byte"])
def test_S1_6_yaml_syntax_errors_are_one_line_with_the_position(priors, breakage):
    path = priors / "context.yaml"
    text = path.read_text()
    node = text.index("\n  ", text.index("nodes:"))
    if breakage == "unclosed bracket":
        text = text.replace("parents: [", "parents: [[", 1)
    elif breakage == "duplicate key":
        text = text[:node] + "\n  age:\n    label: dup" + text[node:]
    elif breakage == "tab":
        text = text[:node] + "\n\tbroken: 1" + text[node:]
    else:
        text = text[:node] + "\n  x: \x00" + text[node:]
    path.write_text(text)
    message = load_or_one_line(priors)
    assert message and message.startswith("file context.yaml: not valid YAML")


def test_S1_7_an_oversized_file_is_refused_before_it_is_parsed(priors):
    big = priors / "zz_big.yaml"
    with big.open("w") as fh:  # a comment line: parsing it would be cheap, reading is the cost
        fh.write("#" + "x" * MAX_PRIORS_FILE_BYTES + "\n")
    message = load_or_one_line(priors)
    assert message and message.startswith("file zz_big.yaml:") and "MAX_PRIORS_FILE_BYTES" in message


def test_S1_python_tags_never_run_code(priors, tmp_path):
    marker = tmp_path / "marker"
    path = priors / "findings.yaml"
    path.write_text(insert_after(path.read_text(), "\n  fasciculations:\n",
                                 f"    note: !!python/object/apply:os.system [\"touch {marker}\"]\n"))
    load_or_one_line(priors)
    assert not marker.exists()


def test_S1_loader_cli_gives_one_line_and_exit_2(priors):
    (priors / "findings.yaml").write_bytes(b"\xff\xfe" + "nodes: {}".encode("utf-16-le"))
    run = subprocess.run([sys.executable, "-m", "model", "validate", "--priors", str(priors)],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert run.returncode == 2
    assert len(run.stderr.strip().splitlines()) == 1 and "findings.yaml" in run.stderr


# ------------------------------------------------------------------------ fuzz

SNIPPETS = [alias_bomb(), alias_bomb(4, 4), nested(80), "\t", "\x00", "{", "[", "]", "}", ":",
            "- ", "&a ", "*a", "*undefined", "!!python/name:os.system", "!!binary AAAA", "%YAML 1.1\n",
            "---\n", "...\n", "\ufeff", "'", '"', "\\", "? ", "|\n", ">\n", "#", "\r", "\u2028",
            "yes", "no", "~", ".nan", "1e400", "- - - - - - -", "{a: *a}", "&a [*a]"]

corruptions = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.lists(st.tuples(st.floats(0, 1), st.integers(0, 255)),
                                        min_size=1, max_size=8)),
    st.tuples(st.just("splice"), st.lists(st.tuples(st.floats(0, 1), st.sampled_from(SNIPPETS)),
                                          min_size=1, max_size=4)),
    st.tuples(st.just("encode"), st.sampled_from(["utf-16", "utf-32", "cp1252", "utf-8-sig"])),
)


def corrupt(data: bytes, how) -> bytes:
    kind, arg = how
    if kind == "truncate":
        return data[: int(arg * len(data))]
    if kind == "flip":
        out = bytearray(data)
        for where, byte in arg:
            out[min(int(where * len(out)), len(out) - 1)] = byte
        return bytes(out)
    if kind == "splice":
        text = data.decode("utf-8")
        for where, snippet in sorted(arg, reverse=True):
            i = int(where * len(text))
            text = text[:i] + snippet + text[i:]
        return text.encode("utf-8")
    return data.decode("utf-8").encode(arg, errors="replace")


@pytest.mark.parametrize("text", ["a:\n  b: 1\n  ? c: {d: 1}\n", "x: 1\n? [y, {z: 2}]\n: w\n"])
def test_complex_key_holding_a_mapping_is_one_line(text):
    """Found by the fuzzer: a stray '? ' makes a key of a nested mapping, which ruamel fails to
    hash (a TypeError, not a YAML error)."""
    with pytest.raises(model.KnowledgeBaseError, match=r"^file targets\.yaml: not valid YAML: "):
        parse_document("targets.yaml", text.encode())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(FILES), how=corruptions)
def test_fuzz_parse_of_a_corrupted_file_is_a_document_or_one_line(name, how):
    """Parsing alone (fast, many examples): the YAML layer never raises anything else."""
    data = corrupt(ORIGINAL[name], how)
    with alarm(20):
        try:
            parse_document(name, data)
        except model.KnowledgeBaseError as exc:
            assert one_line(exc).startswith(f"file {name}:")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(FILES), how=corruptions)
def test_fuzz_load_of_a_corrupted_folder_is_valid_or_one_line(tmp_path_factory, name, how):
    """The whole loader (parse + every validation) on a folder with one corrupted file."""
    folder = tmp_path_factory.mktemp("fuzz") / "priors"
    shutil.copytree(DEFAULT_PRIORS, folder)
    (folder / name).write_bytes(corrupt(ORIGINAL[name], how))
    load_or_one_line(folder)


def test_fuzz_reading_the_real_folder_is_unchanged():
    """The caps do not refuse the project's own priors (and they stay well inside them)."""
    docs = read_documents(DEFAULT_PRIORS)
    assert sorted(docs) == FILES
    assert max(len(b) for b in ORIGINAL.values()) < MAX_PRIORS_FILE_BYTES // 10


# ------------------------------------------------------------------------ scenario/cases reader


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=400),
                 st.lists(st.sampled_from(SNIPPETS + ["a: b\n", "x: [1, 2]\n", "\n"]),
                          max_size=12).map("".join),
                 st.binary(max_size=200)))
def test_fuzz_safe_yaml_load_text_is_data_or_one_line(text):
    with alarm(20):
        try:
            load_text(text, what="scenario file 'f.yaml'")
        except YAMLInputError as exc:
            assert one_line(exc).startswith("scenario file 'f.yaml' is ")


@pytest.mark.parametrize("text, limit", [
    ("a0: &a0 {k: [x, x, x, x, x, x, x, x, x]}\n" + "".join(
        f"a{i}: &a{i} {{" + ", ".join(f"k{j}: *a{i - 1}" for j in range(9)) + "}\n"
        for i in range(1, 9)) + "fasciculations: *a8\n", "MAX_YAML_ALIAS_NODES"),
    (nested(30_000), "MAX_YAML_DEPTH"),
    ('{"a": ' * 5_000 + "1" + "}" * 5_000, "MAX_YAML_DEPTH"),
    ("x" * 1_100_000, "the limit is 1,048,576 bytes"),
])
def test_S6_3_S6_4_scenario_alias_bomb_and_deep_nesting_are_refused_quickly(text, limit):
    with alarm(10), pytest.raises(YAMLInputError) as info:
        load_text(text, what="scenario file 'bomb.yaml'")
    assert limit in one_line(info.value) and len(str(info.value)) < 400
