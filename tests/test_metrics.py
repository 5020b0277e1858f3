"""Metrics and baselines on tiny hand-made cases whose answers are worked out by hand."""

from __future__ import annotations

import numpy as np
import pytest

from disco.engine.pairwise import dj_sort
from disco.evaluation import baselines, metrics

# --- ranking -------------------------------------------------------------------------------------------


def test_target_ranks_counts_better_candidates():
    scores = np.array([[0.1, 0.5, 0.3], [0.9, 0.1, 0.2], [0.4, 0.4, 0.9]])
    # row 2: one tie with the target -> pessimistic rank 2 without a generator
    np.testing.assert_array_equal(metrics.target_ranks(scores), [1, 3, 2])


def test_target_ranks_random_ties_stay_in_the_tie_range():
    scores = np.zeros((200, 5))  # everything tied: rank uniform on 1..5
    ranks = metrics.target_ranks(scores, rng=np.random.default_rng(0))
    assert ranks.min() == 1 and ranks.max() == 5
    assert 2.5 < ranks.mean() < 3.5


def test_target_ranks_nan_is_worst():
    scores = np.array([[0.5, np.nan, 0.7]])
    assert metrics.target_ranks(scores)[0] == 1


def test_hit_at_k_and_mrr():
    ranks = np.array([1, 3, 11, 10])
    assert metrics.hit_at_k(ranks, 10) == pytest.approx(0.75)
    assert metrics.hit_at_k(ranks, 1) == pytest.approx(0.25)
    assert metrics.mean_reciprocal_rank(np.array([1, 2, 4])) == pytest.approx((1 + 0.5 + 0.25) / 3)


def test_r_precision_hand_made():
    scores = np.array([[0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4]])
    relevant = np.array([[True, False, True, False], [False, False, True, True], [False, False, False, True]])
    # row 0: |G| = 2, top 2 = cols 0, 1 -> 1/2; row 1: top 2 = cols 3, 2 -> 2/2; row 2: top 1 = col 0 -> 0
    np.testing.assert_allclose(metrics.r_precision(scores, relevant), [0.5, 1.0, 0.0])


def test_r_precision_without_relevant_is_nan():
    out = metrics.r_precision(np.array([[0.1, 0.2]]), np.array([[False, False]]))
    assert np.isnan(out[0])


# --- flow of a sequence ---------------------------------------------------------------------------------


def test_camelot_rate_hand_made():
    # C major (8B) -> G major (9B): ok; -> E minor (9A): ok; -> F# major (2B): not compatible
    key = np.array([0, 7, 4, 6])
    mode = np.array([1, 1, 0, 1])
    assert metrics.camelot_rate(key, mode) == pytest.approx(2 / 3)


def test_camelot_rate_no_key_is_never_compatible():
    assert metrics.camelot_rate(np.array([-1, -1]), np.array([1, 1])) == 0.0


def test_tempo_rate_folds_double_time():
    # 120 -> 240 (double: ok), 240 -> 125 (125/120 = +4.2% after folding: ok), 125 -> 100 (-20%: no)
    assert metrics.tempo_rate(np.array([120.0, 240.0, 125.0, 100.0])) == pytest.approx(2 / 3)


def test_tempo_tolerance_is_in_percent():
    # 120 -> 125.4 BPM is a 4.5% change; 120 -> 62.7 is the same after folding half time
    tempo = np.array([120.0, 125.4])
    assert metrics.tempo_rate(tempo, tolerance_pct=4.0) == 0.0
    assert metrics.tempo_rate(tempo, tolerance_pct=5.0) == 1.0
    assert metrics.tempo_rate(tempo) == 1.0  # the DJ tolerance, 6%
    assert metrics.tempo_rate(np.array([120.0, 62.7]), tolerance_pct=5.0) == 1.0
    counts = metrics.transition_counts(np.zeros(2), np.ones(2), tempo, np.zeros((2, 2)), np.zeros(2), tolerance_pct=4.0)
    assert counts["tempo"] == 0


def test_feature_steps_and_energy_changes():
    np.testing.assert_allclose(metrics.feature_steps(np.array([[0, 0], [3, 4], [3, 4]])), [5.0, 0.0])
    np.testing.assert_allclose(metrics.energy_changes(np.array([0.2, 0.9, 0.5])), [0.7, 0.4])


