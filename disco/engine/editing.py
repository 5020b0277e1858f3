"""Editing a built playlist: the songs that could take one of its positions instead.

A DJ swaps a song by locking another at its position and building again (``locked`` in
:func:`~disco.engine.search.build_playlist`); :func:`slot_alternatives` lists the candidates for that, ranked
as a build would choose at that position.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from disco.engine.loss import Loss, recent_songs
from disco.engine.playlist import Playlist, RequestError
from disco.model.arrays import Predictor, SongArrays, predictions

ALTERNATIVE_COLUMNS = ("index", "distance", "key_score", "tempo_score", "arc_penalty", "loss", "breaks")


def slot_alternatives(playlist: Playlist, position: int, k: int = 8, *, arrays: SongArrays,
                      predictor: Predictor) -> pd.DataFrame:
    """The ``k`` best songs for ``position`` of ``playlist`` (after its seeds), given the songs before it: the
    candidates of the pool it was built from (``info["pool_indices"]``) that are not in the playlist and not
    banned (``info["banned"]``), each scored for the move into ``position`` under ``playlist.settings`` (the
    network's state after the songs before it, the arc's target at that position).

    Ranked as a build chooses: songs that keep every hard rule first, then those that break only the rules a
    build relaxes first (:data:`~disco.engine.settings.RULES`' order), each group by loss. Columns: index (song
    index), distance, key_score, tempo_score (-1..1), arc_penalty (NaN without an arc), loss (the move's
    loss, as :func:`~disco.engine.score.score_order` reports it for that song at that position) and breaks
    (the rules the move breaks, a tuple of names)."""
    if "pool_indices" not in playlist.info:
        raise RequestError("alternatives need a playlist built from a candidate pool (a reordered or scored "
                           "list has none)")
    n = len(playlist)
    if isinstance(position, bool) or not isinstance(position, (int, np.integer)):
        raise RequestError(f"the position must be a whole number, got {position!r}")
    position = int(position)
    if not max(1, playlist.n_seeds) <= position < n:
        raise RequestError(f"position {position} has no alternatives: positions {max(1, playlist.n_seeds)}.."
                           f"{n - 1} follow the seeds of this {n}-song playlist")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise RequestError(f"k must be a whole number >= 1, got {k!r}")
    order = np.asarray(playlist.indices, dtype=np.int64)
    cand = np.asarray(playlist.info["pool_indices"], dtype=np.int64)
    cand = cand[~np.isin(cand, order) & ~np.isin(cand, playlist.info.get("banned", []))]
    if len(cand) == 0:
        return pd.DataFrame({c: [] for c in ALTERNATIVE_COLUMNS})
    settings = playlist.settings
    loss = Loss(settings, arrays, cand, length=n)
    y = predictions(predictor, arrays, order[None, :position])[0, -1:]  # after the songs before the slot
    last = order[position - 1:position]
    total, dist = loss.moves(y, last, position, return_distance=True)
    masks = loss.rule_masks(last, recent=recent_songs(order, [position], max(settings.artist_gap, 1))[0])
    names = list(masks)
    # a build drops rules first to last: a song is allowed once every rule after the last it breaks is kept
    level = np.zeros(len(cand), dtype=np.int64)
    for i, name in enumerate(names):
        level[~masks[name][0]] = i + 1
    pick = np.lexsort((np.arange(len(cand)), total[0], level))[:int(k)]
    arc = loss.arc_term(position)[pick] if settings.arc is not None else np.full(len(pick), np.nan)
    return pd.DataFrame({
        "index": cand[pick],
        "distance": dist[0, pick],
        "key_score": loss.key_term(last)[0, pick],
        "tempo_score": loss.tempo_term(last)[0, pick],
        "arc_penalty": arc,
        "loss": total[0, pick],
        "breaks": [tuple(name for name in names if not masks[name][0, j]) for j in pick],
    })
