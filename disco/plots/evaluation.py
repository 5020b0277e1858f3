"""Plotly figures of the Evaluate page, from a saved evaluation result (no Streamlit).

The label tables name the evaluation's measures for people; the page uses them for its tables too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go

from disco.theory.tempo import TEMPO_TOLERANCE_PCT

MARGIN = dict(t=50, b=20, l=20, r=20)
ORDER_LABELS = {"camelot_rate": "Camelot-compatible moves", "tempo_rate": f"tempo within {TEMPO_TOLERANCE_PCT:g}%",
                "feature_step": "mean feature step", "energy_change": "mean |energy change|",
                "total_loss": "reference loss / playlist", "loss_per_transition": "reference loss / move",
                "total_loss_dj": "DJ-preset loss / playlist", "loss_per_transition_dj": "DJ-preset loss / move",
                "relaxed_rate": "moves relaxing a rule"}
BUILD_LABELS = {"sweetness": "sweetness", "smoothness": "smoothness", "camelot_rate": "Camelot-compatible",
                "tempo_rate": f"tempo within {TEMPO_TOLERANCE_PCT:g}%", "feature_step": "feature step",
                "step_ratio": "step x reference", "energy_change": "|energy change|",
                "peak_share": "peak shape (share of builds)", "relaxed_moves": "relaxed moves",
                "arc_error": "|energy - arc target|"}
BUILD_ROW_LABELS = {"dj": "DJ preset (default)", "reference": "reference (the spec's)",
                    "dj_peak": "DJ preset + peak arc", "reference_peak": "reference + peak arc"}


def bars(frame: pd.DataFrame, columns: Sequence[str], title: str) -> go.Figure:
    """Grouped bars: one group per row of ``frame`` (a method), one bar per measure in ``columns``."""
    fig = go.Figure([go.Bar(name=ORDER_LABELS.get(c, c), x=frame.index.tolist(), y=frame[c].tolist())
                     for c in columns])
    fig.update_layout(barmode="group", title=title, height=360, margin=MARGIN, legend=dict(orientation="h"))
    return fig


def sensitivity(rows: pd.DataFrame, metric: str) -> go.Figure:
    """``metric`` against each slider's value (one line per slider; the others at the DJ preset)."""
    fig = go.Figure()
    for slider, part in rows.groupby("slider", sort=False):
        fig.add_trace(go.Scatter(x=part["value"], y=part[metric], mode="lines+markers", name=slider))
    fig.update_layout(title=f"{ORDER_LABELS.get(metric, metric)} as one slider moves (others at the DJ preset)",
                      xaxis_title="slider value", yaxis_title=metric, height=380, margin=MARGIN)
    return fig


def thirds(rows: Mapping[str, Mapping]) -> go.Figure:
    """Mean energy of the first, middle and last third of the builds, per build setting."""
    fig = go.Figure([go.Bar(name=BUILD_ROW_LABELS.get(name, name), x=["first third", "middle third", "last third"],
                            y=r["thirds"]) for name, r in rows.items()])
    fig.update_layout(barmode="group", title="mean energy of each third of the builds (peak arc: middle highest)",
                      yaxis_title="raw energy", height=360, margin=MARGIN, legend=dict(orientation="h"))
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
    fig.update_layout(title="sweetness/smoothness on builds: Camelot rate vs step (target: above and left of "
                            f"the dotted lines, tempo >= {tempo_target:.0%})",
                      xaxis_title="feature step x reference", yaxis_title="Camelot-compatible moves", height=400,
                      margin=MARGIN)
    return fig