def test_transition_counts_pool_sums():
    c = metrics.transition_counts(np.array([0, 7, 4, 6]), np.array([1, 1, 0, 1]),
                                  np.array([120.0, 240.0, 125.0, 100.0]),
                                  np.array([[0, 0], [3, 4], [3, 4], [3, 5]]), np.array([0.1, 0.2, 0.2, 0.0]))
    assert c["moves"] == 3 and c["camelot"] == 2 and c["tempo"] == 2
    assert c["feature_step"] == pytest.approx(6.0) and c["energy_change"] == pytest.approx(0.3)


# --- baselines ------------------------------------------------------------------------------------------


def test_nearest_neighbour_chain_on_a_line():
    z = np.array([[0.0], [10.0], [1.0], [5.0]])
    np.testing.assert_array_equal(baselines.nearest_neighbour_order(z, start=0), [0, 2, 3, 1])
    np.testing.assert_array_equal(baselines.nearest_neighbour_order(z, start=1), [1, 3, 2, 0])


def test_camelot_bpm_prefers_compatible_key_over_closer_tempo():
    # 0: C major 120 (8B); 1: G major 150 (9B); 2: C major 200 (8B, folded 100); 3: F# major 121 (2B)
    key, mode = np.array([0, 7, 0, 6]), np.array([1, 1, 1, 1])
    tempo = np.array([120.0, 150.0, 200.0, 121.0])
    # from 0: compatible = 1 (+25%) and 2 (folded -17%) -> 2; from 2: only 1 compatible; then 3 (none left)
    np.testing.assert_array_equal(dj_sort(key, mode, tempo, start=0), [0, 2, 1, 3])


def test_camelot_bpm_falls_back_to_closest_tempo():
    # nothing is compatible with F# major (2B): closest folded tempo wins (118 over 90)
    key, mode = np.array([6, 0, 0]), np.array([1, 1, 1])
    np.testing.assert_array_equal(dj_sort(key, mode, np.array([120.0, 90.0, 118.0])),
                                  [0, 2, 1])


def test_random_order_keeps_start_and_is_a_permutation():
    rng = np.random.default_rng(3)
    order = baselines.random_order(10, rng, start=4)
    assert order[0] == 4 and sorted(order.tolist()) == list(range(10))


def test_popularity_scores_rank_unknown_last():
    scores = baselines.popularity_scores(np.array([[50.0, np.nan, 90.0]]))
    assert metrics.target_ranks(scores, target=2)[0] == 1
    assert metrics.target_ranks(scores, target=1)[0] == 3


def test_nearest_neighbour_scores_shape_and_values():
    z_last = np.array([[0.0, 0.0]])
    cands = np.array([[[3.0, 4.0], [0.0, 1.0]]])
    np.testing.assert_allclose(baselines.nearest_neighbour_scores(z_last, cands), [[5.0, 1.0]])


# --- thirds of a playlist's energy (the peak-arc check) --------------------------------------------------


def test_thirds_means_20_songs_split_6_8_6():
    energy = np.array([0.1] * 6 + [0.9] * 8 + [0.3] * 6)
    first, middle, last = metrics.thirds_means(energy)
    assert (first, middle, last) == pytest.approx((0.1, 0.9, 0.3))
    assert metrics.peak_shape(energy)


def test_thirds_means_uneven_lengths():
    # 7 songs: outer thirds are 2 songs each, the middle gets 3
    first, middle, last = metrics.thirds_means(np.array([1.0, 3.0, 5.0, 6.0, 7.0, 0.0, 2.0]))
    assert (first, middle, last) == pytest.approx((2.0, 6.0, 1.0))
    # 3 songs: one each
    assert metrics.thirds_means(np.array([0.2, 0.5, 0.4])) == pytest.approx((0.2, 0.5, 0.4))
    assert all(np.isnan(metrics.thirds_means(np.array([0.2, 0.5]))))


def test_peak_shape_needs_the_middle_above_both_outer_thirds():
    build_up = np.linspace(0.2, 0.9, 20)  # middle above the first third, below the last
    assert not metrics.peak_shape(build_up)
    assert not metrics.peak_shape(build_up[::-1])
    assert not metrics.peak_shape(np.full(9, 0.5))  # a tie is not a peak
    assert metrics.peak_shape(np.array([0.4, 0.5, 0.6, 0.9, 0.7, 0.5, 0.45, 0.3, 0.2]))  # 0.5 / 0.7 / 0.317
