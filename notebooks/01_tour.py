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
# # 1. A tour of TwitchDx
#
# TwitchDx is a Bayesian network for the differential diagnosis of muscle twitching. Every
# number in it lives in `priors/` as data, with a plausible range and a source. This notebook
# loads the model, lists its vocabulary, draws the network, runs one teaching case and reads
# the differential back to the publications behind it.
#
# *A teaching aid, not a diagnostic device.*
#
# **Which priors folder?** The notebook reads the folder named by the environment variable
# `TWITCHDX_PRIORS`; without it, it works on a fresh temporary copy of the project's
# `priors/`, so nothing you do here can change the real files.

# %%
import os
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.collections import LineCollection

try:
    import model
except ImportError:  # a fresh clone without `pip install -e .`: use the repository
    sys.path.insert(0, str(Path.cwd().resolve().parent))
    import model
from model.cases import load_cases
from model.edit import scratch_copy

pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 80)

PRIORS = Path(os.environ.get("TWITCHDX_PRIORS") or scratch_copy())
print("priors folder:", PRIORS)

# %% [markdown]
# ## Load the model
#
# `model.load(folder)` reads every YAML file, runs all the checks of the knowledge base (a
# mistake is reported with its file, node and field) and builds the network.

# %%
m = model.load(PRIORS)
print(model.DISCLAIMER)
print(f"\n{len(m.nodes)} nodes, {len(m.kb.params)} parameters, {len(m.kb.sources)} sources")

# %% [markdown]
# ## The vocabulary
#
# Each node has an id (used in evidence), plain-words label, role and ordered states (the
# first is the baseline: "no", "normal", "none", ...). Roles run from cause to effect:
# context and exposures, physiological states, conditions, latent mechanisms, findings.

# %%
ROLE_ORDER = ["context", "exposure", "state", "condition", "mechanism", "finding"]
vocabulary = pd.DataFrame(
    [{"id": n.id, "role": n.role, "group": n.group, "label": n.label,
      "states": ", ".join(n.states), "parents": len(n.parents), "serious": n.serious}
     for n in m.nodes.values()])
vocabulary["role"] = pd.Categorical(vocabulary["role"], ROLE_ORDER, ordered=True)
vocabulary = vocabulary.sort_values(["role", "group", "id"]).reset_index(drop=True)
print(vocabulary.groupby("role", observed=True).size().to_string())

# %%
print(vocabulary[vocabulary["role"].isin(["condition", "state"])]
      .to_string(index=False))

# %%
print(vocabulary[vocabulary["role"] == "finding"][["id", "group", "label", "states"]]
      .to_string(index=False))

# %% [markdown]
# ## The network
#
# One row per role, causes at the top; the findings are split into the twitching itself,
# other symptoms and signs, and tests.

# %%
def layer(node) -> str:
    if node.role == "finding":
        return {"The twitching": "twitching", "Tests": "tests"}.get(node.group, "symptoms, signs")
    if node.role == "context":
        return "exposure"
    return node.role


LAYERS = ["exposure", "state", "condition", "mechanism", "twitching", "symptoms, signs", "tests"]
COLOURS = {"exposure": "#4e79a7", "state": "#f28e2b", "condition": "#e15759",
           "mechanism": "#76b7b2", "twitching": "#edc948", "symptoms, signs": "#59a14f",
           "tests": "#b07aa1"}
