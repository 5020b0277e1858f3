"""Choosing songs in order: DISCO's loss, greedy search (the reference) and beam search.

The loss of moving from the last song ``s`` to a candidate ``c`` (spec section 3)::

    L(c) = flow * || spicy * y_hat - z_c || - sweetness * keysim(s, c) - smoothness * temposim(s, c)

where ``y_hat`` is the predictor's output after feeding the playlist so far. The predictor carries its
hidden state, so each added song costs one O(1) step; candidates are scored all at once (beams x pool).
"""

from __future__ import annotations

import contextlib
import math
import weakref
from dataclasses import asdict, dataclass, field
from typing import Sequence

import numpy as np

from disco import theory
from disco.interfaces import Predictor, SongArrays, State

SEARCHES = ("greedy", "beam")


@dataclass(frozen=True)
class Weights:
    """Loss weights: ``flow`` (feature distance), ``sweetness`` (key), ``smoothness`` (tempo), all >= 0,
    and ``spicy`` (> 0), the factor scaling the network's prediction up (it under-estimates magnitudes)."""

    flow: float = 1.0
    sweetness: float = 1.0
    smoothness: float = 1.0
    spicy: float = 1.2

    def __post_init__(self):
        for name in ("flow", "sweetness", "smoothness", "spicy"):
            value = getattr(self, name)
            if not isinstance(value, (int, float, np.floating, np.integer)) or not math.isfinite(value):
                raise ValueError(f"weight {name} must be a finite number, got {value!r}")
            if value < 0:
                raise ValueError(f"weight {name} must be >= 0, got {value}")


@dataclass
class Playlist:
    """An ordered playlist with the per-transition breakdown of its loss.

    ``indices`` (L,) song indices (catalog rows); the first ``n_seeds`` are the seeds. Row ``i`` of the
    per-song arrays describes the transition *into* song ``i``: ``predicted`` (L, 8) the network's
    next-song vector (already scaled by ``spicy``), ``distance``, ``key_similarity``,
    ``tempo_similarity`` and ``loss`` (L,). Seed rows are NaN. ``total_loss`` sums the chosen songs'
    losses. ``message`` explains a shorter-than-asked playlist (pool ran out); ``settings`` records how
    it was made.
    """

    indices: np.ndarray
    n_seeds: int
    predicted: np.ndarray
    distance: np.ndarray
    key_similarity: np.ndarray
    tempo_similarity: np.ndarray
    loss: np.ndarray
    total_loss: float
    message: str | None = None
    settings: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.indices)


_MATRIX_CACHE: dict[int, tuple] = {}
_BLAS = None


