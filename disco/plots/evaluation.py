"""Plotly figures of the Evaluate page, from a saved evaluation result (no Streamlit).

Every code name (methods, builds, measures) is shown through :mod:`disco.plots.names`; the label tables below
are the page's table headers too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from disco.plots import names
from disco.plots.common import wrap_title

MARGIN = dict(t=60, b=20, l=20, r=20)
ORDER_COLUMNS = ("camelot_rate", "tempo_rate", "feature_step", "energy_change", "total_loss", "loss_per_transition",
                 "total_loss_dj", "loss_per_transition_dj", "relaxed_rate")
ORDER_LABELS = {c: names.measure(c) for c in ORDER_COLUMNS}
BUILD_LABELS = {"sweetness": "sweetness", "smoothness": "smoothness",
                **{c: names.measure(c) for c in ("camelot_rate", "tempo_rate", "feature_step", "step_ratio",
                                                 "energy_change", "peak_share", "relaxed_moves", "arc_error")}}
BUILD_ROW_LABELS = dict(names.BUILDS)


def bars(frame: pd.DataFrame, columns: Sequence[str], title: str) -> go.Figure:
    """Grouped bars: one group per row of ``frame`` (a method, by its code name), one bar per measure in
    ``columns``."""
    x = [names.method(m) for m in frame.index]
    fig = go.Figure([go.Bar(name=names.measure(c), x=x, y=frame[c].tolist()) for c in columns])
    fig.update_layout(barmode="group", title=dict(text=wrap_title(title), y=0.98, yanchor="top"), height=420,
                      margin=dict(MARGIN, t=95), legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
                      xaxis=dict(automargin=True))
    return fig


def sensitivity(rows: pd.DataFrame, metric: str, ranges: Mapping[str, tuple[float, float]] | None = None) -> go.Figure:
    """``metric`` against each slider's value, one panel per slider (the others at the DJ preset). ``ranges``:
    slider -> (low, high), the panel's x range (the slider's own); values outside it are left out. The preset's
    value is marked with a star."""
    sliders = list(dict.fromkeys(rows["slider"]))
    cols = 2 if len(sliders) > 1 else 1
    fig = make_subplots(rows=int(np.ceil(len(sliders) / cols)), cols=cols, subplot_titles=sliders,
                        vertical_spacing=0.18, horizontal_spacing=0.1)
    for k, slider in enumerate(sliders):
        part = rows[rows["slider"] == slider].sort_values("value")
        low, high = (ranges or {}).get(slider, (part["value"].min(), part["value"].max()))
        part = part[(part["value"] >= low - 1e-9) & (part["value"] <= high + 1e-9)]
        where = dict(row=k // cols + 1, col=k % cols + 1)
        fig.add_trace(go.Scatter(x=part["value"], y=part[metric], mode="lines+markers", name=slider,
                                 hovertemplate=f"{slider} %{{x:g}}: %{{y:.3f}}<extra></extra>"), **where)
        default = part[part.get("is_default", pd.Series(False, index=part.index)).astype(bool)]
        if len(default):
            fig.add_trace(go.Scatter(x=default["value"], y=default[metric], mode="markers", showlegend=False,
                                     name=f"{slider}: preset value", marker=dict(symbol="star", size=14,
                                                                                 color="#ff7f0e"),
                                     hovertemplate=f"preset: {slider} %{{x:g}}: %{{y:.3f}}<extra></extra>"), **where)
        pad = (high - low) * 0.03
        fig.update_xaxes(range=[low - pad, high + pad], title_text="slider value", **where)
    title = wrap_title(f"{names.measure(metric)} as one slider moves (others at the DJ preset; ★ the preset's "
                       "value)")
    fig.update_layout(title=title, height=260 * int(np.ceil(len(sliders) / cols)) + 80, margin=dict(MARGIN, t=80),
                      showlegend=False)
    return fig


def thirds(rows: Mapping[str, Mapping]) -> go.Figure:
    """Mean energy of the first, middle and last third of the builds, per build setting."""
    fig = go.Figure([go.Bar(name=names.build(name), x=["first third", "middle third", "last third"],
                            y=r["thirds"]) for name, r in rows.items()])
    title = wrap_title("Mean energy of each third of the builds (peak arc: middle highest)")
    fig.update_layout(barmode="group", title=title, yaxis_title="raw energy", height=400, margin=MARGIN,
                      legend=dict(orientation="h", y=-0.15))
    return fig


def weight_grid(grid: pd.DataFrame, targets: Mapping[str, float]) -> go.Figure:
    """Builds over a sweetness x smoothness grid: Camelot rate against the step ratio, coloured by the tempo
    rate; the targets as dotted lines."""
    fig = go.Figure(go.Scatter(
        x=grid["step_ratio"], y=grid["camelot_rate"], mode="markers+text",
        text=[f"{a:g}/{b:g}" for a, b in zip(grid["sweetness"], grid["smoothness"])], textposition="top center",
        marker=dict(size=10, color=grid["tempo_rate"], colorscale="Viridis", showscale=True,
                    colorbar=dict(title="tempo"))))
    fig.add_hline(y=targets.get("camelot_rate", 0.8), line_dash="dot")
    fig.add_vline(x=targets.get("step_ratio", 1.1), line_dash="dot")
    tempo_target = targets.get("tempo_rate", 0.85)
    title = wrap_title("Sweetness/smoothness on builds: Camelot rate vs step")
    fig.update_layout(title=f"{title}<br><sup>target: above and left of the dotted lines, tempo ≥ "
                            f"{tempo_target:.0%}</sup>",
                      xaxis_title="feature step x reference", yaxis_title="Camelot-compatible moves", height=420,
                      margin=dict(MARGIN, t=90))
    return fig
