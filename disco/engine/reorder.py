"""Reordering a given set of songs ("I have the songs, in what order?") to minimise the summed loss.

The network makes every move's loss depend on the whole prefix, so the true objective is a sequence problem.
Its pairwise part (key and tempo terms, rule penalties) alone is an asymmetric open-path travelling-salesman
problem (spec section 10), which :mod:`disco.engine.pairwise` solves near-optimally in a fraction of a second.
Reorder therefore

1. makes several starting orders (:func:`starting_orders`): the pairwise optimum (the relaxation-guided
   solver's path; certified by the integer program when it is not already, up to :data:`EXACT_PAIRWISE_MAX`
   songs), the greedy DJ sort, beam searches with the network (the settings' own width and
   :data:`WIDE_BEAM`), an arc-following order when an energy arc is on, and the order given — the DJ sort, the
   searches and the given order also improved by descent on the pair costs;
2. polishes them by local search on the TRUE loss, network included (:func:`local_search`: 2-opt and or-opt
   moves, re-scored with the sequential loss from cached network states; moves ranked with a float32 copy of
   the network when it has one, twice as fast): every start to a local optimum of small moves, then the best
   of those with the full moves (:func:`_polish`). Different starts end in different optima: which start wins
   varies from playlist to playlist, so several are polished;
3. keeps, among everything found, the order that breaks the fewest hard rules, then has the lowest objective,
   scored exactly in float64 (never more broken rules than any start, the DJ sort or the given order, and
   never a higher objective than any of them that breaks as few).

Sets of up to :data:`BRUTE_FORCE_MAX` songs are solved exactly by trying every order. The work is counted
(kicks of the pairwise solver, network steps of the polishing: :func:`pairwise_kicks`, :func:`polish_steps`),
so a reorder is reproducible; a time budget caps it too (:func:`default_time_budget`: 1.9 s for 100 songs).
When the budget stops a step before its own end, ``Playlist.info["cut_short"]`` says so and
``info["cut_short_by"]`` names the steps (the result is then still valid, but may differ between runs).

The settings apply throughout: every song must be placed, so the hard rules count ``RULE_PENALTY`` per broken
rule in the objective (:func:`~disco.engine.score.order_totals`) and violations go first; an arc's targets run
over the reordered playlist's positions. The pair costs see the artist gap between neighbours only; the local
search's objective adds the rest of its window (songs 2..N before), as order_totals does.
"""

from __future__ import annotations

import itertools
import math
import time
from typing import Sequence

import numpy as np

from disco.engine import pairwise
from disco.engine.blas import single_thread_blas
from disco.engine.loss import RULE_PENALTY, Loss
from disco.engine.playlist import Playlist
from disco.engine.score import fit_arc, order_totals, order_violations, score_order
from disco.engine.search import beam_paths
from disco.engine.settings import EngineSettings
from disco.model.arrays import Predictor, SongArrays, step
from disco.theory import arcs

# -- reorder: starts, polishing, budgets (tuned on the 12 test playlists of ~100 songs: bench/bench_reorder.py)
MAX_EXACT = 10  # songs: exact_order's brute-force limit (9! = 362,880 orders with a fixed first song)
BRUTE_FORCE_MAX = 8  # songs: reorder tries every order up to this size (7! = 5,040 with a fixed first song)
EXACT_PAIRWISE_MAX = 40  # songs: up to this size the integer program certifies the pairwise start when the
# relaxation-guided solver could not (within the pairwise share of the time budget; ~0.1-0.6 s for 40 songs)
PAIRWISE_SHARE = 0.4  # of the time budget: the pairwise solver's limit
PAIRWISE_KICK_WORK = 5_000  # kicks of the pairwise solver's iterated local search x songs: 50 for 100 songs
WIDE_BEAM = 32  # a wide beam search gives one more starting order (cheap: ~0.05 s for 100 songs)
QUICK_STARTS = 8  # starts polished with small moves, best first
QUICK_WINDOW, QUICK_HORIZON = 5, 1  # those small moves: converge in ~60k network steps for 100 songs, so
# many starts fit (a wider window converges 2-10x slower, and gains less than more starts do)
FULL_SHARE = 0.3  # of the polishing steps kept for the full moves on the best quick result
POLISH_STEPS_PER_SONG2 = 70  # network steps (rows x steps) for polishing, times n^2: 700k for 100 songs
POLISH_MIN_GAIN = 1e-5  # reorder polishes while a pass gains this fraction of the objective
MAX_PASSES = 200  # local search passes per start in reorder (the step and time budgets stop it first)
KICK_MAX = 16  # songs: up to this size, also iterated local search with KICKS random kicks
KICKS = 12
# -- local search
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