members = {name: [n for n in m.ids if layer(m.nodes[n]) == name] for name in LAYERS}
pos = {}
for row, name in enumerate(LAYERS):
    ids = members[name]
    stagger = max(1, -(-len(ids) // 12))  # crowded rows are spread over sub-rows
    for i, nid in enumerate(ids):
        pos[nid] = ((i + 0.5) / len(ids), -row - 0.25 * (i % stagger))

edges = [(pos[p], pos[n.id]) for n in m.nodes.values() for p in n.parents]
fig, ax = plt.subplots(figsize=(18, 13))
ax.add_collection(LineCollection(edges, colors="0.75", linewidths=0.5, zorder=1))
for name in LAYERS:
    xy = [pos[n] for n in members[name]]
    ax.scatter([x for x, _ in xy], [y for _, y in xy], s=60, color=COLOURS[name], zorder=2,
               label=f"{name} ({len(xy)})")
    for nid in members[name]:
        x, y = pos[nid]
        ax.annotate(nid, (x, y), fontsize=6, rotation=35, ha="left", va="bottom",
                    xytext=(2, 2), textcoords="offset points")
ax.set_axis_off()
ax.legend(loc="lower left", fontsize=9, ncols=7, bbox_to_anchor=(0, -0.05))
ax.set_title(f"TwitchDx: {len(m.nodes)} nodes, {len(edges)} links (causes above effects)")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## A teaching case
#
# The teaching cases in `model/cases/` are presentations modelled on published case reports
# and series. Each gives the evidence, the diagnosis a good clinician would rank first, and
# the source.

# %%
cases = load_cases(vocabulary=m)
case = next((c for c in cases if c["id"] == "colleague_self_diagnosed_mnd"),
            next(c for c in cases if c["diagnosis"] not in c["evidence"]))
print(case["title"])
print(case["summary"])
print("source:", case["source"]["citation"])
print("\nevidence:")
for node_id, state in case["evidence"].items():
    print(f"  {m.nodes[node_id].label}: {m.nodes[node_id].state_label(state)}"
          f"   ({node_id}={state})")
print("\nexpected first:", case["diagnosis"])

# %% [markdown]
# ## The differential
#
# `m.differential(evidence)` ranks every condition, state and unobserved exposure by its
# probability given the evidence, with its prior (no evidence) beside it.

# %%
ev = case["evidence"]
differential = m.differential(ev)
print(differential.head(12).to_string(index=False, float_format=lambda x: f"{x:.4f}"))
rank = differential.index[differential["id"] == case["diagnosis"]][0] + 1
print(f"\n'{case['diagnosis']}' is ranked {rank} of {len(differential)}")

# %%
top = differential.head(10).iloc[::-1]
fig, ax = plt.subplots(figsize=(8, 4.5))
ax.barh(top["label"], top["prior"], color="0.8", label="prior")
ax.barh(top["label"], top["probability"], color="#4e79a7", height=0.45,
        label="given the evidence")
ax.set_xscale("log")
ax.set_xlabel("probability (log scale)")
ax.legend()
ax.set_title(case["title"], fontsize=9)
fig.tight_layout()
plt.show()

# %% [markdown]
# Common things are common: a high prior keeps everyday exposures near the top of the
# differential even when the evidence says little about them. When the patient reports
# twitching, `m.causes(evidence)` asks a sharper question: how likely is each entry to be
# present *and* the reason for the twitching (the twitching would not be there without it)?
# The teaching-case evaluation ranks twitching cases this way.

# %%
causes = m.causes(ev)
print(causes.head(8).to_string(index=False, float_format=lambda x: f"{x:.4f}"))
rank = causes.index[causes["id"] == case["diagnosis"]][0] + 1
print(f"\n'{case['diagnosis']}' is ranked {rank} of {len(causes)} as a cause of the twitching")

# %% [markdown]
# ## Why, and on whose authority
#
# `m.why(evidence, target)` splits the change from prior to posterior into each observation's
# likelihood ratio. The numbers behind the target come from `priors/`: its own prevalence
# (prior or leak) and the links from it to the findings, each with its source.

# %%
target = case["diagnosis"]
why = m.why(ev, target)
print(f"P({target}): prior {why.prior:.4g} -> given the evidence {why.posterior:.4g}")
print(why.contributions.to_string(index=False, float_format=lambda x: f"{x:.3g}"))


# %%
def cite(key: str) -> str:
    if key == "expert":
        return "expert estimate (see note)"
    entry = m.kb.sources[key]
    return entry["citation"] + (f" {entry['url']}" if entry.get("url") else "")


behind = [p for p in m.kb.params
          if p.node == target or (p.path[:1] == ("links",) and p.path[1] == target)]
table = pd.DataFrame([{"parameter": p.name, "value": p.value, "range": f"[{p.low:g}, {p.high:g}]",
                       "source": p.source} for p in behind])
print(table.to_string(index=False))
print()
for key in sorted({p.source for p in behind}):
    print(f"- {key}: {cite(key)}")

# %% [markdown]
# ## What to ask or test next
#
# `m.next_tests(evidence)` ranks every unobserved finding by its expected information gain
# (bits) about the differential, with its cost tier (question < examination < blood test <
# specialist test); `objective="serious"` asks instead how much a finding would settle whether
# any serious condition is present. `m.test_outcomes` shows how the top of the differential
# would move under each result of the best candidate.

# %%
nxt = m.next_tests(ev)
print(nxt.head(8).to_string(index=False, float_format=lambda x: f"{x:.3f}"))
best = nxt.iloc[0]["id"]
outcomes = m.test_outcomes(ev, best, top=4)
print(f"\nIf we ask about '{m.nodes[best].label}':")
print(outcomes[["outcome_label", "outcome_probability", "label", "now", "probability"]]
      .to_string(index=False, float_format=lambda x: f"{x:.3g}"))
assert (nxt["information_gain"] >= 0).all()
