"""The pairwise part of ordering a fixed set of songs, as an open-path travelling-salesman problem.

With the network's term left out, the loss of an order is a sum of pair costs ``cost[s, c]`` over its moves
(key and tempo terms, rule penalties; spec section 10): an asymmetric open path with a fixed (or free) first
song. Three ways to solve it, all on scipy (HiGHS) and NumPy:

- :func:`exact_path` certifies the optimum with an integer program (one binary per move, subtours cut away as
  they appear). Seconds to a minute for 100 songs: for small sets and for measuring the others.
- :func:`solve_path` is the fast one: the linear relaxation of that program (with the subtour cuts it needs,
  about 0.1 s for 100 songs) gives a lower bound and guides a first path; 2-opt / or-opt descent and iterated
  local search improve it. On the test playlists of 100 songs: within ~0.6% of the optimum after 0.3 s,
  ~0.3% after 0.7 s (60 / 300 kicks).

Each is bounded by counted work (cut rounds, branch-and-bound nodes, descent rounds, kicks), so the same
costs give the same path on any machine; a time limit is an optional cap on top.
- :func:`dj_sort` is the greedy sort DJ tools do (next = a Camelot-compatible song with the closest folded tempo).

They give reorder its starting orders; local search on the true loss (network included) then polishes them.
(OR-tools' routing solver, tried first, ended 2-3% above the optimum of the same sets after a second of guided
local search, whatever its settings; CP-SAT's circuit constraint proved nothing in 20 s.)
"""

from __future__ import annotations

import functools
import itertools
import time
from dataclasses import dataclass

import numpy as np

from disco.theory.keys import camelot_compatible
from disco.theory.tempo import log2_tempo

DENSE_LP_MAX = 50  # songs: up to this size the relaxation has every move (a valid lower bound); beyond, each
# song's SPARSE_ARCS cheapest moves in and out plus the first path's (a guide only: no bound)
SPARSE_ARCS = 8
FULL_3OPT_MAX = 120  # songs: up to this size descent also tries every exchange of two adjacent blocks
MAX_CUT_ROUNDS = 60  # rounds of subtour cuts added to the relaxation or to the integer program
MAX_MOVE_SPAN = 150  # songs: a descent move reverses or shifts at most this many (each round is O(n * span))
KICK_SPAN = 8  # songs: the three blocks a kick permutes are 1..KICK_SPAN - 1 songs long
DEFAULT_KICK_WORK = 5_000  # solve_path's default kicks x songs
MIP_REL_GAP = 1e-6  # HiGHS stops when (found - bound) / |found| is below this: "optimal" means within it


@dataclass(frozen=True)
class Path:
    """An order of the songs (positions 0..n-1 of the cost matrix) and its summed pair cost.

    ``optimal``: certified (within :data:`MIP_REL_GAP`); ``lower_bound``: no path costs less (None when not
    computed); ``cut_short``: a limit (time or work) stopped the search before its own end; ``seconds``: how
    long it took (informational: never part of a result); ``method``: what found it."""

    order: np.ndarray
    cost: float
    optimal: bool = False
    cut_short: bool = False
    seconds: float = 0.0
    lower_bound: float | None = None
    method: str = ""

    @property
    def gap(self) -> float | None:
        """``cost - lower_bound`` (>= 0), None without a bound."""
        return None if self.lower_bound is None else max(0.0, self.cost - self.lower_bound)


def load_solvers() -> None:
    """Import scipy's solvers now (about half a second the first time), so that a time cap measures the
    search, not the imports."""
    import scipy.optimize  # noqa: F401
    import scipy.sparse.csgraph  # noqa: F401


def path_cost(cost: np.ndarray, order) -> float:
    """Summed ``cost[a, b]`` over the moves of ``order``."""
    order = np.asarray(order, dtype=np.int64)
    return float(cost[order[:-1], order[1:]].sum()) if len(order) > 1 else 0.0


