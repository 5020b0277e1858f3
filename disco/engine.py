"""Choosing songs in order: DISCO's loss, greedy search (the reference) and beam search.

The loss of moving from the last song ``s`` to a candidate ``c`` at playlist position ``i`` (spec section 3,
extended by issue 8's :class:`disco.scoring.Scoring`)::

    L(c) = flow * || spicy * y_hat - z_c || - sweetness * key_score(s, c) - smoothness * tempo_score(s, c)
           + arc_weight * |energy(c) - target(i)|

where ``y_hat`` is the predictor's output after feeding the playlist so far. With ``Scoring()`` (the default)
the key and tempo terms are the spec's keysim / temposim and there is no arc: the reference loss, bit for
bit. Hard rules (Camelot-only, max BPM change, no repeated artist) are masks on the candidates, relaxed per
move when the pool cannot meet them. The predictor carries its hidden state, so each added song costs one
O(1) step; candidates are scored all at once (beams x pool).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import weakref
from dataclasses import asdict, dataclass, field
from typing import Sequence

import numpy as np

from disco import arcs, theory
from disco import scoring as scoring_mod
from disco.interfaces import Predictor, SongArrays, State
from disco.scoring import RULE_PENALTY, Scoring, SongFields

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
    ``tempo_similarity`` (the key and tempo terms in the scoring's modes, -1..1) and ``loss`` (L,). Seed
    rows are NaN. ``total_loss`` sums the chosen songs' losses. ``message`` explains a shorter-than-asked
    playlist (pool ran out); ``settings`` records how it was made.

    Issue 8: ``arc_target`` (L, F) the arc's targets (energy, then valence if the arc has one; NaN for seeds
    or without an arc), ``arc_penalty`` (L,) ``sum_f |f(c) - target_f|`` (NaN for seeds / no arc) and
    ``relaxed`` (L tuples) the hard rules each move breaks (``()`` for seeds and rule-abiding moves; in a
    build a broken rule means the pool could not meet it at that point).
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
    arc_target: np.ndarray | None = None
    arc_penalty: np.ndarray | None = None
    relaxed: list = field(default_factory=list)

    def __post_init__(self):
        L = len(self.indices)
        if self.arc_target is None:
            self.arc_target = np.full((L, 1), np.nan)
        if self.arc_penalty is None:
            self.arc_penalty = np.full(L, np.nan)
        if not self.relaxed:
            self.relaxed = [()] * L

    @property
    def relaxed_moves(self) -> int:
        """Moves that break at least one hard rule."""
        return sum(bool(r) for r in self.relaxed)

    @property
    def broken_rules(self) -> int:
        """Rule violations summed over the moves (a move may break several)."""
        return sum(len(r) for r in self.relaxed)

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


def _camelot_codes(arrays: SongArrays) -> np.ndarray:
    """Camelot slots (n,) of every song (24 = no key), cached per SongArrays object like :func:`_song_matrix`."""
    hit = _CODES_CACHE.get(id(arrays))
    if hit is not None and hit[0]() is arrays:
        return hit[1]
    codes = scoring_mod.key_codes(arrays.key, arrays.mode, "camelot")
    for key in [k for k, v in _CODES_CACHE.items() if v[0]() is None]:
        del _CODES_CACHE[key]
    _CODES_CACHE[id(arrays)] = (weakref.ref(arrays), codes)
    return codes


_CODES_CACHE: dict[int, tuple] = {}


def _rule_fields(arrays: SongArrays, scoring: Scoring) -> SongFields | None:
    """What the hard rules look at (None when no rule is on)."""
    if not scoring.rules.active:
        return None
    if scoring.rules.no_repeat_artist and arrays.artist is None:
        raise ValueError("the no-repeat-artist rule needs the songs' artists (SongArrays.artist is None; "
                         "FeatureSpace.song_arrays fills it)")
    return SongFields(np.asarray(arrays.key), np.asarray(arrays.mode), np.asarray(arrays.tempo),
                      None if arrays.artist is None else np.asarray(arrays.artist))


def _arc_values(arrays: SongArrays, scoring: Scoring, idx) -> np.ndarray:
    """(len(idx), F) float64 raw values of the arc's features (energy, valence) of songs ``idx``."""
    cols = []
    for name in scoring.arc.features:
        values = getattr(arrays, name)
        if values is None:
            raise ValueError(f"the energy arc needs raw {name} per song (SongArrays.{name} is None; "
                             "FeatureSpace.song_arrays fills it)")
        cols.append(np.asarray(values, dtype=np.float64)[idx])
    return np.stack(cols, axis=1)


