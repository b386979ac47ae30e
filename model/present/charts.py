"""Vega-Lite chart specs (plain dicts) shared by the app and the notebooks.

Streamlit draws them with ``st.vega_lite_chart(spec)``; a notebook shows the same object with
``altair.Chart.from_dict(spec)`` (see :func:`to_altair`). Each spec names itself in
``usermeta.chart`` so tests can find it. Every label and legend is given room enough never to
be cut off (``labelLimit`` 0 means no limit in Vega-Lite).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .format import format_probability, format_ratio, logit

BENIGN, SERIOUS = "Benign or self-limiting", "Serious"
COLOURS = {BENIGN: "#2a9d8f", SERIOUS: "#c2410c"}
NOW, BEFORE = "With this evidence", "Before any evidence"
LOG_TICKS = (1e-5, 1e-4, 1e-3, 1e-2, 0.1, 1.0)
_LOG_LABELS = ("datum.value < 0.00005 ? '1 in 100,000' : datum.value < 0.0005 ? '1 in 10,000' : "
               "datum.value < 0.005 ? '1 in 1,000' : format(datum.value, '.0%')")
_NICE = (1e-5, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999)
_FLOOR = 1e-5  # log axes have no zero: rarer values are drawn at 1 in 100,000
# Long entry names wrap onto lines of at most WRAP_WIDTH characters (never cut), so that on a
# phone the label column leaves room for the bars, the value labels and the legend. Two lines fit
# an entry's row; a third runs into its neighbours, which is why Vega's default then hides every
# other label: the axis draws all labels, and priors labels are kept to two lines (tested).
WRAP_WIDTH = 28
WRAP_LABEL = (f"split(trim(replace(datum.label, regexp('(.{{1,{WRAP_WIDTH}}})( +|$)', 'g'), "
              "'$1\\n')), '\\n')")


def category(serious: bool) -> str:
    """The colour category of an entry: serious (a disease not to miss) or benign."""
    return SERIOUS if serious else BENIGN


def differential_rows(df: pd.DataFrame) -> list[dict]:
    """Chart rows (now and before any evidence) from a differential with columns
    ``id, label, probability, prior, serious``."""
    rows = []
    for r in df.itertuples(index=False):
        for kind, p in ((NOW, r.probability), (BEFORE, r.prior)):
            rows.append({"id": r.id, "label": r.label, "kind": kind, "probability": float(p),
                         "shown": max(float(p), _FLOOR), "text": format_probability(p),
                         "category": category(bool(r.serious))})
    return rows


def differential_spec(rows: list[dict], *, log_scale: bool = False,
                      x_max: float | None = None, ranges: list[dict] | None = None,
                      name: str = "differential") -> dict:
    """Horizontal bars, one pair per entry: now (solid) and before any evidence (faded).

    ``rows`` come from :func:`differential_rows`; ``ranges`` (optional) are
    ``{"label", "low", "high", "range_text"}`` error bars for the 'now' bars.
    """
    order = list(dict.fromkeys(r["label"] for r in rows if r["kind"] == NOW))
    high = {r["label"]: r["high"] for r in ranges or []}
    rows = [dict(r) for r in rows]
    for r in rows:  # the value label sits right of the bar, or of its error bar
        r["text_x"] = max(r["shown"], high.get(r["label"], 0.0))
    top = x_max or max([r["text_x"] for r in rows] or [1.0])
    # room on the right for the value label (e.g. "48.7%") beyond the longest bar
    x_scale: dict[str, Any] = ({"type": "log", "domain": [LOG_TICKS[0], 3.0]} if log_scale
                               else {"domain": [0, min(1.25, max(0.06, top * 1.22))],
                                     "nice": False})
    y = {"field": "label", "type": "nominal", "sort": order, "title": None,
         "axis": {"labelLimit": 0, "labelFontSize": 13, "labelExpr": WRAP_LABEL,
                  "labelOverlap": False}}
    axis: dict[str, Any] = {"format": ".0%", "grid": True, "values": [
        v / 10 for v in range(0, 11)]}
    if log_scale:
        axis = {"grid": True, "values": list(LOG_TICKS), "labelExpr": _LOG_LABELS}
    x = {"field": "shown", "type": "quantitative", "scale": x_scale, "axis": axis,
         "title": "Probability (log scale)" if log_scale else "Probability"}
    bar_from = {"x2": {"datum": LOG_TICKS[0]}} if log_scale else {}
    y_offset = {"field": "kind", "type": "nominal", "sort": [NOW, BEFORE]}
    layers: list[dict] = [
        {"mark": {"type": "bar", "cornerRadiusEnd": 2, "height": {"band": 0.9}},
         "encoding": {
             "y": y, "x": x, **bar_from, "yOffset": y_offset,
             "color": {"field": "category", "type": "nominal", "title": None,
                       "scale": {"domain": [BENIGN, SERIOUS],
                                 "range": [COLOURS[BENIGN], COLOURS[SERIOUS]]},
                       "legend": {"orient": "top", "labelLimit": 0, "direction": "vertical"}},
             "opacity": {"field": "kind", "type": "nominal", "title": None,
                         "scale": {"domain": [NOW, BEFORE], "range": [1.0, 0.3]},
                         "legend": {"orient": "bottom", "labelLimit": 0,
                                    "direction": "vertical"}},
             "tooltip": [{"field": "label", "title": "Entry"},
                         {"field": "kind", "title": "When"},
                         {"field": "text", "title": "Probability"}]}},
        {"transform": [{"filter": {"field": "kind", "equal": NOW}}],
         "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 12},
         "encoding": {"y": y, "x": {**x, "field": "text_x"}, "yOffset": y_offset,
                      "text": {"field": "text"}}},
    ]
    if ranges:
        layers.append({
            "data": {"values": ranges},
            "mark": {"type": "rule", "strokeWidth": 2, "color": "#1f2937"},
            "encoding": {"y": y, "x": {**x, "field": "low"}, "x2": {"field": "high"},
                         "yOffset": y_offset,
                         "tooltip": [{"field": "label", "title": "Entry"},
                                     {"field": "range_text", "title": "90% range"}]}})
    return {"usermeta": {"chart": name}, "data": {"values": rows},
            "height": {"step": 15}, "layer": layers,
            "config": {"axis": {"labelFontSize": 12}, "legend": {"labelFontSize": 12}}}


def uncertainty_ranges(u: pd.DataFrame, ids: Iterable[str]) -> list[dict]:
    """Error-bar rows for :func:`differential_spec` from ``m.uncertainty`` output."""
    keep = set(ids)
    return [{"label": r.label, "kind": NOW, "low": max(float(r.low), _FLOOR),
             "high": max(float(r.high), _FLOOR),
             "range_text": f"{format_probability(r.low)} – {format_probability(r.high)}"}
            for r in u.itertuples(index=False) if r.id in keep]


def waterfall_rows(prior: float, posterior: float, steps: Iterable[Mapping[str, Any]]) -> list:
    """Rows for :func:`waterfall_spec`: a start bar, one bar per evidence item (each with
    ``name``, ``log_odds_change``, ``likelihood_ratio``, ``probability_after``), an end bar."""
    rows, cur = [], logit(prior)
    rows.append({"step": f"Before any evidence: {format_probability(prior)}",
                 "start": cur - 0.05, "end": cur + 0.05, "right": cur + 0.05,
                 "after": "", "direction": "start / result",
                 "detail": f"prior {format_probability(prior)}"})
    for s in steps:
        change = float(s["log_odds_change"])
        rows.append({"step": str(s["name"]), "start": cur, "end": cur + change,
                     "right": max(cur, cur + change),
                     "after": format_probability(s["probability_after"]),
                     "direction": "raises it" if change > 0 else "lowers it",
                     "detail": f"likelihood ratio {format_ratio(float(s['likelihood_ratio']))};"
                               f" after: {format_probability(s['probability_after'])}"})
        cur += change
    end = logit(posterior)
    rows.append({"step": f"With all the evidence: {format_probability(posterior)}",
                 "start": end - 0.05, "end": end + 0.05, "right": end + 0.05, "after": "",
                 "direction": "start / result",
                 "detail": f"posterior {format_probability(posterior)}"})
    return rows


def waterfall_spec(rows: list[dict]) -> dict:
    """Log-odds steps of one entry's probability, one bar per evidence item in entry order;
    the axis is labelled in probability at round values."""
    lab = "format(1/(1+exp(-datum.value)), '.3~%')"
    order = [r["step"] for r in rows]
    lo = min(min(r["start"], r["end"]) for r in rows)
    hi = max(max(r["start"], r["end"]) for r in rows)
    ticks = [logit(p) for p in _NICE if lo - 0.5 <= logit(p) <= hi + 0.5]
    return {
        "usermeta": {"chart": "why"}, "data": {"values": rows}, "height": {"step": 30},
        "layer": [
            {"mark": {"type": "bar", "height": {"band": 0.7}},
             "encoding": {
                 "y": {"field": "step", "type": "nominal", "sort": order, "title": None,
                       "axis": {"labelLimit": 0, "labelFontSize": 12}},
                 "x": {"field": "start", "type": "quantitative", "title": "Probability "
                       "(log-odds scale: each finding adds its weight)",
                       "axis": {"labelExpr": lab, "values": ticks},
                       "scale": {"zero": False, "domainMax": hi + 1.2}},
                 "x2": {"field": "end"},
                 "color": {"field": "direction", "type": "nominal", "title": None,
                           "scale": {"domain": ["raises it", "lowers it", "start / result"],
                                     "range": ["#c2410c", "#2a9d8f", "#64748b"]},
                           "legend": {"orient": "top", "labelLimit": 0}},
                 "tooltip": [{"field": "step", "title": "Step"},
                             {"field": "detail", "title": "Effect"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 5, "fontSize": 12},
             "encoding": {"y": {"field": "step", "type": "nominal", "sort": order},
                          "x": {"field": "right", "type": "quantitative"},
                          "text": {"field": "after"}}},
        ]}


def tornado_spec(rows: list[dict], base: float) -> dict:
    """One bar per parameter: the entry's probability with that parameter at the low and at
    the high end of its range (rows: ``parameter, end, base, result`` ...)."""
    order = list(dict.fromkeys(r["parameter"] for r in rows))
    return {
        "usermeta": {"chart": "tornado"}, "data": {"values": rows}, "height": {"step": 26},
        "layer": [
            {"mark": {"type": "bar", "height": {"band": 0.75}},
             "encoding": {
                 "y": {"field": "parameter", "type": "nominal", "sort": order, "title": None,
                       "axis": {"labelLimit": 0, "labelFontSize": 12}},
                 "x": {"field": "base", "type": "quantitative", "title": "Probability of the "
                       "entry explained", "axis": {"format": "~%"}, "scale": {"zero": False}},
                 "x2": {"field": "result"},
                 "color": {"field": "end", "type": "nominal", "title": None,
                           "scale": {"domain": ["parameter at its low end",
                                                "parameter at its high end"],
                                     "range": ["#0ea5e9", "#f59e0b"]},
                           "legend": {"orient": "top", "labelLimit": 0}},
                 "tooltip": [{"field": "full", "title": "Parameter"},
                             {"field": "range_text", "title": "Range"},
                             {"field": "result_text", "title": "Result"}]}},
            {"data": {"values": [{"base": base}]},
             "mark": {"type": "rule", "color": "#111827", "strokeDash": [4, 3]},
             "encoding": {"x": {"field": "base", "type": "quantitative"}}},
        ]}


def tornado_rows(m: Any, sensitivity: pd.DataFrame, base: float) -> list[dict]:
    """Rows for :func:`tornado_spec` from ``m.sensitivity`` output."""
    from .format import describe_parameter, short_parameter

    params = {p.name: p for p in m.kb.params}
    rows = []
    for r in sensitivity.itertuples(index=False):
        p = params.get(str(r.parameter))
        name = short_parameter(m, p) if p is not None else f"{r.label} ({r.parameter})"
        rng = (f"{format_probability(r.low)} – {format_probability(r.high)} "
               f"(now {format_probability(r.value)})")
        res = f"{format_probability(r.result_low)} – {format_probability(r.result_high)}"
        for end, result in (("parameter at its low end", r.result_low),
                            ("parameter at its high end", r.result_high)):
            rows.append({"parameter": name, "name": str(r.parameter), "end": end, "base": base,
                         "full": describe_parameter(m, p) if p is not None else name,
                         "result": float(result), "range_text": rng, "result_text": res})
    return rows


def icon_array_spec(count: int, denominator: int, colour: str, what: str) -> dict:
    """``count`` filled squares out of ``denominator`` (natural frequencies)."""
    cols = 50 if denominator >= 1000 else 10
    cells = [{"col": i % cols, "row": i // cols,
              "who": what if i < count else "everyone else"} for i in range(denominator)]
    return {
        "usermeta": {"chart": "icon array"}, "data": {"values": cells},
        "width": {"step": 12}, "height": {"step": 12},
        "mark": {"type": "square", "size": 80, "filled": True},
        "encoding": {
            "x": {"field": "col", "type": "ordinal", "axis": None},
            "y": {"field": "row", "type": "ordinal", "axis": None},
            "color": {"field": "who", "type": "nominal", "title": None,
                      "scale": {"domain": [what, "everyone else"],
                                "range": [colour, "#d1d5db"]},
                      "legend": {"orient": "top", "labelLimit": 0}}},
        "config": {"view": {"stroke": None}}}


def interval_spec(df: pd.DataFrame, name: str = "intervals") -> dict:
    """Point value with its interval per entry (``m.uncertainty`` output: ``label,
    probability, low, high``), log axis."""
    rows = [{"label": r.label, "p": max(float(r.probability), _FLOOR),
             "low": max(float(r.low), _FLOOR), "high": max(float(r.high), _FLOOR),
             "text": f"{format_probability(r.probability)} "
                     f"({format_probability(r.low)} – {format_probability(r.high)})"}
            for r in df.itertuples(index=False)]
    order = [r["label"] for r in rows]
    y = {"field": "label", "type": "nominal", "sort": order, "title": None,
         "axis": {"labelLimit": 0}}
    x_scale = {"type": "log", "domain": [LOG_TICKS[0], 1]}
    axis = {"values": list(LOG_TICKS), "labelExpr": _LOG_LABELS}
    return {
        "usermeta": {"chart": name}, "data": {"values": rows}, "height": {"step": 20},
        "layer": [
            {"mark": {"type": "rule", "strokeWidth": 2},
             "encoding": {"y": y, "x": {"field": "low", "type": "quantitative",
                                        "scale": x_scale, "axis": axis,
                                        "title": "Probability (90% interval, log scale)"},
                          "x2": {"field": "high"}}},
            {"mark": {"type": "point", "filled": True, "size": 60, "color": "#1d4ed8"},
             "encoding": {"y": y, "x": {"field": "p", "type": "quantitative"},
                          "tooltip": [{"field": "text", "title": "Probability"}]}},
        ]}


def bars_spec(df: pd.DataFrame, value: str, label: str = "label", title: str = "",
              name: str = "bars", percent: bool = True) -> dict:
    """Simple horizontal bars of one column (e.g. top-k accuracy, a ranking)."""
    rows = [{"label": str(getattr(r, label)), "value": float(getattr(r, value)),
             "text": format_probability(float(getattr(r, value))) if percent
             else f"{float(getattr(r, value)):.3g}"} for r in df.itertuples(index=False)]
    order = [r["label"] for r in rows]
    y = {"field": "label", "type": "nominal", "sort": order, "title": None,
         "axis": {"labelLimit": 0}}
    x = {"field": "value", "type": "quantitative", "title": title,
         **({"axis": {"format": ".0%"}} if percent else {})}
    return {"usermeta": {"chart": name}, "data": {"values": rows}, "height": {"step": 18},
            "layer": [{"mark": {"type": "bar", "color": "#1d4ed8"},
                       "encoding": {"y": y, "x": x}},
                      {"mark": {"type": "text", "align": "left", "dx": 3},
                       "encoding": {"y": y, "x": x, "text": {"field": "text"}}}]}


def to_altair(spec: dict) -> Any:
    """The spec as an Altair chart (notebooks display it; ``.save("x.html")`` writes it)."""
    import altair as alt

    return alt.Chart.from_dict({"$schema": "https://vega.github.io/schema/vega-lite/v5.json",
                                "width": 480, **spec})