def polish_steps(n: int) -> int:
    """Network steps (rows x steps) reorder's local search may spend on ``n`` songs, over all its starts: the
    deterministic limit of the polishing (about a second for 100 songs; the time budget caps it too)."""
    return max(200_000, POLISH_STEPS_PER_SONG2 * int(n) ** 2)


def pairwise_kicks(n: int) -> int:
    """Kicks of the pairwise solver's iterated local search for ``n`` songs (each costs O(n^2))."""
    return int(np.clip(PAIRWISE_KICK_WORK // max(int(n), 1), 20, 200))


def default_time_budget(n: int) -> float:
    """Seconds reorder may spend on ``n`` songs: 0.5 s + 14 ms per song, at most 20 s (1.9 s for 100 songs,
    7.5 s for 500)."""
    return float(min(20.0, 0.5 + 0.014 * max(int(n), 0)))


def reorder_songs(indices: Sequence[int], settings: EngineSettings = EngineSettings(), *, arrays: SongArrays,
                  predictor: Predictor, keep_first: bool = True, improve: bool = True,
                  max_passes: int = MAX_PASSES, time_budget: float | None = None) -> Playlist:
    """All songs of ``indices`` in the order of lowest summed loss found.

    keep_first: the first song stays first (else the best start is searched too). improve: polish the
    starting orders by local search on the true loss (at most ``max_passes`` passes each); without it, the
    best starting order. ``time_budget``: seconds for the whole search (default :func:`default_time_budget`).
    A named arc is fitted to these songs' energy range. The result never breaks more hard rules than any
    starting order, nor than the given order, and never has a higher objective (loss, plus ``RULE_PENALTY`` per
    broken rule) than those of them that break as few.

    ``info`` records: ``starts`` (objective of each starting order), ``starts_broken_rules`` (their rule
    violations, with rules on), ``polished`` (objective after local search), ``chosen`` (the start the result
    came from), ``pairwise`` (the pairwise part's cost, lower bound and whether certified), ``seconds``,
    ``time_budget``, ``cut_short`` (bool) and ``cut_short_by``, and with an arc ``arc_error`` (mean |energy -
    target|) and ``energy_thirds``.
    """
    idx = np.asarray(indices, dtype=np.int64).ravel()
    if len(idx) == 0:
        raise ValueError("nothing to reorder: no songs given")
    if len(np.unique(idx)) != len(idx):
        raise ValueError("songs to reorder must be distinct")
    n = len(idx)
    if idx.min() < 0 or idx.max() >= len(arrays):
        raise ValueError(f"song index out of range for {len(arrays)} songs")
    budget = default_time_budget(n) if time_budget is None else float(time_budget)
    if not (math.isfinite(budget) and budget > 0):
        raise ValueError(f"time budget must be a positive number of seconds, got {time_budget!r}")
    pairwise.load_solvers()  # the budget is for searching: a first call's imports do not count
    started = time.perf_counter()
    deadline = started + budget
    settings = fit_arc(settings, arrays, idx)
    info: dict = {"mode": "reorder", "keep_first": bool(keep_first), "improve": bool(improve),
                  "time_budget": round(budget, 3)}
    cut_by: list[str] = []
    objective = lambda orders: order_totals(np.stack(orders), settings, arrays=arrays,  # noqa: E731
                                            predictor=predictor)
    with single_thread_blas():
        if n <= 2 or (improve and n <= (BRUTE_FORCE_MAX if keep_first else BRUTE_FORCE_MAX - 1)):
            order = _smallest(idx, settings, arrays, predictor, keep_first)
            info.update(search="every order tried", chosen="exhaustive", improvement_passes=0)
        else:
            starts, pair_info = starting_orders(idx, settings, arrays, predictor, keep_first, budget)
            info["pairwise"] = pair_info
            if pair_info.get("cut_short"):
                cut_by.append("pairwise solver")
            names = list(starts)
            totals = objective([starts[k] for k in names])
            info["starts"] = {k: round(float(t), 6) for k, t in zip(names, totals)}
            if settings.active_rules:
                broken = order_violations(np.stack([starts[k] for k in names]), settings, arrays=arrays)
                info["starts_broken_rules"] = {k: int(v) for k, v in zip(names, broken)}
            found = {k: starts[k] for k in names}
            passes = 0
            if improve:
                polished, polish_info, polish_cut, passes = _polish(starts, totals, settings, arrays, predictor,
                                                                    keep_first, max_passes, deadline)
                found.update(polished)
                info.update(polish_info)
                cut_by += polish_cut
            names = list(found)
            totals = objective([found[k] for k in names])
            # fewest broken rules first (a big gain of loss must not buy a rule break), then the objective; the
            # first minimum: the earlier start on ties
            broken = order_violations(np.stack([found[k] for k in names]), settings, arrays=arrays)
            best = int(np.lexsort((np.arange(len(names)), totals, broken))[0])
            order = found[names[best]]
            if improve and n <= KICK_MAX and time.perf_counter() < deadline:
                order, kicked = _kicks(order, float(totals[best]), int(broken[best]), settings, arrays, predictor,
                                       keep_first, max_passes, deadline)
                passes += kicked
            info["chosen"] = names[best].split("+polish")[0]
            info["improvement_passes"] = passes
    out = score_order(order, settings, arrays=arrays, predictor=predictor)
    given = score_order(idx, settings, arrays=arrays, predictor=predictor)
    info.update(objective=out.info["objective"], given_total_loss=given.total_loss,
                given_objective=given.info["objective"])
    if settings.uses_arc:
        info.update(arc_report(out, arrays))
    info["seconds"] = round(time.perf_counter() - started, 3)
    info["cut_short"] = bool(cut_by)
    if cut_by:
        info["cut_short_by"] = cut_by
    out.info = info
    return out


def _polish(starts: dict[str, np.ndarray], totals: np.ndarray, settings: EngineSettings, arrays: SongArrays,
            predictor: Predictor, keep_first: bool, max_passes: int, deadline: float):
    """Local search on the true loss from the starting orders, in two phases sharing :func:`polish_steps`
    network steps (a deterministic limit) and the time left: every distinct start (best first; the raw given
    order excepted) to a local optimum of small moves (window :data:`QUICK_WINDOW`, cheap: different starts
    end in different optima), then the best of those with the full moves (window :data:`WINDOW`).
    Returns (orders by name, info, what the time cut short, passes)."""
    n = len(next(iter(starts.values())))
    steps_left = polish_steps(n)
    full_steps = int(FULL_SHARE * steps_left)  # kept for the full moves
    steps_left -= full_steps
    objective = lambda order: float(order_totals(order[None], settings, arrays=arrays,  # noqa: E731
                                                 predictor=predictor)[0])
    found: dict[str, np.ndarray] = {}
    quick: dict[str, float] = {}
    stops: dict[str, str] = {}
    cut: list[str] = []
    passes = 0
    seen: set[tuple] = set()

    def run(name, order, window, horizon, min_gain, what):
        nonlocal steps_left, passes
        stats: dict = {}
        out, p = local_search(order, settings, arrays=arrays, predictor=predictor, keep_first=keep_first,
                              max_passes=max_passes, window=window, horizon=horizon, min_gain=min_gain,
                              step_budget=steps_left, deadline=deadline, fast=True, stats=stats)
        steps_left -= stats["row_steps"]
        passes += p
        stops[name] = stats["stopped"]
        if stats["stopped"] == "time":
            cut.append(f"polishing ({what})")
        return out

    for k in (list(starts)[i] for i in np.argsort(totals, kind="stable")):
        key = tuple(starts[k].tolist())
        if k == "given" or key in seen:
            continue
        seen.add(key)
        if len(quick) == QUICK_STARTS:
            break
        if steps_left <= 0:
            stops[k] = "not polished: the polishing steps ran out"
            continue
        if time.perf_counter() > deadline:
            cut.append(f"polishing (the {k} start not polished)")
            continue
        found[f"{k}+polish"] = run(k, starts[k], QUICK_WINDOW, QUICK_HORIZON, 0.0, f"the {k} start")
        quick[k] = objective(found[f"{k}+polish"])
    steps_left += full_steps
    if quick and steps_left > 0 and time.perf_counter() <= deadline:
        k = min(quick, key=quick.get)
        found[f"{k}+polish+full"] = run(f"{k}+full", found[f"{k}+polish"], WINDOW, HORIZON, POLISH_MIN_GAIN,
                                        f"the full moves from the {k} start")
    elif quick and steps_left > 0:
        cut.append("polishing (the full moves not tried)")
    info = {"polished": {k: round(v, 6) for k, v in quick.items()}, "polish_stopped": stops,
            "polish_steps": polish_steps(n) - steps_left}
    if any(k.endswith("+full") for k in found):
        full = next(k for k in found if k.endswith("+full"))
        info["polished_full"] = {full.split("+polish")[0]: round(objective(found[full]), 6)}
    return found, info, cut, passes


def arc_report(playlist: Playlist, arrays: SongArrays) -> dict:
    """How well ``playlist`` follows its energy arc: ``arc_error`` = mean |energy - target| over the scored
    moves, ``energy_thirds`` = mean energy of its first, middle and last third."""
    energy = np.asarray(arrays.energy, dtype=np.float64)[np.asarray(playlist.indices)]
    s = playlist.n_seeds
    error = arcs.achieved_error(energy[s:], np.asarray(playlist.arc_target)[s:, 0])
    return {"arc_error": round(error, 4), "energy_thirds": [round(v, 4) for v in energy_thirds(energy)]}


def energy_thirds(energy) -> tuple[float, float, float]:
    """Mean of the first, middle and last third of ``energy`` (the middle takes the remainder)."""
    e = np.asarray(energy, dtype=np.float64)
    n = len(e)
    a, b = n // 3, n - n // 3
    if a == 0:
        return (math.nan,) * 3
    return float(e[:a].mean()), float(e[a:b].mean()), float(e[b:].mean())


def _smallest(idx, settings, arrays, predictor, keep_first) -> np.ndarray:
    if len(idx) == 1:
        return idx.copy()
    return exact_order(idx, settings, arrays=arrays, predictor=predictor, keep_first=keep_first)[0]


def starting_orders(idx, settings: EngineSettings, arrays: SongArrays, predictor: Predictor, keep_first: bool = True,
                    budget: float = 1.0) -> tuple[dict[str, np.ndarray], dict]:
    """Starting orders of the songs ``idx`` (song indices) by name, and what the pairwise solver reported;
    ``settings`` as used (an arc already fitted), ``budget`` the whole search's seconds (the pairwise solver
    may take :data:`PAIRWISE_SHARE` of it).

    ``pairwise`` is the pairwise part's optimum (or the solver's best path); the DJ sort, the engine's search
    and the given order come both as they are and improved by descent on the pair costs (``+pairs``: a few
    milliseconds; a different good start each, which local search then polishes); ``arc`` (with an arc)
    places the songs on the curve."""
    idx = np.asarray(idx, dtype=np.int64)
    n = len(idx)
    loss = Loss(settings, arrays, idx, length=n)
    pair = loss.pair_matrix()
    start = 0 if keep_first else None
    share = PAIRWISE_SHARE * budget
    started = time.perf_counter()
    dj = pairwise.dj_sort(arrays.key[idx], arrays.mode[idx], arrays.tempo[idx], 0)
    small = n <= EXACT_PAIRWISE_MAX  # then the integer program certifies what the relaxation cannot
    path = pairwise.solve_path(pair, start, time_limit=share / 3 if small else share,
                               initial=[dj] if keep_first else [], max_kicks=20 if small else pairwise_kicks(n))
    left = share - (time.perf_counter() - started)
    if not path.optimal and small and left > 0:
        exact = pairwise.exact_path(pair, start, time_limit=left)  # certifies small sets in well under a second
        if exact.optimal or exact.cost < path.cost:
            path = exact
    pair_info = {"cost": round(path.cost, 6), "optimal": bool(path.optimal), "method": path.method,
                 "seconds": round(path.seconds, 3), "cut_short": bool(path.cut_short)}
    if path.lower_bound is not None:
        pair_info["lower_bound"] = round(path.lower_bound, 6)
    starts = {"pairwise": idx[path.order]}
    if settings.uses_arc:
        starts["arc"] = idx[arc_order(loss.arc_matrix(), keep_first)]
    first = 0 if keep_first else int(path.order[0])
    local = {"dj_sort": pairwise.dj_sort(arrays.key[idx], arrays.mode[idx], arrays.tempo[idx], first)}
    position = np.empty(len(arrays), dtype=np.int64)  # song index -> position in idx (only idx is read)
    position[idx] = np.arange(n)
    own = settings.beam_width if settings.search == "beam" else 1
    for width in sorted({own, WIDE_BEAM}):  # the settings' own search, and a wide beam: different starts
        name = "greedy" if width == 1 else f"beam{width}"
        local[name] = position[_search_order(idx, settings, arrays, predictor, keep_first, width)]
    local["given"] = np.arange(n)
    for name, order in local.items():
        starts[f"{name}+pairs"] = idx[pairwise.descend(pair, order, keep_first, full_3opt=False)[0]]
    for name, order in local.items():
        starts[name] = idx[order]
    if settings.artist_gap > 1 and arrays.artist is not None:
        # an artist gap over one song is no pair cost: the pair-cost starts get a copy with artists spread
        artist = np.asarray(arrays.artist, dtype=np.int64)[idx]
        for name in [k for k in starts if k == "pairwise" or k.endswith("+pairs")]:
            spread = pairwise.spread_groups(pair, position[starts[name]], artist, settings.artist_gap, keep_first)
            if not np.array_equal(idx[spread], starts[name]):
                starts[f"{name}+spread"] = idx[spread]
    return starts, pair_info


def arc_order(arc_cost: np.ndarray, keep_first: bool = True) -> np.ndarray:
    """Songs (0..n-1) assigned to positions to minimise the summed arc term ``arc_cost`` (L = n, n): an
    assignment problem (scipy's ``linear_sum_assignment``); song 0 stays first when ``keep_first``."""
    from scipy.optimize import linear_sum_assignment

    cost = np.asarray(arc_cost, dtype=np.float64)
    n = cost.shape[1]
    if keep_first:
        rows, cols = linear_sum_assignment(cost[1:, 1:])
        order = np.empty(n, dtype=np.int64)
        order[0] = 0
        order[1 + rows] = 1 + cols
        return order
    rows, cols = linear_sum_assignment(cost)
    order = np.empty(n, dtype=np.int64)
    order[rows] = cols
    return order


def _search_order(idx, settings: EngineSettings, arrays, predictor, keep_first, width: int) -> np.ndarray:
    """The engine's search (a beam of ``width``; 1 = greedy) building the order song by song."""
    n = len(idx)
    if keep_first:
        starts, pool = idx[:1][None, :], idx[1:]
    else:
        starts, pool = idx[:, None], idx
    loss = Loss(settings, arrays, pool, length=n, dtype=np.float32)
    row, path = beam_paths(starts, n - 1, width, loss, arrays, predictor)
    return np.concatenate([starts[row], path]).astype(np.int64)


def _kicks(order, best, best_broken, settings, arrays, predictor, keep_first, max_passes, deadline=None,
           n_kicks: int = KICKS, seed: int = 0) -> tuple[np.ndarray, int]:
    """Iterated local search: perturb the best order (a double bridge: three cut points, middle blocks
    swapped), re-run local search, keep it if better (no more broken rules, a lower objective). Seeded, so
    deterministic (unless the deadline stops it)."""
    rng = np.random.default_rng(seed)
    lo = 1 if keep_first else 0
    n = len(order)
    improved = 0
    if n - lo < 4:
        return order, 0
    for _ in range(n_kicks):
        if deadline is not None and time.perf_counter() > deadline:
            break
        a, b, c = np.sort(rng.choice(np.arange(lo + 1, n), 3, replace=False))
        kicked = np.concatenate([order[:a], order[b:c], order[a:b], order[c:]])
        cand, _ = local_search(kicked, settings, arrays=arrays, predictor=predictor, keep_first=keep_first,
                               max_passes=max_passes)
        total = float(order_totals(cand[None], settings, arrays=arrays, predictor=predictor)[0])
        cand_broken = int(order_violations(cand[None], settings, arrays=arrays)[0])
        if cand_broken <= best_broken and total < best - 1e-9:
            order, best, best_broken = cand, total, cand_broken
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


class _LocalMoves:
    """Every template applied at every start ``a >= lo`` of one order, without materialising the orders:
    ``song_at(rows, positions)`` reads the moved order of each row; ``order(row)`` builds one."""

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

    def moved(self, row: int) -> np.ndarray:
        a, m = self.a[row], self.sizes[self.t[row]]
        out = self.order.copy()
        out[a:a + m] = self.order[a + self.table[self.t[row], :m]]
        return out


def _moves(order: np.ndarray, lo: int, templates: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every template applied at every start ``a >= lo``: (M, n) orders and the changed span [a, b]."""
    moves = _LocalMoves(order, lo, templates)
    if not len(moves):
        n = len(order)
        return np.empty((0, n), np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    return np.stack([moves.moved(r) for r in range(len(moves))]), moves.a, moves.b


def _ranking_predictor(predictor: Predictor) -> Predictor:
    """A float32 copy of the network when it offers one (RNNStepper.with_dtype), else the network itself."""
    with_dtype = getattr(predictor, "with_dtype", None)
    return with_dtype(np.float32) if callable(with_dtype) else predictor


class _OrderScorer:
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


def _global_moves(order: np.ndarray, lo: int, cost: np.ndarray, arc: np.ndarray | None,
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
    scorer = _OrderScorer(order, settings, arrays, _ranking_predictor(predictor) if fast else predictor)
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
            moves = _LocalMoves(local, lo, templates)
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


def exact_order(indices: Sequence[int], settings: EngineSettings = EngineSettings(), *, arrays: SongArrays,
                predictor: Predictor, keep_first: bool = True) -> tuple[np.ndarray, float]:
    """The optimal order by brute force (all permutations, batched): (order, total objective as in
    :func:`local_search`): the fewest broken hard rules, then the lowest objective. At most :data:`MAX_EXACT`
    songs with ``keep_first`` (one fewer without). A named arc is fitted to these songs as in
    :func:`reorder_songs`."""
    idx = np.asarray(indices, dtype=np.int64).ravel()
    n = len(idx)
    limit = MAX_EXACT if keep_first else MAX_EXACT - 1
    if n > limit:
        raise ValueError(f"exact_order is brute force: at most {limit} songs, got {n}")
    head, tail = (idx[:1], idx[1:]) if keep_first else (idx[:0], idx)
    best_order, best, best_broken = idx, np.inf, np.inf
    settings = fit_arc(settings, arrays, idx)  # no change when already fitted
    perms = itertools.permutations(range(len(tail)))
    with single_thread_blas():
        while True:
            chunk = list(itertools.islice(perms, 20000))
            if not chunk:
                break
            orders = np.concatenate([np.broadcast_to(head, (len(chunk), len(head))),
                                     tail[np.array(chunk, dtype=np.int64).reshape(len(chunk), -1)]], axis=1)
            tot = order_totals(orders, settings, arrays=arrays, predictor=predictor)
            broken = order_violations(orders, settings, arrays=arrays)
            j = int(np.lexsort((tot, broken))[0])
            if (broken[j], tot[j]) < (best_broken, best):
                best, best_broken, best_order = float(tot[j]), int(broken[j]), orders[j].copy()
    return best_order, best