def fit_arc(scoring: Scoring, arrays: SongArrays, songs) -> Scoring:
    """``scoring`` with a named arc shape (peak/build/waves) stretched between the 10th and 90th percentile
    of the raw energy of ``songs`` (what the pool can reach), when ``scoring.fit_arc``; else unchanged.
    Custom / JSON arcs are used as given."""
    arc = scoring.arc
    if arc is None or not scoring.fit_arc or arc.name not in arcs.ARC_SHAPES:
        return scoring
    if arrays.energy is None:
        raise ValueError("the energy arc needs raw energy per song (SongArrays.energy is None; "
                         "FeatureSpace.song_arrays fills it)")
    low, high = arcs.energy_range(np.asarray(arrays.energy)[np.asarray(songs, dtype=np.int64)])
    return dataclasses.replace(scoring, arc=arcs.Arc.named(arc.name, low, high))


class _Scorer:
    """Loss of every pool song for a batch of (last song, prediction) pairs, in float32.

    Per-pool terms are precomputed once (:func:`_song_matrix`): squared distances come from one matrix
    product with the features and their squared norms (``|a - z|^2 = |z|^2 - 2 a.z + |a|^2``), key
    similarity is a lookup by circle position (or Camelot slot), and the reference tempo similarity two
    multiply-adds thanks to ``cos(a - b) = cos a cos b + sin a sin b``; the DJ tempo kernel and the arc term
    are computed directly (B x P). Selection only: reported losses are recomputed exactly in float64 by
    :func:`evaluate_sequence`. ``length``: the playlist's length (positions of the arc's targets).
    """

    def __init__(self, arrays: SongArrays, pool: np.ndarray, weights: Weights, scoring: Scoring = Scoring(),
                 length: int | None = None):
        self.w = weights
        self.scoring = scoring
        E, self.pos_all, self.cs_all = _song_matrix(arrays)
        P = len(pool)
        if P and pool[-1] - pool[0] == P - 1 and bool((np.diff(pool) == 1).all()):
            E = E[:, pool[0]:pool[0] + P]  # a range: a view, no copy
        else:
            E = E[:, pool]
        self.E9 = np.ascontiguousarray(E[:9])
        self.cs = np.ascontiguousarray(E[9:11])
        if scoring.key == "reference":
            self.table = (theory.keysim_table() * weights.sweetness).astype(np.float32)
        else:
            self.pos_all = _camelot_codes(arrays)
            self.table = (scoring_mod.key_table(scoring.key) * weights.sweetness).astype(np.float32)
        self.pos = self.pos_all[pool]
        self.dj = scoring.tempo != "reference"
        self.fields = _rule_fields(arrays, scoring)
        if self.dj or self.fields is not None:
            # log2 tempo (NaN when invalid): the folded change is 2^(x - round(x)) of the difference x
            tempo = np.asarray(arrays.tempo, dtype=np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                self.ltempo_all = np.where(tempo > 0, np.log2(np.where(tempo > 0, tempo, 1.0)), np.nan)
            self.ltempo_pool = self.ltempo_all[pool]
        self.raw = self.targets = None
        if scoring.uses_arc:
            if length is None:
                raise ValueError("an arc needs the playlist length")
            self.targets = scoring.arc.targets(int(length)).astype(np.float32)  # (L, F)
            self.raw = _arc_values(arrays, scoring, pool).astype(np.float32)  # (P, F)
            self.arc_w = np.float32(scoring.arc_weight)
        self.pool_fields = None
        if self.fields is not None:
            self.pool_fields = self.fields.take(pool)
            self.cam_all = _camelot_codes(arrays)
            self.cam_pool = self.cam_all[pool]
            self.cam_ok = scoring_mod.camelot_compatible_table()

    def scores(self, last: np.ndarray, y: np.ndarray, cols: np.ndarray | None = None,
               return_dist: bool = False, position: int | None = None):
        """(B, P) float32 losses of every pool song (or of pool positions ``cols``) after songs ``last`` (B,)
        with predictions ``y`` (B, 8), the chosen song landing at playlist ``position`` (for the arc); with
        ``return_dist`` also the (B, P) distances."""
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
        key_rows = self.table[self.pos_all[last]]  # (B, 13) or (B, 25)
        cos_tempo = w.smoothness and not self.dj
        if cos_tempo:
            tempo = (w.smoothness * self.cs_all[last]).astype(np.float32)  # (B, 2)
        if B == 1:
            d[0] -= key_rows[0][pos]
            if cos_tempo:
                d[0] -= tempo[0, 0] * cs[0]
                d[0] -= tempo[0, 1] * cs[1]
        else:
            d -= np.take(key_rows, pos, axis=1)
            if cos_tempo:
                d -= tempo @ cs
        if self.dj and w.smoothness:
            # scoring.tempo_score(..., "dj") in float32: 2 exp(-(p / width)^2) - 1, invalid tempi -> 0
            lp = self.ltempo_pool if cols is None else self.ltempo_pool[cols]
            x = (lp[None, :] - self.ltempo_all[last][:, None]).astype(np.float32)
            x -= np.round(x)
            p = np.abs(np.exp2(x) - np.float32(1.0)) * np.float32(1.0 / self.scoring.tempo_width)
            ts = np.float32(2.0) * np.exp(-p * p) - np.float32(1.0)
            d -= np.float32(w.smoothness) * np.nan_to_num(ts, nan=0.0)
        if self.raw is not None:
            if position is None:
                raise ValueError("scoring with an arc needs the playlist position")
            raw = self.raw if cols is None else self.raw[cols]
            d += self.arc_w * np.abs(raw - self.targets[position]).sum(1)
        return (d, dist) if return_dist else d

    def allowed(self, last: np.ndarray, available: np.ndarray) -> np.ndarray | None:
        """(B, P) candidates meeting the hard rules after songs ``last`` (B,) among ``available`` (B, P),
        each row relaxing rules on its own when none qualifies; None when no rule is on."""
        if self.fields is None:
            return None
        last = np.asarray(last)
        rules = self.scoring.rules
        masks = {}  # scoring.rule_masks, by lookup tables and precomputed log tempi
        if rules.camelot_only:
            masks["camelot_only"] = self.cam_ok[self.cam_all[last]][:, self.cam_pool]
        if rules.max_bpm_change is not None:
            x = self.ltempo_pool[None, :] - self.ltempo_all[last][:, None]
            with np.errstate(invalid="ignore"):
                pct = np.abs(np.exp2(x - np.round(x)) - 1.0) * 100.0
                masks["max_bpm_change"] = pct <= rules.max_bpm_change + 1e-9
        if rules.no_repeat_artist:
            a = self.fields.artist[last][:, None]
            masks["no_repeat_artist"] = (a != self.pool_fields.artist[None, :]) | (a < 0)
        mask, _ = scoring_mod.allowed_masks(rules, self.fields.take(last), self.pool_fields, available, masks=masks)
        return mask


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
                      weights: Weights = Weights(), scoring: Scoring = Scoring()) -> Playlist:
    """The loss breakdown of a given order: songs after the first ``n_seeds`` (>= 1) are scored (float64),
    with the arc's targets and the hard rules each move breaks (see :class:`Playlist`)."""
    idx = np.asarray(indices, dtype=np.int64).ravel()
    n_seeds = max(1, min(int(n_seeds), len(idx)))
    L = len(idx)
    predicted = np.full((L, 8), np.nan)
    dist, ks, ts, loss = (np.full(L, np.nan) for _ in range(4))
    n_feat = 1 if scoring.arc is None else len(scoring.arc.features)
    arc_target, arc_pen = np.full((L, n_feat), np.nan), np.full(L, np.nan)
    relaxed: list[tuple[str, ...]] = [()] * L
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
        ks[t] = scoring.key_score(arrays.key[s], arrays.mode[s], arrays.key[c], arrays.mode[c])
        ts[t] = scoring.tempo_score(arrays.tempo[s], arrays.tempo[c])
        if scoring.arc is not None:
            arc_target[t] = scoring.arc.targets(L)[t]
            arc_pen[t] = arcs.arc_penalty(_arc_values(arrays, scoring, c), arc_target[t]).sum(axis=1)
        fields = _rule_fields(arrays, scoring)
        if fields is not None:
            masks = scoring_mod.rule_masks(scoring.rules, fields.take(s), fields.take(c))
            for k, p in enumerate(t):
                relaxed[p] = tuple(name for name, m in masks.items() if not m[k])
    loss = weights.flow * dist - weights.sweetness * ks - weights.smoothness * ts
    if scoring.uses_arc:
        loss = loss + scoring.arc_weight * arc_pen
    total = float(np.nansum(loss[n_seeds:]))
    return Playlist(idx, n_seeds, predicted, dist, ks, ts, loss, total, arc_target=arc_target,
                    arc_penalty=arc_pen, relaxed=relaxed)


