"""Candidate pools around the seed songs, from the local catalog (Spotify's recommendation API is closed).

Sources (spec section 4):

- ``"subgenre"`` / ``"genre"``: songs listed in a playlist of a seed's subgenre / genre (a genre query);
  a seeded random sample when there are more than ``size``.
- ``"cooccurrence"``: item-item collaborative filtering: songs that share playlists with the seeds, ranked by
  how many seed playlists they share (ties: more seeds shared, then closer in feature space).
- ``"knn"``: nearest neighbours of the seeds in the transformed feature space ``z`` (distance to the
  closest seed).
- ``"union"`` (default): the four lists interleaved round-robin (co-occurrence, kNN, subgenre, genre),
  duplicates skipped, up to ``size``.

Every pool excludes the seeds and is deterministic for a given ``random_state``.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from disco.model.arrays import SongArrays

SOURCES = ("union", "subgenre", "genre", "cooccurrence", "knn")
_UNION_ORDER = ("cooccurrence", "knn", "subgenre", "genre")


class CandidatePool:
    """Chooses up to ``size`` candidate songs around seed songs.

    Parameters: ``source`` one of :data:`SOURCES`; ``size`` >= 1 songs; ``random_state`` seeds the sample
    of genre/subgenre pools. Use :meth:`select`; the last call's per-source counts are in ``counts_``.
    """

    def __init__(self, source: str = "union", size: int = 300, random_state: int = 0):
        if source not in SOURCES:
            raise ValueError(f"pool source must be one of {', '.join(SOURCES)}; got {source!r}")
        if int(size) < 1:
            raise ValueError(f"pool size must be >= 1, got {size}")
        self.source = source
        self.size = int(size)
        self.random_state = random_state
        self.counts_: dict[str, int] = {}

    def select(self, catalog, arrays: SongArrays, seeds: Sequence[int]) -> np.ndarray:
        """Song indices (int64, best first) of the pool around ``seeds`` (song indices of ``catalog``)."""
        seeds = np.unique(np.asarray(seeds, dtype=np.int64))
        n = len(arrays)
        if len(seeds) == 0:
            raise ValueError("a candidate pool needs at least one seed song")
        if seeds.min() < 0 or seeds.max() >= n:
            raise ValueError(f"seed index out of range for {n} songs")
        names = _UNION_ORDER if self.source == "union" else (self.source,)
        lists = {name: _SOURCES[name](self, catalog, arrays, seeds) for name in names}
        self.counts_ = {name: int(len(v)) for name, v in lists.items()}
        keys = catalog.recordings
        return _interleave([lists[name] for name in names], keys=keys, exclude=seeds, limit=self.size)

    def __repr__(self) -> str:
        return f"CandidatePool(source={self.source!r}, size={self.size}, random_state={self.random_state})"

    # -- sources (each returns a ranked array, possibly with seeds/duplicates) --------------------------------
    def _genre(self, catalog, arrays, seeds, column: str) -> np.ndarray:
        members = catalog.memberships
        songs = catalog.songs
        if len(members) and column in members:
            seed_ids = songs["track_id"].to_numpy(dtype=object)[seeds]
            values = set(members.loc[members["track_id"].isin(seed_ids), column].astype(str)) - {""}
            values |= set(songs[column].to_numpy(dtype=object)[seeds].astype(str)) - {""}
            ids = members.loc[members[column].astype(str).isin(values), "track_id"].unique()
            idx = _known_indices(catalog, ids)
            idx = np.union1d(idx, np.flatnonzero(songs[column].astype(str).isin(values).to_numpy()))
        else:
            values = set(songs[column].to_numpy(dtype=object)[seeds].astype(str)) - {""}
            idx = np.flatnonzero(songs[column].astype(str).isin(values).to_numpy())
        idx = np.setdiff1d(idx, seeds)
        rng = np.random.default_rng(self.random_state)
        return rng.permutation(np.sort(idx))

    def _subgenre(self, catalog, arrays, seeds) -> np.ndarray:
        return self._genre(catalog, arrays, seeds, "subgenre")

    def _genre_only(self, catalog, arrays, seeds) -> np.ndarray:
        return self._genre(catalog, arrays, seeds, "genre")

    def _cooccurrence(self, catalog, arrays, seeds) -> np.ndarray:
        counts, seed_counts = cooccurrence_counts(catalog, seeds)
        idx = np.flatnonzero(counts > 0)
        idx = idx[~np.isin(idx, seeds)]
        if len(idx) == 0:
            return idx
        dist = _seed_distance(arrays, seeds, idx)
        order = np.lexsort((idx, dist, -seed_counts[idx], -counts[idx]))
        return idx[order]

    def _knn(self, catalog, arrays, seeds) -> np.ndarray:
        n = len(arrays)
        k = min(n, 4 * self.size + len(seeds))  # spare neighbours: releases of one song count once
        dist = _seed_distance(arrays, seeds, np.arange(n))
        dist[seeds] = np.inf
        part = np.argpartition(dist, k - 1)[:k] if k < n else np.arange(n)
        part = part[np.isfinite(dist[part])]
        return part[np.lexsort((part, dist[part]))]


_SOURCES = {
    "subgenre": CandidatePool._subgenre,
    "genre": CandidatePool._genre_only,
    "cooccurrence": CandidatePool._cooccurrence,
    "knn": CandidatePool._knn,
}


def cooccurrence_counts(catalog, seeds: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Per song: how many playlists holding a seed it is in, and how many distinct seeds it shares a
    playlist with; both (n,) int. Item-item co-occurrence from a sparse song x playlist matrix."""
    from scipy import sparse

    n = len(catalog.songs)
    members = catalog.memberships
    seeds = np.asarray(seeds, dtype=np.int64)
    if len(members) == 0:
        return np.zeros(n, np.int64), np.zeros(n, np.int64)
    song_idx = pd.Index(catalog.songs["track_id"].to_numpy(dtype=object)).get_indexer(
        members["track_id"].to_numpy(dtype=object))
    keep = song_idx >= 0
    pl_codes, _ = pd.factorize(members["playlist_id"].to_numpy(dtype=object)[keep])
    m = sparse.csr_matrix((np.ones(int(keep.sum()), np.int32), (song_idx[keep], pl_codes)),
                          shape=(n, int(pl_codes.max()) + 1 if len(pl_codes) else 0))
    m.data[:] = 1  # a song listed twice in a playlist counts once
    m.sum_duplicates()
    m.data = np.minimum(m.data, 1)
    seed_rows = m[seeds]  # (S, playlists)
    any_seed = np.asarray(seed_rows.sum(axis=0)).ravel() > 0
    counts = np.asarray(m @ any_seed.astype(np.int64)).ravel()
    seed_counts = np.asarray((m @ seed_rows.T.astype(np.int64) > 0).sum(axis=1)).ravel()
    return counts.astype(np.int64), seed_counts.astype(np.int64)


