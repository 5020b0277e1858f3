"""Reordering a given set of songs (disco.engine.reorder): starting orders (the pairwise optimum, the DJ sort,
beam search, an arc-following order), local search on the true loss, work budgets and a time cap, the exact
optimum."""

import dataclasses
import itertools

import numpy as np
import pytest

from disco.engine.local_search import LocalMoves, local_search, long_range_moves, move_templates
from disco.engine.loss import RULE_PENALTY, Loss
from disco.engine.pairwise import dj_sort
from disco.engine.reorder import ReorderWork, arc_order, exact_order, reorder_songs, starting_orders
from disco.engine.score import fit_arc, order_totals, order_violations, score_order
from disco.engine.settings import EngineSettings
from disco.model.arrays import SongArrays
from disco.theory import keys
from disco.theory.arcs import Arc
from support.fakes import LinearRNN, RunningMean, make_arrays

ARRAYS = make_arrays(150, seed=2)
DJ = EngineSettings()
DJ_RULES_ARC = EngineSettings(arc=Arc.named("peak"), arc_weight=2.0, camelot_only=True, max_bpm_change=6.0)


def sets(n_sets, size, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.choice(150, size, replace=False) for _ in range(n_sets)]


def objective(order, settings, predictor, arrays=ARRAYS):
    """What reorder minimises: the loss plus RULE_PENALTY per broken rule."""
    return float(order_totals(np.asarray(order)[None], settings, arrays=arrays, predictor=predictor)[0])


def broken(order, settings, arrays=ARRAYS):
    """Hard-rule violations of an order (the artist gap over its whole window)."""
    return int(order_violations(np.asarray(order)[None], settings, arrays=arrays)[0])


@pytest.mark.parametrize("predictor", [LinearRNN(seed=5), RunningMean()], ids=["rnn", "mean"])
def test_gap_to_exact_optimum_small_sets(predictor):
    gaps, greedy_gaps = [], []
    for idx in sets(8, 7):
        ours = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=predictor)
        greedy = reorder_songs(idx, DJ.replace(search="greedy"), arrays=ARRAYS, predictor=predictor, improve=False)
        order, best = exact_order(idx, DJ, arrays=ARRAYS, predictor=predictor)
        assert sorted(ours.indices.tolist()) == sorted(idx.tolist())
        assert ours.indices[0] == idx[0]
        assert order[0] == idx[0] and sorted(order.tolist()) == sorted(idx.tolist())
        assert best == pytest.approx(objective(order, DJ, predictor))
        gaps.append(ours.total_loss - best)
        greedy_gaps.append(greedy.total_loss - best)
    gaps = np.array(gaps)
    print(f"reorder gap to exact optimum: mean {gaps.mean():.4f}, max {gaps.max():.4f}, "
          f"optimal {np.mean(gaps < 1e-5):.0%}; greedy without improvement: mean {np.mean(greedy_gaps):.4f}")
    assert (gaps >= -1e-5).all()  # the brute force is exact: never beaten (float32 fake)
    assert gaps.mean() < 0.25 * max(np.mean(greedy_gaps), 1e-9) + 1e-9 or gaps.mean() < 0.05
    assert np.mean(gaps < 1e-5) >= 0.5


def test_best_start_is_no_worse_than_keeping_the_first_song():
    p = LinearRNN(seed=5)
    for idx in sets(4, 7, seed=1):
        keep = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p)
        free = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p, keep_first=False)
        _, best_free = exact_order(idx, DJ, arrays=ARRAYS, predictor=p, keep_first=False)
        assert free.total_loss <= keep.total_loss + 1e-9
        assert free.total_loss >= best_free - 1e-5
        assert free.info["keep_first"] is False and keep.info["keep_first"] is True


def test_local_search_never_worsens_and_reports_true_loss():
    p = LinearRNN(seed=9)
    idx = sets(1, 20, seed=4)[0]
    start = objective(idx, DJ, p)
    order, passes = local_search(idx, DJ, arrays=ARRAYS, predictor=p)
    assert objective(order, DJ, p) <= start and passes >= 1 and order[0] == idx[0]
    assert sorted(order.tolist()) == sorted(idx.tolist())
    pl = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p)
    assert pl.total_loss == pytest.approx(objective(pl.indices, DJ, p))
    assert pl.total_loss <= start + 1e-9
    assert pl.info["mode"] == "reorder" and pl.info["improvement_passes"] >= 1


