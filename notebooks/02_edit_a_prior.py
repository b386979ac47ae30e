# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 2. Edit a prior
#
# A modeller finds a better figure for one link of the network. This notebook changes the
# link's probability, range and citation with `model.edit.Editor`, compares the differential
# of every teaching case before and after, saves the change and reloads the model to confirm.
#
# The editor checks every change at once with the same checks as loading the model, and
# undoes a change that fails them: the files are written only by `save()`, atomically (a
# temporary file, then a rename), and keep their layout and comments, so `git diff` shows
# only the lines that changed.
#
# **Which priors folder?** `TWITCHDX_PRIORS`, or by default a fresh temporary copy of the
# project's `priors/`. The edit below is a *demonstration*: it runs on a copy. To make a real
# change, set `TWITCHDX_PRIORS=priors`, replace the edit with yours and set `DEMO = False`.

# %%
import os
import sys
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

try:
    import model
except ImportError:  # a fresh clone without `pip install -e .`: use the repository
    sys.path.insert(0, str(Path.cwd().resolve().parent))
    import model
from model.cases import load_cases
from model.edit import Editor, scratch_copy
from model.knowledge import DEFAULT_PRIORS

pd.set_option("display.width", 160)

PRIORS = Path(os.environ.get("TWITCHDX_PRIORS") or scratch_copy())
DEMO = True
if DEMO and PRIORS.resolve() == DEFAULT_PRIORS.resolve():
    raise SystemExit("This notebook's demonstration edit would change the real priors/: run it on "
                     "a copy (unset TWITCHDX_PRIORS), or replace the edit and set DEMO = False.")
print("priors folder:", PRIORS)

# %% [markdown]
# ## The model before

# %%
before = model.load(PRIORS)
cases = load_cases(vocabulary=before)
print(f"{len(before.nodes)} nodes, {len(before.kb.params)} parameters, {len(cases)} teaching "
      "cases")

# %% [markdown]
# ## The parameter to change
#
# How often does a patient with active loss of lower motor neurons (ALS, SMA) have visible
# twitching? The link `fasciculations <- motor_neuron_loss` uses the proportion of patients
# with fasciculations on inspection (Reimers et al. 1996). Suppose the modeller prefers the
# self-reported figure of the US ALS registry (Raymond et al. 2019: 56% ever had twitching),
# already in the bibliography as `raymond2019`.
#
# A parameter is addressed by its node and its path inside the node, as in `Param.path`:
# `("links", parent, parent_state)`, `("leak", stratum, ...)`, `("prior",)`,
# `("rows", "0", state)`.

# %%
NODE, PATH = "fasciculations", ("links", "motor_neuron_loss", "yes")
editor = Editor(PRIORS)
old = editor.parameter(NODE, PATH)
print(f"{old.name} = {old.value} [{old.low}, {old.high}], source {old.source}")
print("note:", old.note)
print("citation:", editor.kb.sources[old.source]["citation"])

# %% [markdown]
# ## Mistakes are caught at once
#
# A probability outside [0, 1], a typo in an id or an unknown state gives the loader's message
# (file, node, field) and leaves both the editor and the files as they were.

# %%
files_before = {p.name: p.read_bytes() for p in PRIORS.glob("*.yaml")}
mistakes = [
    lambda: editor.set_parameter(NODE, PATH, value=1.2),
    lambda: editor.set_parameter(NODE, PATH, source="raymond2091"),
    lambda: editor.add_link("twitch_tongue", "spinal_muscular_atrophy", "maybe", 0.3,
                            [0.1, 0.5], "expert", "typo in the state"),
]
for mistake in mistakes:
    try:
        mistake()
    except model.KnowledgeBaseError as exc:
        print("KnowledgeBaseError:", exc, "\n")
assert editor.diff() == "", "a failed edit must leave nothing pending"
assert files_before == {p.name: p.read_bytes() for p in PRIORS.glob("*.yaml")}
print("nothing pending, files untouched")

# %% [markdown]
# ## The edit

# %%
new = editor.set_parameter(
    NODE, PATH, value=0.56, range=[0.45, 0.7], source="raymond2019",
    note="Demonstration edit: 56% of the US ALS registry reported twitching at some time "
         "(self-report), used instead of fasciculations seen on inspection")
print(f"{new.name} = {new.value} [{new.low}, {new.high}], source {new.source}")
print("citation:", editor.kb.sources[new.source]["citation"])
print()
print(editor.diff())

