"""Building a playlist (disco.engine.search): greedy search (the spec), beam search, their invariants.

DJ key/tempo scores, hard rules and energy arcs in a build are in test_engine_dj.py."""

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from disco.engine import rules
from disco.engine.loss import Loss, recent_songs
from disco.engine.score import fit_arc, order_totals
from disco.engine.search import beam_paths, build_playlist, greedy_path
from disco.engine.settings import EngineSettings
from disco.model.arrays import step, take_state
from disco.theory import keys, tempo
from disco.theory.arcs import Arc
from support.fakes import LinearRNN, RunningMean, make_arrays

ARRAYS = make_arrays(120, seed=1)
RNN = LinearRNN(seed=3)
GREEDY = EngineSettings(search="greedy")
REFERENCE = EngineSettings.from_preset("reference")


def test_loss_breakdown_matches_spec_formula():
    s = EngineSettings.from_preset("reference", flow=1.3, sweetness=0.7, smoothness=0.5, spicy=1.2)
    pl = build_playlist([5, 9], np.arange(120), 8, s, arrays=ARRAYS, predictor=RNN)
    assert np.isnan(pl.loss[:2]).all() and np.isnan(pl.predicted[:2]).all()
    # recompute by hand, running the predictor over the playlist
    state, x = RNN.initial_state(1), ARRAYS.x
    total = 0.0
    for i in range(len(pl) - 1):
        state, y = RNN.step(state, x[pl.indices[i]][None])
        if i + 1 < 2:
            continue
        s_, c = pl.indices[i], pl.indices[i + 1]
        d = np.linalg.norm(1.2 * y[0] - ARRAYS.z[c])
        ks = keys.key_similarity(ARRAYS.key[s_], ARRAYS.mode[s_], ARRAYS.key[c], ARRAYS.mode[c])
        ts = tempo.tempo_similarity(ARRAYS.tempo[s_], ARRAYS.tempo[c])
        assert pl.distance[i + 1] == pytest.approx(d, rel=1e-5)
        assert pl.loss[i + 1] == pytest.approx(1.3 * d - 0.7 * ks - 0.5 * ts, rel=1e-5, abs=1e-6)
        total += 1.3 * d - 0.7 * ks - 0.5 * ts
    assert pl.total_loss == pytest.approx(total, rel=1e-5)
    assert pl.settings == s and pl.n_seeds == 2


@pytest.mark.parametrize("s", [GREEDY, REFERENCE], ids=["dj", "reference"])
def test_greedy_picks_argmin_of_the_exact_loss_each_step(s):
    pool = np.arange(20, 120)
    pl = build_playlist([0], pool, 6, s, arrays=ARRAYS, predictor=RNN)
    for i in range(1, len(pl)):
        prefix = pl.indices[:i]
        rest = [c for c in pool if c not in pl.indices[:i]]
        cand = np.array([np.concatenate([prefix, [c]]) for c in rest])
        # the loss of the last move only = total(prefix + c) - total(prefix), the same for every c
        tot = order_totals(cand, s, arrays=ARRAYS, predictor=RNN)
        assert rest[int(np.argmin(tot))] == pl.indices[i]


@pytest.mark.parametrize("s", [
    EngineSettings.from_preset("reference", search="beam", beam_width=64),
    EngineSettings(beam_width=64, arc=Arc.named("peak"), arc_weight=3.0),
    EngineSettings(beam_width=64, spicy=2.0, sweetness=2.0),
], ids=["reference", "dj-arc", "dj-sweet"])
def test_beam_covering_every_path_finds_the_argmin_of_the_exact_total(s):
    # 5 candidates, 3 to add: 5, 20 then 60 partial playlists, all kept by a beam of 64
    wins = 0
    for k in range(6):
        rng = np.random.default_rng(k)
        songs = rng.choice(120, 6, replace=False)
        seed, pool = songs[:1], songs[1:]
        pl = build_playlist(seed, pool, 4, s, arrays=ARRAYS, predictor=RNN)
        fitted = pl.settings
        orders = np.array([np.concatenate([seed, p]) for p in itertools.permutations(pool, 3)])
        exact = order_totals(orders, fitted, arrays=ARRAYS, predictor=RNN)
        best = int(np.argmin(exact))
        assert pl.total_loss == pytest.approx(exact[best], abs=1e-4)
        if np.sort(exact)[1] - exact[best] > 1e-4:  # no near-tie: the very same playlist
            assert pl.indices.tolist() == orders[best].tolist()
        # the raw beam (no greedy fallback) is the argmin on its own
        loss = Loss(fitted, ARRAYS, pool, length=4, dtype=np.float32)
        _, path = beam_paths(seed[None], 3, 64, loss, ARRAYS, RNN)
        assert order_totals(np.concatenate([seed, path])[None], fitted, arrays=ARRAYS,
                            predictor=RNN)[0] == pytest.approx(exact[best], abs=1e-4)
        greedy = order_totals(np.concatenate([seed, greedy_path(seed, 3, loss, ARRAYS, RNN)])[None], fitted,
                              arrays=ARRAYS, predictor=RNN)[0]
        wins += greedy > exact[best] + 1e-6
    assert wins >= 1  # greedy is not already optimal on these: the test can tell beam from greedy