@pytest.mark.parametrize("settings", [DJ, DJ_RULES_ARC], ids=["dj", "rules-arc"])
def test_local_search_with_full_windows_ends_in_a_local_optimum_of_the_exact_objective(settings):
    # with window and horizon >= the length, every 2-opt / or-opt move is ranked exactly, so when local search
    # stops on its own no such move lowers the objective (which also checks its cached-state re-scoring)
    p = LinearRNN(seed=3)
    idx = sets(1, 9, seed=7)[0]
    s = fit_arc(settings, ARRAYS, idx)
    order, _ = local_search(idx, s, arrays=ARRAYS, predictor=p, window=9, horizon=9, min_gain=0.0,
                            max_passes=1000, step_budget=10 ** 9)
    best = objective(order, s, p)
    assert best <= objective(idx, s, p) + 1e-9
    neighbours = []
    for t in move_templates(8):
        for a in range(1, 9 - len(t) + 1):
            cand = order.copy()
            cand[a:a + len(t)] = order[a + t]
            neighbours.append(cand)
    assert len(neighbours) > 50
    totals = order_totals(np.stack(neighbours), s, arrays=ARRAYS, predictor=p)
    assert totals.min() >= best - 1e-9


def test_move_templates_are_the_2opt_and_or_opt_moves():
    ts = move_templates(4)
    assert all(sorted(t.tolist()) == list(range(len(t))) for t in ts)
    as_lists = [t.tolist() for t in ts]
    assert [1, 0] in as_lists and [3, 2, 1, 0] in as_lists  # reversals
    assert [1, 2, 3, 0] in as_lists and [3, 0, 1, 2] in as_lists  # a run of 3 / 1 song moved by one block
    assert len(as_lists) == len({tuple(t) for t in as_lists})  # no move twice


def test_long_range_moves_fix_a_song_far_from_its_place():
    # flow 0: the loss is a fixed cost per pair (the DJ tempo kernel). Tempi climb 3% a step; one song sits at
    # the end, 4 places from where it belongs. No swap inside a window of 2 helps; a long-range move does.
    n = 10
    z = np.zeros((n, 8), np.float32)
    arrays = SongArrays(z=z, mode=np.ones(n, np.int8), key=np.zeros(n, np.int8),
                        tempo=(100 * 1.03 ** np.arange(n)).astype(np.float32), pca=z[:, :3])
    s = EngineSettings(flow=0.0, sweetness=0.0, smoothness=1.0)
    displaced = np.array([0, 1, 2, 3, 4, 6, 7, 8, 9, 5])
    order, passes = local_search(displaced, s, arrays=arrays, predictor=RunningMean(), window=2)
    assert order.tolist() == list(range(n)) and passes >= 1
    # and no adjacent swap of the displaced order helps on its own
    swaps = [np.r_[displaced[:a], displaced[a + 1], displaced[a], displaced[a + 2:]] for a in range(1, n - 1)]
    base = objective(displaced, s, RunningMean(), arrays)
    assert min(objective(o, s, RunningMean(), arrays) for o in swaps) > base


def test_edge_cases_and_errors():
    p = RunningMean()
    assert reorder_songs([4], DJ, arrays=ARRAYS, predictor=p).indices.tolist() == [4]
    assert reorder_songs([4, 7], DJ, arrays=ARRAYS, predictor=p).indices.tolist() == [4, 7]
    assert sorted(reorder_songs([4, 7], DJ, arrays=ARRAYS, predictor=p, keep_first=False).indices.tolist()) == [4, 7]
    once = reorder_songs([3, 5, 8], DJ, arrays=ARRAYS, predictor=p).indices.tolist()
    assert once == reorder_songs([3, 5, 8], DJ, arrays=ARRAYS, predictor=p).indices.tolist()
    with pytest.raises(ValueError, match="distinct"):
        reorder_songs([1, 1, 2], DJ, arrays=ARRAYS, predictor=p)
    with pytest.raises(ValueError, match="no songs"):
        reorder_songs([], DJ, arrays=ARRAYS, predictor=p)
    with pytest.raises(ValueError, match="out of range"):
        reorder_songs([1, 999], DJ, arrays=ARRAYS, predictor=p)
    with pytest.raises(ValueError, match="brute force"):
        exact_order(np.arange(12), DJ, arrays=ARRAYS, predictor=p)
    with pytest.raises(ValueError, match="brute force"):
        exact_order(np.arange(10), DJ, arrays=ARRAYS, predictor=p, keep_first=False)


