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
# # 3. Sensitivity and uncertainty
#
# Every parameter in `priors/` has a plausible range beside its value. This notebook asks
# three questions of those ranges:
#
# 1. **Sensitivity** (`m.sensitivity`): for one case and one target, which parameters move
#    the answer most when each is swept across its range? (a tornado chart)
# 2. **Uncertainty** (`m.uncertainty`): sampling every parameter within its range at once, how
#    wide is each entry of the differential?
# 3. **Where would better literature help most?** Which parameters have the widest ranges, and
#    which of them actually move the teaching cases?
#
# **Which priors folder?** `TWITCHDX_PRIORS`, or by default a fresh temporary copy of
# `priors/` (this notebook only reads it).

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
from model.edit import scratch_copy
from model.present.charts import interval_spec, to_altair, tornado_rows, tornado_spec

pd.set_option("display.width", 160)
pd.set_option("display.max_colwidth", 70)

PRIORS = Path(os.environ.get("TWITCHDX_PRIORS") or scratch_copy())
print("priors folder:", PRIORS)
m = model.load(PRIORS)
cases = {c["id"]: c for c in load_cases(vocabulary=m)}

# %% [markdown]
# ## The case
#
# The commonest real presentation: a healthy, anxious person with twitching who fears ALS and
# has a normal examination. How sure can the model be that it is *not* ALS?

# %%
CASE_ID, TARGET = "colleague_self_diagnosed_mnd", "als"
case = cases.get(CASE_ID) or next(c for c in cases.values() if TARGET not in c["evidence"])
ev = case["evidence"]
print(case["title"])
print("evidence:", ev)
p_target = m.differential(ev).set_index("id").loc[TARGET, "probability"]
print(f"P({TARGET} | evidence) = {p_target:.3g}")

# %% [markdown]
# ## 1. Tornado chart
#
# Each bar sweeps one parameter from the low to the high end of its range, all others at their
# values. Parameters that cannot reach the target given the evidence have no effect and are
# left out.

# %%
sens = m.sensitivity(ev, TARGET, top=15)
point = sens.attrs["point"]
print(sens[["parameter", "value", "low", "high", "source", "result_low", "result_high",
            "swing"]].to_string(index=False, float_format=lambda x: f"{x:.3g}"))

# %% [markdown]
# The app's tornado chart (`model.present.charts`), drawn here through Altair.

# %%
chart = to_altair(tornado_spec(tornado_rows(m, sens, point), point))
chart.to_dict()  # checks the specification
chart  # noqa: B018  (a notebook shows its last expression)

# %% [markdown]
# ## 2. Uncertainty intervals
#
# `m.uncertainty` samples every parameter from a distribution whose median is its value and
# whose 5th and 95th percentiles are the ends of its range, and reports a 90% interval for each
# entry of the differential.

# %%
unc = m.uncertainty(ev, samples=1000, seed=0, level=0.9)
shown = unc.head(12)
print(shown[["id", "label", "probability", "low", "high"]].to_string(
    index=False, float_format=lambda x: f"{x:.3g}"))
row = unc.set_index("id").loc[TARGET]
print(f"\n{TARGET}: {row['probability']:.3g} (90% interval {row['low']:.3g} to "
      f"{row['high']:.3g})")
assert (unc["low"] <= unc["high"]).all()

# %%
plot = pd.concat([shown, unc[unc["id"] == TARGET]]).drop_duplicates("id")
chart = to_altair(interval_spec(plot))
chart.to_dict()  # checks the specification
chart  # noqa: B018  (a notebook shows its last expression)

# %% [markdown]
# ## 3. Where would better literature help most?
#
# A range's width is best read on the log-odds scale: [0.00001, 0.0001] is as uncertain (ten
# times) as [0.1, 0.53]. The widest ranges are candidates for a literature search, but only
# if the parameter matters, so we also sweep every parameter for the diagnosis of every
# teaching case and add up the swings.

# %%
def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1 - p)))


params = pd.DataFrame([{
    "parameter": p.name, "value": p.value, "low": p.low, "high": p.high, "source": p.source,
    "width": p.high - p.low, "log_odds_width": logit(p.high) - logit(p.low),
} for p in m.kb.params])
params["expert"] = params["source"] == "expert"
print(f"{len(params)} parameters, {params['expert'].mean():.0%} expert estimates")
print("\nWidest ranges (log-odds scale):")
print(params.sort_values("log_odds_width", ascending=False).head(15).to_string(
    index=False, float_format=lambda x: f"{x:.3g}"))

# %%
swings = []
for c in cases.values():
    if c["diagnosis"] in c["evidence"]:
        continue  # an observed diagnosis has nothing left to be sensitive about
    s = m.sensitivity(c["evidence"], c["diagnosis"], top=None)
    s = s[np.isfinite(s["swing"]) & (s["swing"] > 0)]
    swings.append(s[["parameter", "swing"]].assign(case=c["id"]))
swings = pd.concat(swings, ignore_index=True)
influence = swings.groupby("parameter").agg(total_swing=("swing", "sum"),
                                            cases=("case", "nunique"))
params = params.merge(influence, left_on="parameter", right_index=True, how="left").fillna(
    {"total_swing": 0.0, "cases": 0})
priority = params.sort_values("total_swing", ascending=False).head(15)
print("Parameters that move the teaching cases' diagnoses most (sum of swings over cases):")
print(priority[["parameter", "value", "low", "high", "source", "log_odds_width", "total_swing",
                "cases"]].to_string(index=False, float_format=lambda x: f"{x:.3g}"))
n_expert = int(priority["expert"].sum())
print(f"\n{n_expert} of these {len(priority)} are expert estimates: a published figure for "
      "them would narrow the model's answers most.")

# %%
points = params.assign(kind=np.where(params["expert"], "expert", "cited"),
                       swing=params["total_swing"] + 1e-6)
chart = alt.Chart(points, title="Wide and influential (top right): where better literature "
                  "would help most").mark_circle(size=30, opacity=0.7).encode(
    x=alt.X("log_odds_width:Q", title="range width (log-odds)"),
    y=alt.Y("swing:Q", scale=alt.Scale(type="log"),
            title="summed swing over the teaching cases (log; 0 shown at 1e-6)"),
    color=alt.Color("kind:N", scale=alt.Scale(domain=["cited", "expert"],
                                              range=["#1d4ed8", "#c2410c"]), title=None),
    tooltip=["parameter:N", "total_swing:Q", "log_odds_width:Q"])
chart.to_dict()  # checks the specification
chart  # noqa: B018  (a notebook shows its last expression)