def test_pool_runs_out_gives_shorter_playlist_and_message():
    pl = build_playlist([0, 1], [2, 3, 1, 4, 4], 10, arrays=ARRAYS, predictor=RNN)
    assert sorted(pl.indices[2:].tolist()) == [2, 3, 4]
    assert len(pl) == 5 and "ran out" in pl.message
    full = build_playlist([0], np.arange(1, 50), 10, arrays=ARRAYS, predictor=RNN)
    assert len(full) == 10 and full.message is None
    seeds_only = build_playlist([0, 1], [1, 0], 5, arrays=ARRAYS, predictor=RNN)
    assert seeds_only.indices.tolist() == [0, 1] and seeds_only.total_loss == 0 and "ran out" in seeds_only.message


def test_invalid_inputs():
    with pytest.raises(ValueError, match="length"):
        build_playlist([0], [1, 2], 0, arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="distinct"):
        build_playlist([0, 0], [1, 2], 4, arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="seed"):
        build_playlist([], [1, 2], 4, arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="out of range"):
        build_playlist([0], [1, 999], 4, arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="out of range"):
        build_playlist([-1], [1, 2], 4, arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="search"):
        build_playlist([0], [1, 2], 3, EngineSettings(search="astar"), arrays=ARRAYS, predictor=RNN)
    with pytest.raises(ValueError, match="finite"):
        EngineSettings(flow=float("nan"))
    with pytest.raises(ValueError, match="between 0"):
        EngineSettings(sweetness=-1)


def test_info_records_the_run():
    pl = build_playlist([0, 1], np.arange(2, 60), 12, arrays=ARRAYS, predictor=RNN)
    assert pl.info["length_asked"] == 12 and pl.info["pool_size"] == 58 and pl.info["n_seeds"] == 2
    assert isinstance(pl.info["beam_improved_on_greedy"], bool)
    g = build_playlist([0, 1], np.arange(2, 60), 12, GREEDY, arrays=ARRAYS, predictor=RNN)
    assert "beam_improved_on_greedy" not in g.info


def test_beam_improves_on_greedy_somewhere():
    # beam search is only useful if it sometimes finds a lower total loss than greedy
    better = reported = 0
    for s in range(6):
        seeds = np.random.default_rng(s).choice(120, 2, replace=False)
        g = build_playlist(seeds, np.arange(120), 12, REFERENCE, arrays=ARRAYS, predictor=RNN)
        b = build_playlist(seeds, np.arange(120), 12, REFERENCE.replace(search="beam"), arrays=ARRAYS, predictor=RNN)
        better += b.total_loss < g.total_loss - 1e-6
        reported += b.info["beam_improved_on_greedy"]
        assert b.total_loss <= g.total_loss + 1e-9
    assert better >= 3 and reported == better


def test_raw_beam_width_one_is_greedy():
    pool = np.arange(3, 120)
    seeds = np.array([0, 1, 2])
    for s in (REFERENCE, EngineSettings(), EngineSettings(arc=Arc.named("waves"), camelot_only=True)):
        s = fit_arc(s, ARRAYS, pool)
        loss = Loss(s, ARRAYS, pool, length=18, dtype=np.float32)
        greedy = greedy_path(seeds, 15, loss, ARRAYS, RNN)
        row, beam = beam_paths(seeds[None], 15, 1, loss, ARRAYS, RNN)
        assert beam == greedy and row == 0 and len(set(greedy)) == 15


@hyp_settings(max_examples=40, deadline=None)
@given(
    data_seed=st.integers(0, 10_000),
    n_seeds=st.integers(1, 4),
    pool_size=st.integers(0, 40),
    length=st.integers(1, 30),
    width=st.integers(1, 6),
    which=st.sampled_from(["rnn", "mean"]),
    preset=st.sampled_from(["dj", "reference"]),
    weights=st.tuples(*[st.floats(0, 3, allow_nan=False)] * 3, st.floats(0.1, 3, allow_nan=False)),
)
def test_invariants(data_seed, n_seeds, pool_size, length, width, which, preset, weights):
    rng = np.random.default_rng(data_seed)
    arrays = make_arrays(60, seed=data_seed % 7)
    predictor = RNN if which == "rnn" else RunningMean()
    seeds = rng.choice(60, n_seeds, replace=False)
    pool = rng.choice(60, pool_size, replace=True)  # may repeat and contain seeds
    flow, sweetness, smoothness, spicy = weights
    s = EngineSettings.from_preset(preset, flow=flow, sweetness=sweetness, smoothness=smoothness, spicy=spicy)
    length = max(length, n_seeds)
    g = build_playlist(seeds, pool, length, s.replace(search="greedy"), arrays=arrays, predictor=predictor)
    b = build_playlist(seeds, pool, length, s.replace(search="beam", beam_width=width), arrays=arrays,
                       predictor=predictor)
    usable = len(set(pool.tolist()) - set(seeds.tolist()))
    for pl in (g, b):
        assert pl.indices[:n_seeds].tolist() == seeds.tolist()  # seeds first, user's order
        assert len(set(pl.indices.tolist())) == len(pl)  # no song twice
        assert set(pl.indices[n_seeds:].tolist()) <= set(pool.tolist()) - set(seeds.tolist())
        assert len(pl) == min(length, n_seeds + usable)
        assert (pl.message is not None) == (length > n_seeds + usable)
        assert pl.total_loss == pytest.approx(np.nansum(pl.loss), abs=1e-9)
    # beam never worse than greedy: fewer broken rules (the DJ preset's artist gap), then the loss
    assert (b.broken_rules, b.total_loss) <= (g.broken_rules, g.total_loss + 1e-9)
    # deterministic
    again = build_playlist(seeds, pool, length, s.replace(search="beam", beam_width=width), arrays=arrays,
                           predictor=predictor)
    assert again.indices.tolist() == b.indices.tolist()
    # beam width 1 == greedy
    one = build_playlist(seeds, pool, length, s.replace(search="beam", beam_width=1), arrays=arrays,
                         predictor=predictor)
    assert one.indices.tolist() == g.indices.tolist()