def sequence_losses(orders: np.ndarray, *, arrays: SongArrays, predictor: Predictor,
                    weights: Weights = Weights(), n_fixed: int = 1, scoring: Scoring = Scoring()) -> np.ndarray:
    """Total loss of many orders at once: ``orders`` (S, L) song indices -> (S,) summed losses (float64)
    of the transitions into positions ``n_fixed..L-1`` (the predictor runs batched over the S orders).

    With hard rules on, each broken rule adds :data:`disco.scoring.RULE_PENALTY` (a search objective for
    reordering, where every song must be placed: violations are minimised first)."""
    orders = np.atleast_2d(np.asarray(orders, dtype=np.int64))
    S, L = orders.shape
    songs, local = np.unique(orders, return_inverse=True)
    local = local.reshape(S, L)
    x = _inputs(arrays, songs)  # inputs of the songs in the orders only
    z = np.asarray(arrays.z)
    if scoring.uses_arc:
        targets = scoring.arc.targets(L)
        raw = _arc_values(arrays, scoring, songs)
    fields = _rule_fields(arrays, scoring)
    total = np.zeros(S)
    state = predictor.initial_state(S)
    for i in range(L - 1):
        state, y = _step(predictor, state, x[local[:, i]])
        if i + 1 < max(1, n_fixed):
            continue
        s, c = orders[:, i], orders[:, i + 1]
        a = weights.spicy * np.asarray(y, dtype=np.float64)
        d = np.sqrt(((a - z[c].astype(np.float64)) ** 2).sum(axis=1))
        ks = scoring.key_score(arrays.key[s], arrays.mode[s], arrays.key[c], arrays.mode[c])
        ts = scoring.tempo_score(arrays.tempo[s], arrays.tempo[c])
        total += weights.flow * d - weights.sweetness * ks - weights.smoothness * ts
        if scoring.uses_arc:
            total += scoring.arc_weight * np.abs(raw[local[:, i + 1]] - targets[i + 1]).sum(axis=1)
        if fields is not None:
            masks = scoring_mod.rule_masks(scoring.rules, fields.take(s), fields.take(c))
            total += RULE_PENALTY * sum((~m).astype(np.float64) for m in masks.values())
    return total


