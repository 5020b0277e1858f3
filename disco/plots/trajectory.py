"""The playlist as a path in 3D: the PCA of the transformed audio features (or the fallback axes of songs
without a network), readable at 50+ songs: the path's colour runs from dark (start) to yellow (end), the songs
are numbered, the start and the end are marked, and each axis is named by the features it weighs most (in a
note over the plot; the axes carry short titles).

Trace names are stable: "catalog" (optional), "playlist" (one point per song), "numbers", "seeds", "start",
"end".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from disco.plots.common import COLORSCALE, SEED, plain, positions, seed_mask

MIN_LOADING = 0.4  # a feature names an axis when its loading's magnitude reaches this (at most two do)
NAMED = 2
NUMBER_EVERY = {20: 1, 40: 2}  # songs up to -> label every k-th song; longer sets every 5th
CAMERA_EYE = {"x": 1.55, "y": 1.55, "z": 0.95}  # far enough for the box to fit a wide frame


def axis_name(index: int, loadings, features: Sequence[str]) -> str:
    """"PC1: energy +, loudness +, acousticness −": the features whose loadings on the component are at least
    :data:`MIN_LOADING` in magnitude (the strongest always), strongest first, with the direction they grow."""
    w = np.asarray(loadings, dtype=np.float64)
    order = np.argsort(-np.abs(w))
    chosen = [j for j in order[:NAMED] if abs(w[j]) >= MIN_LOADING] or [int(order[0])]
    return f"PC{index + 1}: " + ", ".join(f"{features[j]} {'+' if w[j] > 0 else '−'}" for j in chosen)


def axis_names(components, features: Sequence[str]) -> tuple[str, str, str]:
    """The three axis titles of a PCA: ``components`` (3, d) loadings of the ``features`` (d)."""
    comps = np.asarray(components, dtype=np.float64)
    if comps.shape != (3, len(features)):
        raise ValueError(f"components must be (3, {len(features)}), got shape {comps.shape}")
    return tuple(axis_name(i, comps[i], features) for i in range(3))


def fallback_axis_names(axes: Sequence[str]) -> tuple[str, str, str]:
    """Titles of the fallback axes (songs without a network: standardised features, tempo on a log scale);
    "(none)" where there is no third feature."""
    names = [f"{a} (log, standardised)" if a == "tempo" else f"{a} (standardised)" for a in axes][:3]
    return tuple(names + ["(none)"] * (3 - len(names)))


def short_axis_title(name: str) -> str:
    """What the scene writes along an axis: "PC1" of "PC1: energy +, loudness +", "energy" of "energy
    (standardised)". Text in a 3D scene is drawn as triangles made on the CPU: long titles cost the first draw
    about 0.15 s in a browser without a GPU, and run off a phone's screen; the full names are a note over the
    plot."""
    return name.split(":")[0].split(" (")[0].strip() or name


def number_step(n: int) -> int:
    """Every how many songs a number is written beside the path."""
    return next((k for limit, k in sorted(NUMBER_EVERY.items()) if n <= limit), 5)


def trajectory_3d(pca, labels: Sequence[str], is_seed=None, background=None, axes: Sequence[str] | None = None,
                  title: str = "Flow trajectory in the audio feature space") -> go.Figure:
    """The playlist as a path in 3D.

    pca: (n, 3) coordinates in playlist order. labels: n hover texts ("artist - title"). is_seed: n flags;
    seeds get an extra "seeds" marker trace. background: optional (m, 3) catalog sample drawn as faint dots
    ("catalog"). axes: the three axis titles (default PC1..PC3). The "playlist" trace has exactly one point
    per song: markers and the line between them coloured by position, hover "position. artist - title".
    """
    pca = np.asarray(pca, dtype=np.float64)
    n = len(pca)
    if pca.ndim != 2 or pca.shape[1] != 3:
        raise ValueError(f"pca must be (n, 3), got shape {pca.shape}")
    if len(labels) != n:
        raise ValueError(f"{len(labels)} labels for {n} songs")
    axes = tuple(axes) if axes is not None else ("PC1", "PC2", "PC3")
    seeds = seed_mask(is_seed, n)
    pos = positions(n)
    hover = [f"{p}. {lab}" + (" (seed)" if s else "") for p, lab, s in zip(pos, plain(labels), seeds)]
    colours = dict(color=pos, colorscale=COLORSCALE, cmin=1, cmax=max(n, 2))
    fig = go.Figure()
    if background is not None and len(background):
        bg = np.asarray(background, dtype=np.float64)
        fig.add_trace(go.Scatter3d(
            x=bg[:, 0], y=bg[:, 1], z=bg[:, 2], mode="markers", name="catalog", hoverinfo="skip",
            marker=dict(size=1.5, color="rgba(150,150,150,0.25)"), showlegend=True))
    fig.add_trace(go.Scatter3d(
        x=pca[:, 0], y=pca[:, 1], z=pca[:, 2], mode="lines+markers", name="playlist",
        text=hover, hovertemplate="%{text}<extra></extra>", line=dict(width=6, **colours),
        marker=dict(size=5, **colours, colorbar=dict(title="position", thickness=12, len=0.6))))
    shown = np.arange(0, n, number_step(n))
    fig.add_trace(go.Scatter3d(
        x=pca[shown, 0], y=pca[shown, 1], z=pca[shown, 2], mode="text", name="numbers", hoverinfo="skip",
        text=[str(p) for p in pos[shown]], textposition="top center", textfont=dict(size=10, color="#31333f"),
        showlegend=False))
    if seeds.any():
        fig.add_trace(go.Scatter3d(
            x=pca[seeds, 0], y=pca[seeds, 1], z=pca[seeds, 2], mode="markers", name="seeds",
            text=[hover[i] for i in np.flatnonzero(seeds)], hovertemplate="%{text}<extra></extra>",
            marker=dict(size=10, symbol="diamond-open", color=SEED, line=dict(width=3, color=SEED))))
    if n:  # marked by their symbol and named in the legend (3D text costs the first draw)
        for name, i, symbol, colour in (("start", 0, "circle-open", "#1b9e77"), ("end", n - 1, "square", "#d62728")):
            fig.add_trace(go.Scatter3d(
                x=[pca[i, 0]], y=[pca[i, 1]], z=[pca[i, 2]], mode="markers", name=name,
                hovertext=[f"{name}: {hover[i]}"], hovertemplate="%{hovertext}<extra></extra>",
                marker=dict(size=9, symbol=symbol, color=colour, line=dict(width=3, color=colour))))
    axis_font = dict(size=11)
    fig.update_layout(
        title=title, height=560, margin=dict(l=0, r=0, t=40, b=0),
        legend=dict(orientation="h", yanchor="bottom", y=0.0, x=0.0),
        annotations=[dict(text="<br>".join(axes), xref="paper", yref="paper", x=0.0, y=1.0, xanchor="left",
                          yanchor="top", align="left", showarrow=False, font=dict(size=11, color="#555"))],
        scene=dict(xaxis=dict(title=dict(text=short_axis_title(axes[0]), font=axis_font)),
                   yaxis=dict(title=dict(text=short_axis_title(axes[1]), font=axis_font)),
                   zaxis=dict(title=dict(text=short_axis_title(axes[2]), font=axis_font)),
                   camera=dict(eye=dict(CAMERA_EYE))))
    return fig