def _check(cost, start) -> tuple[np.ndarray, int | None]:
    cost = np.asarray(cost, dtype=np.float64)
    if cost.ndim != 2 or cost.shape[0] != cost.shape[1]:
        raise ValueError(f"the cost matrix must be square, got shape {cost.shape}")
    if not np.isfinite(cost).all():
        raise ValueError("the cost matrix has a non-finite value")
    n = len(cost)
    if start is not None and not 0 <= int(start) < max(n, 1):
        raise ValueError(f"start {start} out of range for {n} songs")
    return cost, None if start is None else int(start)


# -- the DJ-tool sort ---------------------------------------------------------------------------------------

def dj_sort(key, mode, tempo, start: int = 0) -> np.ndarray:
    """The DJ-tool sort: from ``start``, always move to a Camelot-compatible unused song with the closest
    folded tempo; when none is compatible, to the closest folded tempo overall (songs without a tempo last).
    Ties go to the lowest index. Returns positions 0..n-1 in order."""
    key, mode = np.asarray(key), np.asarray(mode)
    lt = log2_tempo(tempo)
    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    compatible = camelot_compatible(key[:, None], mode[:, None], key[None, :], mode[None, :])
    octaves = lt[None, :] - lt[:, None]
    distance = np.abs(octaves - np.round(octaves))
    distance = np.where(np.isnan(distance), np.inf, distance)
    used = np.zeros(n, dtype=bool)
    order = [int(start)]
    used[start] = True
    for _ in range(n - 1):
        here = order[-1]
        pool = compatible[here] & ~used
        if not pool.any():
            pool = ~used
        row = np.where(pool, distance[here], np.inf)
        nxt = int(np.argmin(row)) if np.isfinite(row).any() else int(np.flatnonzero(pool)[0])
        order.append(nxt)
        used[nxt] = True
    return np.asarray(order, dtype=np.int64)


# -- local search on pair costs -------------------------------------------------------------------------------