# --- hard rules and arcs ----------------------------------------------------------------------------------

def test_reorder_minimises_rule_breaks_first():
    arrays = make_arrays(150, seed=8)
    rng = np.random.default_rng(1)
    # 8 songs that can be chained compatibly: keys walking around the wheel in major (B)
    ring = [0, 7, 2, 9, 4, 11, 6, 1]  # C, G, D, A, E, B, F#, C#: 8B, 9B, ... each +1
    idx = rng.choice(150, 8, replace=False)
    key, mode = arrays.key.copy(), arrays.mode.copy()
    key[idx], mode[idx] = ring, 1
    arrays = dataclasses.replace(arrays, key=key, mode=mode)
    given = idx[[0, 4, 1, 5, 2, 6, 3, 7]]  # the same songs shuffled: many clashes
    s = EngineSettings.from_preset("reference", camelot_only=True, search="beam")
    p = LinearRNN(seed=2)
    before = score_order(given, s, arrays=arrays, predictor=p)
    out = reorder_songs(given, s, arrays=arrays, predictor=p)
    assert sorted(out.indices.tolist()) == sorted(given.tolist()) and out.indices[0] == given[0]
    assert before.relaxed_moves >= 4 and out.relaxed_moves == 0
    ok = keys.camelot_compatible(arrays.key[out.indices[:-1]], arrays.mode[out.indices[:-1]],
                                 arrays.key[out.indices[1:]], arrays.mode[out.indices[1:]])
    assert ok.all()
    assert objective(out.indices, s, p, arrays) == pytest.approx(out.total_loss)  # no broken rule: no penalty
    assert objective(given, s, p, arrays) == pytest.approx(before.total_loss + RULE_PENALTY * before.broken_rules)


@pytest.mark.slow
def test_reorder_follows_a_peak_arc_and_reports_how_well():
    for seed in range(3):
        idx = np.random.default_rng(seed).choice(150, 24, replace=False)
        s = EngineSettings(arc=Arc.named("peak"), arc_weight=4.0)
        out = reorder_songs(idx, s, arrays=ARRAYS, predictor=RunningMean())
        first, middle, last = out.info["energy_thirds"]
        assert middle > first and middle > last
        assert out.settings.arc.name == "peak" and out.settings == fit_arc(s, ARRAYS, idx)
        e = ARRAYS.energy[out.indices].astype(np.float64)
        assert out.info["arc_error"] == pytest.approx(np.abs(e[1:] - out.arc_target[1:, 0]).mean(), abs=1e-4)
        assert "arc" in out.info["starts"]
        plain = reorder_songs(idx, s.replace(arc=None), arrays=ARRAYS, predictor=RunningMean())
        assert "arc_error" not in plain.info
        target = out.arc_target[1:, 0]
        assert np.abs(e[1:] - target).mean() < np.abs(ARRAYS.energy[plain.indices[1:]] - target).mean()


def test_long_playlist_reorder_improves_on_its_starts_deterministically():
    p = LinearRNN(seed=6)
    idx = sets(1, 50, seed=9)[0]
    starts_only = reorder_songs(idx, DJ_RULES_ARC, arrays=ARRAYS, predictor=p, improve=False)
    one = reorder_songs(idx, DJ_RULES_ARC, arrays=ARRAYS, predictor=p)
    two = reorder_songs(idx, DJ_RULES_ARC, arrays=ARRAYS, predictor=p)
    # the work is counted (kicks, nodes, network steps), never timed: the same order every time
    assert not one.info["cut_short"] and one.indices.tolist() == two.indices.tolist()
    assert one.info == two.info
    assert sorted(one.indices.tolist()) == sorted(idx.tolist()) and one.indices[0] == idx[0]
    s = one.settings  # the arc fitted to these songs
    assert objective(one.indices, s, p) < objective(starts_only.indices, s, p)
    assert one.info["improvement_passes"] >= 1
    assert one.info["objective"] == pytest.approx(objective(one.indices, s, p))
    assert one.info["objective"] <= min(one.info["starts"].values()) + 1e-9
    assert starts_only.info["objective"] == pytest.approx(min(starts_only.info["starts"].values()))