# %% [markdown]
# ## Every teaching case, before and after
#
# `editor.model()` builds the edited model before anything is saved. For each case we compare
# the whole differential (every condition, state and unobserved exposure).

# %%
after = editor.model()


def differentials(m) -> pd.DataFrame:
    frames = []
    for case in cases:
        d = m.differential(case["evidence"])[["id", "label", "probability"]]
        d.insert(0, "case", case["id"])
        d["rank"] = np.arange(1, len(d) + 1)
        frames.append(d)
    return pd.concat(frames, ignore_index=True)


d_before, d_after = differentials(before), differentials(after)
moves = d_before.merge(d_after, on=["case", "id", "label"], suffixes=("_before", "_after"))
moves["change"] = moves["probability_after"] - moves["probability_before"]
moves["ratio"] = moves["probability_after"] / moves["probability_before"]
movers = moves.reindex(moves["change"].abs().sort_values(ascending=False).index).head(15)
print("Biggest movers (case, entry):")
print(movers[["case", "id", "probability_before", "probability_after", "change", "rank_before",
              "rank_after"]].to_string(index=False, float_format=lambda x: f"{x:.4g}"))

# %%
per_case = []
for case in cases:
    b = d_before[d_before["case"] == case["id"]]
    a = d_after[d_after["case"] == case["id"]]
    diag = case["diagnosis"]
    p_b = b.loc[b["id"] == diag, "probability"]
    p_a = a.loc[a["id"] == diag, "probability"]
    per_case.append({
        "case": case["id"], "diagnosis": diag,
        "P(diagnosis) before": p_b.iloc[0] if len(p_b) else np.nan,
        "P(diagnosis) after": p_a.iloc[0] if len(p_a) else np.nan,
        "first before": b["id"].iloc[0], "first after": a["id"].iloc[0],
        "largest change": moves.loc[moves["case"] == case["id"], "change"].abs().max(),
    })
per_case = pd.DataFrame(per_case).sort_values("largest change", ascending=False)
moved = per_case[per_case["largest change"] >= 1e-3]
print(f"Cases whose differential moved by at least 0.001 ({len(moved)} of {len(cases)}; "
      "P(diagnosis) is blank where the diagnosis is itself in the evidence):")
print(moved.to_string(index=False, float_format=lambda x: f"{x:.4g}", na_rep=""))
changed_first = per_case[per_case["first before"] != per_case["first after"]]
print(f"\nThe first entry of the differential changed in {len(changed_first)} of {len(cases)} "
      "cases")

# %%
top = movers.head(10).assign(
    entry=lambda d: d["case"] + ": " + d["id"],
    direction=lambda d: np.where(d["change"] > 0, "raised", "lowered"))
chart = alt.Chart(top, title=f"{new.name}: {old.value} -> {new.value}").mark_bar().encode(
    y=alt.Y("entry:N", sort=None, title=None, axis=alt.Axis(labelLimit=0)),
    x=alt.X("change:Q", title="change in probability (after - before)"),
    color=alt.Color("direction:N", scale=alt.Scale(domain=["raised", "lowered"],
                                                   range=["#c2410c", "#2a9d8f"]), title=None))
chart.to_dict()  # checks the specification
chart  # noqa: B018  (a notebook shows its last expression)

# %% [markdown]
# ## Save, reload, confirm

# %%
written = editor.save()
print("written:", [p.name for p in written])
assert [p.name for p in written] == [old.file], written
assert editor.diff() == ""

reloaded = model.load(PRIORS)
param = next(p for p in reloaded.kb.params if p.node == NODE and p.path == PATH)
print(f"reloaded: {param.name} = {param.value} [{param.low}, {param.high}], source "
      f"{param.source}")
assert (param.value, param.low, param.high, param.source) == (0.56, 0.45, 0.7, "raymond2019")
assert len(reloaded.kb.params) == len(before.kb.params)

d_reloaded = differentials(reloaded)
assert np.allclose(d_reloaded["probability"], d_after["probability"])
print("the saved model gives the same differentials as the edited one")

# %% [markdown]
# Every other parameter is as it was:

# %%
unchanged = [(p.name, p.value, p.low, p.high, p.source) for p in before.kb.params
             if (p.node, p.path) != (NODE, PATH)]
now = [(p.name, p.value, p.low, p.high, p.source) for p in reloaded.kb.params
       if (p.node, p.path) != (NODE, PATH)]
assert unchanged == now
print(f"{len(now)} other parameters unchanged")