def _known_indices(catalog, track_ids) -> np.ndarray:
    idx = pd.Index(catalog.songs["track_id"].to_numpy(dtype=object)).get_indexer(np.asarray(track_ids, dtype=object))
    return np.unique(idx[idx >= 0]).astype(np.int64)


def _seed_distance(arrays: SongArrays, seeds: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Euclidean distance in ``z`` from each song of ``idx`` to its closest seed (float64)."""
    z = np.asarray(arrays.z, dtype=np.float64)
    zs = z[seeds]
    zi = z[idx]
    d2 = (zi * zi).sum(1)[:, None] - 2 * zi @ zs.T + (zs * zs).sum(1)[None, :]
    return np.sqrt(np.maximum(d2, 0).min(axis=1))


def _interleave(lists: list[np.ndarray], keys: np.ndarray, exclude: np.ndarray, limit: int) -> np.ndarray:
    """Round-robin merge of ranked lists up to ``limit`` songs, skipping songs whose recording (``keys``,
    :attr:`~disco.data.catalog.Catalog.recordings`) is already taken or is an ``exclude`` (seed) song's."""
    seen = set(int(keys[s]) for s in exclude)
    out: list[int] = []
    iters = [iter(np.asarray(v, dtype=np.int64).tolist()) for v in lists]
    while iters and len(out) < limit:
        alive = []
        for it in iters:
            for item in it:
                if keys[item] not in seen:
                    seen.add(int(keys[item]))
                    out.append(item)
                    alive.append(it)
                    break
            if len(out) >= limit:
                break
        iters = alive
    return np.asarray(out, dtype=np.int64)
