"""Check the teaching cases: ``.venv/bin/python model/cases/check_cases.py [FILE]``.

Validates every case with :func:`model.cases.load_cases` (ids, states and roles against
``model/catalog.yaml``; unique snake_case ids; diagnosis in top3; bounds in [0, 1]), reports
states that a YAML 1.1 reader would turn into booleans (an unquoted yes/no), checks that every
condition has a case, that no title or summary names its own answer (see :func:`spoilers`), and
prints the number of cases for each diagnosis. Exits 1 on any error.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def spoilers(case: dict, label: str) -> list[str]:
    """Names of the case's answer found in its title or summary.

    The answer's names are its id (underscores as spaces) and its label, with the label's
    parenthesis as a separate name, e.g. "Isaacs syndrome (neuromyotonia)" gives "isaacs
    syndrome" and "neuromyotonia". A diagnosis the evidence itself states (an observed exposure
    such as caffeine) cannot be hidden and is not checked.
    """
    diagnosis = case["diagnosis"]
    if diagnosis in case["evidence"]:
        return []
    names = {diagnosis.replace("_", " "), *re.split(r"\s*[()]\s*", label.lower())}
    text = f"{case['title']} {case['summary']}".lower()
    return sorted(n for n in names if len(n) >= 4 and re.search(rf"\b{re.escape(n)}\b", text))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    sys.path.insert(0, str(ROOT))
    from model.cases import DEFAULT_CASES, CaseError, load_cases
    from model.knowledge import load_catalog

    path = Path(argv[0]) if argv else DEFAULT_CASES
    errors = []
    try:
        cases = load_cases(path)
    except CaseError as exc:
        print(f"error: {exc}")
        return 1
    try:  # a YAML 1.1 reader (PyYAML) turns a bare yes/no into a boolean
        import yaml

        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in doc["cases"]:
            for node, state in (raw.get("evidence") or {}).items():
                values = state if isinstance(state, list) else [state]
                if any(isinstance(v, bool) for v in values):
                    errors.append(f"case '{raw.get('id')}': evidence '{node}' is an unquoted "
                                  "yes/no; quote it")
    except ImportError:
        pass
    labels = _labels()
    for case in cases:
        found = spoilers(case, labels.get(case["diagnosis"], ""))
        if found:
            errors.append(f"case '{case['id']}': title or summary names the answer ("
                          + ", ".join(found) + "); move it to source_diagnosis")
    conditions = [n for n, spec in load_catalog().items() if spec["role"] == "condition"]
    counts = Counter(c["diagnosis"] for c in cases)
    errors += [f"condition '{c}' has no case" for c in conditions if c not in counts]
    for diagnosis, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"{n:3d}  {diagnosis}")
    print(f"{len(cases)} cases")
    for e in errors:
        print(f"error: {e}")
    return 1 if errors else 0


def _labels() -> dict[str, str]:
    """Node labels from the knowledge base, or {} when it cannot be loaded."""
    try:
        import model

        return {n.id: n.label for n in model.load().nodes.values()}
    except Exception as exc:  # the check still runs on ids alone
        print(f"note: labels not checked ({type(exc).__name__}: {exc})")
        return {}


if __name__ == "__main__":
    sys.exit(main())
