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
2. polishes them by local search on the TRUE loss, network included (:mod:`disco.engine.local_search`: 2-opt
   and or-opt moves, re-scored with the sequential loss from cached network states; moves ranked with a
   float32 copy of the network when it has one, twice as fast): every start to a local optimum of small
   moves, then the best of those with the full moves (:func:`_polish`). Different starts end in different
   optima: which start wins varies from playlist to playlist, so several are polished;
3. keeps, among everything found, the order that breaks the fewest hard rules, then has the lowest objective,
   scored exactly in float64 (never more broken rules than any start, the DJ sort or the given order, and
   never a higher objective than any of them that breaks as few).

Sets of up to :data:`BRUTE_FORCE_MAX` songs are solved exactly by trying every order. Every step is bounded
by counted work, never by the clock (:class:`ReorderWork`: kicks and integer-program nodes of the pairwise
solver, network steps of the polishing), so the same songs and settings give the same order on any machine
and load. A caller may add a time cap (``time_budget``); when it stops a step before its own end,
``Playlist.info["cut_short"]`` says so and ``info["cut_short_by"]`` names the steps.

The settings apply throughout: every song must be placed, so the hard rules count ``RULE_PENALTY`` per broken
rule in the objective (:func:`~disco.engine.score.order_totals`) and violations go first; an arc's targets run
over the reordered playlist's positions. The pair costs see the artist gap between neighbours only; the local
search's objective adds the rest of its window (songs 2..N before), as order_totals does.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from disco.engine import pairwise
from disco.engine.blas import single_thread_blas
from disco.engine.local_search import HORIZON, WINDOW, local_search
from disco.engine.loss import Loss
from disco.engine.playlist import Playlist
from disco.engine.score import fit_arc, order_totals, order_violations, score_order
from disco.engine.search import beam_paths
from disco.engine.settings import EngineSettings
from disco.model.arrays import Predictor, SongArrays
from disco.theory import arcs

# -- reorder: starts, polishing, work (tuned on the test playlists: bench/bench_reorder.py)
MAX_EXACT = 10  # songs: exact_order's brute-force limit (9! = 362,880 orders with a fixed first song)
BRUTE_FORCE_MAX = 8  # songs: reorder tries every order up to this size (7! = 5,040 with a fixed first song)
EXACT_PAIRWISE_MAX = 40  # songs: up to this size the integer program certifies the pairwise start when the
# relaxation-guided solver could not (~0.1-0.6 s for 40 songs)
EXACT_ROUNDS, EXACT_NODES = 8, 1_000  # that integer program's rounds of subtour cuts and branch-and-bound nodes
# per round (random 9-40-song sets of the catalog certify in 5-8 rounds, at most ~3 s CPU)
PAIRWISE_SHARE = 0.4  # of a caller's time cap: the pairwise solver's share
SMALL_SET_KICKS = 20  # kicks of the pairwise solver up to EXACT_PAIRWISE_MAX songs (the integer program follows)
WIDE_BEAM = 32  # a wide beam search gives one more starting order (cheap: ~0.05 s for 100 songs)
QUICK_STARTS = 8  # starts polished with small moves, best first
QUICK_WINDOW, QUICK_HORIZON = 5, 1  # those small moves: converge in ~60k network steps for 100 songs, so
# many starts fit (a wider window converges 2-10x slower, and gains less than more starts do)
FULL_SHARE = 0.3  # of the polishing steps kept for the full moves on the best quick result
POLISH_STEPS_PER_SONG2 = 70  # network steps (rows x steps) for polishing, times n^2: 700k for 100 songs ...
POLISH_STEPS_BASE, POLISH_STEPS_PER_SONG = 1_200_000, 2_000  # ... at most this + that per song (a step
# costs more in longer orders: 2.2M steps for 500 songs take about as long as 700k for 100 did 5 times)
POLISH_MIN_GAIN = 1e-5  # reorder polishes while a pass gains this fraction of the objective
MAX_PASSES = 200  # local search passes per start in reorder (the step budget stops it first)
KICK_MAX = 16  # songs: up to this size, also iterated local search with KICKS random kicks
KICKS = 12


