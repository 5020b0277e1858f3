"""Key moves of a playlist: on the Camelot wheel (polar) and as a strip over the set's positions.

The wheel is laid out like the printed one: numbers 1..12 clockwise with 12 at the top, minor keys (A) on the
inner ring, major keys (B) on the outer ring, so 8A and 8B share an angle. Each move is an arrow from one key
to the next, the short way round (12A -> 1A is a 30 degree arc), numbered by the position it leads to; green
when DJ-compatible, red when it clashes. The strip (Camelot number per position) reads better for long sets.
Trace names are stable: "wheel", "changed moves", "compatible move (n)", "clash (n)", "move numbers", "songs".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from disco.plots.common import BAD, CHANGED, COLORSCALE, GOOD, MARGIN, SEED, move_mask, plain, positions, seed_mask
from disco.theory.keys import camelot_code, camelot_compatible, camelot_number

DEGREES_PER_NUMBER = 30.0
RADIUS = {0: 1.0, 1: 1.6}  # mode -> ring: minor (A) inside, major (B) outside
LABEL_RADIUS = {0: 0.72, 1: 1.9}  # where the 24 codes are written (inside the A ring, outside the B ring)
PATH_STEPS = 17
ARROW_SIZE = 13


def wheel_position(key, mode) -> tuple[np.ndarray, np.ndarray]:
    """(angle in degrees clockwise from the top, radius) of each key on the wheel; NaN where there is no key.
    Camelot number n sits at ``30 n`` degrees (12 at 0, the top); A (minor) at radius 1.0, B (major) at 1.6."""
    number = np.asarray(camelot_number(key, mode), dtype=np.float64)
    mode = np.asarray(mode)
    theta = np.where(number > 0, (number * DEGREES_PER_NUMBER) % 360.0, np.nan)
    radius = np.where(number > 0, np.where(mode == 0, RADIUS[0], RADIUS[1]), np.nan)
    return theta, radius


def move_path(theta_a: float, r_a: float, theta_b: float, r_b: float, lane: int = 0,
              steps: int = PATH_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Points (angle, radius) of the arrow from a to b: round the short way (at most 180 degrees), bowed away
    from the other ring; a move between A and B of one number bows sideways; a move to the same key is a
    small loop. ``lane`` > 0 bows repeated moves further, so they stay apart."""
    t = np.linspace(0.0, 1.0, steps)
    turn = ((theta_b - theta_a + 180.0) % 360.0) - 180.0  # signed, the short way
    side = -1.0 if r_a == r_b == RADIUS[0] else 1.0  # arcs on the inner ring bow inwards, the others outwards
    if turn == 0 and r_a == r_b:  # same key: a small loop outwards (the codes are written inside the A ring)
        theta = theta_a + (5.0 + 1.5 * lane) * np.sin(2 * np.pi * t)
        radius = r_a + (0.13 + 0.04 * lane) * np.sin(np.pi * t)
    elif turn == 0:  # A <-> B of one number
        theta = theta_a + (6.0 + 3.0 * lane) * np.sin(np.pi * t)
        radius = r_a + (r_b - r_a) * t
    else:
        theta = theta_a + turn * t
        radius = r_a + (r_b - r_a) * t + side * (0.1 + 0.05 * lane) * np.sin(np.pi * t)
    return theta, radius


def _wheel_paths(theta, radius, keep, lanes, hover):
    """The arrows of the moves ``keep`` as one trace's points: paths separated by None, an arrow marker on
    each path's last point (hover text there)."""
    th, rr, size, text = [], [], [], []
    for i in np.flatnonzero(keep):
        a, b = move_path(theta[i], radius[i], theta[i + 1], radius[i + 1], lanes[i])
        th += a.tolist() + [None]
        rr += b.tolist() + [None]
        size += [0] * (len(a) - 1) + [ARROW_SIZE, 0]
        text += [None] * (len(a) - 1) + [hover[i], None]
    return th, rr, size, text


