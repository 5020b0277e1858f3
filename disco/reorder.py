"""Reordering a given set of songs ("I have the songs, in what order?") to minimise the summed loss.

The RNN makes every transition's loss depend on the whole prefix, so this is a sequence problem, not a
travelling-salesman one on fixed pair costs. We build an order with the engine's beam (or greedy) search,
then improve it by local search — 2-opt (reverse a segment) and or-opt (move a run of 1-3 songs) — where
every candidate order is re-scored with the true sequential loss (all candidates of a pass in one batched
predictor run). :func:`exact_order` is the brute-force optimum for small sets, to measure the gap.

Issue 8's :class:`~disco.scoring.Scoring` applies throughout: the initial orders use the hard rules as masks
(relaxed per move as in a build), and since every song must be placed, local search minimises the loss plus
``RULE_PENALTY`` per broken rule (:func:`~disco.engine.sequence_losses`), so violations go first. An arc's
targets run over the reordered playlist's positions.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict
from typing import Sequence

import numpy as np

from disco.engine import (SEARCHES, Playlist, Weights, _beam_paths, _blas_single_thread, _Scorer,
                          evaluate_sequence, fit_arc, sequence_losses)
from disco.interfaces import Predictor, SongArrays
from disco.scoring import Scoring

MAX_EXACT = 10  # songs; 9! = 362,880 orders with a fixed first song
_BATCH = 4096
MULTI_START_MAX = 30  # songs: up to this size, local search starts from every initial order
KICK_MAX = 16  # songs: up to this size, also iterated local search with KICKS random kicks
KICKS = 12
LOCAL_SEARCH_MAX = 100  # songs: beyond, a local-search pass (O(n^3) network steps) is too slow


def reorder_songs(indices: Sequence[int], arrays: SongArrays, predictor: Predictor, weights: Weights = Weights(),
                  keep_first: bool = True, search: str = "beam", beam_width: int = 8, improve: bool = True,
                  max_passes: int = 30, *, scoring: Scoring = Scoring()) -> Playlist:
    """All songs of ``indices`` in the order of lowest summed loss found.

    keep_first: the first song stays first (else the best start is searched too). search: ``"greedy"`` or
    ``"beam"`` (``beam_width`` >= 1) for the initial order; improve: then 2-opt / or-opt passes (at most
    ``max_passes``) while they lower the total loss. scoring: key/tempo modes, hard rules and an energy arc
    (a named shape fitted to these songs' energy range). The result never has a higher objective (loss,
    plus ``RULE_PENALTY`` per broken rule) than the initial order, nor than the given order.
    """
    if search not in SEARCHES:
        raise ValueError(f"search must be one of {SEARCHES}, got {search!r}")
    if int(beam_width) < 1:
        raise ValueError(f"beam width must be >= 1, got {beam_width}")
    idx = np.asarray(indices, dtype=np.int64).ravel()
    if len(idx) == 0:
        raise ValueError("nothing to reorder: no songs given")
    if len(np.unique(idx)) != len(idx):
        raise ValueError("songs to reorder must be distinct")
    n = len(idx)
    if idx.min() < 0 or idx.max() >= len(arrays):
        raise ValueError(f"song index out of range for {len(arrays)} songs")
    scoring = fit_arc(scoring, arrays, idx)
    settings = {"length": n, "mode": "reorder", "keep_first": bool(keep_first), "search": search,
                "weights": asdict(weights), "improve": bool(improve), "n_seeds": 1, "scoring": scoring.to_dict()}
    if search == "beam":
        settings["beam_width"] = int(beam_width)
    with _blas_single_thread():
        starts = _initial_orders(idx, arrays, predictor, weights, keep_first, search, int(beam_width), scoring)
        totals = sequence_losses(np.stack(starts), arrays=arrays, predictor=predictor, weights=weights,
                                 scoring=scoring)
        if improve and 3 <= n <= LOCAL_SEARCH_MAX:
            # local search from each start (the search's result, greedy, the given order) when cheap
            tries = starts if n <= MULTI_START_MAX else starts[:1]
            found = [local_search(o, arrays, predictor, weights, keep_first, max_passes, scoring=scoring)
                     for o in tries]
            totals = sequence_losses(np.stack([o for o, _ in found]), arrays=arrays, predictor=predictor,
                                     weights=weights, scoring=scoring)
            best = int(np.argmin(totals))
            order, passes = found[best]
            if n <= KICK_MAX:
                order, kicked = _kicks(order, float(totals[best]), arrays, predictor, weights, keep_first,
                                       max_passes, scoring=scoring)
                passes += kicked
        else:
            order, passes = starts[int(np.argmin(totals))], 0
        settings["improvement_passes"] = passes
        if improve and n > LOCAL_SEARCH_MAX:
            settings["improve_skipped"] = f"{n} songs > {LOCAL_SEARCH_MAX}: beam search only"
    out = evaluate_sequence(order, 1, arrays=arrays, predictor=predictor, weights=weights, scoring=scoring)
    settings["relaxed_moves"] = out.relaxed_moves
    out.settings = settings
    return out


def _initial_orders(idx, arrays, predictor, weights, keep_first, search, beam_width,
                    scoring: Scoring = Scoring()) -> list[np.ndarray]:
    """Start orders, the search's own result first: beam (if asked), greedy, and the given order."""
    n = len(idx)
    if n == 1:
        return [idx.copy()]
    if keep_first:
        starts, pool = idx[:1][None, :], idx[1:]
    else:
        starts, pool = idx[:, None], idx
    scorer = _Scorer(arrays, pool, weights, scoring, length=n)
    widths = [beam_width, 1] if search == "beam" and beam_width > 1 else [1]
    orders = []
    for width in widths:
        row, path = _beam_paths(starts, pool, n - 1, width, scorer, arrays, predictor)
        orders.append(np.concatenate([starts[row], path]).astype(np.int64))
    orders.append(idx.copy())
    return orders


