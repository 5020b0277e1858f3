"""The one loss (disco.engine.loss.Loss) and scoring given orders with it (disco.engine.score).

Every check compares against the formulas written out here with the theory functions, never against the
engine's own output."""

import dataclasses
import math

import numpy as np
import pytest

from disco.engine.loss import RULE_PENALTY, Loss
from disco.engine.score import fit_arc, order_totals, score_order
from disco.engine.search import build_playlist
from disco.engine.settings import EngineSettings
from disco.model.arrays import SongArrays, predictions
from disco.theory import arcs, keys, tempo
from disco.theory.arcs import Arc
from disco.theory.keys import KEY_SCORES
from disco.theory.tempo import TEMPO_SCORES
from support.fakes import LinearRNN, RunningMean, make_arrays

RNN = LinearRNN(seed=4)
VALENCE_ARC = Arc.from_points([(0, 0.2), (0.5, 0.9), (1, 0.4)], valence=[(0, 0.8), (1, 0.3)], interp="cubic")


def expected_moves(s: EngineSettings, arrays: SongArrays, y, last, cand, position, length):
    """(B, C) loss of the moves last[b] -> cand[c], from the theory functions: flow * d - sweetness * key
    - smoothness * tempo + arc_weight * sum_f |f(c) - target_f(position)|."""
    y = np.asarray(y, dtype=np.float64)
    z = np.asarray(arrays.z, dtype=np.float64)[cand]
    d = np.linalg.norm(s.spicy * y[:, None, :] - z[None], axis=2)
    ks = keys.key_score(arrays.key[last][:, None], arrays.mode[last][:, None], arrays.key[cand], arrays.mode[cand],
                        score=s.key_score)
    ts = tempo.tempo_score(arrays.tempo[last][:, None].astype(np.float64), arrays.tempo[cand].astype(np.float64),
                           s.tempo_score, width_pct=s.tempo_width_pct)
    out = s.flow * d - s.sweetness * ks - s.smoothness * ts
    if s.uses_arc:
        target = s.arc.targets(length)[np.broadcast_to(np.asarray(position), (len(last),))]  # (B, F)
        values = np.stack([np.asarray(getattr(arrays, f), np.float64)[cand] for f in s.arc.features], axis=1)
        out = out + s.arc_weight * np.abs(values[None, :, :] - target[:, None, :]).sum(axis=2)
    return out, d, ks, ts


# --- the spec's loss, by hand (section 3) -------------------------------------------------------------------

def spec_arrays():
    """Song 0 (the last song): z = e1, C major, 120 BPM; the network predicts y = z0 = e1 (the running mean
    after one song), so spicy * y = 1.2 e1. Songs 1..6 are candidates with hand-computable terms."""
    e = np.eye(8, dtype=np.float32)
    z = np.stack([e[0], e[1], e[0], 0 * e[0], 1.2 * e[0], e[0] + e[2], e[0]])
    key = np.array([0, 7, 6, 9, 0, 2, 3], np.int8)
    mode = np.array([1, 1, 1, 0, 1, 1, 0], np.int8)
    key[4] = -1  # no key detected
    t = np.array([120, 240, 120 * math.sqrt(2), 120 * 2 ** 0.25, 60, 120 * 2 ** 0.125, 97], np.float64)
    return SongArrays(z=z, mode=mode, key=key, tempo=t.astype(np.float32), pca=z[:, :3].copy())


# (distance, keysim, temposim) of 0 -> c, worked out from the spec's formulas
SPEC_MOVES = {
    1: (math.sqrt(1.2 ** 2 + 1), 1.0, 1.0),         # G major: a fifth, delta 1; 240 BPM: double time, cos(2 pi) = 1
    2: (0.2, -1.0, -1.0),                           # F# major: tritone, delta 6; ratio sqrt(2): cos(pi) = -1
    3: (1.2, 1.0, 0.0),                             # A minor: relative major C, delta 0; ratio 2^(1/4): cos(pi/2) = 0
    4: (0.0, 0.0, 1.0),                             # no key: neutral 0; 60 BPM: half time
    5: (math.sqrt(0.2 ** 2 + 1), 0.6, math.sqrt(0.5)),  # D major: delta 2 -> 1 - 1/2.5; ratio 2^(1/8): cos(pi/4)
}


