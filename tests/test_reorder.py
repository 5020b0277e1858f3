import numpy as np
import pytest

from disco.engine import Weights, sequence_losses
from disco.reorder import exact_order, local_search, reorder_songs
from fakes import LinearRNN, RunningMean, make_arrays

ARRAYS = make_arrays(150, seed=2)


def sets(n_sets, size, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.choice(150, size, replace=False) for _ in range(n_sets)]


@pytest.mark.parametrize("predictor", [LinearRNN(seed=5), RunningMean()], ids=["rnn", "mean"])
def test_gap_to_exact_optimum_small_sets(predictor):
    gaps, greedy_gaps = [], []
    for idx in sets(8, 7):
        ours = reorder_songs(idx, ARRAYS, predictor)
        greedy = reorder_songs(idx, ARRAYS, predictor, search="greedy", improve=False)
        order, best = exact_order(idx, ARRAYS, predictor)
        assert sorted(ours.indices.tolist()) == sorted(idx.tolist())
        assert ours.indices[0] == idx[0]
        assert order[0] == idx[0]
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
        keep = reorder_songs(idx, ARRAYS, p)
        free = reorder_songs(idx, ARRAYS, p, keep_first=False)
        _, best_free = exact_order(idx, ARRAYS, p, keep_first=False)
        assert free.total_loss <= keep.total_loss + 1e-9
        assert free.total_loss >= best_free - 1e-5


def test_local_search_never_worsens_and_reports_true_loss():
    p = LinearRNN(seed=9)
    idx = sets(1, 20, seed=4)[0]
    start = sequence_losses(idx[None], arrays=ARRAYS, predictor=p)[0]
    order, passes = local_search(idx, ARRAYS, p, Weights())
    new = sequence_losses(order[None], arrays=ARRAYS, predictor=p)[0]
    assert new <= start and passes >= 1 and order[0] == idx[0]
    assert sorted(order.tolist()) == sorted(idx.tolist())
    pl = reorder_songs(idx, ARRAYS, p)
    assert pl.total_loss == pytest.approx(sequence_losses(pl.indices[None], arrays=ARRAYS, predictor=p)[0])
    assert pl.total_loss <= start + 1e-9


def test_edge_cases_and_errors():
    p = RunningMean()
    assert reorder_songs([4], ARRAYS, p).indices.tolist() == [4]
    assert reorder_songs([4, 7], ARRAYS, p).indices.tolist() == [4, 7]
    assert reorder_songs([3, 5, 8], ARRAYS, p).indices.tolist() == reorder_songs([3, 5, 8], ARRAYS, p).indices.tolist()
    with pytest.raises(ValueError, match="distinct"):
        reorder_songs([1, 1, 2], ARRAYS, p)
    with pytest.raises(ValueError, match="no songs"):
        reorder_songs([], ARRAYS, p)
    with pytest.raises(ValueError, match="brute force"):
        exact_order(np.arange(12), ARRAYS, p)


# --- windowed local search (long playlists) ----------------------------------------------------------------
def _dj_scoring():
    from disco.arcs import Arc
    from disco.scoring import Rules, Scoring

    return Scoring(key="camelot", tempo="dj", arc=Arc.named("peak"), arc_weight=2.0,
                   rules=Rules(camelot_only=True, max_bpm_change=6.0))


def test_order_scorer_matches_sequence_losses_with_rules_and_arc():
    from disco.reorder import _OrderScorer

    p, sc, w = LinearRNN(seed=3), _dj_scoring(), Weights(sweetness=0.7, smoothness=0.6)
    idx = sets(1, 15, seed=7)[0]
    scorer = _OrderScorer(idx, ARRAYS, p, w, sc)
    rng = np.random.default_rng(0)
    local = np.stack([np.arange(15)] + [rng.permutation(15) for _ in range(6)])
    losses, states, _ = scorer.trace(local[0])
    exact = sequence_losses(idx[local], arrays=ARRAYS, predictor=p, weights=w, scoring=sc)
    assert losses.sum() == pytest.approx(exact[0])
    # re-scoring from a cached state: orders sharing the first k songs with the traced one
    for k in (1, 4, 9):
        tail = np.stack([np.concatenate([local[0][:k], k + rng.permutation(15 - k)]) for _ in range(5)])
        part = scorer.window_sums(tail, np.full(5, k), np.full(5, 14), states)
        full = sequence_losses(idx[tail], arrays=ARRAYS, predictor=p, weights=w, scoring=sc)
        assert np.allclose(losses[1:k].sum() + part, full)


def test_long_range_moves_are_ranked_by_their_approximate_cost():
    from disco.reorder import _global_moves

    rng = np.random.default_rng(4)
    n = 12
    cost, pos = rng.normal(size=(n, n)), rng.normal(size=(n, n))
    order = rng.permutation(n)

    def approx(o):
        return sum(cost[o[q - 1], o[q]] + pos[q, o[q]] for q in range(1, n))

    cands, a, b = _global_moves(order, 1, cost, pos, 10_000)
    assert len(cands) > 10
    values = np.array([approx(c) for c in cands])
    assert (values < approx(order) - 1e-9).all() and (np.diff(values) >= -1e-9).all()  # improving, best first
    for c, lo, hi in zip(cands, a, b):
        assert sorted(c.tolist()) == sorted(order.tolist()) and c[0] == order[0]
        changed = np.flatnonzero(c != order)
        assert changed.min() >= lo and changed.max() <= hi


def test_long_playlist_reorder_improves_on_beam_deterministically():
    p, sc = LinearRNN(seed=6), _dj_scoring()
    idx = sets(1, 80, seed=9)[0]
    beam = reorder_songs(idx, ARRAYS, p, improve=False, scoring=sc)
    one = reorder_songs(idx, ARRAYS, p, scoring=sc)
    two = reorder_songs(idx, ARRAYS, p, scoring=sc)
    assert one.indices.tolist() == two.indices.tolist()
    assert sorted(one.indices.tolist()) == sorted(idx.tolist()) and one.indices[0] == idx[0]
    objective = lambda pl: sequence_losses(pl.indices[None], arrays=ARRAYS, predictor=p, scoring=sc)[0]  # noqa: E731
    assert objective(one) < objective(beam) and one.settings["improvement_passes"] >= 1