def _kicks(order, best, arrays, predictor, weights, keep_first, max_passes, n_kicks: int = KICKS,
           seed: int = 0, scoring: Scoring = Scoring()) -> tuple[np.ndarray, int]:
    """Iterated local search: perturb the best order (a double bridge: three cut points, middle blocks
    swapped), re-run local search, keep it if better. Seeded, so deterministic."""
    rng = np.random.default_rng(seed)
    lo = 1 if keep_first else 0
    n = len(order)
    improved = 0
    if n - lo < 4:
        return order, 0
    for _ in range(n_kicks):
        a, b, c = np.sort(rng.choice(np.arange(lo + 1, n), 3, replace=False))
        kicked = np.concatenate([order[:a], order[b:c], order[a:b], order[c:]])
        cand, _ = local_search(kicked, arrays, predictor, weights, keep_first, max_passes, scoring=scoring)
        total = float(sequence_losses(cand[None], arrays=arrays, predictor=predictor, weights=weights,
                                      scoring=scoring)[0])
        if total < best - 1e-9:
            order, best = cand, total
            improved += 1
    return order, improved


def _neighbours(order: np.ndarray, lo: int) -> np.ndarray:
    """All 2-opt (reverse order[i..j]) and or-opt (move a run of 1-3 songs) variants not touching
    positions before ``lo``; (M, n)."""
    n = len(order)
    out = []
    for i in range(lo, n - 1):
        for j in range(i + 1, n):
            new = order.copy()
            new[i:j + 1] = order[i:j + 1][::-1]
            out.append(new)
    max_run = 3 if n <= 80 else 1
    for run in range(1, max_run + 1):
        for i in range(lo, n - run + 1):
            seg = order[i:i + run]
            rest = np.concatenate([order[:i], order[i + run:]])
            for k in range(lo, len(rest) + 1):
                if k == i:
                    continue
                out.append(np.concatenate([rest[:k], seg, rest[k:]]))
    return np.array(out, dtype=np.int64).reshape(-1, n)


def local_search(order: np.ndarray, arrays: SongArrays, predictor: Predictor, weights: Weights,
                 keep_first: bool = True, max_passes: int = 30, *,
                 scoring: Scoring = Scoring()) -> tuple[np.ndarray, int]:
    """Best-improvement 2-opt / or-opt on the true sequential loss (plus rule penalties); returns (order,
    passes that improved)."""
    order = np.asarray(order, dtype=np.int64)
    lo = 1 if keep_first else 0
    best = float(sequence_losses(order[None, :], arrays=arrays, predictor=predictor, weights=weights,
                                 scoring=scoring)[0])
    passes = 0
    for _ in range(max_passes):
        cands = _neighbours(order, lo)
        if len(cands) == 0:
            break
        tot = np.concatenate([sequence_losses(cands[s:s + _BATCH], arrays=arrays, predictor=predictor,
                                              weights=weights, scoring=scoring)
                              for s in range(0, len(cands), _BATCH)])
        j = int(np.argmin(tot))  # first minimum: deterministic
        if tot[j] >= best - 1e-9:
            break
        order, best = cands[j], float(tot[j])
        passes += 1
    return order, passes


def exact_order(indices: Sequence[int], arrays: SongArrays, predictor: Predictor, weights: Weights = Weights(),
                keep_first: bool = True, *, scoring: Scoring = Scoring()) -> tuple[np.ndarray, float]:
    """The optimal order by brute force (all permutations, batched): (order, total objective as in
    :func:`local_search`). At most :data:`MAX_EXACT` songs with ``keep_first`` (one fewer without).
    A named arc is fitted to these songs as in :func:`reorder_songs`."""
    idx = np.asarray(indices, dtype=np.int64).ravel()
    n = len(idx)
    limit = MAX_EXACT if keep_first else MAX_EXACT - 1
    if n > limit:
        raise ValueError(f"exact_order is brute force: at most {limit} songs, got {n}")
    head, tail = (idx[:1], idx[1:]) if keep_first else (idx[:0], idx)
    best_order, best = idx, np.inf
    scoring = fit_arc(scoring, arrays, idx)
    perms = itertools.permutations(range(len(tail)))
    with _blas_single_thread():
        while True:
            chunk = list(itertools.islice(perms, 20000))
            if not chunk:
                break
            orders = np.concatenate([np.broadcast_to(head, (len(chunk), len(head))),
                                     tail[np.array(chunk, dtype=np.int64).reshape(len(chunk), -1)]], axis=1)
            tot = sequence_losses(orders, arrays=arrays, predictor=predictor, weights=weights, scoring=scoring)
            j = int(np.argmin(tot))
            if tot[j] < best:
                best, best_order = float(tot[j]), orders[j].copy()
    return best_order, best