def polish_steps(n: int) -> int:
    """Network steps (rows x steps) reorder's local search may spend on ``n`` songs, over all its starts:
    70 n^2 (at least 200k), at most 1.2M + 2,000 n (700k for 100 songs, 2.2M for 500)."""
    n = int(n)
    return max(200_000, min(POLISH_STEPS_PER_SONG2 * n ** 2, POLISH_STEPS_BASE + POLISH_STEPS_PER_SONG * n))


@dataclass(frozen=True)
class ReorderWork:
    """How much a reorder of ``songs`` songs searches, counted in work so that the result does not depend
    on the machine or its load: ``pairwise_kicks`` (iterated local search on the pair costs), ``exact_nodes``
    and ``exact_rounds`` (branch-and-bound nodes per round, and rounds of subtour cuts, of the integer program
    certifying sets of up to :data:`EXACT_PAIRWISE_MAX` songs), ``polish_steps`` (network steps of the local
    search on the true loss) and ``kicks`` (iterated local search on the true loss, up to :data:`KICK_MAX`
    songs)."""

    songs: int
    pairwise_kicks: int
    exact_nodes: int
    exact_rounds: int
    polish_steps: int
    kicks: int

    @classmethod
    def for_songs(cls, n: int) -> "ReorderWork":
        """The default work for ``n`` songs (about 1.5 s for 100 songs on one core, 10 s for 500)."""
        small = n <= EXACT_PAIRWISE_MAX
        return cls(songs=int(n), pairwise_kicks=SMALL_SET_KICKS if small else pairwise.default_kicks(n),
                   exact_nodes=EXACT_NODES, exact_rounds=EXACT_ROUNDS,
                   polish_steps=polish_steps(n), kicks=KICKS if n <= KICK_MAX else 0)