def _positional(order: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """(n + 2, n + 2) ``D[p, q]`` = cost from the song at padded position p to the one at q, where padded
    positions 0 and n + 1 are a virtual song with no cost to or from it (the path's open ends)."""
    n = len(order)
    padded = np.zeros((n + 1, n + 1))
    padded[:n, :n] = cost
    P = np.concatenate([[n], order, [n]])
    return padded[P][:, P]


@functools.lru_cache(maxsize=8)
def _move_table(N: int, first_cut: int) -> tuple[np.ndarray, ...]:
    """The cuts of every reversal and or-opt exchange of a padded path of ``N`` positions that spans at most
    :data:`MAX_MOVE_SPAN` songs (see :func:`_improving_moves`), as flat indices into (N, N) and (N,) arrays:
    the same for every path of that length, so computed once."""
    i, k = np.triu_indices(N, 2)
    keep = (i >= first_cut) & (k - i <= MAX_MOVE_SPAN)
    ri, rk = i[keep], k[keep]
    parts = []
    cuts = np.arange(first_cut, N)
    for run in (1, 2, 3):
        for first_block in (True, False):
            ii, kk = np.meshgrid(cuts, cuts, indexing="ij")
            ii, kk = ii.ravel(), kk.ravel()
            jj = ii + run if first_block else kk - run
            ok = (ii < jj) & (jj < kk) & (kk - ii <= MAX_MOVE_SPAN)
            if not first_block:
                ok &= (jj - ii) > 3  # both blocks short: counted with first_block
            parts.append((ii[ok], jj[ok], kk[ok]))
    ei, ej, ek = (np.concatenate(x) for x in zip(*parts))
    kind = np.concatenate([np.zeros(len(ri), np.int64), np.ones(len(ei), np.int64)])
    i = np.concatenate([ri, ei])
    j = np.concatenate([np.full(len(ri), -1), ej])
    k = np.concatenate([rk, ek])
    # reversal: D[i-1, k-1] + D[i, k]; exchange: D[i-1, j] + D[k-1, i] + D[j-1, k]
    rev = (ri - 1) * N + rk - 1, ri * N + rk
    exc = (ei - 1) * N + ej, (ek - 1) * N + ei, (ej - 1) * N + ek
    tables = (kind, i, j, k, rev, exc)
    for a in (kind, i, j, k, *rev, *exc):
        a.flags.writeable = False
    return tables


def _improving_moves(order: np.ndarray, cost: np.ndarray, first_cut: int, full_3opt: bool,
                     limit: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``limit`` best improving moves of the path ``order``, ranked by their change of the summed cost.

    A move cuts the padded path at cuts ``i < j < k`` (cut c = the move into padded position c): a reversal
    of positions i..k-1 (``j`` = -1), or the exchange of blocks [i, j) and [j, k) — an or-opt move when one
    block has 1-3 songs; any two adjacent blocks when ``full_3opt``. Cuts start at ``first_cut`` (2 keeps the
    first song). Returns (delta, kind (0 reversal, 1 exchange), i, j, k), best first."""
    N = len(order) + 2
    D = _positional(order, cost)
    flat = D.ravel()
    E = np.zeros(N)
    E[1:] = D[np.arange(N - 1), np.arange(1, N)]  # E[c]: the move into padded position c
    back = np.zeros(N)
    back[1:] = D[np.arange(1, N), np.arange(N - 1)]  # the same move run backwards
    cum_e, cum_b = np.cumsum(E), np.cumsum(back)
    kind, i, j, k, rev, exc = _move_table(N, first_cut)
    n_rev = len(rev[0])
    ri, rk = i[:n_rev], k[:n_rev]
    d_rev = (flat[rev[0]] + flat[rev[1]] - E[ri] - E[rk] + (cum_b[rk - 1] - cum_b[ri]) - (cum_e[rk - 1] - cum_e[ri]))
    ei, ej, ek = i[n_rev:], j[n_rev:], k[n_rev:]
    d_exc = flat[exc[0]] + flat[exc[1]] + flat[exc[2]] - E[ei] - E[ej] - E[ek]
    d = np.concatenate([d_rev, d_exc])
    found = [(d, kind, i, j, k)]
    if full_3opt:  # every other exchange of two adjacent blocks (both longer than 3 songs)
        T = D[:-1, :] - E[1:, None] - E[None, :]  # T[j - 1, k]
        for i0 in range(first_cut, N - 8):
            jj = np.arange(i0 + 4, N - 4)
            kk = np.arange(i0 + 8, N)
            M = D[i0 - 1, jj][:, None] + D[kk - 1, i0][None, :] + T[jj - 1][:, kk] - E[i0]
            a, b = np.nonzero((M < -1e-12) & (kk[None, :] - jj[:, None] > 3))
            if len(a):
                found.append((M[a, b], np.ones(len(a), np.int64), np.full(len(a), i0), jj[a], kk[b]))
    d, kind, i, j, k = (np.concatenate(parts) for parts in zip(*found)) if len(found) > 1 else found[0]
    pick = np.flatnonzero(d < -1e-12)
    pick = pick[np.lexsort((pick, d[pick]))][:limit]  # deterministic ties
    return d[pick], kind[pick], i[pick], j[pick], k[pick]


def _apply(order: np.ndarray, kind: int, i: int, j: int, k: int) -> np.ndarray:
    P = np.concatenate([[-1], order, [-1]])
    if kind == 0:
        P[i:k] = P[i:k][::-1]
    else:
        P[i:k] = np.concatenate([P[j:k], P[i:j]])
    return P[1:-1]


def descend(cost: np.ndarray, order, start_fixed: bool = True, max_rounds: int = 10_000,
            deadline: float | None = None, full_3opt: bool | None = None) -> tuple[np.ndarray, bool]:
    """2-opt / or-opt descent on the pair costs until no move lowers the path's cost: each round applies
    the best improving moves that touch disjoint parts of the path (their gains add up). ``full_3opt``: also
    exchange any two adjacent blocks (O(n^3) a round; default up to :data:`FULL_3OPT_MAX` songs). Returns
    (order, whether ``deadline`` (a ``time.perf_counter()`` value) stopped it first)."""
    cost = np.asarray(cost, dtype=np.float64)
    order = np.asarray(order, dtype=np.int64).copy()
    n = len(order)
    first_cut = 2 if start_fixed else 1
    if n - (first_cut - 1) < 2:
        return order, False
    full = n <= FULL_3OPT_MAX if full_3opt is None else bool(full_3opt)
    for _ in range(max_rounds):
        if deadline is not None and time.perf_counter() > deadline:
            return order, True
        d, kind, i, j, k = _improving_moves(order, cost, first_cut, full, limit=4 * n)
        if not len(d):
            return order, False
        taken = np.zeros(n + 3, dtype=bool)  # taken[c]: cut c is changed by a chosen move
        for m in range(len(d)):
            if not taken[i[m]:k[m] + 1].any():
                order = _apply(order, kind[m], i[m], j[m], k[m])
                taken[i[m]:k[m] + 1] = True
    return order, False


# -- the linear relaxation ------------------------------------------------------------------------------------

@dataclass
class _Relaxation:
    """The relaxation's solution on its arcs (a -> b over songs 0..n-1 and the virtual song n)."""

    a: np.ndarray
    b: np.ndarray
    x: np.ndarray
    reduced: np.ndarray
    bound: float | None  # a valid lower bound on every path (dense arcs only)
    subtour_cuts: list


def _arcs(cost: np.ndarray, start: int | None, sparse_with=None) -> tuple[np.ndarray, np.ndarray]:
    """The arcs of the relaxation: every move (dense), or each song's cheapest moves in and out plus the
    moves of ``sparse_with`` (a path, so that one path is always possible)."""
    n = len(cost)
    if sparse_with is None:
        a, b = np.nonzero(~np.eye(n + 1, dtype=bool))
    else:
        k = min(SPARSE_ARCS, n - 1)
        c = cost + np.diag(np.full(n, np.inf))
        out_ = np.argpartition(c, k - 1, axis=1)[:, :k]
        in_ = np.argpartition(c, k - 1, axis=0)[:k, :]
        path = np.asarray(sparse_with, dtype=np.int64)
        a = np.concatenate([np.repeat(np.arange(n), k), in_.ravel(), path[:-1], np.full(n, n), np.arange(n)])
        b = np.concatenate([out_.ravel(), np.tile(np.arange(n), k), path[1:], np.arange(n), np.full(n, n)])
        pairs = np.unique(a * (n + 1) + b)
        a, b = np.divmod(pairs, n + 1)
    if start is not None:
        keep = ~((a == n) & (b != start))
        a, b = a[keep], b[keep]
    return a.astype(np.int64), b.astype(np.int64)


def _subtour_rows(a, b, groups, m):
    from scipy.sparse import csr_matrix

    rows, cols, upper = [], [], []
    for r, group in enumerate(groups):
        inside = np.flatnonzero(np.isin(a, group) & np.isin(b, group))
        rows.append(np.full(len(inside), r))
        cols.append(inside)
        upper.append(len(group) - 1)
    data = np.ones(sum(len(c) for c in cols))
    return csr_matrix((data, (np.concatenate(rows), np.concatenate(cols))), shape=(len(groups), m)), upper


def _relax(cost: np.ndarray, start: int | None, deadline: float | None, sparse_with=None) -> _Relaxation | None:
    """The linear relaxation of :func:`exact_path`'s program with subtour cuts added while its support splits
    into several strongly connected parts (at most :data:`MAX_CUT_ROUNDS` rounds); None when the rounds or the
    time cap (``deadline``, a ``time.perf_counter()`` value; None = none) ran out or the solver failed."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix, csr_matrix, vstack
    from scipy.sparse.csgraph import connected_components

    n = len(cost)
    size = n + 1
    a, b = _arcs(cost, start, sparse_with)
    m = len(a)
    full = np.zeros((size, size))
    full[:n, :n] = cost
    c = full[a, b]
    degree = coo_matrix((np.ones(2 * m), (np.concatenate([a, size + b]), np.concatenate([np.arange(m)] * 2))),
                        shape=(2 * size, m)).tocsr()
    cut_rows, cut_upper, groups = [], [], []
    for _ in range(MAX_CUT_ROUNDS):
        if deadline is not None and time.perf_counter() > deadline:
            return None
        res = linprog(c, A_ub=vstack(cut_rows) if cut_rows else None, b_ub=cut_upper or None, A_eq=degree,
                      b_eq=np.ones(2 * size), bounds=(0, 1), method="highs")
        if res.status != 0:
            return None
        support = res.x > 1e-6
        graph = csr_matrix((np.ones(int(support.sum())), (a[support], b[support])), shape=(size, size))
        parts, label = connected_components(graph, directed=True, connection="strong")
        if parts == 1:
            reduced = np.maximum(np.asarray(res.lower.marginals, dtype=np.float64), 0.0)
            return _Relaxation(a, b, res.x, reduced, float(res.fun) if sparse_with is None else None, groups)
        new = [np.flatnonzero(label == p) for p in range(parts)]
        rows, upper = _subtour_rows(a, b, new, m)
        cut_rows.append(rows)
        cut_upper.extend(upper)
        groups.extend(g.tolist() for g in new)
    return None


def _path_from_relaxation(rel: _Relaxation, cost: np.ndarray, start: int | None) -> np.ndarray:
    """A path built greedily from the relaxation: moves by decreasing value, then increasing reduced cost,
    skipping any that would close a cycle; the pieces left are joined by their cheapest moves."""
    n = len(cost)
    size = n + 1
    succ = np.full(size, -1)
    pred = np.full(size, -1)
    root = np.arange(size)

    def find(v):
        while root[v] != v:
            root[v] = root[root[v]]
            v = root[v]
        return v

    def link(x, y):
        succ[x], pred[y] = y, x
        root[find(x)] = find(y)

    if start is not None:
        link(n, start)  # the virtual song (the path's open end) leads to the fixed first song
    for e in np.lexsort((rel.b, rel.a, rel.reduced, -np.round(rel.x, 9))):
        x, y = int(rel.a[e]), int(rel.b[e])
        if succ[x] < 0 and pred[y] < 0 and find(x) != find(y):
            link(x, y)
    full = np.zeros((size, size))
    full[:n, :n] = cost
    while True:  # join the pieces left, cheapest move first
        tails, heads = np.flatnonzero(succ < 0), np.flatnonzero(pred < 0)
        if len(tails) <= 1:
            break
        piece = np.array([find(v) for v in range(size)])
        joins = full[np.ix_(tails, heads)]
        joins[piece[tails][:, None] == piece[heads][None, :]] = np.inf
        r, c = np.unravel_index(int(np.argmin(joins)), joins.shape)
        link(int(tails[r]), int(heads[c]))
    # one path through every song and the virtual one: closed into a tour, it is the order after the virtual
    walk, v = [], int(np.flatnonzero(pred < 0)[0])
    while v >= 0:
        walk.append(v)
        v = int(succ[v])
    i = walk.index(n)
    return np.asarray(walk[i + 1:] + walk[:i], dtype=np.int64)


# -- the solvers ----------------------------------------------------------------------------------------------

def default_kicks(n: int) -> int:
    """Kicks of :func:`solve_path`'s iterated local search for ``n`` songs by default: 5,000 / n, 20..200
    (each kick costs O(n^2)): 50 for 100 songs."""
    return int(np.clip(DEFAULT_KICK_WORK // max(int(n), 1), 20, 200))


def solve_path(cost: np.ndarray, start: int | None = 0, time_limit: float | None = None, initial=(), seed: int = 0,
               max_kicks: int | None = None) -> Path:
    """A low-cost open path through every song of the (n, n) ``cost`` matrix, starting at ``start`` (None = any
    start).

    The linear relaxation of :func:`exact_path`'s program (HiGHS, every move up to :data:`DENSE_LP_MAX` songs,
    else each song's cheapest moves) gives a lower bound and a first path; that path and the ``initial``
    orders are improved by 2-opt / or-opt descent, the best one then by iterated local search (permute
    three short blocks at a random place, descend again, keep it if no worse; seeded) for ``max_kicks`` kicks
    (default :func:`default_kicks`). The work is counted, so the path is the same on any machine;
    ``time_limit`` (seconds, None = none) is an optional cap on top, and ``cut_short`` says when it stopped
    the search first. ``optimal`` when the path meets the lower bound."""
    started = time.perf_counter()
    cost, start = _check(cost, start)
    n = len(cost)
    if time_limit is not None and not time_limit >= 0:
        raise ValueError(f"time_limit must be a number of seconds >= 0 or None, got {time_limit!r}")
    deadline = None if time_limit is None else started + float(time_limit)
    max_kicks = default_kicks(n) if max_kicks is None else int(max_kicks)
    if n <= 3:
        exact = _brute_force(cost, start, started)
        return Path(exact.order, exact.cost, optimal=True, seconds=time.perf_counter() - started,
                    lower_bound=exact.cost, method="brute force")
    fixed = start is not None
    first = [np.asarray(o, dtype=np.int64) for o in initial]
    for o in first:
        if sorted(o.tolist()) != list(range(n)) or (fixed and o[0] != start):
            raise ValueError("an initial order must hold every song once" + (f" and start at {start}" if fixed else ""))
    fallback = np.r_[start, np.delete(np.arange(n), start)] if fixed else np.arange(n)
    # with a time cap, the relaxation may take 80% of it (the descents after it are quick)
    dense = n <= DENSE_LP_MAX
    rel = _relax(cost, start, None if deadline is None else started + 0.8 * float(time_limit),
                 sparse_with=None if dense else (first[0] if first else fallback))
    bound = None if rel is None else rel.bound
    candidates = first + ([_path_from_relaxation(rel, cost, start)] if rel is not None else [])
    if not candidates:
        candidates = [fallback]
    cut_short = False
    polished = []
    for o in candidates:
        o, stopped = descend(cost, o, fixed, deadline=deadline)
        cut_short |= stopped
        polished.append((path_cost(cost, o), len(polished), o))
    best_cost, _, best = min(polished, key=lambda t: t[:2])
    method = "relaxation + local search" if rel is not None else "local search"
    rng = np.random.default_rng(seed)
    lo = 1 if fixed else 0
    kicks = 0
    while n - lo >= 4 and kicks < max_kicks:
        if bound is not None and best_cost - bound <= 1e-9 * max(1.0, abs(bound)):
            break
        if deadline is not None and time.perf_counter() > deadline:
            cut_short = True
            break
        kicked = _kick(best, lo, rng)
        kicks += 1
        cand, stopped = descend(cost, kicked, fixed, deadline=deadline, full_3opt=False)  # or-opt: cheap
        cut_short |= stopped
        c = path_cost(cost, cand)
        if c <= best_cost + 1e-12:
            best, best_cost = cand, c
    optimal = bound is not None and best_cost - bound <= 1e-9 * max(1.0, abs(bound))
    return Path(best, best_cost, optimal=optimal, cut_short=cut_short and not optimal,
                seconds=time.perf_counter() - started, lower_bound=bound, method=method)


def _kick(order: np.ndarray, lo: int, rng: np.random.Generator) -> np.ndarray:
    """Three short adjacent blocks A B C at a random place become C B A (no single descent move undoes it)."""
    n = len(order)
    while True:
        lens = rng.integers(1, KICK_SPAN, 3)
        if lens.sum() <= n - lo:
            break
    a = int(rng.integers(lo, n - lens.sum() + 1))
    b, c, d = a + lens[0], a + lens[0] + lens[1], a + lens.sum()
    return np.concatenate([order[:a], order[c:d], order[b:c], order[a:b], order[d:]])


def exact_path(cost: np.ndarray, start: int | None = 0, time_limit: float | None = None,
               node_limit: int | None = None, max_rounds: int = MAX_CUT_ROUNDS) -> Path:
    """The optimal open path of the (n, n) ``cost`` matrix from ``start`` (None = any start), certified by an
    integer program solved with HiGHS (scipy.optimize.milp): one binary per move, every song entered and left
    once, subtours cut away as they appear (lazy subtour elimination, at most ``max_rounds`` rounds).
    ``node_limit``: branch-and-bound nodes per round (None = no limit); ``time_limit``: seconds in all (None =
    no limit). ``optimal`` within HiGHS's relative gap :data:`MIP_REL_GAP`; ``cut_short`` when a limit was
    reached first (then the order is the best single path found, if any, else :func:`solve_path`'s)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    started = time.perf_counter()
    cost, start = _check(cost, start)
    n = len(cost)
    if n <= 3:
        return _brute_force(cost, start, started)
    # a virtual song v closes the path into a tour: v -> first song, last song -> v, both free of cost
    size = n + 1
    a_idx, b_idx = _arcs(cost, start)
    m = len(a_idx)
    full = np.zeros((size, size))
    full[:n, :n] = cost
    # costs shifted to >= 0 (every path has n - 1 real moves): the solver's relative gap then means something
    shift = float(cost.min())
    c = full[a_idx, b_idx] - np.where((a_idx < n) & (b_idx < n), shift, 0.0)
    degree = coo_matrix((np.ones(2 * m), (np.concatenate([a_idx, size + b_idx]), np.concatenate([np.arange(m)] * 2))),
                        shape=(2 * size, m)).tocsr()
    constraints = [LinearConstraint(degree, 1, 1)]
    best: np.ndarray | None = None
    bound = None
    for _ in range(max_rounds):
        options = {"disp": False, "mip_rel_gap": MIP_REL_GAP}
        if node_limit is not None:
            options["node_limit"] = int(node_limit)
        if time_limit is not None:
            options["time_limit"] = time_limit - (time.perf_counter() - started)
            if options["time_limit"] <= 0:
                break
        res = milp(c, constraints=constraints, integrality=np.ones(m), bounds=Bounds(0, 1), options=options)
        if getattr(res, "mip_dual_bound", None) is not None and np.isfinite(res.mip_dual_bound):
            bound = float(res.mip_dual_bound) + shift * (n - 1)
        if res.x is None:
            break
        chosen = res.x > 0.5
        cycles = _cycles(dict(zip(a_idx[chosen].tolist(), b_idx[chosen].tolist())), size)
        if len(cycles) == 1 and res.status == 0:
            order = _unroll(cycles[0], n)
            value = path_cost(cost, order)
            return Path(order, value, optimal=True, seconds=time.perf_counter() - started,
                        lower_bound=min(bound, value) if bound is not None else value, method="integer program")
        if len(cycles) == 1:  # a single tour but a limit was reached: best found, not proven
            best = _unroll(cycles[0], n)
            break
        rows, upper = _subtour_rows(a_idx, b_idx, cycles, m)  # at most |S| - 1 moves inside each subtour
        constraints.append(LinearConstraint(rows, -np.inf, upper))
    # no proof within the limits: the bound of the last round (with fewer cuts, still valid) and the best path
    if best is None:
        best = solve_path(cost, start).order
    return Path(best, path_cost(cost, best), optimal=False, cut_short=True, seconds=time.perf_counter() - started,
                lower_bound=bound, method="integer program (limit reached)")


def _cycles(nxt: dict[int, int], size: int) -> list[list[int]]:
    seen, cycles = set(), []
    for node in range(size):
        if node in seen:
            continue
        cycle, here = [], node
        while here not in seen:
            seen.add(here)
            cycle.append(here)
            here = nxt[here]
        cycles.append(cycle)
    return cycles


def _unroll(tour: list[int], virtual: int) -> np.ndarray:
    i = tour.index(virtual)
    return np.asarray(tour[i + 1:] + tour[:i], dtype=np.int64)


def _brute_force(cost: np.ndarray, start: int | None, started: float) -> Path:
    n = len(cost)
    if n == 0:
        return Path(np.zeros(0, dtype=np.int64), 0.0, optimal=True, lower_bound=0.0, method="brute force")
    orders = [p for p in itertools.permutations(range(n)) if start is None or p[0] == start]
    costs = [path_cost(cost, p) for p in orders]
    best = int(np.argmin(costs))
    return Path(np.asarray(orders[best], dtype=np.int64), float(costs[best]), optimal=True,
                seconds=time.perf_counter() - started, lower_bound=float(costs[best]), method="brute force")


def spread_groups(cost: np.ndarray, order, group, gap: int, start_fixed: bool = True) -> np.ndarray:
    """``order`` with songs of one group (an artist) moved apart so that none has its group among the ``gap``
    songs before it, where a move allows: each clashing song (first to last) goes to the position that keeps
    its own and its new neighbours' windows clear and adds the least pair cost; a song with no such position
    stays. ``group`` (n,) int codes, -1 = unknown (never clashes). Pair costs decide, so the result is a good
    start for a loss whose rule is not pairwise (an artist gap over 1 song)."""
    cost = np.asarray(cost, dtype=np.float64)
    group = np.asarray(group, dtype=np.int64)
    out = np.asarray(order, dtype=np.int64).copy()
    n, lo = len(out), 1 if start_fixed else 0
    if gap < 1 or n < 3:
        return out
    stuck = np.zeros(n, dtype=bool)  # by song: no clear position was found for it

    def clashes(seq) -> np.ndarray:
        g = group[seq]
        hit = np.zeros(len(seq), dtype=bool)
        for d in range(1, gap + 1):
            hit[d:] |= (g[d:] == g[:-d]) & (g[d:] >= 0)
        hit[:lo] = False
        return hit & ~stuck[seq]

    for _ in range(n):
        found = np.flatnonzero(clashes(out))
        if not len(found):
            break
        p = int(found[0])
        song = int(out[p])
        rest = np.delete(out, p)  # n - 1 songs; inserting before rest[q] for q = 1..n-1 (n - 1: at the end)
        q = np.arange(max(lo, 1), n)
        prev = rest[q - 1]
        nxt = np.append(rest, -1)[q]
        delta = cost[prev, song] + np.where(nxt >= 0, cost[song, nxt] - cost[prev, nxt], 0.0)
        # before rest[q] is clear when no song of the group sits at rest[q - gap .. q + gap - 1]
        same = np.flatnonzero(group[rest] == group[song])
        blocked = np.zeros(n + 1, dtype=np.int64)
        np.add.at(blocked, np.clip(same - gap + 1, 0, n), 1)
        np.add.at(blocked, np.clip(same + gap + 1, 0, n), -1)
        clear = np.cumsum(blocked)[q] == 0
        if not clear.any():
            stuck[song] = True
            continue
        best = int(q[clear][np.argmin(delta[clear])])
        out = np.insert(rest, best, song)
    return out
