"""Local search on the true sequential loss of an order of a fixed set of songs.

2-opt reversals and or-opt moves of runs of 1-3 songs, inside a window of consecutive positions
(:class:`LocalMoves`, ranked from cached network states: a move costs ``span + horizon`` network steps, not a
whole playlist) and anywhere in the order (:func:`long_range_moves`, ranked in O(1) each by fixed-cost
approximations of the network), re-scored exactly. The work is counted in network steps (rows x steps), so
a search is bounded by work and gives the same order on any machine; a deadline is only a caller's explicit
time cap.
"""

from __future__ import annotations

import time

import numpy as np

from disco.engine.blas import single_thread_blas
from disco.engine.loss import RULE_PENALTY, Loss
from disco.engine.settings import EngineSettings
from disco.model.arrays import Predictor, SongArrays, step

WINDOW = 8  # positions: local moves stay inside this many consecutive songs
HORIZON = 4  # songs after a move's span whose loss change ranks it (the state carries further; moves are
# then re-scored exactly)
OR_OPT_RUN = 3  # songs: or-opt moves runs of up to this length
SINGLE_TRIES = 4  # best single local moves re-scored exactly beside the combined ones, per pass
GLOBAL_TRIES = 16  # best long-range moves by each approximation re-scored exactly, per pass
GLOBAL_WIDEN = 8  # ... times this many when none of those improves
GLOBAL_SPAN_MAX = 400  # positions: long-range moves reach at most this far (their ranking is O(n * span))
MIN_GAIN = 1e-3  # local_search's default: stop when a pass lowers the objective by less than this fraction
STEP_BUDGET = 300_000  # network steps (rows x steps) per local_search call by default; a 100-song pass ~40k


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


