"""The pairwise part of ordering (disco.engine.pairwise): the DJ sort, the relaxation-guided solver and the
certified optimum, checked against brute force on small matrices."""

import itertools

import numpy as np
import pytest

from disco.engine.loss import RULE_PENALTY, Loss
from disco.engine.pairwise import Path, descend, dj_sort, exact_path, path_cost, solve_path, spread_groups
from disco.engine.settings import EngineSettings
from disco.theory import keys
from support.fakes import make_arrays


def brute_force(cost, start):
    n = len(cost)
    orders = [p for p in itertools.permutations(range(n)) if start is None or p[0] == start]
    return min(path_cost(cost, p) for p in orders)


def random_costs(n, seed, asymmetric=True):
    rng = np.random.default_rng(seed)
    c = rng.uniform(-1.3, 0.0, (n, n))
    if not asymmetric:
        c = (c + c.T) / 2
    # ties, as the graded key score makes them
    return np.round(c, 1) if seed % 2 else c


def is_order(order, n, start=None):
    return sorted(np.asarray(order).tolist()) == list(range(n)) and (start is None or order[0] == start)


@pytest.mark.parametrize("start", [0, 3, None], ids=["start0", "start3", "free"])
def test_exact_path_is_the_brute_force_optimum(start):
    for seed in range(6):
        cost = random_costs(7, seed)
        path = exact_path(cost, start)
        assert is_order(path.order, 7, start)
        assert path.optimal and not path.cut_short
        assert path.cost == pytest.approx(path_cost(cost, path.order))
        assert path.cost == pytest.approx(brute_force(cost, start), abs=1e-9)
        assert path.lower_bound <= path.cost + 1e-9


@pytest.mark.parametrize("start", [0, None], ids=["fixed", "free"])
def test_solve_path_reaches_the_optimum_of_small_sets_and_its_bound_is_valid(start):
    for seed in range(8):
        cost = random_costs(8, 10 + seed)
        best = brute_force(cost, start)
        path = solve_path(cost, start, max_kicks=100)
        assert is_order(path.order, 8, start)
        assert path.cost == pytest.approx(path_cost(cost, path.order))
        assert path.cost == pytest.approx(best, abs=1e-9), f"seed {seed}"
        assert path.lower_bound is not None and path.lower_bound <= best + 1e-7  # a true lower bound
        assert not path.cut_short


def test_solve_path_on_a_larger_set_is_close_to_the_certified_optimum_and_improves_its_starts():
    cost = random_costs(30, 4)
    exact = exact_path(cost, 0)
    dj_like = np.arange(30)
    path = solve_path(cost, 0, initial=[dj_like], max_kicks=60)
    assert exact.optimal and is_order(path.order, 30, 0)
    assert exact.cost - 1e-9 <= path.cost <= exact.cost + 0.02 * abs(exact.cost)
    assert path.cost <= path_cost(cost, dj_like) + 1e-12
    again = solve_path(cost, 0, initial=[dj_like], max_kicks=60)
    assert again.order.tolist() == path.order.tolist()  # seeded and counted: the same path every time


def test_descent_never_worsens_keeps_the_start_and_ends_in_a_local_optimum():
    cost = random_costs(25, 7)
    rng = np.random.default_rng(0)
    for _ in range(5):
        order = np.r_[0, 1 + rng.permutation(24)]
        out, stopped = descend(cost, order, start_fixed=True)
        assert not stopped and is_order(out, 25, 0)
        assert path_cost(cost, out) <= path_cost(cost, order) + 1e-12
        # no single song moved elsewhere improves it (or-opt moves are in the neighbourhood)
        base = path_cost(cost, out)
        for i in range(1, 25):
            rest = np.delete(out, i)
            for j in range(1, 25):
                cand = np.insert(rest, j, out[i])
                assert path_cost(cost, cand) >= base - 1e-9
    free, _ = descend(cost, np.arange(25)[::-1], start_fixed=False)
    assert is_order(free, 25)


def test_rules_are_penalties_the_solvers_avoid():
    # 9 songs whose keys can be chained Camelot-compatibly (each step +1 on the wheel), given shuffled
    arrays = make_arrays(40, seed=3)
    ring = [0, 7, 2, 9, 4, 11, 6, 1, 8]  # C, G, D, ... major: 8B, 9B, 10B, ...
    idx = np.arange(9)
    key, mode = arrays.key.copy(), arrays.mode.copy()
    key[idx], mode[idx] = ring, 1
    import dataclasses

    arrays = dataclasses.replace(arrays, key=key, mode=mode)
    s = EngineSettings(camelot_only=True, artist_gap=0)
    shuffled = idx[[0, 5, 2, 7, 4, 1, 8, 3, 6]]
    cost = Loss(s, arrays, shuffled, length=9).pair_matrix()
    assert cost.max() > RULE_PENALTY / 2  # incompatible moves carry the penalty
    for path in (exact_path(cost, 0), solve_path(cost, 0, max_kicks=50)):
        songs = shuffled[path.order]
        ok = keys.camelot_compatible(key[songs[:-1]], mode[songs[:-1]], key[songs[1:]], mode[songs[1:]])
        assert ok.all() and path.cost < RULE_PENALTY / 2