# --- beam search's pruning is exact ----------------------------------------------------------------------------

class SpyLoss(Loss):
    """A Loss that records whether each call scored a subset of the candidates (the pruned path)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.subset_calls = 0

    def moves(self, y, last, position=None, cols=None, return_distance=False):
        self.subset_calls += cols is not None
        return super().moves(y, last, position, cols, return_distance)


def unpruned_beam(starts, n_add, width, loss, arrays, predictor):
    """Beam search scoring every candidate of every beam at each step (no pruning), with beam_paths'
    arithmetic: float32 moves, rules as masks relaxed per beam, offsets to the best beam, ties by position."""
    pool = loss.candidates
    P = len(pool)
    prefix = np.asarray(starts, dtype=np.int64)
    state = predictor.initial_state(len(prefix))
    for i in range(prefix.shape[1]):
        state, y = step(predictor, state, arrays.inputs(prefix[:, i]))
    blocked = (pool[None, :] == prefix[:, :, None]).any(axis=1)
    used = np.zeros((len(prefix), P), bool)
    last, cum = prefix[:, -1].copy(), np.zeros(len(prefix))
    played = prefix.copy()  # each beam's songs so far: the artist gap's window
    parents, picks = [], []
    for k in range(n_add):
        available = ~used & ~blocked
        total = loss.moves(y, last, prefix.shape[1] + k)
        if loss.settings.active_rules:
            recent = recent_songs(played, [played.shape[1]], loss.settings.artist_gap)[:, 0, :]
            available, _ = rules.allowed(loss.rule_masks(last, recent=recent), available)
        total[~available] = np.inf
        total += (cum - cum.min()).astype(np.float32)[:, None]
        flat = total.ravel()
        finite = np.flatnonzero(np.isfinite(flat))
        if len(finite) == 0:
            break
        top = finite[np.lexsort((finite, flat[finite]))][:width]
        b, j = np.divmod(top, P)
        cum = cum.min() + flat[top].astype(np.float64)
        used, blocked = used[b].copy(), blocked[b]
        used[np.arange(len(b)), j] = True
        last = pool[j]
        played = np.concatenate([played[b], last[:, None]], axis=1)
        state, y = step(predictor, take_state(state, b), arrays.inputs(last))
        parents.append(b)
        picks.append(j)
    path, r = [], 0
    for t in range(len(picks) - 1, -1, -1):
        path.append(int(pool[picks[t][r]]))
        r = int(parents[t][r])
    return r, path[::-1]


@pytest.mark.parametrize("s", [
    REFERENCE,
    EngineSettings.from_preset("reference", flow=0.5, sweetness=2.0, smoothness=0.3, spicy=0.8),
    EngineSettings(),
    EngineSettings(arc=Arc.named("peak"), arc_weight=2.0),
    EngineSettings(camelot_only=True),
    EngineSettings(max_bpm_change=6.0),
    EngineSettings(artist_gap=1),
    # every rule and an arc: flow 3 so the rules leave the pruning bound something to cut
    EngineSettings(camelot_only=True, max_bpm_change=6.0, artist_gap=1, arc=Arc.named("peak"),
                   arc_weight=2.0, flow=3.0),
], ids=["reference", "reference-weights", "dj", "dj-arc", "dj-camelot", "dj-bpm", "dj-artist", "dj-rules-arc"])
def test_beam_pruning_is_exact(s):
    arrays = make_arrays(2000, seed=4)
    seeds, pool = np.array([0, 1]), np.arange(2, 2000)
    s = fit_arc(s, arrays, pool)
    loss = SpyLoss(s, arrays, pool, length=22, dtype=np.float32)
    pruned = beam_paths(seeds[None], 20, 6, loss, arrays, RunningMean())
    assert loss.subset_calls > 0  # the pruned path was really taken
    assert pruned == unpruned_beam(seeds[None], 20, 6, loss, arrays, RunningMean())