@pytest.mark.parametrize("weights", [(1.0, 1.0, 1.0), (2.0, 0.5, 0.25), (0.0, 1.0, 3.0)])
def test_reference_preset_is_the_spec_loss_by_hand(weights):
    flow, sweet, smooth = weights
    s = EngineSettings.from_preset("reference", flow=flow, sweetness=sweet, smoothness=smooth)
    arrays = spec_arrays()
    cand = np.array(sorted(SPEC_MOVES))
    loss = Loss(s, arrays, cand)
    y = np.eye(8)[:1]  # the prediction after song 0
    got = loss.moves(y, np.array([0]))[0]
    for j, c in enumerate(cand):
        d, ks, ts = SPEC_MOVES[c]
        assert got[j] == pytest.approx(flow * d - sweet * ks - smooth * ts, abs=1e-5), c  # float32 tempi
        assert loss.distance(y)[0, j] == pytest.approx(d, abs=1e-6)  # float32 z
        assert loss.key_term(np.array([0]))[0, j] == pytest.approx(ks, abs=1e-12)
        assert loss.tempo_term(np.array([0]))[0, j] == pytest.approx(ts, abs=1e-6)  # tempi stored as float32
        # scoring the two-song order with a network that predicts the running mean gives the same move
        pl = score_order([0, c], s, arrays=arrays, predictor=RunningMean())
        assert pl.loss[1] == pytest.approx(flow * d - sweet * ks - smooth * ts, abs=1e-6)
        assert (pl.distance[1], pl.key_score[1]) == (pytest.approx(d, abs=1e-6), pytest.approx(ks))
        assert pl.tempo_score[1] == pytest.approx(ts, abs=1e-6)
    # song 6: Eb minor -> relative F# major, a tritone from C: -1; B major is delta 5: -0.6 (from C major)
    assert keys.key_similarity(0, 1, 3, 0) == -1.0 and keys.key_similarity(0, 1, 11, 1) == pytest.approx(-0.6)


def test_reference_greedy_takes_the_spec_argmin():
    s = EngineSettings.from_preset("reference")
    pl = build_playlist([0], sorted(SPEC_MOVES), 2, s, arrays=spec_arrays(), predictor=RunningMean())
    by_hand = {c: d - ks - ts for c, (d, ks, ts) in SPEC_MOVES.items()}  # song 4: 0 - 0 - 1 = -1
    assert pl.indices.tolist() == [0, min(by_hand, key=by_hand.get)] == [0, 4]
    assert pl.total_loss == pytest.approx(-1.0, abs=1e-6)


# --- the float32 fast path and the float64 exact path -------------------------------------------------------

