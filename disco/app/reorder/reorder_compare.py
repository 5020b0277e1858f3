"""The Reorder page's comparison: the user's order and DISCO's side by side, each with its key path (wheel and
strip, the moves that differ highlighted), its loss terms move by move, and the score of each in one table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from disco.app.figures.figure_panel import figure_panel
from disco.app.figures.playlist_figures import figure_specs, playlist_id
from disco.engine.playlist import Playlist
from disco.engine.service import Disco
from disco.plots.playlist import loss_parts

SIDES = (("before", "Your order"), ("after", "DISCO's order"))
SIDE_FIGURES = ("wheel", "strip", "loss")
TERM_NAMES = {"flow x distance": "feature distance (flow x distance)",
              "-sweetness x key term": "key term (-sweetness x key score)",
              "-smoothness x tempo term": "tempo term (-smoothness x tempo score)",
              "arc weight x |energy - target|": "energy arc (arc weight x |energy - target|)"}


def moves_of(indices) -> set[tuple[int, int]]:
    """The moves (song -> next song) of an order."""
    idx = [int(i) for i in indices]
    return set(zip(idx[:-1], idx[1:]))


def changed_moves(order, other) -> np.ndarray:
    """Per move of ``order``: True when ``other`` does not make that move (the same two songs in a row, in
    that direction)."""
    idx = [int(i) for i in order]
    theirs = moves_of(other)
    return np.array([(a, b) not in theirs for a, b in zip(idx[:-1], idx[1:])], dtype=bool)


def score_terms(playlist: Playlist) -> dict[str, float]:
    """The weighted loss terms summed over the order's moves (as :func:`disco.plots.playlist.loss_bars` stacks
    them), and the total."""
    out = {TERM_NAMES.get(name, name): float(np.nansum(values)) for name, _, values, _ in loss_parts(playlist)}
    out["total loss"] = float(playlist.total_loss)
    return out


def score_table(before: Playlist, after: Playlist) -> pd.DataFrame:
    """Rows: each loss term and the total; columns: the user's order, DISCO's, and the change."""
    mine, disco = score_terms(before), score_terms(after)
    rows = list(dict.fromkeys(list(mine) + list(disco)))
    frame = pd.DataFrame({"score (lower is better)": rows,
                          "your order": [mine.get(r, np.nan) for r in rows],
                          "DISCO's order": [disco.get(r, np.nan) for r in rows]})
    frame["change"] = frame["DISCO's order"] - frame["your order"]
    return frame


def side_by_side(view: Disco, before: Playlist, after: Playlist, *, key: str = "reorder") -> None:
    """Both orders' key paths and loss terms in two columns (moves that differ highlighted), then the score
    table."""
    changed = {"before": changed_moves(before.indices, after.indices),
               "after": changed_moves(after.indices, before.indices)}
    for (side, title), column in zip(SIDES, st.columns(2)):
        playlist = before if side == "before" else after
        with column:
            n_changed = int(changed[side].sum())
            st.markdown(f"**{title}**: total loss {playlist.total_loss:.2f}, {n_changed} of "
                        f"{len(changed[side])} moves not in the other order (highlighted)")
            figure_panel(figure_specs(view, playlist, playlist_id(view, playlist), False, SIDE_FIGURES,
                                      tuple(bool(c) for c in changed[side])), key=f"{key}_{side}_keys")
    st.dataframe(score_table(before, after), hide_index=True, key=f"{key}_scores",
                 column_config={c: st.column_config.NumberColumn(format="%.2f")
                                for c in ("your order", "DISCO's order", "change")})
    st.caption("Each order is scored with the same settings: the loss of a move is flow x distance - sweetness x "
               "key score - smoothness x tempo score (+ arc weight x |energy - target| with an energy arc); the "
               "first song has no move.")
