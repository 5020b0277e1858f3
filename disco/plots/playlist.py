"""Plotly figures of a playlist's flow over the set: energy, danceability and valence by position (with the
energy arc asked for), and the loss terms of each chosen song.

Pure functions: arrays (or a :class:`~disco.engine.playlist.Playlist`) in, ``plotly.graph_objects.Figure`` out
(no Streamlit, no catalog). The 3D path is in :mod:`disco.plots.trajectory`, the key moves in
:mod:`disco.plots.keys`, the tempo moves in :mod:`disco.plots.tempo`. Position 1 is the first song; trace names
are stable ("energy", "target energy", ...): tests and the dashboard find traces by name.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from disco.engine.playlist import Playlist
from disco.plots.common import MARGIN, SEED, plain, positions, seed_mask

FLOW_LINES = (("energy", "#d62728"), ("danceability", "#9467bd"), ("valence", "#1f77b4"))


def flow_over_set(features: dict, labels: Sequence[str], is_seed=None, target=None) -> go.Figure:
    """Energy, danceability and valence (0..1) per position: the set's build-ups and break-downs.

    features: name -> one value per song (any of :data:`FLOW_LINES`; the others are left out). target: the
    energy arc asked for (one value per position), drawn as a dashed line under the achieved markers.
    """
    lines = [(name, np.asarray(features[name], dtype=np.float64), colour) for name, colour in FLOW_LINES
             if name in features]
    if not lines:
        raise ValueError(f"give at least one of {', '.join(n for n, _ in FLOW_LINES)}")
    n = len(lines[0][1])
    if any(len(y) != n for _, y, _ in lines):
        raise ValueError("every feature needs one value per song")
    seeds = seed_mask(is_seed, n)
    pos = positions(n)
    fig = go.Figure()
    if target is not None:
        target = np.asarray(target, dtype=np.float64)
        if target.shape != (n,):
            raise ValueError(f"target needs one value per song ({n}), got shape {target.shape}")
        fig.add_trace(go.Scatter(x=pos, y=target, mode="lines", name="target energy",
                                 line=dict(color="#7f7f7f", dash="dash", width=3),
                                 hovertemplate="%{x}. target energy %{y:.2f}<extra></extra>"))
    text = plain(labels)
    for name, y, colour in lines:
        fig.add_trace(go.Scatter(x=pos, y=y, mode="lines+markers", name=name, text=text,
                                 line=dict(color=colour, shape="spline", smoothing=0.6),
                                 hovertemplate=f"%{{x}}. %{{text}}<br>{name} %{{y:.2f}}<extra></extra>"))
    energy = dict((name, y) for name, y, _ in lines).get("energy")
    if seeds.any() and energy is not None:
        fig.add_trace(go.Scatter(x=pos[seeds], y=energy[seeds], mode="markers", name="seeds", hoverinfo="skip",
                                 marker=dict(size=14, symbol="diamond-open", color=SEED, line=dict(width=2))))
    fig.update_layout(title="Flow over the set: energy, danceability, valence"
                            + (" against the target energy" if target is not None else ""),
                      height=360, margin=MARGIN, hovermode="x unified",
                      xaxis=dict(title="position", dtick=1 if n <= 25 else 5),
                      yaxis=dict(title="0..1", range=[0, 1.05]), legend=dict(orientation="h", y=-0.25))
    return fig


def loss_bars(playlist: Playlist) -> go.Figure:
    """Per chosen song, the loss terms that chose it, stacked (lower = better): ``flow x distance``,
    ``-sweetness x key term``, ``-smoothness x tempo term`` (the terms in -1..1) and, with an energy arc,
    ``arc weight x |energy - target|``; weights from ``playlist.settings``. The bars of a move sum to its loss."""
    fig = go.Figure([go.Bar(x=pos, y=v, name=name, marker_color=c) for name, pos, v, c in loss_parts(playlist)])
    fig.update_layout(barmode="relative", title="Loss terms of each chosen song (lower is better)",
                      height=320, margin=MARGIN, xaxis_title="position", legend=dict(orientation="h", y=-0.3))
    return fig


def loss_parts(playlist: Playlist) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """(name, positions, values, colour) of each weighted loss term over the scored moves."""
    s = playlist.settings
    d = np.asarray(playlist.distance, dtype=np.float64)
    pos = positions(len(d))
    chosen = np.isfinite(d)
    parts = [("flow x distance", s.flow * d, "#9467bd"),
             ("-sweetness x key term", -s.sweetness * np.asarray(playlist.key_score, float), "#17becf"),
             ("-smoothness x tempo term", -s.smoothness * np.asarray(playlist.tempo_score, float), "#bcbd22")]
    if s.uses_arc:
        parts.append(("arc weight x |energy - target|", s.arc_weight * np.asarray(playlist.arc_penalty, float),
                      "#8c564b"))
    return [(name, pos[chosen], v[chosen], colour) for name, v, colour in parts]
