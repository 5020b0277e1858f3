"""Tempo moves of a playlist after folding double/half time: the BPM a DJ would mix each song at, and each
move's change in percent.

A song at 170 BPM after one at 86 is mixed at half time, 85 BPM: the folded tempo of each song is its BPM
times the power of 2 closest to the song before it (the whole set then moved by one power of 2 so that its
median sits near the songs' own). Hover shows the raw BPM and the fold ("×½", "×2").
Traces: "folded BPM", "seeds" (if any), "tempo change".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from disco.plots.common import BAD, COLORSCALE, GOOD, MARGIN, SEED, plain, positions, seed_mask
from disco.theory.tempo import TEMPO_TOLERANCE_PCT, fold_tempo_ratio, log2_tempo, tempo_compatible

FOLD_TEXT = {0: "", 1: "×2", -1: "×½", 2: "×4", -2: "×¼", 3: "×8", -3: "×⅛"}


def fold_label(power: int) -> str:
    """The text of a fold by ``2 ** power``: "" (none), "×2", "×½", ..."""
    return FOLD_TEXT.get(int(power), f"×2^{int(power)}")


def folded_tempi(tempos) -> tuple[np.ndarray, np.ndarray]:
    """(folded BPM, fold power) per song: each song's BPM times ``2 ** power``, the power putting it closest
    to the song before it (the first song as it is); then every power shifted alike so the folded median is
    within half an octave of the raw median. Invalid tempi: NaN, power 0 (the chain goes on from the last
    valid song)."""
    octaves = log2_tempo(tempos)
    power = np.zeros(len(octaves), dtype=int)
    previous = None
    for i, x in enumerate(octaves):
        if not np.isfinite(x):
            continue
        if previous is not None:
            power[i] = int(np.round(previous - x))
        previous = x + power[i]
    valid = np.isfinite(octaves)
    if valid.any():
        shift = int(np.round(np.median(octaves[valid] + power[valid]) - np.median(octaves[valid])))
        power[valid] -= shift
    folded = np.where(valid, np.exp2(np.where(valid, octaves, 0.0) + power), np.nan)
    return folded, power


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
    """Folded BPM per position (top, the fold written beside the songs that needed one) and each move's %
    change after folding (bottom): green within +/- ``TEMPO_TOLERANCE_PCT`` percent, red beyond."""
    t = np.asarray(tempos, dtype=np.float64)
    n = len(t)
    seeds = seed_mask(is_seed, n)
    pos = positions(n)
    folded, power = folded_tempi(t)
    moves = tempo_moves(t)
    fold_text = [fold_label(p) for p in power]
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.6, 0.4], vertical_spacing=0.08)
    hover = [f"{p}. {lab}<br>mixed at {f:.1f} BPM" + (f" ({x} of {r:.1f} BPM)" if x else "")
             for p, lab, f, r, x in zip(pos, plain(labels), np.nan_to_num(folded), np.nan_to_num(t), fold_text)]
    fig.add_trace(go.Scatter(
        x=pos, y=folded, mode="lines+markers+text", name="folded BPM", text=fold_text, textposition="top center",
        customdata=np.stack([t, power], axis=1) if n else None, hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>", textfont=dict(size=11, color="#7b2ff7"),
        marker=dict(size=8, color=pos, colorscale=COLORSCALE), line=dict(color="rgba(90,90,90,0.6)")),
        row=1, col=1)
    if seeds.any():
        fig.add_trace(go.Scatter(x=pos[seeds], y=folded[seeds], mode="markers", name="seeds", hoverinfo="skip",
                                 marker=dict(size=14, symbol="diamond-open", color=SEED, line=dict(width=2))),
                      row=1, col=1)
    mid = pos[:-1] + 0.5
    fig.add_trace(go.Bar(
        x=mid, y=moves["change_pct"], name="tempo change", width=0.6,
        marker_color=np.where(moves["compatible"], GOOD, BAD).tolist(),
        customdata=np.stack([moves["raw_ratio"], moves["fold"]], axis=1) if n > 1 else None,
        hovertemplate="move %{x:.1f}: %{y:+.1f}% after folding<br>raw ratio %{customdata[0]:.3f}"
                      "<extra></extra>"), row=2, col=1)
    for level in (-TEMPO_TOLERANCE_PCT, TEMPO_TOLERANCE_PCT):
        fig.add_hline(y=level, line=dict(color="grey", dash="dot", width=1), row=2, col=1)
    n_ok = int(moves["compatible"].sum())
    n_fold = int((moves["fold"] != 0).sum())
    fig.update_layout(
        title=f"Tempo after folding double/half time: {n_ok} of {max(n - 1, 0)} moves within "
              f"{TEMPO_TOLERANCE_PCT:g}% ({n_fold} via double/half time)",
        height=440, margin=MARGIN, showlegend=False, bargap=0.1)
    fig.update_yaxes(title_text="BPM as mixed", row=1, col=1)
    fig.update_yaxes(title_text="% change", row=2, col=1)
    fig.update_xaxes(title_text="position", dtick=1 if n <= 25 else 5, row=2, col=1)
    fig.update_xaxes(range=[0.5, max(n, 1) + 0.5])  # the set's positions only: no 0 or n + 1 on a narrow screen
    return fig