def reorder_songs(indices: Sequence[int], settings: EngineSettings = EngineSettings(), *, arrays: SongArrays,
                  predictor: Predictor, keep_first: bool = True, improve: bool = True,
                  max_passes: int = MAX_PASSES, work: ReorderWork | None = None,
                  time_budget: float | None = None) -> Playlist:
    """All songs of ``indices`` in the order of lowest summed loss found.

    keep_first: the first song stays first (else the best start is searched too). improve: polish the
    starting orders by local search on the true loss (at most ``max_passes`` passes each); without it, the
    best starting order. ``work``: how much to search (default :meth:`ReorderWork.for_songs`); the same
    input, settings and work give the same order on any machine. ``time_budget``: an optional cap in
    seconds on top of the work (then the result may depend on the machine's speed, and says when the cap
    cut the search short). A named arc is fitted to these songs' energy range. The result never breaks more
    hard rules than any starting order, nor than the given order, and never has a higher objective (loss,
    plus ``RULE_PENALTY`` per broken rule) than those of them that break as few.

    ``info`` records: ``starts`` (objective of each starting order), ``starts_broken_rules`` (their rule
    violations, with rules on), ``polished`` (objective after local search), ``chosen`` (the start the result
    came from), ``pairwise`` (the pairwise part's cost, lower bound and whether certified), ``work`` (the
    work allowed and ``polish_steps_used``), ``cut_short`` (bool; with a time cap also ``time_budget`` and
    ``cut_short_by``), and with an arc ``arc_error`` (mean |energy - target|) and ``energy_thirds``.
    """
    idx = np.asarray(indices, dtype=np.int64).ravel()
    if len(idx) == 0:
        raise ValueError("nothing to reorder: no songs given")
    if len(np.unique(idx)) != len(idx):
        raise ValueError("songs to reorder must be distinct")
    n = len(idx)
    if idx.min() < 0 or idx.max() >= len(arrays):
        raise ValueError(f"song index out of range for {len(arrays)} songs")
    work = ReorderWork.for_songs(n) if work is None else work
    deadline = None
    info: dict = {"mode": "reorder", "keep_first": bool(keep_first), "improve": bool(improve),
                  "work": asdict(work)}
    if time_budget is not None:
        budget = float(time_budget)
        if not (math.isfinite(budget) and budget > 0):
            raise ValueError(f"time budget must be a positive number of seconds, got {time_budget!r}")
        pairwise.load_solvers()  # the cap is for searching: a first call's imports do not count
        deadline = time.perf_counter() + budget
        info["time_budget"] = round(budget, 3)
    settings = fit_arc(settings, arrays, idx)
    cut_by: list[str] = []
    objective = lambda orders: order_totals(np.stack(orders), settings, arrays=arrays,  # noqa: E731
                                            predictor=predictor)
    with single_thread_blas():
        if n <= 2 or (improve and n <= (BRUTE_FORCE_MAX if keep_first else BRUTE_FORCE_MAX - 1)):
            order = _smallest(idx, settings, arrays, predictor, keep_first)
            info.update(search="every order tried", chosen="exhaustive", improvement_passes=0)
        else:
            starts, pair_info = starting_orders(idx, settings, arrays, predictor, keep_first, work=work,
                                                deadline=deadline)
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
                                                                    keep_first, max_passes, work.polish_steps,
                                                                    deadline)
                found.update(polished)
                info.update(polish_info)
                info["work"]["polish_steps_used"] = polish_info["polish_steps"]
                cut_by += polish_cut
            names = list(found)
            totals = objective([found[k] for k in names])
            # fewest broken rules first (a big gain of loss must not buy a rule break), then the objective; the
            # first minimum: the earlier start on ties
            broken = order_violations(np.stack([found[k] for k in names]), settings, arrays=arrays)
            best = int(np.lexsort((np.arange(len(names)), totals, broken))[0])
            order = found[names[best]]
            if improve and work.kicks and not _past(deadline):
                order, kicked, kicks_cut = _kicks(order, float(totals[best]), int(broken[best]), settings, arrays,
                                                  predictor, keep_first, max_passes, deadline, n_kicks=work.kicks)
                passes += kicked
                if kicks_cut:
                    cut_by.append("kicks")
            elif improve and work.kicks:
                cut_by.append("kicks (not tried)")
            info["chosen"] = names[best].split("+polish")[0]
            info["improvement_passes"] = passes
    out = score_order(order, settings, arrays=arrays, predictor=predictor)
    given = score_order(idx, settings, arrays=arrays, predictor=predictor)
    info.update(objective=out.info["objective"], given_total_loss=given.total_loss,
                given_objective=given.info["objective"])
    if settings.uses_arc:
        info.update(arc_report(out, arrays))
    info["cut_short"] = bool(cut_by)
    if cut_by:
        info["cut_short_by"] = cut_by
    out.info = info
    return out


def _past(deadline: float | None) -> bool:
    """Whether a caller's time cap (a ``time.perf_counter()`` value; None = no cap) has passed."""
    return deadline is not None and time.perf_counter() > deadline