# --- the starts, the time budget, the report ---------------------------------------------------------------

def test_reorder_is_never_worse_than_the_dj_sort_the_search_or_the_given_order_and_says_where_it_came_from():
    p = LinearRNN(seed=4)
    for idx in sets(3, 30, seed=12):
        out = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p)
        info = out.info
        dj = idx[dj_sort(ARRAYS.key[idx], ARRAYS.mode[idx], ARRAYS.tempo[idx], 0)]
        # the DJ preset's artist gap is a rule: fewest broken rules first, then the objective
        ours = (out.broken_rules, info["objective"] - 1e-9)
        assert ours <= (broken(dj, DJ), objective(dj, DJ, p))
        assert ours <= (broken(idx, DJ), objective(idx, DJ, p))
        assert {"pairwise", "dj_sort", "dj_sort+pairs", f"beam{DJ.beam_width}", "given"} <= set(info["starts"])
        assert info["chosen"] in info["starts"]
        assert ours <= min((info["starts_broken_rules"][k], v) for k, v in info["starts"].items())
        assert info["given_objective"] == pytest.approx(objective(idx, DJ, p))
        # up to 40 songs the pairwise start is the certified optimum of the key and tempo terms
        pair = Loss(DJ, ARRAYS, idx, length=len(idx)).pair_matrix()
        start = info["pairwise"]
        assert start["optimal"] and start["lower_bound"] == pytest.approx(start["cost"], abs=1e-6)
        assert start["cost"] <= pair[np.arange(29), np.arange(1, 30)].sum() + 1e-9
        assert not info["cut_short"]


def test_a_time_cap_that_runs_out_is_reported_and_the_result_is_still_valid():
    p = LinearRNN(seed=4)
    idx = sets(1, 60, seed=3)[0]
    out = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p, time_budget=1e-9)  # passed before the first check
    assert out.info["cut_short"] and out.info["cut_short_by"] and out.info["time_budget"] == 0.0
    assert sorted(out.indices.tolist()) == sorted(idx.tolist()) and out.indices[0] == idx[0]
    assert out.total_loss <= objective(idx, DJ, p) + 1e-9  # never worse than the order given
    full = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p)  # no cap: the work decides
    assert not full.info["cut_short"] and "cut_short_by" not in full.info and "time_budget" not in full.info
    assert full.total_loss <= out.total_loss + 1e-9
    with pytest.raises(ValueError, match="time budget"):
        reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p, time_budget=0)


def test_more_work_searches_more_and_the_default_work_grows_with_the_songs():
    p = LinearRNN(seed=4)
    idx = sets(1, 40, seed=6)[0]
    small = ReorderWork.for_songs(40)
    assert ReorderWork.for_songs(100).polish_steps > small.polish_steps
    assert ReorderWork.for_songs(500).polish_steps > ReorderWork.for_songs(100).polish_steps
    little = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p, work=ReorderWork(
        songs=40, pairwise_kicks=1, exact_nodes=1, exact_rounds=1, polish_steps=20_000, kicks=0))
    default = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p)
    assert little.info["work"]["polish_steps_used"] < default.info["work"]["polish_steps_used"]
    assert default.info["work"]["polish_steps_used"] <= small.polish_steps + 40 * 40 * 50  # one pass may overrun
    assert default.info["objective"] <= little.info["objective"] + 1e-9


def test_free_start_on_a_larger_set_searches_every_first_song():
    p = LinearRNN(seed=8)
    idx = sets(1, 25, seed=5)[0]
    keep = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p)
    free = reorder_songs(idx, DJ, arrays=ARRAYS, predictor=p, keep_first=False)
    assert sorted(free.indices.tolist()) == sorted(idx.tolist())
    assert free.info["pairwise"]["optimal"] and not free.info["keep_first"] and keep.info["keep_first"]
    assert free.info["objective"] <= min(free.info["starts"].values()) + 1e-9
    assert free.info["objective"] <= objective(keep.indices, DJ, p) * 1.02  # every first song tried: as good
    starts, _ = starting_orders(idx, DJ, ARRAYS, p, keep_first=False)
    assert all(sorted(o.tolist()) == sorted(idx.tolist()) for o in starts.values())