def key_wheel(keys, modes, labels: Sequence[str], is_seed=None, changed=None, title: str | None = None,
              height: int = 560) -> go.Figure:
    """The playlist's key moves on the Camelot wheel. keys: pitch classes 0..11 (-1 = none), modes 1/0,
    labels: one hover text per song. changed: optional flag per move, drawn under it in yellow (a move that
    another order of the same songs does not make)."""
    keys, modes = np.asarray(keys), np.asarray(modes)
    n = len(keys)
    seeds, flagged = seed_mask(is_seed, n), move_mask(changed, n)
    pos = positions(n)
    theta, radius = wheel_position(keys, modes)
    codes = np.atleast_1d(camelot_code(keys, modes))
    has_key = np.isfinite(theta)
    drawn = has_key[:-1] & has_key[1:] if n > 1 else np.zeros(0, dtype=bool)
    ok = camelot_compatible(keys[:-1], modes[:-1], keys[1:], modes[1:]) if n > 1 else np.zeros(0, dtype=bool)
    seen: dict[tuple, int] = {}
    lanes = np.zeros(max(n - 1, 0), dtype=int)
    for i in range(n - 1):  # repeated moves (either way) bow further out
        pair = tuple(sorted((codes[i], codes[i + 1])))
        lanes[i] = seen.get(pair, 0)
        seen[pair] = lanes[i] + 1
    hover = [f"move {i + 1} → {i + 2}: {codes[i]} → {codes[i + 1]}, "
             f"{'compatible' if ok[i] else 'clash'}" for i in range(n - 1)]

    fig = go.Figure()
    slots = [(number, mode) for mode in (0, 1) for number in range(1, 13)]
    fig.add_trace(go.Scatterpolar(
        theta=[(number * DEGREES_PER_NUMBER) % 360 for number, _ in slots],
        r=[LABEL_RADIUS[mode] for _, mode in slots], mode="text", name="wheel", hoverinfo="skip",
        text=[f"{number}{'A' if mode == 0 else 'B'}" for number, mode in slots], showlegend=False,
        textfont=dict(color="#9a9aa5", size=11)))
    if (flagged & drawn).any():
        th, rr, _, _ = _wheel_paths(theta, radius, flagged & drawn, lanes, hover)
        fig.add_trace(go.Scatterpolar(theta=th, r=rr, mode="lines", name="changed moves", hoverinfo="skip",
                                      line=dict(color=CHANGED, width=11)))
    for name, keep, colour in (("compatible move", ok & drawn, GOOD), ("clash", ~ok & drawn, BAD)):
        th, rr, size, text = _wheel_paths(theta, radius, keep, lanes, hover)
        fig.add_trace(go.Scatterpolar(
            theta=th, r=rr, mode="lines+markers", name=f"{name} ({int(keep.sum())})", hovertext=text,
            hovertemplate="%{hovertext}<extra></extra>", line=dict(color=colour, width=2.5),
            marker=dict(symbol="arrow", angleref="previous", size=size, color=colour)))
    middle = PATH_STEPS // 2
    mids = [move_path(theta[i], radius[i], theta[i + 1], radius[i + 1], lanes[i]) for i in np.flatnonzero(drawn)]
    fig.add_trace(go.Scatterpolar(
        theta=[m[0][middle] for m in mids], r=[m[1][middle] for m in mids], mode="text", name="move numbers",
        text=[str(i + 2) for i in np.flatnonzero(drawn)], hoverinfo="skip", showlegend=False,
        textfont=dict(size=10, color="#31333f")))
    song_hover = [f"{p}. {lab}<br>{c or 'no key'}" + (" (seed)" if s else "")
                  for p, lab, c, s in zip(pos, plain(labels), codes, seeds)]
    fig.add_trace(go.Scatterpolar(
        theta=theta[has_key], r=radius[has_key], mode="markers", name="songs",
        hovertext=[h for h, k in zip(song_hover, has_key) if k], hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(size=np.where(seeds, 15, 10)[has_key], color=pos[has_key], colorscale=COLORSCALE,
                    cmin=1, cmax=max(n, 2), line=dict(width=np.where(seeds, 3, 0)[has_key], color=SEED))))
    missing = int((~has_key).sum())
    text = title or (f"Key moves on the Camelot wheel: {int((ok & drawn).sum())} of {max(n - 1, 0)} compatible"
                     + (f" ({missing} without a key not shown)" if missing else ""))
    fig.update_layout(
        title=text, height=height, margin=dict(l=30, r=30, t=50, b=30), showlegend=True,
        legend=dict(orientation="h", y=-0.02, x=0.0),
        polar=dict(
            angularaxis=dict(rotation=90, direction="clockwise", tickmode="array",
                             tickvals=[(n * DEGREES_PER_NUMBER) % 360 for n in range(1, 13)],
                             ticktext=[str(n) for n in range(1, 13)], showline=False, gridcolor="#e6e6ea"),
            radialaxis=dict(range=[0, 2.05], tickmode="array", tickvals=[RADIUS[0], RADIUS[1]],
                            showticklabels=False, showline=False, gridcolor="#d5d5dc"),
        ))
    return fig