def _polish(starts: dict[str, np.ndarray], totals: np.ndarray, settings: EngineSettings, arrays: SongArrays,
            predictor: Predictor, keep_first: bool, max_passes: int, steps: int, deadline: float | None):
    """Local search on the true loss from the starting orders, in two phases sharing ``steps`` network steps
    (and a caller's time cap, if any): every distinct start (best first; the raw given order excepted) to a
    local optimum of small moves (window :data:`QUICK_WINDOW`, cheap: different starts end in different
    optima), then the best of those with the full moves (window :data:`~disco.engine.local_search.WINDOW`).
    Returns (orders by name, info, what the time cap cut short, passes)."""
    steps_left = int(steps)
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
        if _past(deadline):
            cut.append(f"polishing (the {k} start not polished)")
            continue
        found[f"{k}+polish"] = run(k, starts[k], QUICK_WINDOW, QUICK_HORIZON, 0.0, f"the {k} start")
        quick[k] = objective(found[f"{k}+polish"])
    steps_left += full_steps
    if quick and steps_left > 0 and not _past(deadline):
        k = min(quick, key=quick.get)
        found[f"{k}+polish+full"] = run(f"{k}+full", found[f"{k}+polish"], WINDOW, HORIZON, POLISH_MIN_GAIN,
                                        f"the full moves from the {k} start")
    elif quick and steps_left > 0:
        cut.append("polishing (the full moves not tried)")
    info = {"polished": {k: round(v, 6) for k, v in quick.items()}, "polish_stopped": stops,
            "polish_steps": int(steps) - steps_left}
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
                    work: ReorderWork | None = None,
                    deadline: float | None = None) -> tuple[dict[str, np.ndarray], dict]:
    """Starting orders of the songs ``idx`` (song indices) by name, and what the pairwise solver reported;
    ``settings`` as used (an arc already fitted), ``work`` the search's work (default
    :meth:`ReorderWork.for_songs`), ``deadline`` a caller's time cap (a ``time.perf_counter()`` value, of
    which the pairwise solver may take :data:`PAIRWISE_SHARE`; None = none).

    ``pairwise`` is the pairwise part's optimum (or the solver's best path); the DJ sort, the engine's search
    and the given order come both as they are and improved by descent on the pair costs (``+pairs``: a few
    milliseconds; a different good start each, which local search then polishes); ``arc`` (with an arc)
    places the songs on the curve."""
    idx = np.asarray(idx, dtype=np.int64)
    n = len(idx)
    work = ReorderWork.for_songs(n) if work is None else work
    loss = Loss(settings, arrays, idx, length=n)
    pair = loss.pair_matrix()
    start = 0 if keep_first else None
    started = time.perf_counter()
    share = None if deadline is None else PAIRWISE_SHARE * max(deadline - started, 0.0)
    dj = pairwise.dj_sort(arrays.key[idx], arrays.mode[idx], arrays.tempo[idx], 0)
    small = n <= EXACT_PAIRWISE_MAX  # then the integer program certifies what the relaxation cannot
    path = pairwise.solve_path(pair, start, time_limit=None if share is None else share / 3 if small else share,
                               initial=[dj] if keep_first else [], max_kicks=work.pairwise_kicks)
    left = None if share is None else share - (time.perf_counter() - started)
    if not path.optimal and small and (left is None or left > 0):
        exact = pairwise.exact_path(pair, start, time_limit=left, node_limit=work.exact_nodes,
                                    max_rounds=work.exact_rounds)
        if exact.optimal or exact.cost < path.cost:
            path = exact
    pair_info = {"cost": round(path.cost, 6), "optimal": bool(path.optimal), "method": path.method,
                 "cut_short": bool(path.cut_short)}
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
           n_kicks: int = KICKS, seed: int = 0) -> tuple[np.ndarray, int, bool]:
    """Iterated local search: perturb the best order (a double bridge: three cut points, middle blocks
    swapped), re-run local search, keep it if better (no more broken rules, a lower objective). Seeded, so
    deterministic. Returns (order, kicks that improved, whether the time cap stopped the kicks)."""
    rng = np.random.default_rng(seed)
    lo = 1 if keep_first else 0
    n = len(order)
    improved = 0
    if n - lo < 4:
        return order, 0, False
    for _ in range(n_kicks):
        if _past(deadline):
            return order, improved, True
        a, b, c = np.sort(rng.choice(np.arange(lo + 1, n), 3, replace=False))
        kicked = np.concatenate([order[:a], order[b:c], order[a:b], order[c:]])
        cand, _ = local_search(kicked, settings, arrays=arrays, predictor=predictor, keep_first=keep_first,
                               max_passes=max_passes, deadline=deadline)
        total = float(order_totals(cand[None], settings, arrays=arrays, predictor=predictor)[0])
        cand_broken = int(order_violations(cand[None], settings, arrays=arrays)[0])
        if cand_broken <= best_broken and total < best - 1e-9:
            order, best, best_broken = cand, total, cand_broken
            improved += 1
    return order, improved, False


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