@pytest.mark.parametrize("arc", [Arc.named("peak", 0.3, 0.8), VALENCE_ARC], ids=["peak", "valence"])
@pytest.mark.parametrize("tempo_score", TEMPO_SCORES)
@pytest.mark.parametrize("key_score", KEY_SCORES)
def test_float32_fast_path_agrees_with_float64_exact_path(key_score, tempo_score, arc):
    rng = np.random.default_rng(0)
    arrays = make_arrays(500, seed=21)
    s = EngineSettings(flow=1.1, sweetness=0.8, smoothness=0.9, spicy=1.3, key_score=key_score,
                       tempo_score=tempo_score, arc=arc, arc_weight=2.0)
    L = 20
    cand = rng.choice(500, 300, replace=False)
    fast = Loss(s, arrays, cand, length=L, dtype=np.float32)
    exact = Loss(s, arrays, cand, length=L, dtype=np.float64)
    B = 16
    last = rng.choice(500, B)
    y = rng.normal(size=(B, 8))
    for position in (1, 7, L - 1, rng.integers(1, L, B)):
        a = fast.moves(y, last, position)
        b = exact.moves(y, last, position)
        assert a.dtype == np.float32 and b.dtype == np.float64 and a.shape == b.shape == (B, 300)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.abs(b).max())
        want, d, ks, ts = expected_moves(s, arrays, y, last, cand, position, L)
        np.testing.assert_allclose(b, want, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(exact.distance(y), d, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(exact.key_term(last), ks, atol=1e-12)
        np.testing.assert_allclose(exact.tempo_term(last), ts, atol=1e-9)
        np.testing.assert_allclose(fast.distance(y), d, rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(fast.tempo_term(last), ts, atol=1e-4)
    # the same moves through per-row candidate lists (what the search and reorder pass)
    cols = np.stack([rng.choice(300, 25, replace=False) for _ in range(B)])
    rows = np.arange(B)[:, None]
    for loss in (fast, exact):
        full = loss.moves(y, last, 5)
        tol = 1e-4 * np.abs(full).max() if loss.dtype == np.float32 else 1e-9
        np.testing.assert_allclose(loss.moves(y, last, 5, cols), full[rows, cols], atol=tol)
        shared = np.sort(cols[0])
        np.testing.assert_allclose(loss.moves(y, last, 5, shared), full[:, shared], atol=tol)
        out, dist = loss.moves(y, last, 5, return_distance=True)
        np.testing.assert_allclose(out, full, atol=tol)
        np.testing.assert_allclose(dist, loss.distance(y), atol=tol)


def test_terms_switch_off_with_their_weight_and_an_arc_needs_a_weight():
    arrays = make_arrays(100, seed=3)
    y, last = np.random.default_rng(0).normal(size=(3, 8)), np.array([1, 2, 3])
    dist_only = Loss(EngineSettings(sweetness=0, smoothness=0, arc=Arc.named("peak"), arc_weight=0), arrays,
                     length=10)
    np.testing.assert_allclose(dist_only.moves(y, last, 4), dist_only.distance(y))
    no_flow = Loss(EngineSettings(flow=0, sweetness=0.7, smoothness=0), arrays)
    np.testing.assert_allclose(no_flow.moves(y, last), -0.7 * no_flow.key_term(last))
    assert (Loss(EngineSettings(), arrays).arc_term(3) == 0).all()


def test_loss_errors_are_clear():
    arrays = make_arrays(50, seed=1)
    bare = SongArrays(z=arrays.z, mode=arrays.mode, key=arrays.key, tempo=arrays.tempo, pca=arrays.pca)
    with pytest.raises(ValueError, match="length"):
        Loss(EngineSettings(arc=Arc.named("peak")), arrays)
    with pytest.raises(ValueError, match="position"):
        Loss(EngineSettings(arc=Arc.named("peak")), arrays, length=5).arc_term(None)
    with pytest.raises(ValueError, match="energy"):
        Loss(EngineSettings(arc=Arc.named("peak")), bare, length=5)
    with pytest.raises(ValueError, match="valence"):
        Loss(EngineSettings(arc=VALENCE_ARC), dataclasses.replace(bare, energy=arrays.energy), length=5)
    # without artists every song's artist is unknown: the artist gap never breaks
    assert not Loss(EngineSettings(artist_gap=1), bare).violations(np.arange(50)).any()
    assert len(Loss(EngineSettings(camelot_only=True, max_bpm_change=6), bare)) == 50  # key and tempo suffice


# --- hard rules and the whole-order tables -------------------------------------------------------------------

ALL_RULES = {"camelot_only": True, "max_bpm_change": 6.0, "artist_gap": 1}


def expected_masks(arrays, last, cand, max_pct):
    a, c = np.asarray(last)[:, None], np.asarray(cand)[None, :]
    art = arrays.artist
    return {
        "camelot_only": keys.camelot_compatible(arrays.key[a], arrays.mode[a], arrays.key[c], arrays.mode[c]),
        "max_bpm_change": tempo.tempo_change_pct(arrays.tempo[a].astype(float), arrays.tempo[c].astype(float))
        <= max_pct,
        "artist_gap": (art[a] != art[c]) | (art[a] < 0),
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_rule_masks_and_violations_follow_the_theory(dtype):
    arrays = make_arrays(300, seed=9, n_artists=12)
    rng = np.random.default_rng(2)
    cand, last = rng.choice(300, 120, replace=False), rng.choice(300, 10)
    want = expected_masks(arrays, last, cand, 6.0)
    for on in (("camelot_only",), ("max_bpm_change",), ("artist_gap",), tuple(ALL_RULES)):
        s = EngineSettings(**{"artist_gap": 0, **{k: v for k, v in ALL_RULES.items() if k in on}})
        loss = Loss(s, arrays, cand, dtype=dtype)
        masks = loss.rule_masks(last)
        assert tuple(masks) == on
        for name in on:
            assert np.array_equal(masks[name], want[name]), name
        assert np.array_equal(loss.violations(last), sum((~want[n]).astype(int) for n in on))
    loss = Loss(EngineSettings(artist_gap=0), arrays, cand, dtype=dtype)
    assert loss.rule_masks(last) == {} and not loss.violations(last).any()


def test_pair_and_arc_matrices_are_the_loss_of_every_pair_and_position():
    arrays = make_arrays(200, seed=5, n_artists=8)
    songs = np.random.default_rng(1).choice(200, 30, replace=False)
    L = len(songs)
    s = fit_arc(EngineSettings(**ALL_RULES, arc=Arc.named("waves"), arc_weight=1.5, sweetness=0.4, smoothness=1.2),
                arrays, songs)
    loss = Loss(s, arrays, songs, length=L)
    _, _, ks, ts = expected_moves(s, arrays, np.zeros((L, 8)), songs, songs, 1, L)
    broken = sum((~m).astype(int) for m in expected_masks(arrays, songs, songs, 6.0).values())
    np.testing.assert_allclose(loss.pair_matrix(), -0.4 * ks - 1.2 * ts + RULE_PENALTY * broken, atol=1e-9)
    assert broken.any()  # the penalty is really exercised
    target = s.arc.targets(L)[:, 0]
    np.testing.assert_allclose(loss.arc_matrix(), 1.5 * np.abs(arrays.energy[songs][None, :] - target[:, None]),
                               atol=1e-6)
    assert Loss(EngineSettings(), arrays, songs).arc_matrix() is None


# --- scoring orders --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("preset", ["dj", "reference"])
def test_order_totals_is_score_order_plus_the_rule_penalty(preset):
    arrays = make_arrays(120, seed=13, n_artists=5)
    rng = np.random.default_rng(7)
    orders = np.stack([rng.choice(120, 12, replace=False) for _ in range(12)])
    s = fit_arc(EngineSettings.from_preset(preset, **ALL_RULES, arc=Arc.named("peak"), arc_weight=2.0), arrays,
                orders[0])
    broken_any = 0
    for n_fixed in (1, 3):
        totals = order_totals(orders, s, arrays=arrays, predictor=RNN, n_fixed=n_fixed)
        assert totals.shape == (12,)
        for o, total in zip(orders, totals):
            pl = score_order(o, s, arrays=arrays, predictor=RNN, n_seeds=n_fixed)
            # float32 fake network: batched and single-order steps may round differently (BLAS kernels by shape)
            assert total == pytest.approx(pl.total_loss + RULE_PENALTY * pl.broken_rules, rel=1e-6, abs=1e-9)
            assert pl.total_loss == pytest.approx(np.nansum(pl.loss))
            broken_any += pl.broken_rules
    assert broken_any > 0
    without = EngineSettings.from_preset(preset).without_rules()
    assert np.allclose(order_totals(orders, without, arrays=arrays, predictor=RNN),
                       [score_order(o, without, arrays=arrays, predictor=RNN).total_loss for o in orders])


def test_score_order_reports_each_term_of_each_move():
    arrays = make_arrays(150, seed=17, n_artists=6)
    order = np.random.default_rng(3).choice(150, 10, replace=False)
    s = fit_arc(EngineSettings(**ALL_RULES, arc=VALENCE_ARC, arc_weight=1.7, spicy=1.4), arrays, order)
    pl = score_order(order, s, arrays=arrays, predictor=RNN, n_seeds=2)
    assert pl.indices.tolist() == order.tolist() and pl.n_seeds == 2 and pl.settings == s and pl.moves == 8
    for f in (pl.distance, pl.key_score, pl.tempo_score, pl.arc_penalty, pl.loss):
        assert np.isnan(f[:2]).all() and np.isfinite(f[2:]).all()
    assert np.isnan(pl.predicted[:2]).all() and np.isnan(pl.arc_target[:2]).all()
    ys = predictions(RNN, arrays, order)[0]
    np.testing.assert_allclose(pl.predicted[2:], 1.4 * ys[1:-1], rtol=1e-6)
    want = np.full(10, np.nan)
    for i in range(2, 10):
        w, d, ks, ts = expected_moves(s, arrays, ys[i - 1:i], order[i - 1:i], order[i:i + 1], i, 10)
        want[i] = w[0, 0]
        assert pl.distance[i] == pytest.approx(d[0, 0], rel=1e-6)
        assert (pl.key_score[i], pl.tempo_score[i]) == (pytest.approx(ks[0, 0]), pytest.approx(ts[0, 0]))
    np.testing.assert_allclose(pl.loss[2:], want[2:], rtol=1e-6, atol=1e-6)
    targets = VALENCE_ARC.targets(10)
    np.testing.assert_allclose(pl.arc_target[2:], targets[2:])
    e, v = arrays.energy[order].astype(float), arrays.valence[order].astype(float)
    np.testing.assert_allclose(pl.arc_penalty[2:], (np.abs(e - targets[:, 0]) + np.abs(v - targets[:, 1]))[2:],
                               atol=1e-6)
    masks = expected_masks(arrays, order[1:-1], order[2:], 6.0)
    for i in range(2, 10):
        assert pl.relaxed[i] == tuple(n for n, m in masks.items() if not m[i - 2, i - 2])
    assert pl.relaxed[:2] == [(), ()] and pl.broken_rules == sum(map(len, pl.relaxed))
    assert pl.relaxed_moves == sum(bool(r) for r in pl.relaxed)


def test_score_order_edges():
    arrays = make_arrays(30, seed=2)
    one = score_order([4], EngineSettings(), arrays=arrays, predictor=RNN)
    assert len(one) == 1 and one.total_loss == 0.0 and one.moves == 0
    two = score_order([4, 9], EngineSettings(), arrays=arrays, predictor=RNN, n_seeds=0)  # at least one start
    assert two.n_seeds == 1 and np.isfinite(two.loss[1])
    assert score_order([4, 9], EngineSettings(), arrays=arrays, predictor=RNN, n_seeds=5).total_loss == 0.0
    assert order_totals(np.array([[3]]), EngineSettings(), arrays=arrays, predictor=RNN).tolist() == [0.0]


def test_fit_arc_stretches_named_shapes_to_the_songs():
    arrays = make_arrays(200, seed=6)
    songs = np.flatnonzero(arrays.energy < 0.5)
    s = fit_arc(EngineSettings(arc=Arc.named("build")), arrays, songs)
    low, high = arcs.energy_range(arrays.energy[songs])
    assert s.arc == Arc.named("build", low, high) and not s.fit_arc and high < 0.5
    assert fit_arc(s, arrays, np.arange(200)) == s  # fitted once: scoring again keeps the targets
    custom = EngineSettings(arc=VALENCE_ARC)
    assert fit_arc(custom, arrays, songs).arc == VALENCE_ARC
    as_given = EngineSettings(arc=Arc.named("peak"), fit_arc=False)
    assert fit_arc(as_given, arrays, songs) == as_given
    assert fit_arc(EngineSettings(), arrays, songs) == EngineSettings()
