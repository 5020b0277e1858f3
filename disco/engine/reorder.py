"""Reordering a given set of songs ("I have the songs, in what order?") to minimise the summed loss.

The RNN makes every transition's loss depend on the whole prefix, so this is a sequence problem, not a
travelling-salesman one on fixed pair costs. We build an order with the engine's beam (or greedy) search,
then improve it by local search — 2-opt (reverse a segment) and or-opt (move a run of 1-3 songs) — where
every candidate order is re-scored with the true sequential loss (all candidates of a pass in one batched
predictor run). :func:`exact_order` is the brute-force optimum for small sets, to measure the gap.

The settings apply throughout: the initial orders use the hard rules as masks (relaxed per move as in a
build), and since every song must be placed, local search minimises the loss plus ``RULE_PENALTY`` per broken
rule (:func:`~disco.engine.score.order_totals`), so violations go first. An arc's targets run over the
reordered playlist's positions.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np

from disco.engine.blas import single_thread_blas
from disco.engine.loss import Loss
from disco.engine.playlist import Playlist
from disco.engine.score import fit_arc, order_totals, score_order
from disco.engine.search import beam_paths
from disco.engine.settings import EngineSettings
from disco.model.arrays import Predictor, SongArrays, step

MAX_EXACT = 10  # songs; 9! = 362,880 orders with a fixed first song
MULTI_START_MAX = 30  # songs: up to this size, local search starts from every initial order
KICK_MAX = 16  # songs: up to this size, also iterated local search with KICKS random kicks
KICKS = 12
LOCAL_SEARCH_MAX = 400  # songs: beyond, beam search only (a local-search pass is O(n * window^2) steps)
WINDOW = 8  # positions: local moves stay inside this many consecutive songs
HORIZON = 4  # songs after a move's span whose loss change ranks it (the state carries further; moves are
# then re-scored exactly)
OR_OPT_RUN = 3  # songs: or-opt moves runs of up to this length
SINGLE_TRIES = 4  # best single local moves re-scored exactly beside the combined ones, per pass
GLOBAL_TRIES = 16  # best long-range moves by each approximation re-scored exactly, per pass
GLOBAL_WIDEN = 8  # ... times this many when none of those improves
MIN_GAIN = 1e-3  # stop when a pass lowers the objective by less than this fraction
STEP_BUDGET = 300_000  # network steps (rows x steps) per local search; a 100-song pass costs ~40k


def reorder_songs(indices: Sequence[int], settings: EngineSettings = EngineSettings(), *, arrays: SongArrays,
                  predictor: Predictor, keep_first: bool = True, improve: bool = True,
                  max_passes: int = 30) -> Playlist:
    """All songs of ``indices`` in the order of lowest summed loss found.

    keep_first: the first song stays first (else the best start is searched too). The initial order comes
    from ``settings.search`` (greedy, or beam of ``settings.beam_width``); improve: then 2-opt / or-opt passes
    (at most ``max_passes``) while they lower the objective. A named arc is fitted to these songs' energy
    range. The result never has a higher objective (loss, plus ``RULE_PENALTY`` per broken rule) than the
    initial order, nor than the given order.
    """
    idx = np.asarray(indices, dtype=np.int64).ravel()
    if len(idx) == 0:
        raise ValueError("nothing to reorder: no songs given")
    if len(np.unique(idx)) != len(idx):
        raise ValueError("songs to reorder must be distinct")
    n = len(idx)
    if idx.min() < 0 or idx.max() >= len(arrays):
        raise ValueError(f"song index out of range for {len(arrays)} songs")
    settings = fit_arc(settings, arrays, idx)
    info = {"mode": "reorder", "keep_first": bool(keep_first), "improve": bool(improve)}
    totals = lambda orders: order_totals(np.stack(orders), settings, arrays=arrays,  # noqa: E731
                                         predictor=predictor)
    with single_thread_blas():
        starts = _initial_orders(idx, arrays, predictor, settings, keep_first)
        if improve and 3 <= n <= LOCAL_SEARCH_MAX:
            # local search from each start (the search's result, greedy, the given order) when cheap
            tries = starts if n <= MULTI_START_MAX else starts[:1]
            found = [local_search(o, settings, arrays=arrays, predictor=predictor, keep_first=keep_first,
                                  max_passes=max_passes) for o in tries]
            scored = totals([o for o, _ in found])
            best = int(np.argmin(scored))
            order, passes = found[best]
            if n <= KICK_MAX:
                order, kicked = _kicks(order, float(scored[best]), settings, arrays, predictor, keep_first,
                                       max_passes)
                passes += kicked
        else:
            order, passes = starts[int(np.argmin(totals(starts)))], 0
        info["improvement_passes"] = passes
        if improve and n > LOCAL_SEARCH_MAX:
            info["improve_skipped"] = f"{n} songs > {LOCAL_SEARCH_MAX}: beam search only"
    out = score_order(order, settings, arrays=arrays, predictor=predictor)
    out.info = info
    return out


def _initial_orders(idx, arrays, predictor, settings: EngineSettings, keep_first) -> list[np.ndarray]:
    """Start orders, the search's own result first: beam (if asked), greedy, and the given order."""
    n = len(idx)
    if n == 1:
        return [idx.copy()]
    if keep_first:
        starts, pool = idx[:1][None, :], idx[1:]
    else:
        starts, pool = idx[:, None], idx
    loss = Loss(settings, arrays, pool, length=n, dtype=np.float32)
    widths = [settings.beam_width, 1] if settings.search == "beam" and settings.beam_width > 1 else [1]
    orders = []
    for width in widths:
        row, path = beam_paths(starts, n - 1, width, loss, arrays, predictor)
        orders.append(np.concatenate([starts[row], path]).astype(np.int64))
    orders.append(idx.copy())
    return orders