def strip_segments(x, number, keep) -> tuple[list, list]:
    """Lines of the moves ``keep`` on the strip, each the short way round the wheel: a move across 12 -> 1
    leaves at the top edge (12.5) and comes back in at the bottom (0.5), instead of crossing the whole strip."""
    xs, ys = [], []
    for i in np.flatnonzero(keep):
        a, b = number[i], number[i + 1]
        if not (np.isfinite(a) and np.isfinite(b)):
            continue
        step = ((b - a + 6) % 12) - 6  # signed steps, the short way (-6..5)
        end = a + step
        if 0.5 <= end <= 12.5:
            xs += [x[i], x[i + 1], None]
            ys += [a, b, None]
            continue
        edge = 12.5 if end > 12.5 else 0.5
        cut = x[i] + (edge - a) / step * (x[i + 1] - x[i])
        xs += [x[i], cut, None, cut, x[i + 1], None]
        ys += [a, edge, None, edge - 12 if edge > 12 else edge + 12, b, None]
    return xs, ys


def key_strip(keys, modes, labels: Sequence[str], is_seed=None, changed=None, title: str | None = None,
              height: int = 340) -> go.Figure:
    """Camelot number per position; each move drawn green when DJ-compatible, red when it clashes.

    keys: pitch classes 0..11 (-1 = none), modes 1/0. Minor "A" keys as circles, major "B" keys as squares.
    A move across 12 -> 1 wraps round the top edge (the short way, as on the wheel); a key is written where it
    changes. changed: optional flag per move, drawn under it in yellow. Traces: "changed moves",
    "compatible move (n)", "clash (n)", "songs".
    """
    keys, modes = np.asarray(keys), np.asarray(modes)
    n = len(keys)
    seeds, flagged = seed_mask(is_seed, n), move_mask(changed, n)
    pos = positions(n)
    number = camelot_number(keys, modes).astype(float)
    number[number == 0] = np.nan  # no key detected: a gap, not a point at 0
    codes = np.atleast_1d(camelot_code(keys, modes))
    ok = camelot_compatible(keys[:-1], modes[:-1], keys[1:], modes[1:]) if n > 1 else np.zeros(0, dtype=bool)
    fig = go.Figure()
    if flagged.any():
        xs, ys = strip_segments(pos, number, flagged)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name="changed moves", hoverinfo="skip",
                                 line=dict(color=CHANGED, width=11)))
    for name, keep, colour in (("compatible move", ok, GOOD), ("clash", ~ok, BAD)):
        xs, ys = strip_segments(pos, number, keep)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"{name} ({int(keep.sum())})",
                                 line=dict(color=colour, width=3), hoverinfo="skip"))
    hover = [f"{p}. {lab}<br>{c or 'no key'}" + (" (seed)" if s else "")
             for p, lab, c, s in zip(pos, plain(labels), codes, seeds)]
    shown = [c if i == 0 or c != codes[i - 1] else "" for i, c in enumerate(codes)]  # a key once per run
    fig.add_trace(go.Scatter(
        x=pos, y=number, mode="markers+text", name="songs", text=shown, textposition="top center",
        hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        marker=dict(size=np.where(seeds, 16, 11), symbol=np.where(modes == 0, "circle", "square"), color=pos,
                    colorscale=COLORSCALE, line=dict(width=np.where(seeds, 3, 0), color=SEED))))
    fig.update_layout(
        title=title or f"Key moves over the set: {int(ok.sum())} of {max(n - 1, 0)} compatible",
        height=height, margin=MARGIN,
        xaxis=dict(title="position", dtick=1 if n <= 25 else 5),
        yaxis=dict(title="Camelot number (A minor ○, B major □)", range=[0.4, 13.1], dtick=1),
        legend=dict(orientation="h", y=-0.25))
    return fig