def test_arc_order_is_the_best_assignment_of_songs_to_positions():
    rng = np.random.default_rng(2)
    cost = rng.uniform(0, 1, (6, 6))  # (positions, songs)
    best = min(itertools.permutations(range(6)), key=lambda o: cost[np.arange(6), list(o)].sum())
    assert arc_order(cost, keep_first=False).tolist() == list(best)
    fixed = arc_order(cost, keep_first=True)
    rest = min(itertools.permutations(range(1, 6)), key=lambda o: cost[np.arange(1, 6), list(o)].sum())
    assert fixed.tolist() == [0, *rest]


@pytest.mark.slow
def test_the_float32_ranking_network_stays_close_and_the_reported_loss_is_exact(trained_model):
    stepper = trained_model.stepper
    fast = stepper.with_dtype(np.float32)
    assert fast.dtype == np.float32 and stepper.with_dtype(np.float64) is stepper
    X = np.random.default_rng(0).normal(size=(40, 9)).astype(np.float32)
    X[:, 0] = np.round(np.abs(X[:, 0])) % 2
    assert np.abs(fast.run(X) - stepper.run(X)).max() < 1e-5
    arrays = make_arrays(120, seed=1)
    idx = np.arange(40)
    out = reorder_songs(idx, DJ, arrays=arrays, predictor=stepper)
    exact = order_totals(out.indices[None], out.settings, arrays=arrays, predictor=stepper)[0]
    assert out.total_loss == pytest.approx(exact, abs=1e-9)  # float64, not the float32 ranking
    with pytest.raises(ValueError, match="float64 or float32"):
        stepper.with_dtype(np.float16)


def test_long_range_move_gains_match_the_fixed_costs_they_rank_by():
    # the O(1) gains of reversals and or-opt moves, arc term included, are the exact change of
    # sum(cost[a, b] over moves) + sum(arc[position, song])
    rng = np.random.default_rng(5)
    n = 14
    cost, arc = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    order = rng.permutation(n)

    def fixed(o):
        return cost[o[:-1], o[1:]].sum() + arc[np.arange(1, n), o[1:]].sum()

    cands, a, b = long_range_moves(order, 1, cost, arc, limit=10 ** 6)
    assert len(cands) > 20
    gains = [fixed(c) - fixed(order) for c in cands]
    assert all(g < 0 for g in gains) and gains == sorted(gains)  # improving moves, best first
    assert all(sorted(c.tolist()) == sorted(order.tolist()) and c[0] == order[0] for c in cands)
    assert all((c[:lo] == order[:lo]).all() and (c[hi + 1:] == order[hi + 1:]).all() for c, lo, hi in zip(cands, a, b))


def test_local_moves_read_without_building_every_order():
    order = np.random.default_rng(1).permutation(12)
    moves = LocalMoves(order, 1, move_templates(5))
    full = moves.orders()
    rows = np.arange(len(moves))
    for pos in range(12):
        assert (moves.song_at(rows, np.full(len(rows), pos)) == full[:, pos]).all()
    # each row changes exactly its span a..b, and is a permutation keeping the first song
    for row, (lo, hi) in enumerate(zip(moves.a, moves.b)):
        changed = np.flatnonzero(full[row] != order)
        assert len(changed) and changed.min() >= lo and changed.max() <= hi and lo >= 1
        assert sorted(full[row]) == sorted(order)


def test_the_artist_gap_is_kept_by_a_reorder_of_songs_that_allow_it():
    # 60 songs by 12 artists (5 each): a gap of 3 songs fits, but the key/tempo optimum ignores artists
    arrays = make_arrays(60, seed=7, n_artists=12)
    arrays = dataclasses.replace(arrays, artist=np.arange(60, dtype=np.int32) % 12)
    songs = np.arange(60)
    settings = EngineSettings(artist_gap=3)
    starts, _ = starting_orders(songs, settings, arrays, RunningMean(), True)
    assert broken(starts["pairwise"], settings, arrays) > 0
    spread = [k for k in starts if k.endswith("+spread")]
    assert spread and min(broken(starts[k], settings, arrays) for k in spread) == 0
    out = reorder_songs(songs, settings, arrays=arrays, predictor=RunningMean())
    assert broken(out.indices, settings, arrays) == 0
    assert sorted(out.indices) == list(songs)
