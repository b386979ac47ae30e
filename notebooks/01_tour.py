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

import pandas as pd

try:
    import model
except ImportError:  # a fresh clone without `pip install -e .`: use the repository
    sys.path.insert(0, str(Path.cwd().resolve().parent))
    import model
from model.cases import load_cases
from model.edit import scratch_copy
from model.present.charts import differential_rows, differential_spec, to_altair
from model.present.network import network_dot

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
# The whole network is too big for one legible picture, so the notebook draws what the app
# draws: the neighbourhood of one node (its causes and effects), in columns from the patient to
# the findings, as Graphviz DOT text from `model.present.network.network_dot` (paste it into
# any Graphviz viewer, or render it with the `graphviz` package if you have it).

# %%
print(f"TwitchDx: {len(m.nodes)} nodes, "
      f"{sum(len(n.parents) for n in m.nodes.values())} links")
dot = network_dot(m, "als", depth=1)
print(dot[:600], "...")
assert '"als"' in dot

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

# %% [markdown]
# The same chart as the app's (one chart specification in `model.present.charts`, Vega-Lite,
# shown here through Altair): solid bars with the evidence, faded before any evidence.

# %%
chart = to_altair(differential_spec(differential_rows(differential.head(10)), log_scale=True))
chart.to_dict()  # checks the specification
chart  # noqa: B018  (a notebook shows its last expression)

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