def _kicks(order, best, settings, arrays, predictor, keep_first, max_passes, n_kicks: int = KICKS,
           seed: int = 0) -> tuple[np.ndarray, int]:
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
        cand, _ = local_search(kicked, settings, arrays=arrays, predictor=predictor, keep_first=keep_first,
                               max_passes=max_passes)
        total = float(order_totals(cand[None], settings, arrays=arrays, predictor=predictor)[0])
        if total < best - 1e-9:
            order, best = cand, total
            improved += 1
    return order, improved


def move_templates(window: int) -> list[np.ndarray]:
    """Local moves as permutations of a window of ``m <= window`` consecutive positions: 2-opt reversals
    (``m - 1 .. 0``) and or-opt block swaps (two adjacent blocks of u and v songs trade places, one of
    them 1-3 songs long: moving a run of 1-3 songs by up to ``window - 1`` places either way)."""
    out = [np.arange(m)[::-1] for m in range(2, window + 1)]
    for u in range(1, window):
        for v in range(1, window + 1 - u):
            if min(u, v) <= OR_OPT_RUN and (u, v) != (1, 1):  # (1, 1) is the 2-song reversal
                out.append(np.concatenate([np.arange(u, u + v), np.arange(u)]))
    return out


def _moves(order: np.ndarray, lo: int, templates: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every template applied at every start ``a >= lo``: (M, n) orders and the changed span [a, b]."""
    n = len(order)
    rows, starts, ends = [], [], []
    for p in templates:
        m = len(p)
        a = np.arange(lo, n - m + 1)
        if len(a) == 0:
            continue
        cand = np.broadcast_to(order, (len(a), n)).copy()
        cols = a[:, None] + np.arange(m)[None, :]
        cand[np.arange(len(a))[:, None], cols] = order[a[:, None] + p[None, :]]
        rows.append(cand)
        starts.append(a)
        ends.append(a + m - 1)
    if not rows:
        return np.empty((0, n), np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(rows), np.concatenate(starts), np.concatenate(ends)


class _OrderScorer:
    """The sequential objective of orders of one fixed set of songs, exactly as
    :func:`~disco.engine.score.order_totals` (loss plus ``RULE_PENALTY`` per broken rule), in float64.

    Works on local ids 0..n-1 (positions in ``songs``): the pair terms (key, tempo, rules) are one (n, n)
    lookup and the arc an (L, n) one (:class:`~disco.engine.loss.Loss`), so a move costs a network step plus
    a distance. ``trace`` runs one order and keeps the network state before every position; ``window_sums``
    re-scores only positions ``p0..e`` of many candidate orders, starting from those cached states."""

    def __init__(self, songs, settings: EngineSettings, arrays: SongArrays, predictor: Predictor):
        songs = np.asarray(songs, dtype=np.int64)
        n = len(songs)
        self.n, self.predictor, self.settings = n, predictor, settings
        self.row_steps = 0  # network steps run (rows x steps): the cost local search budgets
        self.x = arrays.inputs(songs)
        self.loss = Loss(settings, arrays, songs, length=n)
        self.z = np.asarray(arrays.z)[songs].astype(np.float64)
        self.pair = self.loss.pair_matrix()
        self.arc = self.loss.arc_matrix()

    def _loss(self, y, prev, cur, pos) -> np.ndarray:
        d = self.loss.distance(y, np.asarray(cur)[:, None])[:, 0]
        out = self.settings.flow * d + self.pair[prev, cur]
        return out if self.arc is None else out + self.arc[pos, cur]

    def trace(self, order: np.ndarray) -> tuple[np.ndarray, tuple, np.ndarray]:
        """One local order: per-position losses (n,) (position 0: 0), the states before feeding each song
        (``states[i][p]`` = state after the first ``p`` songs, p = 0..n-1) and the network's prediction
        after each song (n, 8), spicy-scaled."""
        n = self.n
        state = self.predictor.initial_state(1)
        kept, ys = [state], []
        losses = np.zeros(n)
        for p in range(1, n + 1):
            state, y = step(self.predictor, state, self.x[order[p - 1]][None, :])
            ys.append(self.settings.spicy * np.asarray(y[0], dtype=np.float64))
            if p < n:
                kept.append(state)
                losses[p] = self._loss(y, order[p - 1:p], order[p:p + 1], p)[0]
        states = tuple(np.concatenate([s[j] for s in kept]) for j in range(len(kept[0])))
        return losses, states, np.stack(ys)

    def position_costs(self, ys: np.ndarray) -> np.ndarray:
        """(L, n) approximate loss of song c at position p as if the network's predictions stayed where
        they are in the traced order (they move slowly when it averages the history), plus the arc."""
        y = np.zeros_like(ys)
        y[1:] = ys[:-1]
        sq = (y ** 2).sum(1)[:, None] - 2.0 * y @ self.z.T + (self.z ** 2).sum(1)[None, :]
        out = self.settings.flow * np.sqrt(np.maximum(sq, 0.0))
        out[0] = 0.0
        return out if self.arc is None else out + self.arc

    def pair_costs(self, order: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """(n, n) approximate loss of a move s -> c anywhere: the prediction made after song s in
        ``order`` (as if it depended on the last song only), plus the key/tempo/rule terms."""
        after = np.empty_like(ys)
        after[order] = ys
        d = np.sqrt(np.maximum((after ** 2).sum(1)[:, None] - 2.0 * after @ self.z.T + (self.z ** 2).sum(1)[None, :],
                               0.0))
        return self.settings.flow * d + self.pair

    def window_sums(self, cands: np.ndarray, p0: np.ndarray, e: np.ndarray, states: tuple) -> np.ndarray:
        """Summed losses of positions ``p0..e`` (p0 >= 1) of each candidate, from the cached ``states``
        of the order they were derived from (same songs before ``p0``). One batch in lockstep: rows sorted
        by span, longest first, so the rows still running are always a prefix (max-span network calls)."""
        span = e - p0 + 1
        rank = np.argsort(-span, kind="stable")
        cands, p0, span = cands[rank], p0[rank], span[rank]
        state = tuple(s[p0 - 1] for s in states)
        total = np.zeros(len(cands))
        running = len(span) - np.searchsorted(span[::-1], np.arange(int(span.max(initial=0))), side="right")
        self.row_steps += int(running.sum())
        for t, k in enumerate(running):  # k rows have span > t
            k = int(k)
            state = tuple(s[:k] for s in state)
            pos = p0[:k] + t
            prev, cur = cands[np.arange(k), pos - 1], cands[np.arange(k), pos]
            state, y = step(self.predictor, state, self.x[prev])
            total[:k] += self._loss(y, prev, cur, pos)
        out = np.empty(len(cands))
        out[rank] = total
        return out

    def totals(self, orders: np.ndarray, states: tuple) -> np.ndarray:
        """Whole objectives (positions 1..n-1) of local orders."""
        orders = np.atleast_2d(orders)
        ones = np.ones(len(orders), dtype=np.int64)
        return self.window_sums(orders, ones, ones * (self.n - 1), states)


def _global_moves(order: np.ndarray, lo: int, cost: np.ndarray, arc: np.ndarray | None,
                  limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``limit`` most promising long-range moves — any 2-opt reversal, any or-opt move of a run of
    1-3 songs — ranked in O(1) each (O(n) for reversals) by a fixed-cost approximation of the loss: a
    pair cost ``cost[s, c]`` (n, n) for each move plus a position cost ``arc[p, c]`` (L, n) for each song's
    new position (None = 0). Returns (orders (k, n), a, b) with an approximate gain, best first."""
    n = len(order)
    V = n  # a virtual song before and after the playlist: no cost to or from it
    C = np.zeros((n + 1, n + 1))
    C[:n, :n] = cost
    A = np.zeros((n + 2, n + 1))  # A[q, song]: arc term at padded position q (= position q - 1)
    if arc is not None:
        A[2:n + 1, :n] = arc[1:]  # position 0 is never scored
    o = np.concatenate([[V], order, [V]])  # padded: song of position p at p + 1
    P = np.arange(1, n + 1)  # padded positions of real songs
    edge = C[o[:-1], o[1:]]  # edge[q]: move into padded position q + 1
    found_d, found_a, found_b, found_kind, found_x = [], [], [], [], []
    # -- reversals of [i, j] (real positions): internal edges flip direction, songs move to i + j - p
    i, j = np.triu_indices(n, 1)
    keep = i >= lo
    i, j = i[keep], j[keep]
    rev = np.concatenate([[0.0], np.cumsum(C[o[2:n + 1], o[1:n]] - C[o[1:n], o[2:n + 1]])])  # flips 0..p
    here = A[P, o[1:n + 1]]
    where = np.clip((i + j)[:, None] - np.arange(n)[None, :], 0, n - 1)  # (M, n) new real position
    inside = (np.arange(n)[None, :] >= i[:, None]) & (np.arange(n)[None, :] <= j[:, None])
    arc_d = (np.where(inside, A[where + 1, o[1:n + 1][None, :]] - here[None, :], 0.0).sum(1)
             if arc is not None else 0.0)
    d = (C[o[i], o[j + 1]] + C[o[i + 1], o[j + 2]] - edge[i] - edge[j + 1] + rev[j] - rev[i] + arc_d)
    found_d.append(d), found_a.append(i), found_b.append(j), found_kind.append(np.zeros(len(i), int))
    found_x.append(np.zeros(len(i), int))
    # -- block swaps: [a, a+u) and [a+u, a+u+v) trade places; one block 1-3 songs (or-opt)
    shift = _shift_sums(A, o, n) if arc is not None else None
    for small in range(1, OR_OPT_RUN + 1):
        for first_small in (True, False):
            big = np.arange(1, n)
            u_all, v_all = (np.full_like(big, small), big) if first_small else (big, np.full_like(big, small))
            if not first_small:
                keep = big > small  # (u, v) with both small counted once
                u_all, v_all = u_all[keep], v_all[keep]
            a = np.arange(lo, n)
            aa, uu = np.meshgrid(a, np.arange(len(u_all)), indexing="ij")
            aa, u, v = aa.ravel(), u_all[uu.ravel()], v_all[uu.ravel()]
            b = aa + u + v - 1
            ok = (b <= n - 1) & ~((u == 1) & (v == 1))
            aa, u, v, b = aa[ok], u[ok], v[ok], b[ok]
            x_last, y_first, y_last = o[aa + u], o[aa + u + 1], o[b + 1]  # padded indices: +1
            x_first = o[aa + 1]
            d = (C[o[aa], y_first] + C[y_last, x_first] + C[x_last, o[b + 2]]
                 - edge[aa] - edge[aa + u] - edge[b + 1])
            if arc is not None:
                d = d + shift(v, aa, aa + u - 1) + shift(-u, aa + u, b)
            found_d.append(d), found_a.append(aa), found_b.append(b), found_kind.append(np.ones(len(aa), int))
            found_x.append(u)
    d, a, b = np.concatenate(found_d), np.concatenate(found_a), np.concatenate(found_b)
    kind, x = np.concatenate(found_kind), np.concatenate(found_x)
    pick = np.flatnonzero(d < -1e-9)
    pick = pick[np.argsort(d[pick], kind="stable")][:limit]
    cands = np.broadcast_to(order, (len(pick), n)).copy()
    for r, m in enumerate(pick):
        lo_, hi = a[m], b[m]
        seg = order[lo_:hi + 1]
        cands[r, lo_:hi + 1] = seg[::-1] if kind[m] == 0 else np.concatenate([seg[x[m]:], seg[:x[m]]])
    return cands, a[pick], b[pick]


def _shift_sums(A, o, n):
    """f(k, lo, hi): summed arc change of the songs at real positions lo..hi (arrays) moving by k (arrays)."""
    p = np.arange(n)
    shifts = np.arange(-(n - 1), n)
    newp = np.clip(p[None, :] + shifts[:, None], 0, n - 1)
    diff = A[newp + 1, o[1:n + 1][None, :]] - A[p + 1, o[1:n + 1]][None, :]
    cum = np.concatenate([np.zeros((len(shifts), 1)), np.cumsum(diff, axis=1)], axis=1)

    def f(k, lo, hi):
        return cum[k + n - 1, hi + 1] - cum[k + n - 1, lo]
    return f


def local_search(order: np.ndarray, settings: EngineSettings, *, arrays: SongArrays, predictor: Predictor,
                 keep_first: bool = True, max_passes: int = 30, window: int = WINDOW, horizon: int = HORIZON,
                 min_gain: float = MIN_GAIN, step_budget: int = STEP_BUDGET) -> tuple[np.ndarray, int]:
    """2-opt / or-opt local search on the true sequential loss (plus rule penalties); returns (order,
    passes that improved).

    Moves stay inside a ``window`` of consecutive positions (reverse up to ``window`` songs, move a run of
    1-3 songs up to ``window - 1`` places). Each pass ranks all moves by their change over the moved span
    plus ``horizon`` songs (the network's state is cached before every position, so a move costs
    ``span + horizon`` steps, not a whole playlist), then tries, scored exactly: the best non-overlapping
    improving moves together, halves of that set, and the best single moves; the best of those is kept if
    it lowers the objective. Stops after ``max_passes``, when a pass gains less than ``min_gain`` (a
    fraction of the objective) or once ``step_budget`` network steps (rows x steps) are spent (a
    deterministic time limit: ~1-2 s on a busy 2-core machine). With ``window`` and ``horizon`` >= the length every move is ranked exactly.
    Deterministic.
    """
    order = np.asarray(order, dtype=np.int64)
    n = len(order)
    lo = 1 if keep_first else 0
    if n - lo < 2:
        return order, 0
    scorer = _OrderScorer(order, settings, arrays, predictor)
    templates = move_templates(max(2, min(int(window), n - lo)))
    local = np.arange(n)
    passes = 0
    with single_thread_blas():
        losses, states, ys = scorer.trace(local)
        best = float(losses.sum())
        for _ in range(max_passes):
            cum = np.concatenate([[0.0], np.cumsum(losses)])
            tries, firsts = [], []
            cands, a, b = _moves(local, lo, templates)
            if len(cands):  # local moves, ranked by their effect over the span + horizon
                p0 = np.maximum(a, 1)
                e = np.minimum(b + int(horizon), n - 1)
                delta = scorer.window_sums(cands, p0, e, states) - (cum[e + 1] - cum[p0])
                good = np.flatnonzero(delta < -1e-9)
                good = good[np.argsort(delta[good], kind="stable")]
                chosen, taken = [], np.zeros(n + 2, dtype=bool)  # taken[p + 1]: position p is moved
                for mv in good:
                    if not taken[a[mv]:b[mv] + 3].any():  # positions a-1 .. b+1 free: independent transitions
                        chosen.append(mv)
                        taken[a[mv] + 1:b[mv] + 2] = True
                for size in sorted({len(chosen), (len(chosen) + 1) // 2, (len(chosen) + 3) // 4} - {0},
                                   reverse=True):
                    combo = local.copy()
                    for mv in chosen[:size]:
                        combo[a[mv]:b[mv] + 1] = cands[mv, a[mv]:b[mv] + 1]
                    tries.append(combo)
                    firsts.append(min(a[mv] for mv in chosen[:size]))
                tries.extend(cands[good[:SINGLE_TRIES]])
                firsts.extend(a[good[:SINGLE_TRIES]])
            # long-range moves, ranked by two cheap approximations of the network (predictions tied to the
            # previous song / to the position), then scored exactly with the rest; when nothing improves,
            # once more with GLOBAL_WIDEN times as many long-range moves before giving up
            approx = ((scorer.pair_costs(local, ys), scorer.arc), (scorer.pair, scorer.position_costs(ys)))
            for limit in (GLOBAL_TRIES, GLOBAL_TRIES * GLOBAL_WIDEN):
                now, first = list(tries), list(firsts)
                for cost, pos in approx:
                    g_cands, g_a, _ = _global_moves(local, lo, cost, pos, limit)
                    now.extend(g_cands)
                    first.extend(g_a)
                if not now:
                    break
                now, p0 = np.stack(now), np.maximum(np.asarray(first, dtype=np.int64), 1)
                tot = cum[p0] + scorer.window_sums(now, p0, np.full(len(now), n - 1), states)  # exact
                j = int(np.argmin(tot))  # first minimum: deterministic
                if tot[j] < best - 1e-9:
                    break
            if not len(now) or tot[j] >= best - 1e-9:
                break
            gain = best - float(tot[j])
            local = now[j]
            passes += 1
            losses, states, ys = scorer.trace(local)
            best = float(losses.sum())
            if gain < min_gain * max(abs(best), 1.0) or scorer.row_steps >= step_budget:
                break
    return order[local], passes


def exact_order(indices: Sequence[int], settings: EngineSettings = EngineSettings(), *, arrays: SongArrays,
                predictor: Predictor, keep_first: bool = True) -> tuple[np.ndarray, float]:
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
    settings = fit_arc(settings, arrays, idx)
    perms = itertools.permutations(range(len(tail)))
    with single_thread_blas():
        while True:
            chunk = list(itertools.islice(perms, 20000))
            if not chunk:
                break
            orders = np.concatenate([np.broadcast_to(head, (len(chunk), len(head))),
                                     tail[np.array(chunk, dtype=np.int64).reshape(len(chunk), -1)]], axis=1)
            tot = order_totals(orders, settings, arrays=arrays, predictor=predictor)
            j = int(np.argmin(tot))
            if tot[j] < best:
                best, best_order = float(tot[j]), orders[j].copy()
    return best_order, best