class LocalMoves:
    """Every template applied at every start ``a >= lo`` of one order, without materialising the orders:
    ``song_at(rows, positions)`` reads the moved order of each row; ``moved(row)`` builds one. Row ``r``
    changes positions ``a[r]..b[r]``."""

    def __init__(self, order: np.ndarray, lo: int, templates: list[np.ndarray]):
        n = len(order)
        width = max(len(t) for t in templates)
        table = np.zeros((len(templates), width), dtype=np.int64)
        sizes = np.array([len(t) for t in templates])
        for r, t in enumerate(templates):
            table[r, :len(t)] = t
        starts, ids = [], []
        for r, m in enumerate(sizes):
            a = np.arange(lo, n - m + 1)
            starts.append(a)
            ids.append(np.full(len(a), r))
        self.order, self.table, self.sizes = order, table, sizes
        self.a = np.concatenate(starts) if starts else np.zeros(0, np.int64)
        self.t = np.concatenate(ids) if ids else np.zeros(0, np.int64)
        self.b = self.a + sizes[self.t] - 1

    def __len__(self) -> int:
        return len(self.a)

    def song_at(self, rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
        a, t = self.a[rows], self.t[rows]
        off = pos - a
        inside = (off >= 0) & (off < self.sizes[t])
        moved = self.order[np.minimum(a + self.table[t, np.clip(off, 0, self.table.shape[1] - 1)],
                                      len(self.order) - 1)]
        return np.where(inside, moved, self.order[pos])

    def orders(self) -> np.ndarray:
        """Every moved order, (M, n): for checking, the search itself reads them with :meth:`song_at`."""
        if not len(self):
            return np.empty((0, len(self.order)), np.int64)
        return np.stack([self.moved(r) for r in range(len(self))])

    def moved(self, row: int) -> np.ndarray:
        a, m = self.a[row], self.sizes[self.t[row]]
        out = self.order.copy()
        out[a:a + m] = self.order[a + self.table[self.t[row], :m]]
        return out


def ranking_predictor(predictor: Predictor) -> Predictor:
    """A float32 copy of the network when it offers one (RNNStepper.with_dtype), else the network itself."""
    with_dtype = getattr(predictor, "with_dtype", None)
    return with_dtype(np.float32) if callable(with_dtype) else predictor


class OrderScorer:
    """The sequential objective of orders of one fixed set of songs, exactly as
    :func:`~disco.engine.score.order_totals` (loss plus ``RULE_PENALTY`` per broken rule), in float64 (in the
    network's own precision: float32 when ranking with a float32 copy).

    Works on local ids 0..n-1 (positions in ``songs``): the pair terms (key, tempo, rules) are one (n, n)
    lookup and the arc an (L, n) one (:class:`~disco.engine.loss.Loss`), so a move costs a network step plus
    a distance. An artist gap of N > 1 adds ``RULE_PENALTY`` to a move whose artist is among songs 2..N before
    it (and not right before: the pair term has that). ``trace`` runs one order and keeps the network state
    before every position; ``window_sums`` re-scores only positions ``p0..e`` of many candidate orders,
    starting from those cached states."""

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
        self.artist = None  # local id -> artist code, -1 unknown; index -1 (no song) too
        if settings.artist_gap > 1:
            known = np.full(n, -1, np.int64) if arrays.artist is None else np.asarray(arrays.artist, np.int64)[songs]
            self.artist = np.append(known, -1)

    def _loss(self, y, prev, cur, pos, song_at=None) -> np.ndarray:
        """Losses of the moves ``prev`` -> ``cur`` into positions ``pos``; ``song_at(d)``: the songs ``d``
        positions before (-1 before the start), for the artist gap's window."""
        d = self.loss.distance(y, np.asarray(cur)[:, None])[:, 0]
        out = self.settings.flow * d + self.pair[prev, cur]
        if self.artist is not None:
            a = self.artist[cur]
            clash = np.zeros(len(a), dtype=bool)
            for back in range(2, self.settings.artist_gap + 1):
                clash |= self.artist[song_at(back)] == a
            out = out + RULE_PENALTY * (clash & (a >= 0) & (self.artist[prev] != a))
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
                losses[p] = self._loss(y, order[p - 1:p], order[p:p + 1], p,
                                       lambda back: order[p - back:p - back + 1] if p >= back else [-1])[0]
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

    def window_sums(self, song_at, p0: np.ndarray, e: np.ndarray, states: tuple) -> np.ndarray:
        """Summed losses of positions ``p0..e`` (p0 >= 1) of each candidate, from the cached ``states``
        of the order they were derived from (same songs before ``p0``). ``song_at(rows, positions)`` gives
        the song of each candidate row at a position, or pass the candidates as an (M, n) array. One batch in
        lockstep: rows sorted by span, longest first, so the rows still running are always a prefix."""
        if isinstance(song_at, np.ndarray):
            cands = song_at
            song_at = lambda rows, pos: cands[rows, pos]  # noqa: E731
        span = e - p0 + 1
        rank = np.argsort(-span, kind="stable")
        p0s, span = p0[rank], span[rank]
        state = tuple(s[p0s - 1] for s in states)
        total = np.zeros(len(rank))
        running = len(span) - np.searchsorted(span[::-1], np.arange(int(span.max(initial=0))), side="right")
        self.row_steps += int(running.sum())
        for t, k in enumerate(running):  # k rows have span > t
            k = int(k)
            state = tuple(s[:k] for s in state)
            rows, pos = rank[:k], p0s[:k] + t
            prev, cur = song_at(rows, pos - 1), song_at(rows, pos)
            state, y = step(self.predictor, state, self.x[prev])
            total[:k] += self._loss(y, prev, cur, pos,
                                    lambda back: np.where(pos >= back, song_at(rows, np.maximum(pos - back, 0)), -1))
        out = np.empty(len(rank))
        out[rank] = total
        return out

    def totals(self, orders: np.ndarray, states: tuple) -> np.ndarray:
        """Whole objectives (positions 1..n-1) of local orders."""
        orders = np.atleast_2d(orders)
        ones = np.ones(len(orders), dtype=np.int64)
        return self.window_sums(orders, ones, ones * (self.n - 1), states)


def long_range_moves(order: np.ndarray, lo: int, cost: np.ndarray, arc: np.ndarray | None,
                  limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``limit`` most promising long-range moves — any 2-opt reversal, any or-opt move of a run of
    1-3 songs, reaching up to :data:`GLOBAL_SPAN_MAX` positions — ranked in O(1) each by a fixed-cost
    approximation of the loss: a pair cost ``cost[s, c]`` (n, n) for each move plus a position cost
    ``arc[p, c]`` (L, n) for each song's new position (None = 0). Returns (orders (k, n), a, b) with an
    approximate gain, best first."""
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
    keep = (i >= lo) & (j - i < GLOBAL_SPAN_MAX)
    i, j = i[keep], j[keep]
    rev = np.concatenate([[0.0], np.cumsum(C[o[2:n + 1], o[1:n]] - C[o[1:n], o[2:n + 1]])])  # flips 0..p
    arc_d = 0.0
    if arc is not None:
        # the song at p moves to s - p (s = i + j): prefix sums along each anti-diagonal s give every
        # reversal's arc change in O(1)
        here = A[P, o[1:n + 1]]
        sums = np.arange(2 * n - 1)[:, None] - np.arange(n)[None, :]
        moved = A[np.clip(sums, 0, n - 1) + 1, o[1:n + 1][None, :]]
        cum_moved = np.concatenate([np.zeros((2 * n - 1, 1)), np.cumsum(moved, axis=1)], axis=1)
        cum_here = np.concatenate([[0.0], np.cumsum(here)])
        s = i + j
        arc_d = (cum_moved[s, j + 1] - cum_moved[s, i]) - (cum_here[j + 1] - cum_here[i])
    d = (C[o[i], o[j + 1]] + C[o[i + 1], o[j + 2]] - edge[i] - edge[j + 1] + rev[j] - rev[i] + arc_d)
    found_d.append(d), found_a.append(i), found_b.append(j), found_kind.append(np.zeros(len(i), int))
    found_x.append(np.zeros(len(i), int))
    # -- block swaps: [a, a+u) and [a+u, a+u+v) trade places; one block 1-3 songs (or-opt)
    shift = _shift_sums(A, o, n) if arc is not None else None
    for small in range(1, OR_OPT_RUN + 1):
        for first_small in (True, False):
            big = np.arange(1, min(n, GLOBAL_SPAN_MAX))
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
                 min_gain: float = MIN_GAIN, step_budget: int | None = STEP_BUDGET, deadline: float | None = None,
                 fast: bool = False, long_range: bool = True, stats: dict | None = None) -> tuple[np.ndarray, int]:
    """2-opt / or-opt local search on the true sequential loss (plus rule penalties); returns (order,
    passes that improved).

    Moves stay inside a ``window`` of consecutive positions (reverse up to ``window`` songs, move a run of
    1-3 songs up to ``window - 1`` places). Each pass ranks all moves by their change over the moved span
    plus ``horizon`` songs (the network's state is cached before every position, so a move costs
    ``span + horizon`` steps, not a whole playlist), then tries, scored exactly: the best non-overlapping
    improving moves together, halves of that set, the best single moves, and the most promising long-range
    moves; the best of those is kept if it lowers the objective. Stops after ``max_passes``, when a pass gains
    less than ``min_gain`` (a fraction of the objective), once ``step_budget`` network steps (rows x steps;
    None = no limit) are spent, or at ``deadline`` (a ``time.perf_counter()`` value). With ``window`` and
    ``horizon`` >= the length every move is ranked exactly. ``long_range=False`` leaves out the long-range
    moves (cheaper passes). ``fast``: run the network in float32 when it has
    a float32 copy (twice as fast; the caller re-scores the result exactly). ``stats`` (a dict) receives
    ``passes``, ``row_steps``, ``stopped`` (``converged``, ``min_gain``, ``max_passes``, ``step_budget`` or
    ``time``) and ``trajectory`` ((steps, objective) after each pass). Deterministic unless the deadline stops
    it.
    """
    order = np.asarray(order, dtype=np.int64)
    n = len(order)
    lo = 1 if keep_first else 0
    stopped = "converged"
    passes = 0
    if n - lo < 2:
        if stats is not None:
            stats.update(passes=0, row_steps=0, stopped=stopped)
        return order, 0
    scorer = OrderScorer(order, settings, arrays, ranking_predictor(predictor) if fast else predictor)
    templates = move_templates(max(2, min(int(window), n - lo)))
    local = np.arange(n)
    trajectory = []  # (network steps so far, objective) after each pass
    with single_thread_blas():
        losses, states, ys = scorer.trace(local)
        best = float(losses.sum())
        trajectory.append((0, best))
        for pass_no in range(max_passes + 1):
            if pass_no == max_passes:
                stopped = "max_passes"
                break
            if deadline is not None and time.perf_counter() > deadline:
                stopped = "time"
                break
            cum = np.concatenate([[0.0], np.cumsum(losses)])
            tries, firsts = [], []
            moves = LocalMoves(local, lo, templates)
            if len(moves):  # local moves, ranked by their effect over the span + horizon
                a, b = moves.a, moves.b
                p0 = np.maximum(a, 1)
                e = np.minimum(b + int(horizon), n - 1)
                delta = scorer.window_sums(moves.song_at, p0, e, states) - (cum[e + 1] - cum[p0])
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
                        combo[a[mv]:b[mv] + 1] = moves.moved(mv)[a[mv]:b[mv] + 1]
                    tries.append(combo)
                    firsts.append(min(a[mv] for mv in chosen[:size]))
                tries.extend(moves.moved(mv) for mv in good[:SINGLE_TRIES])
                firsts.extend(a[good[:SINGLE_TRIES]])
            # long-range moves, ranked by two cheap approximations of the network (predictions tied to the
            # previous song / to the position), then scored exactly with the rest; when nothing improves,
            # once more with GLOBAL_WIDEN times as many long-range moves before giving up
            approx = ((scorer.pair_costs(local, ys), scorer.arc), (scorer.pair, scorer.position_costs(ys)))
            for limit in (GLOBAL_TRIES, GLOBAL_TRIES * GLOBAL_WIDEN) if long_range else (0,):
                now, first = list(tries), list(firsts)
                for cost, pos in approx if limit else ():
                    g_cands, g_a, _ = long_range_moves(local, lo, cost, pos, limit)
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
            trajectory.append((scorer.row_steps, best))
            if gain < min_gain * max(abs(best), 1.0):
                stopped = "min_gain"
                break
            if step_budget is not None and scorer.row_steps >= step_budget:
                stopped = "step_budget"
                break
    if stats is not None:
        stats.update(passes=passes, row_steps=scorer.row_steps, stopped=stopped, trajectory=trajectory)
    return order[local], passes
