"""The pairwise part of ordering a fixed set of songs, as an open-path travelling-salesman problem.

With the network's term left out, the loss of an order is a sum of pair costs ``cost[s, c]`` over its moves
(key and tempo terms, rule penalties; spec section 10): an asymmetric open path with a fixed (or free) first
song. :func:`solve_path` finds a very good path with OR-tools' routing solver (Apache-2.0) in a time budget;
:func:`exact_path` certifies the optimum with an integer program (scipy's HiGHS) for small sets;
:func:`dj_sort` is the greedy sort DJ tools do (next = a Camelot-compatible song with the closest folded tempo).
They give reorder its starting orders; local search on the true loss (network included) then polishes them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from disco.theory.keys import camelot_compatible
from disco.theory.tempo import log2_tempo

COST_SCALE = 10_000  # pair costs to integers for OR-tools: 1e-4 resolution


@dataclass(frozen=True)
class Path:
    """An order of the songs (positions 0..n-1 of the cost matrix), its summed pair cost, and how it ended:
    ``optimal`` when certified, ``cut_short`` when a time budget stopped the search."""

    order: np.ndarray
    cost: float
    optimal: bool = False
    cut_short: bool = False
    seconds: float = 0.0


def path_cost(cost: np.ndarray, order) -> float:
    """Summed ``cost[a, b]`` over the moves of ``order``."""
    order = np.asarray(order, dtype=np.int64)
    return float(cost[order[:-1], order[1:]].sum())


def dj_sort(key, mode, tempo, start: int = 0) -> np.ndarray:
    """The DJ-tool sort: from ``start``, always move to a Camelot-compatible unused song with the closest
    folded tempo; when none is compatible, to the closest folded tempo overall (songs without a tempo last).
    Ties go to the lowest index. Returns positions 0..n-1 in order."""
    key, mode = np.asarray(key), np.asarray(mode)
    lt = log2_tempo(tempo)
    n = len(key)
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


def solve_path(cost: np.ndarray, start: int | None = 0, time_limit: float = 1.0,
               initial=None) -> Path:
    """A low-cost open path through every song of the (n, n) ``cost`` matrix, starting at ``start`` (None = any
    start), with OR-tools' routing solver: a cheapest-arc first solution (or ``initial``), then guided local
    search (an anytime search: it uses the whole ``time_limit``, in seconds)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    started = time.perf_counter()
    cost = np.asarray(cost, dtype=np.float64)
    n = len(cost)
    if n <= 2:
        order = np.arange(n) if start in (None, 0) else np.array([start] + [i for i in range(n) if i != start])
        if start is None and n == 2 and cost[1, 0] < cost[0, 1]:
            order = order[::-1]
        return Path(np.asarray(order, dtype=np.int64), path_cost(cost, order) if n else 0.0, optimal=True)
    shifted = np.rint((cost - cost.min()) * COST_SCALE).astype(np.int64)
    free = start is None
    size = n + (2 if free else 1)  # songs, then a virtual start (free start only) and a virtual end
    first, end = (n, n + 1) if free else (int(start), n)
    matrix = np.zeros((size, size), dtype=np.int64)
    matrix[:n, :n] = shifted
    manager = pywrapcp.RoutingIndexManager(size, 1, [first], [end])
    routing = pywrapcp.RoutingModel(manager)
    transit = routing.RegisterTransitMatrix(matrix.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(transit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, int(time_limit * 1000)))
    routing.CloseModelWithParameters(params)
    solution = None
    if initial is not None:
        route = [int(i) for i in np.asarray(initial) if not (not free and int(i) == start)]
        hint = routing.ReadAssignmentFromRoutes([route], True)
        solution = routing.SolveFromAssignmentWithParameters(hint, params) if hint is not None else None
    if solution is None:
        solution = routing.SolveWithParameters(params)
    if solution is None:  # no solution in the budget: the given order
        order = np.arange(n) if free else np.r_[start, np.delete(np.arange(n), start)]
        return Path(order, path_cost(cost, order), cut_short=True, seconds=time.perf_counter() - started)
    order, index = [], routing.Start(0)
    while not routing.IsEnd(index):
        node = manager.IndexToNode(index)
        if node < n:
            order.append(node)
        index = solution.Value(routing.NextVar(index))
    order = np.asarray(order, dtype=np.int64)
    # guided local search is an anytime search: it always uses its whole budget
    return Path(order, path_cost(cost, order), seconds=time.perf_counter() - started)


def exact_path(cost: np.ndarray, start: int | None = 0, time_limit: float = 60.0) -> Path:
    """The optimal open path of the (n, n) ``cost`` matrix from ``start`` (None = any start), certified by an
    integer program solved with HiGHS (scipy.optimize.milp): one binary per move, every song entered and left
    once, subtours cut away as they appear (lazy subtour elimination). ``cut_short`` when the time budget ran
    out before optimality was proven (then ``optimal`` is False and the order is the best path found)."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import coo_matrix

    started = time.perf_counter()
    cost = np.asarray(cost, dtype=np.float64)
    n = len(cost)
    if n <= 3:
        return _brute_force(cost, start, started)
    # a virtual node v closes the path into a tour: v -> first song, last song -> v, both free of cost
    size = n + 1
    full = np.zeros((size, size))
    full[:n, :n] = cost
    arcs = [(a, b) for a in range(size) for b in range(size) if a != b]
    if start is not None:
        arcs = [(a, b) for a, b in arcs if not (a == n and b != start)]
    a_idx = np.array([a for a, _ in arcs])
    b_idx = np.array([b for _, b in arcs])
    m = len(arcs)
    c = full[a_idx, b_idx]
    rows = np.concatenate([a_idx, size + b_idx])  # out-degree rows, then in-degree rows
    cols = np.concatenate([np.arange(m), np.arange(m)])
    degree = coo_matrix((np.ones(2 * m), (rows, cols)), shape=(2 * size, m)).tocsr()
    constraints = [LinearConstraint(degree, 1, 1)]
    best: np.ndarray | None = None
    while True:
        left = time_limit - (time.perf_counter() - started)
        if left <= 0:
            break
        res = milp(c, constraints=constraints, integrality=np.ones(m), bounds=Bounds(0, 1),
                   options={"time_limit": left, "disp": False})
        if res.x is None:
            break
        chosen = res.x > 0.5
        nxt = dict(zip(a_idx[chosen].tolist(), b_idx[chosen].tolist()))
        cycles = _cycles(nxt, size)
        if len(cycles) == 1 and res.status == 0:
            order = _unroll(cycles[0], n)
            return Path(order, path_cost(cost, order), optimal=True, seconds=time.perf_counter() - started)
        if len(cycles) == 1:  # a single tour but the time ran out: best found, not proven
            best = _unroll(cycles[0], n)
            break
        for cycle in cycles:  # at most |S| - 1 moves inside each subtour's songs
            inside = np.isin(a_idx, cycle) & np.isin(b_idx, cycle)
            constraints.append(LinearConstraint(inside.astype(float)[None, :], -np.inf, len(cycle) - 1))
    if best is None:
        best = np.arange(n) if start is None else np.r_[start, np.delete(np.arange(n), start)]
    return Path(best, path_cost(cost, best), optimal=False, cut_short=True, seconds=time.perf_counter() - started)


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
    import itertools

    n = len(cost)
    orders = [p for p in itertools.permutations(range(n)) if start is None or p[0] == start]
    costs = [path_cost(cost, p) if n else 0.0 for p in orders]
    best = int(np.argmin(costs))
    return Path(np.asarray(orders[best], dtype=np.int64), float(costs[best]), optimal=True,
                seconds=time.perf_counter() - started)
