"""What the playlist figures share: colours, positions, seed flags, literal hover text."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np

GOOD = "#2ca02c"  # compatible move
BAD = "#d62728"  # clashing move
SEED = "#ff7f0e"
CHANGED = "rgba(255, 193, 7, 0.45)"  # a move that differs between two orders (drawn under it, wide)
COLORSCALE = "Viridis"  # position along the set: dark = start, yellow = end
MARGIN = dict(l=10, r=10, t=40, b=10)


def plain(labels: Sequence[str]) -> list[str]:
    """Song labels as literal hover text: Plotly reads ``<...>`` in labels as markup (links, line breaks)."""
    return [str(t).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") for t in labels]


def positions(n: int) -> np.ndarray:
    """Positions 1..n (position 1 is the first song)."""
    return np.arange(1, n + 1)


def seed_mask(is_seed, n: int) -> np.ndarray:
    mask = np.zeros(n, dtype=bool) if is_seed is None else np.asarray(is_seed, dtype=bool)
    if mask.shape != (n,):
        raise ValueError(f"is_seed must have one flag per song ({n}), got shape {mask.shape}")
    return mask


def move_mask(flags, n: int, what: str = "changed") -> np.ndarray:
    """One flag per move (``n - 1`` of them for ``n`` songs); None: no move flagged."""
    moves = max(n - 1, 0)
    mask = np.zeros(moves, dtype=bool) if flags is None else np.asarray(flags, dtype=bool)
    if mask.shape != (moves,):
        raise ValueError(f"{what} needs one flag per move ({moves}), got shape {mask.shape}")
    return mask


TITLE_LINE_CHARS = 44  # a Plotly title never wraps by itself: lines this long fit a phone (390 px)


def wrap_title(text: str, width: int = TITLE_LINE_CHARS) -> str:
    """``text`` broken into lines of at most ``width`` characters at spaces (Plotly's ``<br>``); parts already
    on their own lines (after a ``<br>``) are kept as they are."""
    head, sep, rest = text.partition("<br>")
    return "<br>".join(textwrap.wrap(head, width) or [head]) + sep + rest
