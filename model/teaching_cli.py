"""CLI command for teaching: ``interview`` (one step of a guided interview)."""

from __future__ import annotations

import argparse

from .cli import EVIDENCE, Arg, command, emit, load_model, records


@command("interview", "one step of a guided interview: the next question worth asking for "
         "ID=STATE ... (or why to stop)", EVIDENCE,
         Arg("--goal", choices=["entropy", "serious"], default="entropy",
             help="entropy: narrow the whole differential; serious: rule serious disease in or "
                  "out"),
         Arg("--skip", action="append", default=[], metavar="ID",
             help="a finding answered \"don't know\" (repeatable): never asked again"))
def interview(args: argparse.Namespace) -> None:
    m = load_model(args)
    step = m.interview(args.evidence, goal=args.goal, skipped=args.skip)
    q = step.question
    payload = {
        "stop": step.stop, "reason": step.reason, "asked": step.asked,
        "serious_probability": step.serious_probability,
        "question": None if q is None else {
            "id": q.id, "label": q.label, "cost": q.cost,
            "information_gain": q.information_gain, "gain_per_cost": q.gain_per_cost,
            "separates": q.separates, "outcomes": records(q.outcomes)},
        "top": records(step.top.head(5)),
    }

    def text() -> str:
        lines = [f"{'STOP' if step.stop else 'ASK'}: {step.reason}"]
        if q is not None:
            states = ", ".join(m.nodes[q.id].states)
            lines.append(f"next: {q.label} ({q.id}={states}; {q.cost.replace('_', ' ')})")
            lines.append(f"it separates: {', '.join(q.separates)}")
        top = ", ".join(f"{r.label} {r.probability:.1%}" for r in step.top.head(3).itertuples())
        lines.append(f"now: {top}; any serious condition {step.serious_probability:.1%}")
        return "\n".join(lines)

    emit(args, payload, text)


COMMANDS = (interview,)
