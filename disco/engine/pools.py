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

Every pool excludes the seeds, other releases of a recording already in it (same song, see
:mod:`disco.data.identity`) and songs with neither title nor artist; it is deterministic for a given
``random_state``. :class:`PoolFilters` (BPM, years, genres, subgenres, energy) narrow every source before the
pool is taken, so a filtered pool is still up to ``size`` songs of the ones that match.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Iterable, Sequence, Sized

import numpy as np
import pandas as pd

from disco.engine.playlist import RequestError
from disco.model.arrays import SongArrays

SOURCES = ("union", "subgenre", "genre", "cooccurrence", "knn")
_UNION_ORDER = ("cooccurrence", "knn", "subgenre", "genre")


@dataclass(frozen=True)
class PoolFilters:
    """What every candidate must be; None = no filter. Ranges are inclusive.

    - ``bpm`` (low, high): the tempo, **double/half time folded**: a song matches when its tempo, twice it or
      half it is in the range (a DJ plays a 64 BPM song at 128, as the tempo scores and rules fold it too).
    - ``years`` (low, high): release year.
    - ``genres`` / ``subgenres``: names, case-insensitive; a song matches when its own (sub)genre or that of any
      playlist listing it is one of them.
    - ``energy`` (low, high): raw energy, 0..1.

    A song **missing a value** a filter needs (no tempo, year, energy or genre) is **left out**: a filter keeps
    only songs known to match. :meth:`mask` says which and how many.
    """

    bpm: tuple[float, float] | None = None
    years: tuple[int, int] | None = None
    genres: tuple[str, ...] | None = None
    subgenres: tuple[str, ...] | None = None
    energy: tuple[float, float] | None = None

    def __post_init__(self):
        for name, low_bound, high_bound in (("bpm", 0.0, math.inf), ("years", -math.inf, math.inf),
                                            ("energy", 0.0, 1.0)):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, (str, bytes)) or not isinstance(value, Sized) or len(value) != 2:
                raise RequestError(f"the {name} filter must be a (low, high) pair, got {value!r}")
            low, high = value
            for v in (low, high):
                if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                    raise RequestError(f"the {name} filter's bounds must be finite numbers, got {value!r}")
                if name == "years" and int(v) != v:
                    raise RequestError(f"the years filter takes whole years, got {value!r}")
            if low > high:
                raise RequestError(f"the {name} filter's low end {low:g} is above its high end {high:g}")
            if name == "bpm" and low <= 0:
                raise RequestError(f"the bpm filter's tempi must be above 0 BPM, got {low:g}..{high:g}")
            if not (low_bound <= low and high <= high_bound):
                raise RequestError(f"the {name} filter must lie within {low_bound:g}..{high_bound:g}, "
                                   f"got {low:g}..{high:g}")
            cast = int if name == "years" else float
            object.__setattr__(self, name, (cast(low), cast(high)))
        for name in ("genres", "subgenres"):
            value = getattr(self, name)
            if value is None:
                continue
            names = (value,) if isinstance(value, str) else tuple(value) if isinstance(value, Iterable) else ()
            if not names or not all(isinstance(v, str) and v.strip() for v in names):
                raise RequestError(f"the {name} filter needs non-empty names, got {value!r}")
            object.__setattr__(self, name, tuple(dict.fromkeys(v.strip() for v in names)))

    @property
    def active(self) -> bool:
        """True when any filter is set."""
        return any(getattr(self, name) is not None for name in ("bpm", "years", "genres", "subgenres", "energy"))

    def to_dict(self) -> dict:
        """JSON-ready record of the filters set."""
        return {name: list(value) for name in ("bpm", "years", "genres", "subgenres", "energy")
                if (value := getattr(self, name)) is not None}

    def mask(self, catalog) -> tuple[np.ndarray, np.ndarray]:
        """(keep, missing), both (n,) bool over the catalog's songs: songs that match every filter, and songs
        left out because a value a filter needs is missing."""
        songs = catalog.songs
        n = len(songs)
        keep, missing = np.ones(n, dtype=bool), np.zeros(n, dtype=bool)

        def numbers_of(column):
            if column not in songs:
                return np.full(n, np.nan)
            return pd.to_numeric(songs[column], errors="coerce").to_numpy(np.float64)

        if self.bpm is not None:
            t = numbers_of("tempo")
            low, high = self.bpm
            with np.errstate(invalid="ignore"):
                match = np.zeros(n, dtype=bool)
                for fold in (0.5, 1.0, 2.0):
                    match |= (t * fold >= low) & (t * fold <= high)
            keep &= match
            missing |= ~np.isfinite(t)
        for name, column in (("years", "year"), ("energy", "energy")):
            value = getattr(self, name)
            if value is not None:
                v = numbers_of(column)
                with np.errstate(invalid="ignore"):
                    keep &= (v >= value[0]) & (v <= value[1])
                missing |= ~np.isfinite(v)
        for name, column in (("genres", "genre"), ("subgenres", "subgenre")):
            value = getattr(self, name)
            if value is not None:
                match, known = _labelled(catalog, column, {v.casefold() for v in value})
                keep &= match
                missing |= ~known
        return keep, missing & ~keep


def _labelled(catalog, column: str, wanted: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """(matches, known), (n,) bool: songs whose own ``column`` or that of a playlist listing them is in
    ``wanted`` (casefolded), and songs with any such label at all."""
    songs = catalog.songs
    n = len(songs)
    own = songs[column].astype(str).str.strip().str.casefold() if column in songs else pd.Series([""] * n)
    matches = np.array(own.isin(wanted), dtype=bool)  # writable copies: playlists' labels are added below
    known = np.array(own != "", dtype=bool)
    members = catalog.memberships
    if len(members) and column in members:
        labels = members[column].astype(str).str.strip().str.casefold()
        for pick, out in ((labels.isin(wanted), matches), (labels != "", known)):
            out[_known_indices(catalog, members.loc[pick.to_numpy(), "track_id"].unique())] = True
    return matches, known


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
        self.filtered_: dict[str, int] = {}
        self._offered: np.ndarray | None = None  # songs the sources may offer (knn looks among those only)

    def select(self, catalog, arrays: SongArrays, seeds: Sequence[int],
               filters: PoolFilters | None = None) -> np.ndarray:
        """Song indices (int64, best first) of the pool around ``seeds`` (song indices of ``catalog``), of
        songs that pass ``filters`` only (the seeds need not). The filter's counts are in ``filtered_``."""
        seeds = np.unique(np.asarray(seeds, dtype=np.int64))
        n = len(arrays)
        if len(seeds) == 0:
            raise ValueError("a candidate pool needs at least one seed song")
        if seeds.min() < 0 or seeds.max() >= n:
            raise ValueError(f"seed index out of range for {n} songs")
        offered = ~catalog.blank  # songs without title and artist are never offered
        self.filtered_ = {}
        if filters is not None and filters.active:
            keep, missing = filters.mask(catalog)
            offered &= keep
            self.filtered_ = {"matching": int(keep.sum()), "missing_dropped": int(missing.sum())}
        self._offered = offered if self.filtered_ else None
        names = _UNION_ORDER if self.source == "union" else (self.source,)
        lists = {name: _SOURCES[name](self, catalog, arrays, seeds) for name in names}
        lists = {name: v[offered[v]] for name, v in lists.items()}
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
        if self._offered is not None:  # the nearest songs that may be offered, not the nearest songs at all
            dist[~self._offered] = np.inf
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