def _greedy_path(seeds, pool, n_add, scorer: _Scorer, arrays: SongArrays, predictor: Predictor) -> list[int]:
    state = predictor.initial_state(1)
    y = None
    for s in seeds:
        state, y = _step(predictor, state, _inputs(arrays, s))
    used: list[int] = []
    last = int(seeds[-1])
    chosen: list[int] = []
    for step in range(n_add):
        loss = scorer.scores(np.array([last]), y, position=len(seeds) + step)[0]
        loss[used] = np.inf
        if scorer.fields is not None:
            available = np.ones((1, len(pool)), dtype=bool)
            available[0, used] = False
            loss[~scorer.allowed(np.array([last]), available)[0]] = np.inf
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


def _prune(scorer: _Scorer, last, y, off, used, blocked, width, position=None,
           allowed=None) -> np.ndarray | None:
    """Pool positions (sorted) that can still enter the next beam; None to score them all.

    Exact bound: with ``r`` the best beam and ``tau`` the ``width``-th best total among its own extensions,
    beam ``b`` can only add ``c`` if ``off_b + flow * d_bc - sweetness - smoothness <= tau`` (key and tempo
    similarity are at most 1), and ``d_bc >= d_rc - ||a_b - a_r||`` (triangle inequality on the scaled
    predictions ``a``). Beams share most of their history, so few candidates survive. The DJ key/tempo
    scores are in -1..1 too and the arc term is >= 0, so the bound holds for every :class:`Scoring`;
    ``allowed`` (B, P) (the hard rules' masks) must be applied to beam ``r`` for ``tau`` to be reachable.
    """
    w = scorer.w
    if w.flow < 1e-6:  # the bound divides by flow
        return None
    r = int(np.argmin(off))
    loss_r, d_r = scorer.scores(last[r:r + 1], y[r:r + 1], return_dist=True, position=position)
    loss_r, d_r = loss_r[0], d_r[0]
    if used.shape[1]:
        loss_r[used[r]] = np.inf
    if blocked is not None:
        loss_r[blocked[r]] = np.inf
    if allowed is not None:
        loss_r[~allowed[r]] = np.inf
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
    for step in range(n_add):
        B = len(last)
        position = prefix.shape[1] + step
        allowed = None
        if scorer.fields is not None:  # hard rules: each beam relaxes on its own when its pool can't meet them
            available = np.ones((B, P), dtype=bool)
            if used.shape[1]:
                available[np.arange(B)[:, None], used] = False
            if blocked is not None:
                available &= ~blocked
            allowed = scorer.allowed(last, available)
        off = (cum - cum.min()).astype(np.float32)
        cols = _prune(scorer, last, y, off, used, blocked, width, position, allowed) if B > 1 else None
        loss = scorer.scores(last, y, cols, position=position)
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
        if allowed is not None:
            loss[~(allowed if cols is None else allowed[:, cols])] = np.inf
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
                   predictor: Predictor, scoring: Scoring = Scoring()) -> Playlist:
    """Extend ``seeds`` (song indices, kept first in this order) with songs of ``pool`` to ``length`` songs
    (seeds included), minimising the loss at each step (``search="greedy"``, the reference) or the summed
    loss over the whole playlist (``"beam"``, keeping the ``beam_width`` best partial playlists).

    ``scoring`` (issue 8): key/tempo score modes, an energy arc (a named shape is fitted to the energy range
    of the seeds and pool, see :func:`fit_arc`; the fitted points land in ``settings["scoring"]``) and hard
    rules, which mask candidates and are relaxed for a move only when no available candidate meets them
    (the move is then marked in ``relaxed``). ``Scoring()`` is the spec's reference scoring.

    Beam search also runs greedy and returns whichever breaks fewer rules, then has the lower total loss
    (greedy on ties), so beam is never worse than greedy. Pool songs equal to a seed or repeated are
    ignored; if the pool runs out the playlist is shorter and ``message`` says so.
    """
    if search not in SEARCHES:
        raise ValueError(f"search must be one of {SEARCHES}, got {search!r}")
    if int(beam_width) < 1:
        raise ValueError(f"beam width must be >= 1, got {beam_width}")
    seeds, pool, message = _check_inputs(seeds, pool, length, arrays)
    n_add = max(0, min(int(length) - len(seeds), len(pool)))
    scoring = fit_arc(scoring, arrays, np.concatenate([seeds, pool]))
    settings = {"length": int(length), "search": search, "weights": asdict(weights), "pool_size": int(len(pool)),
                "n_seeds": int(len(seeds)), "scoring": scoring.to_dict()}
    if search == "beam":
        settings["beam_width"] = int(beam_width)
    if n_add == 0:
        out = evaluate_sequence(seeds, len(seeds), arrays=arrays, predictor=predictor, weights=weights,
                                scoring=scoring)
        settings["relaxed_moves"] = out.relaxed_moves
        out.message, out.settings = message, settings
        return out
    with _blas_single_thread():
        return _search(seeds, pool, n_add, weights, search, int(beam_width), arrays, predictor, message, settings,
                       scoring)