def _song_matrix(arrays: SongArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weight-independent per-song terms of :class:`_Scorer`, cached per SongArrays object (repeated builds
    skip the set-up): (11, n) float32 rows = 8 features, squared norm, cos and sin of the tempo phase;
    circle-of-fifths positions (n,) with 12 = no key; tempo cos/sin (n, 2) float64."""
    hit = _MATRIX_CACHE.get(id(arrays))
    if hit is not None and hit[0]() is arrays:
        return hit[1]
    z = np.asarray(arrays.z, dtype=np.float64)
    pos = theory.circle_position(arrays.key, arrays.mode)
    pos = np.where(pos < 0, 12, pos).astype(np.intp)
    tempo = np.asarray(arrays.tempo, dtype=np.float64)
    valid = tempo > 0
    phase = 2 * np.pi * np.log2(np.where(valid, tempo, 1.0))
    cs = np.stack([np.where(valid, np.cos(phase), 0.0), np.where(valid, np.sin(phase), 0.0)], 1)
    E = np.empty((11, len(z)), dtype=np.float32)
    E[:8] = z.T
    E[8] = (z * z).sum(1)
    E[9:11] = cs.T
    value = (E, pos, cs)
    for key in [k for k, v in _MATRIX_CACHE.items() if v[0]() is None]:
        del _MATRIX_CACHE[key]
    _MATRIX_CACHE[id(arrays)] = (weakref.ref(arrays), value)
    return value


class _Scorer:
    """Loss of every pool song for a batch of (last song, prediction) pairs, in float32.

    Per-pool terms are precomputed once (:func:`_song_matrix`): squared distances come from one matrix
    product with the features and their squared norms (``|a - z|^2 = |z|^2 - 2 a.z + |a|^2``), key
    similarity is a lookup by circle position, and tempo similarity two multiply-adds thanks to
    ``cos(a - b) = cos a cos b + sin a sin b``. Selection only: reported losses are recomputed exactly in
    float64 by :func:`evaluate_sequence`.
    """

    def __init__(self, arrays: SongArrays, pool: np.ndarray, weights: Weights):
        self.w = weights
        E, self.pos_all, self.cs_all = _song_matrix(arrays)
        P = len(pool)
        if P and pool[-1] - pool[0] == P - 1 and bool((np.diff(pool) == 1).all()):
            E = E[:, pool[0]:pool[0] + P]  # a range: a view, no copy
        else:
            E = E[:, pool]
        self.E9 = np.ascontiguousarray(E[:9])
        self.cs = np.ascontiguousarray(E[9:11])
        self.pos = self.pos_all[pool]
        self.table = (theory.keysim_table() * weights.sweetness).astype(np.float32)

    def scores(self, last: np.ndarray, y: np.ndarray, cols: np.ndarray | None = None,
               return_dist: bool = False):
        """(B, P) float32 losses of every pool song (or of pool positions ``cols``) after songs ``last`` (B,)
        with predictions ``y`` (B, 8); with ``return_dist`` also the (B, P) distances."""
        w = self.w
        last = np.asarray(last)
        E9, cs, pos = (self.E9, self.cs, self.pos) if cols is None else (self.E9[:, cols], self.cs[:, cols],
                                                                          self.pos[cols])
        a = w.spicy * np.asarray(y, dtype=np.float64)
        B = len(a)
        coef = np.empty((B, 9), dtype=np.float32)
        coef[:, :8] = -2.0 * a
        coef[:, 8] = 1.0
        d = coef @ E9
        d += (a * a).sum(1).astype(np.float32)[:, None]
        np.maximum(d, 0.0, out=d)
        np.sqrt(d, out=d)
        dist = d.copy() if return_dist else None
        if w.flow != 1.0:
            d *= np.float32(w.flow)
        key_rows = self.table[self.pos_all[last]]  # (B, 13)
        tempo = (w.smoothness * self.cs_all[last]).astype(np.float32)  # (B, 2)
        if B == 1:
            d[0] -= key_rows[0][pos]
            if w.smoothness:
                d[0] -= tempo[0, 0] * cs[0]
                d[0] -= tempo[0, 1] * cs[1]
        else:
            d -= np.take(key_rows, pos, axis=1)
            if w.smoothness:
                d -= tempo @ cs
        return (d, dist) if return_dist else d


def _blas_single_thread():
    """Small matrix products are 10-100x slower with multi-threaded BLAS on a busy machine: use one thread.
    (One ThreadpoolController, created once: creating it scans the loaded libraries, ~10 ms.)"""
    global _BLAS
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    if _BLAS is None:
        _BLAS = ThreadpoolController()
    return _BLAS.limit(limits=1, user_api="blas")


def _step(predictor: Predictor, state: State, x: np.ndarray) -> tuple[State, np.ndarray]:
    state, y = predictor.step(state, np.asarray(x, dtype=np.float32))
    return tuple(state), np.asarray(y)


def _inputs(arrays: SongArrays, idx) -> np.ndarray:
    """(k, 9) network inputs (mode, z) of songs ``idx``, without building ``arrays.x`` for every song."""
    idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
    x = np.empty((len(idx), 9), dtype=np.float32)
    x[:, 0] = np.asarray(arrays.mode)[idx]
    x[:, 1:] = np.asarray(arrays.z)[idx]
    return x


def _take_state(state: State, rows: np.ndarray) -> State:
    return tuple(s[rows] for s in state)


def _check_inputs(seeds, pool, length, arrays: SongArrays) -> tuple[np.ndarray, np.ndarray, str | None]:
    n = len(arrays)
    seeds = np.asarray(seeds, dtype=np.int64).ravel()
    if len(seeds) == 0:
        raise ValueError("at least one seed song is needed")
    if len(np.unique(seeds)) != len(seeds):
        raise ValueError(f"seed songs must be distinct, got indices {seeds.tolist()}")
    if int(length) < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    pool = np.asarray(pool, dtype=np.int64).ravel()
    for name, idx in (("seed", seeds), ("pool", pool)):
        bad = idx[(idx < 0) | (idx >= n)]
        if len(bad):
            raise ValueError(f"{name} index {int(bad[0])} out of range for {n} songs")
    # drop seeds and repeats, keeping first occurrences in the caller's order (deterministic)
    _, first = np.unique(pool, return_index=True)
    pool = pool[np.sort(first)]
    pool = pool[~np.isin(pool, seeds)]
    message = None
    wanted = int(length) - len(seeds)
    if wanted > len(pool):
        message = (f"the candidate pool ran out: {len(pool)} candidates for {wanted} songs to add; "
                   f"the playlist has {len(seeds) + len(pool)} songs instead of {int(length)}")
    return seeds, pool, message


def evaluate_sequence(indices: Sequence[int], n_seeds: int, *, arrays: SongArrays, predictor: Predictor,
                      weights: Weights = Weights()) -> Playlist:
    """The loss breakdown of a given order: songs after the first ``n_seeds`` (>= 1) are scored."""
    idx = np.asarray(indices, dtype=np.int64).ravel()
    n_seeds = max(1, min(int(n_seeds), len(idx)))
    L = len(idx)
    predicted = np.full((L, 8), np.nan)
    dist, ks, ts, loss = (np.full(L, np.nan) for _ in range(4))
    state = predictor.initial_state(1)
    if L > n_seeds:
        x = _inputs(arrays, idx)
        ys = []
        for i in range(L - 1):
            state, y = _step(predictor, state, x[i][None, :])
            ys.append(y[0])
        t = np.arange(n_seeds, L)  # transitions into these positions
        s, c = idx[t - 1], idx[t]
        a = weights.spicy * np.asarray(ys, dtype=np.float64)[t - 1]
        predicted[t] = a
        dist[t] = np.sqrt(((a - np.asarray(arrays.z)[c].astype(np.float64)) ** 2).sum(axis=1))
        ks[t] = theory.key_similarity(arrays.key[s], arrays.mode[s], arrays.key[c], arrays.mode[c])
        ts[t] = theory.tempo_similarity(arrays.tempo[s], arrays.tempo[c])
    loss = weights.flow * dist - weights.sweetness * ks - weights.smoothness * ts
    total = float(np.nansum(loss[n_seeds:]))
    return Playlist(idx, n_seeds, predicted, dist, ks, ts, loss, total)


def sequence_losses(orders: np.ndarray, *, arrays: SongArrays, predictor: Predictor,
                    weights: Weights = Weights(), n_fixed: int = 1) -> np.ndarray:
    """Total loss of many orders at once: ``orders`` (S, L) song indices -> (S,) summed losses (float64)
    of the transitions into positions ``n_fixed..L-1`` (the predictor runs batched over the S orders)."""
    orders = np.atleast_2d(np.asarray(orders, dtype=np.int64))
    S, L = orders.shape
    songs, local = np.unique(orders, return_inverse=True)
    local = local.reshape(S, L)
    x = _inputs(arrays, songs)  # inputs of the songs in the orders only
    z = np.asarray(arrays.z)
    total = np.zeros(S)
    state = predictor.initial_state(S)
    for i in range(L - 1):
        state, y = _step(predictor, state, x[local[:, i]])
        if i + 1 < max(1, n_fixed):
            continue
        s, c = orders[:, i], orders[:, i + 1]
        a = weights.spicy * np.asarray(y, dtype=np.float64)
        d = np.sqrt(((a - z[c].astype(np.float64)) ** 2).sum(axis=1))
        ks = theory.key_similarity(arrays.key[s], arrays.mode[s], arrays.key[c], arrays.mode[c])
        ts = theory.tempo_similarity(arrays.tempo[s], arrays.tempo[c])
        total += weights.flow * d - weights.sweetness * ks - weights.smoothness * ts
    return total


def _greedy_path(seeds, pool, n_add, scorer: _Scorer, arrays: SongArrays, predictor: Predictor) -> list[int]:
    state = predictor.initial_state(1)
    y = None
    for s in seeds:
        state, y = _step(predictor, state, _inputs(arrays, s))
    used: list[int] = []
    last = int(seeds[-1])
    chosen: list[int] = []
    for _ in range(n_add):
        loss = scorer.scores(np.array([last]), y)[0]
        loss[used] = np.inf
        j = int(np.argmin(loss))  # first minimum: ties go to the earlier pool position
        used.append(j)
        last = int(pool[j])
        chosen.append(last)
        state, y = _step(predictor, state, _inputs(arrays, last))
    return chosen


def _top_k(flat: np.ndarray, k: int, bound_row: np.ndarray) -> np.ndarray:
    """Flat indices of the ``k`` smallest finite values, sorted by (value, index): deterministic ties.

    The k-th smallest value of any single row bounds the overall k-th smallest, so only values under that
    bound are sorted (a few per beam) instead of partitioning all B x P values.
    """
    finite_row = bound_row[np.isfinite(bound_row)]
    if len(finite_row) >= k:
        bound = np.partition(finite_row, k - 1)[k - 1]
        cand = np.flatnonzero(flat <= bound)
    else:
        cand = np.flatnonzero(np.isfinite(flat))
    cand = cand[np.lexsort((cand, flat[cand]))]
    return cand[:k]


def _prune(scorer: _Scorer, last, y, off, used, blocked, width) -> np.ndarray | None:
    """Pool positions (sorted) that can still enter the next beam; None to score them all.

    Exact bound: with ``r`` the best beam and ``tau`` the ``width``-th best total among its own extensions,
    beam ``b`` can only add ``c`` if ``off_b + flow * d_bc - sweetness - smoothness <= tau`` (key and tempo
    similarity are at most 1), and ``d_bc >= d_rc - ||a_b - a_r||`` (triangle inequality on the scaled
    predictions ``a``). Beams share most of their history, so few candidates survive.
    """
    w = scorer.w
    if w.flow < 1e-6:  # the bound divides by flow
        return None
    r = int(np.argmin(off))
    loss_r, d_r = scorer.scores(last[r:r + 1], y[r:r + 1], return_dist=True)
    loss_r, d_r = loss_r[0], d_r[0]
    if used.shape[1]:
        loss_r[used[r]] = np.inf
    if blocked is not None:
        loss_r[blocked[r]] = np.inf
    finite = loss_r[np.isfinite(loss_r)]
    if len(finite) < width:
        return None
    tau = float(np.partition(finite, width - 1)[width - 1])
    a = w.spicy * np.asarray(y, dtype=np.float64)
    delta = np.sqrt(((a - a[r]) ** 2).sum(axis=1))
    slack = 1e-4 * (1.0 + abs(tau) + w.sweetness + w.smoothness)  # float32 rounding of the losses
    reach = (tau - off.astype(np.float64) + w.sweetness + w.smoothness + slack) / w.flow + delta
    radius = float(reach.max()) + 1e-2  # float32 rounding of the distances
    cols = np.flatnonzero(d_r <= radius)
    return cols if 0 < len(cols) < 0.5 * len(d_r) else None


def _beam_paths(starts, pool, n_add, width, scorer: _Scorer, arrays: SongArrays,
                predictor: Predictor) -> tuple[int, list[int]]:
    """Beam search over the summed loss from one or more equal-length prefixes ``starts`` (B0, m); pool songs
    in a beam's prefix are unusable in that beam. Returns (row of the best prefix, its added songs)."""
    P = len(pool)
    prefix = np.asarray(starts, dtype=np.int64)
    B0 = len(prefix)
    state = predictor.initial_state(B0)
    y = None
    for i in range(prefix.shape[1]):
        state, y = _step(predictor, state, _inputs(arrays, prefix[:, i]))
    # prefix songs that are also pool songs (reorder with a free start) are blocked per beam
    in_pool = np.isin(pool, prefix)
    blocked = (pool[None, :] == prefix[:, :, None]).any(axis=1) if in_pool.any() else None
    used = np.zeros((B0, 0), dtype=np.int64)  # pool positions picked by each beam
    last = prefix[:, -1].copy()
    cum = np.zeros(B0)
    parents: list[np.ndarray] = []
    picks: list[np.ndarray] = []
    for _ in range(n_add):
        B = len(last)
        off = (cum - cum.min()).astype(np.float32)
        cols = _prune(scorer, last, y, off, used, blocked, width) if B > 1 else None
        loss = scorer.scores(last, y, cols)
        C = loss.shape[1]
        if used.shape[1]:
            if cols is None:
                loss[np.arange(B)[:, None], used] = np.inf
            else:
                at = np.searchsorted(cols, used)
                hit = cols[np.minimum(at, C - 1)] == used
                rows = np.broadcast_to(np.arange(B)[:, None], used.shape)
                loss[rows[hit], at[hit]] = np.inf
        if blocked is not None:
            loss[blocked if cols is None else blocked[:, cols]] = np.inf
        # offsets relative to the best beam keep width 1 bit-identical to greedy
        loss += off[:, None]
        flat = loss.ravel()
        k = min(width, int(np.isfinite(flat).sum()))
        if k == 0:
            break
        cand = _top_k(flat, k, loss[int(np.argmin(cum))])
        b, j = np.divmod(cand, C)
        if cols is not None:
            j = cols[j]
        parents.append(b)
        picks.append(j)
        cum = cum.min() + flat[cand].astype(np.float64)
        used = np.concatenate([used[b], j[:, None]], axis=1)
        blocked = None if blocked is None else blocked[b]
        last = pool[j]
        state, y = _step(predictor, _take_state(state, b), _inputs(arrays, last))
    path_j: list[int] = []
    r = 0  # candidates are sorted, so row 0 is the best beam
    for t in range(len(picks) - 1, -1, -1):
        path_j.append(int(picks[t][r]))
        r = int(parents[t][r])
    return int(r), [int(pool[j]) for j in reversed(path_j)]


def build_playlist(seeds: Sequence[int], pool: Sequence[int], length: int, weights: Weights = Weights(),
                   search: str = "greedy", beam_width: int = 8, *, arrays: SongArrays,
                   predictor: Predictor) -> Playlist:
    """Extend ``seeds`` (song indices, kept first in this order) with songs of ``pool`` to ``length`` songs
    (seeds included), minimising the loss at each step (``search="greedy"``, the reference) or the summed
    loss over the whole playlist (``"beam"``, keeping the ``beam_width`` best partial playlists).

    Beam search also runs greedy and returns whichever has the lower total loss (greedy on ties), so beam
    is never worse than greedy. Pool songs equal to a seed or repeated are ignored; if the pool runs out
    the playlist is shorter and ``message`` says so.
    """
    if search not in SEARCHES:
        raise ValueError(f"search must be one of {SEARCHES}, got {search!r}")
    if int(beam_width) < 1:
        raise ValueError(f"beam width must be >= 1, got {beam_width}")
    seeds, pool, message = _check_inputs(seeds, pool, length, arrays)
    n_add = max(0, min(int(length) - len(seeds), len(pool)))
    settings = {"length": int(length), "search": search, "weights": asdict(weights), "pool_size": int(len(pool)),
                "n_seeds": int(len(seeds))}
    if search == "beam":
        settings["beam_width"] = int(beam_width)
    if n_add == 0:
        out = evaluate_sequence(seeds, len(seeds), arrays=arrays, predictor=predictor, weights=weights)
        out.message, out.settings = message, settings
        return out
    with _blas_single_thread():
        return _search(seeds, pool, n_add, weights, search, int(beam_width), arrays, predictor, message, settings)


def _search(seeds, pool, n_add, weights, search, beam_width, arrays, predictor, message, settings) -> Playlist:
    scorer = _Scorer(arrays, pool, weights)
    greedy = _greedy_path(seeds, pool, n_add, scorer, arrays, predictor)
    best = evaluate_sequence(np.concatenate([seeds, greedy]), len(seeds), arrays=arrays, predictor=predictor,
                             weights=weights)
    if search == "beam":
        _, beam = _beam_paths(seeds[None, :], pool, n_add, beam_width, scorer, arrays, predictor)
        cand = evaluate_sequence(np.concatenate([seeds, beam]), len(seeds), arrays=arrays, predictor=predictor,
                                 weights=weights)
        settings["beam_improved_on_greedy"] = bool(cand.total_loss < best.total_loss - 1e-9)
        if settings["beam_improved_on_greedy"]:
            best = cand
    best.message, best.settings = message, settings
    return best
