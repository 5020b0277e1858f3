"""Plotly figures of a playlist's flow: the 3D trajectory, key and tempo moves, the energy arc, the loss terms.

Pure functions: arrays (or a :class:`~disco.engine.playlist.Playlist`) in, ``plotly.graph_objects.Figure`` out
(no Streamlit, no catalog).
Position 1 is the first song. Trace names are stable ("playlist", "seeds", ...): tests and the
dashboard find traces by name.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from disco.engine.playlist import Playlist
from disco.theory.keys import camelot_code, camelot_compatible, camelot_number
from disco.theory.tempo import TEMPO_TOLERANCE_PCT, fold_tempo_ratio, tempo_compatible

GOOD = "#2ca02c"  # compatible move
BAD = "#d62728"  # clashing move
SEED = "#ff7f0e"
COLORSCALE = "Viridis"


def _positions(n: int) -> np.ndarray:
    return np.arange(1, n + 1)


def _seed_mask(is_seed, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool) if is_seed is None else np.asarray(is_seed, dtype=bool)
    if mask.shape != (n,):
        raise ValueError(f"is_seed must have one flag per song ({n}), got shape {mask.shape}")
    return mask


def _segments(x, y, keep: np.ndarray, z=None):
    """Coordinates of the moves i -> i+1 where ``keep[i]``, separated by ``None`` (one trace, many lines)."""
    xs, ys, zs = [], [], []
    for i in np.flatnonzero(keep):
        xs += [x[i], x[i + 1], None]
        ys += [y[i], y[i + 1], None]
        if z is not None:
            zs += [z[i], z[i + 1], None]
    return (xs, ys) if z is None else (xs, ys, zs)


def trajectory_3d(pca, labels: Sequence[str], is_seed=None, background=None,
                  title: str = "Flow trajectory (PCA of the audio features)") -> go.Figure:
    """The playlist as a path in the 3D PCA space of the transformed features.

    pca: (n, 3) coordinates in playlist order. labels: n hover texts ("artist - title").
    is_seed: n flags; seeds get an extra "seeds" marker trace. background: optional (m, 3) catalog
    sample drawn as faint dots ("catalog"). The "playlist" trace has exactly one point per song,
    markers coloured by position and lines joining consecutive songs.
    """
    pca = np.asarray(pca, dtype=np.float64)
    n = len(pca)
    if pca.ndim != 2 or pca.shape[1] != 3:
        raise ValueError(f"pca must be (n, 3), got shape {pca.shape}")
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} songs")
    seeds = _seed_mask(is_seed, n)
    pos = _positions(n)
    hover = [f"{p}. {lab}" + (" (seed)" if s else "") for p, lab, s in zip(pos, labels, seeds)]
    fig = go.Figure()
    if background is not None and len(background):
        bg = np.asarray(background, dtype=np.float64)
        fig.add_trace(go.Scatter3d(
            x=bg[:, 0], y=bg[:, 1], z=bg[:, 2], mode="markers", name="catalog", hoverinfo="skip",
            marker=dict(size=1.5, color="rgba(150,150,150,0.25)"), showlegend=True))
    fig.add_trace(go.Scatter3d(
        x=pca[:, 0], y=pca[:, 1], z=pca[:, 2], mode="lines+markers", name="playlist",
        text=hover, hovertemplate="%{text}<extra></extra>",
        line=dict(color="rgba(90,90,90,0.7)", width=4),
        marker=dict(size=6, color=pos, colorscale=COLORSCALE, cmin=1, cmax=max(n, 2),
                    colorbar=dict(title="position", thickness=12))))
    if seeds.any():
        fig.add_trace(go.Scatter3d(
            x=pca[seeds, 0], y=pca[seeds, 1], z=pca[seeds, 2], mode="markers", name="seeds",
            text=[hover[i] for i in np.flatnonzero(seeds)], hovertemplate="%{text}<extra></extra>",
            marker=dict(size=10, symbol="diamond-open", color=SEED, line=dict(width=3, color=SEED))))
    fig.update_layout(
        title=title, height=560, margin=dict(l=0, r=0, t=40, b=0),
        legend=dict(orientation="h", yanchor="bottom", y=0.0, x=0.0),
        scene=dict(xaxis_title="PC1", yaxis_title="PC2", zaxis_title="PC3"))
    return fig


def key_view(keys, modes, labels: Sequence[str], is_seed=None) -> go.Figure:
    """Camelot code per position; each move drawn green when DJ-compatible, red when it clashes.

    keys: pitch classes 0..11 (-1 = none), modes 1/0. y = Camelot number (1..12), minor "A" keys as
    circles, major "B" keys as squares. Traces: "songs", "compatible move", "clash".
    """
    keys = np.asarray(keys)
    modes = np.asarray(modes)
    n = len(keys)
    seeds = _seed_mask(is_seed, n)
    pos = _positions(n)
    number = camelot_number(keys, modes).astype(float)
    number[number == 0] = np.nan  # no key detected: a gap, not a point at 0
    codes = np.atleast_1d(camelot_code(keys, modes))
    ok = (camelot_compatible(keys[:-1], modes[:-1], keys[1:], modes[1:])
          if n > 1 else np.zeros(0, dtype=bool))
    fig = go.Figure()
    for name, keep, colour in (("compatible move", ok, GOOD), ("clash", ~ok, BAD)):
        xs, ys = _segments(pos, number, keep)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"{name} ({int(keep.sum())})",
                                 line=dict(color=colour, width=3), hoverinfo="skip"))
    symbols = np.where(modes == 0, "circle", "square")
    hover = [f"{p}. {lab}<br>{c or 'no key'}" + (" (seed)" if s else "")
             for p, lab, c, s in zip(pos, labels, codes, seeds)]
    fig.add_trace(go.Scatter(
        x=pos, y=number, mode="markers+text", name="songs", text=list(codes), textposition="top center",
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(size=np.where(seeds, 16, 11), symbol=symbols, color=pos, colorscale=COLORSCALE,
                    line=dict(width=np.where(seeds, 3, 0), color=SEED))))
    fig.update_layout(
        title=f"Key moves on the Camelot wheel: {int(ok.sum())} of {max(n - 1, 0)} compatible",
        height=340, margin=dict(l=10, r=10, t=40, b=10),
        xaxis=dict(title="position", dtick=1 if n <= 25 else 5),
        yaxis=dict(title="Camelot number (A minor ○, B major □)", range=[0.3, 13], dtick=1),
        legend=dict(orientation="h", y=-0.25))
    return fig


def tempo_moves(tempos) -> dict[str, np.ndarray]:
    """Per move i -> i+1: raw ratio, folded % change (double/half time folded), fold factor, compatible.

    fold: the power of 2 removed from the raw ratio (0 = none, 1 = double time, -1 = half time).
    """
    t = np.asarray(tempos, dtype=np.float64)
    a, b = t[:-1], t[1:]
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = b / a
        folded = fold_tempo_ratio(a, b)
        fold = np.round(np.log2(raw))
    return {"raw_ratio": raw, "change_pct": (folded - 1) * 100, "fold": np.nan_to_num(fold).astype(int),
            "compatible": tempo_compatible(a, b, TEMPO_TOLERANCE_PCT)}


def tempo_view(tempos, labels: Sequence[str], is_seed=None) -> go.Figure:
    """BPM per position (top) and each move's % change after folding double/half time (bottom).

    Bars are green within +/- ``TEMPO_TOLERANCE_PCT`` percent, red beyond; moves that needed a double/half-time
    fold are labelled "x2" / "x1/2". Traces: "BPM", "seeds" (if any), "tempo change".
    """
    t = np.asarray(tempos, dtype=np.float64)
    n = len(t)
    seeds = _seed_mask(is_seed, n)
    pos = _positions(n)
    moves = tempo_moves(t)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.08)
    fig.add_trace(go.Scatter(
        x=pos, y=t, mode="lines+markers", name="BPM", text=list(labels),
        hovertemplate="%{x}. %{text}<br>%{y:.1f} BPM<extra></extra>",
        marker=dict(size=8, color=pos, colorscale=COLORSCALE), line=dict(color="rgba(90,90,90,0.6)")),
        row=1, col=1)
    if seeds.any():
        fig.add_trace(go.Scatter(x=pos[seeds], y=t[seeds], mode="markers", name="seeds", hoverinfo="skip",
                                 marker=dict(size=14, symbol="diamond-open", color=SEED, line=dict(width=2))),
                      row=1, col=1)
    fold_text = {1: "x2", -1: "x1/2", 2: "x4", -2: "x1/4"}
    labels_moves = [fold_text.get(f, "") for f in moves["fold"]]
    mid = pos[:-1] + 0.5
    fig.add_trace(go.Bar(
        x=mid, y=moves["change_pct"], name="tempo change", width=0.6,
        marker_color=np.where(moves["compatible"], GOOD, BAD).tolist(),
        text=labels_moves, textposition="outside",
        customdata=np.stack([moves["raw_ratio"], moves["fold"]], axis=1) if n > 1 else None,
        hovertemplate="move %{x:.1f}: %{y:+.1f}% after folding<br>raw ratio %{customdata[0]:.3f}"
                      "<extra></extra>"), row=2, col=1)
    for level in (-TEMPO_TOLERANCE_PCT, TEMPO_TOLERANCE_PCT):
        fig.add_hline(y=level, line=dict(color="grey", dash="dot", width=1), row=2, col=1)
    n_ok = int(moves["compatible"].sum())
    n_fold = int((moves["fold"] != 0).sum())
    fig.update_layout(
        title=f"Tempo: {n_ok} of {max(n - 1, 0)} moves within {TEMPO_TOLERANCE_PCT:g}% "
              f"({n_fold} via double/half time)",
        height=420, margin=dict(l=10, r=10, t=40, b=10), showlegend=False, bargap=0.1)
    fig.update_yaxes(title_text="BPM", row=1, col=1)
    fig.update_yaxes(title_text="% change", row=2, col=1)
    fig.update_xaxes(title_text="position", row=2, col=1)
    return fig


def energy_arc(energy, valence, labels: Sequence[str], is_seed=None, target=None) -> go.Figure:
    """Energy and valence (0..1) per position: the playlist's build-ups and break-downs. ``target``: the
    energy arc asked for (one value per position), drawn as a dashed line under the achieved markers."""
    energy = np.asarray(energy, dtype=np.float64)
    valence = np.asarray(valence, dtype=np.float64)
    n = len(energy)
    seeds = _seed_mask(is_seed, n)
    pos = _positions(n)
    fig = go.Figure()
    if target is not None:
        target = np.asarray(target, dtype=np.float64)
        if target.shape != (n,):
            raise ValueError(f"target needs one value per song ({n}), got shape {target.shape}")
        fig.add_trace(go.Scatter(x=pos, y=target, mode="lines", name="target energy",
                                 line=dict(color="#7f7f7f", dash="dash", width=3),
                                 hovertemplate="%{x}. target energy %{y:.2f}<extra></extra>"))
    for name, y, colour in (("energy", energy, "#d62728"), ("valence", valence, "#1f77b4")):
        fig.add_trace(go.Scatter(x=pos, y=y, mode="lines+markers", name=name, text=list(labels),
                                 line=dict(color=colour, shape="spline", smoothing=0.6),
                                 hovertemplate=f"%{{x}}. %{{text}}<br>{name} %{{y:.2f}}<extra></extra>"))
    if seeds.any():
        fig.add_trace(go.Scatter(x=pos[seeds], y=energy[seeds], mode="markers", name="seeds", hoverinfo="skip",
                                 marker=dict(size=14, symbol="diamond-open", color=SEED, line=dict(width=2))))
    fig.update_layout(title="Energy and valence arc" + (" against the target" if target is not None else ""),
                      height=320, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis_title="position", yaxis=dict(title="0..1", range=[0, 1.05]),
                      legend=dict(orientation="h", y=-0.3))
    return fig


def loss_bars(playlist: Playlist) -> go.Figure:
    """Per chosen song, the loss terms that chose it, stacked (lower = better): ``flow x distance``,
    ``-sweetness x key score``, ``-smoothness x tempo score`` and, with an energy arc, ``arc weight x
    |energy - target|``; weights from ``playlist.settings``. The bars of a move sum to its loss."""
    s = playlist.settings
    d = np.asarray(playlist.distance, dtype=np.float64)
    pos = _positions(len(d))
    chosen = np.isfinite(d)
    parts = [("flow x distance", s.flow * d, "#9467bd"),
             ("-sweetness x key score", -s.sweetness * np.asarray(playlist.key_score, float), "#17becf"),
             ("-smoothness x tempo score", -s.smoothness * np.asarray(playlist.tempo_score, float), "#bcbd22")]
    if s.uses_arc:
        parts.append(("arc weight x |energy - target|", s.arc_weight * np.asarray(playlist.arc_penalty, float),
                      "#8c564b"))
    fig = go.Figure([go.Bar(x=pos[chosen], y=v[chosen], name=name, marker_color=c) for name, v, c in parts])
    fig.update_layout(barmode="relative", title="Loss terms of each chosen song (lower is better)",
                      height=300, margin=dict(l=10, r=10, t=40, b=10), xaxis_title="position",
                      legend=dict(orientation="h", y=-0.3))
    return fig