def test_tiny_sets_and_edge_cases():
    three = np.array([[0.0, -1.0, -0.2], [-0.1, 0.0, -1.0], [-1.0, -0.3, 0.0]])
    for solver in (exact_path, solve_path):
        fixed = solver(three, 0)
        assert fixed.order.tolist() == [0, 1, 2] and fixed.cost == pytest.approx(-2.0) and fixed.optimal
        free = solver(three, None)
        assert free.cost == pytest.approx(brute_force(three, None)) and is_order(free.order, 3)
        assert solver(three, 2).order.tolist()[0] == 2
    assert exact_path(np.zeros((1, 1)), 0).order.tolist() == [0]
    two = np.array([[0.0, -0.1], [-0.9, 0.0]])
    assert exact_path(two, None).order.tolist() == [1, 0]
    assert solve_path(two, 0).order.tolist() == [0, 1]
    assert exact_path(np.zeros((0, 0)), None).order.tolist() == []
    assert path_cost(three, [2]) == 0.0


def test_a_time_cap_is_reported_and_still_gives_a_path():
    cost = random_costs(45, 3)
    path = exact_path(cost, 0, time_limit=1e-9)  # passed before the first round
    assert isinstance(path, Path) and is_order(path.order, 45, 0)
    assert path.cut_short and not path.optimal
    quick = solve_path(cost, 0, time_limit=0.0, max_kicks=10 ** 6)
    assert is_order(quick.order, 45, 0) and quick.cut_short


def test_a_node_limit_bounds_the_integer_program_by_work_and_repeats_exactly():
    cost = random_costs(40, 5)
    runs = [exact_path(cost, 0, node_limit=1) for _ in range(2)]
    assert runs[0].order.tolist() == runs[1].order.tolist() and runs[0].cost == runs[1].cost
    assert runs[0].optimal == runs[1].optimal and is_order(runs[0].order, 40, 0)
    full = exact_path(cost, 0)
    assert full.optimal and full.cost <= runs[0].cost + 1e-9
    assert runs[0].optimal or runs[0].cut_short  # not proven within one node: said so


def test_bad_inputs_are_clear_errors():
    with pytest.raises(ValueError, match="square"):
        solve_path(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="non-finite"):
        exact_path(np.array([[0.0, np.nan], [1.0, 0.0]]))
    with pytest.raises(ValueError, match="out of range"):
        solve_path(np.zeros((4, 4)), start=7)
    with pytest.raises(ValueError, match="initial order"):
        solve_path(np.zeros((5, 5)), start=0, initial=[[1, 0, 2, 3, 4]])


def test_dj_sort_moves_to_compatible_keys_with_the_closest_folded_tempo():
    # C major 120, G major 121 (compatible, +1), F# major 120 (not compatible), D major 60 (compatible with G:
    # +1; half time of 120 folds to the same tempo), A minor no tempo
    key = np.array([0, 7, 6, 2, 9])
    mode = np.array([1, 1, 1, 1, 0])
    tempo = np.array([120.0, 121.0, 120.0, 60.0, np.nan])
    order = dj_sort(key, mode, tempo, start=0)
    # C major (8B): compatible G major (9B) and A minor (8A, no tempo): G. From G: D major (10B), at 60 BPM
    # folding onto 120. From D nothing compatible is left: the closest tempo, F# major; A minor (no tempo) last
    assert order.tolist() == [0, 1, 3, 2, 4]
    assert dj_sort(key, mode, tempo, start=2)[0] == 2
    same = dj_sort(np.zeros(4, int), np.ones(4, int), np.full(4, 100.0), start=0)
    assert same.tolist() == [0, 1, 2, 3]  # ties: the lowest index


def _window_clashes(order, group, gap):
    return sum(1 for p in range(len(order)) if group[order[p]] >= 0
               and any(group[order[q]] == group[order[p]] for q in range(max(0, p - gap), p)))


@pytest.mark.parametrize("seed", range(6))
def test_spread_groups_clears_every_window_the_songs_allow(seed):
    rng = np.random.default_rng(seed)
    n, gap = 30, 3
    cost = random_costs(n, seed)
    group = rng.permutation(np.arange(n) % 10)  # 10 artists of 3 songs: a gap of 3 leaves room to spare
    group[rng.integers(0, n, 3)] = -1  # unknown artists never clash
    order, _ = descend(cost, np.arange(n), True)
    assert _window_clashes(order, group, gap) > 0  # the pair-cost path ignores artists
    spread = spread_groups(cost, order, group, gap, start_fixed=True)
    assert sorted(spread.tolist()) == list(range(n)) and spread[0] == order[0]
    assert _window_clashes(spread, group, gap) == 0


def test_spread_groups_leaves_a_song_it_cannot_place_and_never_loses_one():
    cost = random_costs(6, 1)
    group = np.array([0, 0, 0, 0, 1, 2])  # four songs of one artist in six places: a gap of 2 cannot hold
    spread = spread_groups(cost, np.arange(6), group, 2, start_fixed=False)
    assert sorted(spread.tolist()) == list(range(6))
    assert _window_clashes(spread, group, 2) < _window_clashes(np.arange(6), group, 2)
