import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from disco import engine
from disco.engine import Weights, build_playlist, evaluate_sequence, sequence_losses
from fakes import LinearRNN, RunningMean, make_arrays

ARRAYS = make_arrays(120, seed=1)
RNN = LinearRNN(seed=3)


def test_loss_breakdown_matches_spec_formula():
    w = Weights(flow=1.3, sweetness=0.7, smoothness=0.5, spicy=1.2)
    pl = build_playlist([5, 9], np.arange(120), 8, w, arrays=ARRAYS, predictor=RNN)
    assert np.isnan(pl.loss[:2]).all() and np.isnan(pl.predicted[:2]).all()
    # recompute by hand, running the predictor over the playlist
    state, x = RNN.initial_state(1), ARRAYS.x
    total = 0.0
    for i in range(len(pl) - 1):
        state, y = RNN.step(state, x[pl.indices[i]][None])
        if i + 1 < 2:
            continue
        s, c = pl.indices[i], pl.indices[i + 1]
        d = np.linalg.norm(1.2 * y[0] - ARRAYS.z[c])
        from disco import theory
        ks = theory.key_similarity(ARRAYS.key[s], ARRAYS.mode[s], ARRAYS.key[c], ARRAYS.mode[c])
        ts = theory.tempo_similarity(ARRAYS.tempo[s], ARRAYS.tempo[c])
        assert pl.distance[i + 1] == pytest.approx(d, rel=1e-5)
        assert pl.loss[i + 1] == pytest.approx(1.3 * d - 0.7 * ks - 0.5 * ts, rel=1e-5, abs=1e-6)
        total += 1.3 * d - 0.7 * ks - 0.5 * ts
    assert pl.total_loss == pytest.approx(total, rel=1e-5)


def test_greedy_picks_argmin_of_loss_each_step():
    pool = np.arange(20, 120)
    pl = build_playlist([0], pool, 6, arrays=ARRAYS, predictor=RNN)
    for i in range(1, len(pl)):
        prefix = pl.indices[:i]
        rest = [c for c in pool if c not in pl.indices[:i]]
        cand = np.array([np.concatenate([prefix, [c]]) for c in rest])
        # loss of the last transition only = total(prefix + c) - total(prefix)
        tot = sequence_losses(cand, arrays=ARRAYS, predictor=RNN)
        assert rest[int(np.argmin(tot))] == pl.indices[i]


def test_pool_runs_out_gives_shorter_playlist_and_message():
    pl = build_playlist([0, 1], [2, 3, 1, 4, 4], 10, arrays=ARRAYS, predictor=RNN)
    assert sorted(pl.indices[2:].tolist()) == [2, 3, 4]
    assert len(pl) == 5 and "ran out" in pl.message
    full = build_playlist([0], np.arange(1, 50), 10, arrays=ARRAYS, predictor=RNN)
    assert len(full) == 10 and full.message is None


def test_invalid_inputs():
    with pytest.raises(ValueError, match="length"):
        build_playlist([0], [1, 2], 0, arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="distinct"):
        build_playlist([0, 0], [1, 2], 4, arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="seed"):
        build_playlist([], [1, 2], 4, arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="out of range"):
        build_playlist([0], [1, 999], 4, arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="search"):
        build_playlist([0], [1, 2], 3, search="astar", arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="finite"):
        Weights(flow=float("nan"))
    with pytest.raises(ValueError, match=">= 0"):
        Weights(sweetness=-1)


def test_beam_improves_on_greedy_somewhere():
    # beam search is only useful if it sometimes finds a lower total loss than greedy
    better = 0
    for s in range(6):
        seeds = np.random.default_rng(s).choice(120, 2, replace=False)
        g = build_playlist(seeds, np.arange(120), 12, arrays=ARRAYS, predictor=RNN)
        b = build_playlist(seeds, np.arange(120), 12, search="beam", arrays=ARRAYS, predictor=RNN)
        better += b.total_loss < g.total_loss - 1e-6
    assert better >= 3