def _search(seeds, pool, n_add, weights, search, beam_width, arrays, predictor, message, settings,
            scoring: Scoring = Scoring()) -> Playlist:
    scorer = _Scorer(arrays, pool, weights, scoring, length=len(seeds) + n_add)
    greedy = _greedy_path(seeds, pool, n_add, scorer, arrays, predictor)
    best = evaluate_sequence(np.concatenate([seeds, greedy]), len(seeds), arrays=arrays, predictor=predictor,
                             weights=weights, scoring=scoring)
    if search == "beam":
        _, beam = _beam_paths(seeds[None, :], pool, n_add, beam_width, scorer, arrays, predictor)
        cand = evaluate_sequence(np.concatenate([seeds, beam]), len(seeds), arrays=arrays, predictor=predictor,
                                 weights=weights, scoring=scoring)
        # fewer broken rules first, then the lower loss: beam never breaks more rules than greedy
        settings["beam_improved_on_greedy"] = bool(
            cand.broken_rules < best.broken_rules
            or (cand.broken_rules == best.broken_rules and cand.total_loss < best.total_loss - 1e-9))
        if settings["beam_improved_on_greedy"]:
            best = cand
    settings["relaxed_moves"] = best.relaxed_moves
    best.message, best.settings = message, settings
    return best
