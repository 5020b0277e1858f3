"""Plotly figures of the Model page: test MAE against baselines, and the loss's key and tempo scores.

Pure functions (no Streamlit). The scores are drawn from :mod:`disco.theory`, the same functions the loss uses.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import plotly.graph_objects as go

from disco.plots import names
from disco.plots.common import wrap_title
from disco.theory.keys import PITCH_NAMES, camelot_code, camelot_key_score, key_table, parse_key
from disco.theory.tempo import DJ_TEMPO_WIDTH_PCT, TEMPO_TOLERANCE_PCT, tempo_score

HIGHLIGHT = "#ff7f0e"
BAR = "#1f77b4"
GOOD = "#2ca02c"
MARGIN = dict(l=10, r=10, t=64, b=10)


def mae_bars(maes: Mapping[str, float], mad: float | None = None, highlight: str | None = None) -> go.Figure:
    """Test MAE per predictor (lower is better), sorted; the mean absolute deviation as a dashed line.
    ``maes``: code name ("global_mean", "network: gru") -> MAE; shown by :func:`disco.plots.names.predictor`."""
    items = sorted(maes.items(), key=lambda kv: kv[1])
    codes = [k for k, _ in items]
    colours = [HIGHLIGHT if k == highlight else BAR for k in codes]
    fig = go.Figure(go.Bar(x=[names.predictor(k) for k in codes], y=[v for _, v in items], marker_color=colours,
                           name="test MAE",
                           text=[f"{v:.3f}" for _, v in items], textposition="outside"))
    if mad is not None:
        fig.add_hline(y=mad, line=dict(dash="dash", color="grey"),
                      annotation_text=f"mean absolute deviation {mad:.3f}", annotation_position="top left")
    top = max([v for _, v in items] + ([mad] if mad else [])) if items else 1.0
    fig.update_layout(title=wrap_title("Test MAE on held-out playlists (lower is better)"),
                      height=400, yaxis=dict(title="MAE", range=[0, top * 1.15]), margin=MARGIN,
                      xaxis=dict(automargin=True, tickangle=-30))
    return fig


TEMPO_CURVES = {"dj": ("DJ kernel", dict(width=3)), "reference": ("reference", dict(dash="dot"))}


def tempo_score_curves(scores=("dj", "reference"), lo: float = 0.4, hi: float = 2.5, n: int = 600,
                       width_pct: float = DJ_TEMPO_WIDTH_PCT, title: str | None = None) -> go.Figure:
    """The loss's tempo term (-1..1) against the tempo ratio (log axis), one line per score of ``scores`` in
    that order: "dj" the DJ kernel of ``width_pct`` percent (trace "DJ kernel", the default), "reference"
    the spec's ``cos(2 pi log2 ratio)`` (trace "reference"); the +/- :data:`TEMPO_TOLERANCE_PCT` percent band a
    DJ can mix is shaded around 1/2, 1 and 2."""
    ratio = np.geomspace(lo, hi, n)
    fig = go.Figure()
    for score in scores:
        name, style = TEMPO_CURVES[score]
        fig.add_trace(go.Scatter(x=ratio, y=tempo_score(1.0, ratio, score, width_pct), mode="lines", name=name,
                                 line=style, hovertemplate="ratio %{x:.3f}: %{y:.2f}<extra></extra>"))
    tol = TEMPO_TOLERANCE_PCT / 100
    for centre in (0.5, 1.0, 2.0):
        fig.add_vrect(x0=centre * (1 - tol), x1=centre * (1 + tol), fillcolor=GOOD, opacity=0.15, line_width=0)
    ticks = [0.5, 2 ** -0.5, 1.0, 2 ** 0.5, 2.0]
    fig.update_layout(title=wrap_title(title or "Tempo score: 1 at the same, double or half tempo"), height=360,
                      margin=dict(l=10, r=10, t=64, b=10),
                      xaxis=dict(type="log", title="tempo ratio (next / current)", tickvals=ticks,
                                 ticktext=["1/2", "1/√2", "1", "√2", "2"]),
                      yaxis=dict(title="tempo score", range=[-1.1, 1.1]),
                      legend=dict(orientation="h", y=-0.3))
    return fig


def camelot_labels() -> list[str]:
    """The 24 Camelot codes in wheel order, minor before major: "1A", "1B", "2A", ... "12B"."""
    return [f"{n}{letter}" for n in range(1, 13) for letter in "AB"]


def camelot_heatmap() -> go.Figure:
    """The DJ preset's graded key score (0..1) between every two Camelot codes (the loss uses 2 x score - 1)."""
    labels = camelot_labels()
    key, mode = np.array([parse_key(code) for code in labels]).T
    table = camelot_key_score(key[:, None], mode[:, None], key[None, :], mode[None, :])
    # 576 cells: values on hover, not printed
    fig = go.Figure(go.Heatmap(z=table, x=labels, y=labels, colorscale="RdYlGn", zmin=0, zmax=1,
                               hovertemplate="%{y} -> %{x}: %{z:.2f}<extra></extra>"))
    fig.update_layout(title=wrap_title("Camelot key score (DJ preset): 1 = mixes perfectly"), height=540,
                      margin=dict(l=10, r=10, t=64, b=10),
                      xaxis=dict(title="next song's key", automargin=True, tickangle=-90),
                      yaxis=dict(title="current song's key", autorange="reversed", automargin=True))
    return fig


def circle_labels() -> list[str]:
    """Labels of the 12 circle-of-fifths positions: "C / Am (8B/8A)", "G / Em (9B/9A)", ..."""
    out = []
    for p in range(12):
        major = (7 * p) % 12  # position p holds the major key 7p mod 12 (7 is its own inverse mod 12)
        minor = (major - 3) % 12
        out.append(f"{PITCH_NAMES[major]} / {PITCH_NAMES[minor]}m ({camelot_code(major, 1)}/{camelot_code(minor, 0)})")
    return out


def circle_of_fifths_heatmap() -> go.Figure:
    """The reference preset's key similarity (-1..1) by circle-of-fifths position (minor keys at their
    relative major)."""
    table = key_table("reference")[:12, :12]
    labels = circle_labels()
    fig = go.Figure(go.Heatmap(z=table, x=labels, y=labels, colorscale="RdYlGn", zmin=-1, zmax=1,
                               text=np.round(table, 1), texttemplate="%{text}",
                               hovertemplate="%{y} -> %{x}: %{z:.1f}<extra></extra>"))
    fig.update_layout(title=wrap_title("Circle-of-fifths key similarity (reference preset)"), height=600,
                      margin=dict(l=10, r=10, t=64, b=10),
                      xaxis=dict(title="next song's key", automargin=True, tickangle=-60),
                      yaxis=dict(title="current song's key", autorange="reversed", automargin=True))
    return fig