def test_raw_beam_width_one_is_greedy():
    pool = np.arange(3, 120)
    seeds = np.array([0, 1, 2])
    scorer = engine._Scorer(ARRAYS, pool, Weights())
    greedy = engine._greedy_path(seeds, pool, 15, scorer, ARRAYS, RNN)
    _, beam = engine._beam_paths(seeds[None], pool, 15, 1, scorer, ARRAYS, RNN)
    assert beam == greedy


@settings(max_examples=40, deadline=None)
@given(
    data_seed=st.integers(0, 10_000),
    n_seeds=st.integers(1, 4),
    pool_size=st.integers(0, 40),
    length=st.integers(1, 30),
    width=st.integers(1, 6),
    which=st.sampled_from(["rnn", "mean"]),
    weights=st.tuples(*[st.floats(0, 3, allow_nan=False)] * 3, st.floats(0.1, 3, allow_nan=False)),
)
def test_invariants(data_seed, n_seeds, pool_size, length, width, which, weights):
    rng = np.random.default_rng(data_seed)
    arrays = make_arrays(60, seed=data_seed % 7)
    predictor = RNN if which == "rnn" else RunningMean()
    seeds = rng.choice(60, n_seeds, replace=False)
    pool = rng.choice(60, pool_size, replace=True)  # may repeat and contain seeds
    w = Weights(*weights)
    length = max(length, n_seeds)
    g = build_playlist(seeds, pool, length, w, arrays=arrays, predictor=predictor)
    b = build_playlist(seeds, pool, length, w, "beam", width, arrays=arrays, predictor=predictor)
    usable = len(set(pool.tolist()) - set(seeds.tolist()))
    for pl in (g, b):
        assert pl.indices[:n_seeds].tolist() == seeds.tolist()  # seeds first, user's order
        assert len(set(pl.indices.tolist())) == len(pl)  # no song twice
        assert set(pl.indices[n_seeds:].tolist()) <= set(pool.tolist()) - set(seeds.tolist())
        assert len(pl) == min(length, n_seeds + usable)
        assert (pl.message is not None) == (length > n_seeds + usable)
        assert pl.total_loss == pytest.approx(np.nansum(pl.loss), abs=1e-9)
    assert b.total_loss <= g.total_loss + 1e-9  # beam never worse than greedy
    # deterministic
    again = build_playlist(seeds, pool, length, w, "beam", width, arrays=arrays, predictor=predictor)
    assert again.indices.tolist() == b.indices.tolist()
    # beam width 1 == greedy
    one = build_playlist(seeds, pool, length, w, "beam", 1, arrays=arrays, predictor=predictor)
    assert one.indices.tolist() == g.indices.tolist()


def test_evaluate_sequence_agrees_with_batched_losses():
    orders = np.array([np.random.default_rng(i).choice(120, 9, replace=False) for i in range(5)])
    batched = sequence_losses(orders, arrays=ARRAYS, predictor=RNN, n_fixed=2)
    single = [evaluate_sequence(o, 2, arrays=ARRAYS, predictor=RNN).total_loss for o in orders]
    assert np.allclose(batched, single)


def test_beam_pruning_is_exact(monkeypatch):
    arrays = make_arrays(3000, seed=4)
    seeds, pool = np.array([0, 1]), np.arange(2, 3000)
    calls = []
    real = engine._prune

    def spy(*args):
        out = real(*args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(engine, "_prune", spy)
    for w in (Weights(), Weights(flow=0.5, sweetness=2.0, smoothness=0.3, spicy=0.8)):
        scorer = engine._Scorer(arrays, pool, w)
        pruned = engine._beam_paths(seeds[None], pool, 20, 6, scorer, arrays, RunningMean())
        monkeypatch.setattr(engine, "_prune", lambda *a: None)
        full = engine._beam_paths(seeds[None], pool, 20, 6, scorer, arrays, RunningMean())
        monkeypatch.setattr(engine, "_prune", spy)
        assert pruned == full
    assert any(calls)  # the pruned path was really taken
