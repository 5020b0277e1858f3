"""Building a playlist: greedy search (the spec) and beam search over the summed loss.

The predictor carries its hidden state, so each added song costs one O(1) network step; candidates are
scored all at once (beams x pool) by :class:`disco.engine.loss.Loss` in float32, and the result is scored
again exactly (:func:`disco.engine.score.score_order`). Hard rules mask candidates, relaxed per move when the
pool cannot meet them (the move is then marked).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from disco.engine import rules
from disco.engine.blas import single_thread_blas
from disco.engine.loss import Loss
from disco.engine.playlist import Playlist
from disco.engine.score import fit_arc, score_order
from disco.engine.settings import EngineSettings
from disco.model.arrays import Predictor, SongArrays, step, take_state


def build_playlist(seeds: Sequence[int], pool: Sequence[int], length: int,
                   settings: EngineSettings = EngineSettings(), *, arrays: SongArrays,
                   predictor: Predictor) -> Playlist:
    """Extend ``seeds`` (song indices, kept first in this order) with songs of ``pool`` to ``length`` songs
    (seeds included), minimising the loss at each step (``settings.search == "greedy"``, the spec) or the
    summed loss over the playlist (``"beam"``, keeping ``settings.beam_width`` partial playlists).

    A named energy arc is fitted to the energy range of the seeds and pool (the fitted settings are the
    playlist's ``settings``). Beam search also runs greedy and returns whichever breaks fewer rules, then
    has the lower total loss, so beam is never worse than greedy. Pool songs equal to a seed or repeated are
    ignored; if the pool runs out the playlist is shorter and ``message`` says so.
    """
    seeds, pool, message = _check_inputs(seeds, pool, length, arrays)
    n_add = max(0, min(int(length) - len(seeds), len(pool)))
    settings = fit_arc(settings, arrays, np.concatenate([seeds, pool]))
    info = {"length_asked": int(length), "pool_size": int(len(pool)), "n_seeds": int(len(seeds))}
    score = lambda order: score_order(order, settings, arrays=arrays, predictor=predictor,  # noqa: E731
                                      n_seeds=len(seeds))
    if n_add == 0:
        best = score(seeds)
    else:
        with single_thread_blas():
            loss = Loss(settings, arrays, pool, length=len(seeds) + n_add, dtype=np.float32)
            best = score(np.concatenate([seeds, greedy_path(seeds, n_add, loss, arrays, predictor)]))
            if settings.search == "beam":
                _, path = beam_paths(seeds[None, :], n_add, settings.beam_width, loss, arrays, predictor)
                cand = score(np.concatenate([seeds, path]))
                # fewer broken rules first, then the lower loss: beam never breaks more rules than greedy
                better = (cand.broken_rules < best.broken_rules
                          or (cand.broken_rules == best.broken_rules and cand.total_loss < best.total_loss - 1e-9))
                info["beam_improved_on_greedy"] = bool(better)
                if better:
                    best = cand
    best.message, best.info = message, info
    return best


def greedy_path(seeds: np.ndarray, n_add: int, loss: Loss, arrays: SongArrays, predictor: Predictor) -> list[int]:
    """The ``n_add`` songs greedy search adds after ``seeds``, from ``loss.candidates`` (the spec's search)."""
    pool = loss.candidates
    state = predictor.initial_state(1)
    y = None
    for s in seeds:
        state, y = step(predictor, state, arrays.inputs(s))
    used: list[int] = []
    last = int(seeds[-1])
    chosen: list[int] = []
    for k in range(n_add):
        total = loss.moves(y, np.array([last]), position=len(seeds) + k)[0]
        total[used] = np.inf
        if loss.settings.active_rules:
            available = np.ones((1, len(pool)), dtype=bool)
            available[0, used] = False
            mask, _ = rules.allowed(loss.rule_masks(np.array([last])), available)
            total[~mask[0]] = np.inf
        j = int(np.argmin(total))  # first minimum: ties go to the earlier pool position
        used.append(j)
        last = int(pool[j])
        chosen.append(last)
        state, y = step(predictor, state, arrays.inputs(last))
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


def _prune(loss: Loss, last, y, off, used, blocked, width, position, allowed) -> np.ndarray | None:
    """Pool positions (sorted) that can still enter the next beam; None to score them all.

    Exact bound: with ``r`` the best beam and ``tau`` the ``width``-th best total among its own extensions,
    beam ``b`` can only add ``c`` if ``off_b + flow * d_bc - sweetness - smoothness <= tau`` (the key and
    tempo terms are at most 1, the arc term is >= 0), and ``d_bc >= d_rc - ||a_b - a_r||`` (triangle
    inequality on the scaled predictions ``a``). Beams share most of their history, so few candidates
    survive. ``allowed`` (the hard rules' masks) must be applied to beam ``r`` for ``tau`` to be reachable.
    """
    s = loss.settings
    if s.flow < 1e-6:  # the bound divides by flow
        return None
    r = int(np.argmin(off))
    loss_r, d_r = loss.moves(y[r:r + 1], last[r:r + 1], position, return_distance=True)
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
    a = s.spicy * np.asarray(y, dtype=np.float64)
    delta = np.sqrt(((a - a[r]) ** 2).sum(axis=1))
    slack = 1e-4 * (1.0 + abs(tau) + s.sweetness + s.smoothness)  # float32 rounding of the losses
    reach = (tau - off.astype(np.float64) + s.sweetness + s.smoothness + slack) / s.flow + delta
    radius = float(reach.max()) + 1e-2  # float32 rounding of the distances
    cols = np.flatnonzero(d_r <= radius)
    return cols if 0 < len(cols) < 0.5 * len(d_r) else None


def beam_paths(starts, n_add: int, width: int, loss: Loss, arrays: SongArrays,
               predictor: Predictor) -> tuple[int, list[int]]:
    """Beam search over the summed loss from one or more equal-length prefixes ``starts`` (B0, m), adding
    ``n_add`` songs of ``loss.candidates``; songs of a beam's prefix are unusable in that beam. Returns
    (row of the best prefix, its added songs)."""
    pool = loss.candidates
    P = len(pool)
    prefix = np.asarray(starts, dtype=np.int64)
    B0 = len(prefix)
    state = predictor.initial_state(B0)
    y = None
    for i in range(prefix.shape[1]):
        state, y = step(predictor, state, arrays.inputs(prefix[:, i]))
    # prefix songs that are also pool songs (reorder with a free start) are blocked per beam
    blocked = (pool[None, :] == prefix[:, :, None]).any(axis=1) if np.isin(pool, prefix).any() else None
    used = np.zeros((B0, 0), dtype=np.int64)  # pool positions picked by each beam
    last = prefix[:, -1].copy()
    cum = np.zeros(B0)
    parents: list[np.ndarray] = []
    picks: list[np.ndarray] = []
    for k in range(n_add):
        B = len(last)
        position = prefix.shape[1] + k
        allowed = None
        if loss.settings.active_rules:  # each beam relaxes on its own when its pool can't meet them
            available = np.ones((B, P), dtype=bool)
            if used.shape[1]:
                available[np.arange(B)[:, None], used] = False
            if blocked is not None:
                available &= ~blocked
            allowed, _ = rules.allowed(loss.rule_masks(last), available)
        off = (cum - cum.min()).astype(np.float32)
        cols = _prune(loss, last, y, off, used, blocked, width, position, allowed) if B > 1 else None
        total = loss.moves(y, last, position, cols)
        C = total.shape[1]
        if used.shape[1]:
            if cols is None:
                total[np.arange(B)[:, None], used] = np.inf
            else:
                at = np.searchsorted(cols, used)
                hit = cols[np.minimum(at, C - 1)] == used
                rows = np.broadcast_to(np.arange(B)[:, None], used.shape)
                total[rows[hit], at[hit]] = np.inf
        if blocked is not None:
            total[blocked if cols is None else blocked[:, cols]] = np.inf
        if allowed is not None:
            total[~(allowed if cols is None else allowed[:, cols])] = np.inf
        # offsets relative to the best beam keep width 1 bit-identical to greedy
        total += off[:, None]
        flat = total.ravel()
        keep = min(width, int(np.isfinite(flat).sum()))
        if keep == 0:
            break
        cand = _top_k(flat, keep, total[int(np.argmin(cum))])
        b, j = np.divmod(cand, C)
        if cols is not None:
            j = cols[j]
        parents.append(b)
        picks.append(j)
        cum = cum.min() + flat[cand].astype(np.float64)
        used = np.concatenate([used[b], j[:, None]], axis=1)
        blocked = None if blocked is None else blocked[b]
        last = pool[j]
        state, y = step(predictor, take_state(state, b), arrays.inputs(last))
    path_j: list[int] = []
    r = 0  # candidates are sorted, so row 0 is the best beam
    for t in range(len(picks) - 1, -1, -1):
        path_j.append(int(picks[t][r]))
        r = int(parents[t][r])
    return int(r), [int(pool[j]) for j in reversed(path_j)]


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
