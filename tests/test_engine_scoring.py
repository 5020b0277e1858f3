"""Issue 8 in the engine, reorder, export and CLI: DJ key/tempo scores, hard rules with relaxation, energy arcs."""

import json
from dataclasses import replace

import numpy as np
import pytest

from disco import engine, scoring, theory
from disco.arcs import Arc
from disco.engine import Weights, build_playlist, evaluate_sequence, sequence_losses
from disco.interfaces import SongArrays
from disco.reorder import reorder_songs
from disco.scoring import DJ_DEFAULTS, RULE_PENALTY, Rules, Scoring
from fakes import LinearRNN, RunningMean, make_arrays

ARRAYS = make_arrays(300, seed=11)
RNN = LinearRNN(seed=2)
DJ = Scoring(key="camelot", tempo="dj")
ALL = Scoring(key="camelot", tempo="dj", arc=Arc.named("peak"), arc_weight=2.0,
              rules=Rules(camelot_only=True, max_bpm_change=6.0, no_repeat_artist=True))


def thirds(values):
    n = len(values)
    a, b = n // 3, n - n // 3
    return values[:a].mean(), values[a:b].mean(), values[b:].mean()


def moves_ok(arrays, order, fn):
    o = np.asarray(order)
    return fn(arrays, o[:-1], o[1:])


def camelot_ok(arrays, s, c):
    return theory.camelot_compatible(arrays.key[s], arrays.mode[s], arrays.key[c], arrays.mode[c])


# --- defaults = the reference ---------------------------------------------------------------------------


@pytest.mark.parametrize("search", ["greedy", "beam"])
def test_default_scoring_is_the_reference(search):
    seeds, pool = [3, 8], np.arange(10, 300)
    w = Weights(flow=1.1, sweetness=0.8, smoothness=1.3)
    plain = build_playlist(seeds, pool, 15, w, search, arrays=ARRAYS, predictor=RNN)
    explicit = build_playlist(seeds, pool, 15, w, search, arrays=ARRAYS, predictor=RNN,
                              scoring=Scoring(key="reference", tempo="reference", rules=Rules(), arc=None))
    assert plain.indices.tolist() == explicit.indices.tolist()
    for f in ("loss", "distance", "key_similarity", "tempo_similarity"):
        assert np.array_equal(getattr(plain, f), getattr(explicit, f), equal_nan=True)
    # the reported terms are the spec's formulas, exactly
    s, c = plain.indices[1:-1], plain.indices[2:]
    ks = theory.key_similarity(ARRAYS.key[s], ARRAYS.mode[s], ARRAYS.key[c], ARRAYS.mode[c])
    ts = theory.tempo_similarity(ARRAYS.tempo[s], ARRAYS.tempo[c])
    assert np.array_equal(plain.key_similarity[2:], ks) and np.array_equal(plain.tempo_similarity[2:], ts)
    assert np.array_equal(plain.loss[2:], 1.1 * plain.distance[2:] - 0.8 * ks - 1.3 * ts)
    assert np.isnan(plain.arc_target).all() and np.isnan(plain.arc_penalty).all()
    assert plain.relaxed == [()] * 15 and plain.settings["relaxed_moves"] == 0
    assert plain.settings["scoring"] == Scoring().to_dict()


def test_sequence_losses_default_equals_reference_formula():
    orders = np.array([np.random.default_rng(i).choice(300, 10, replace=False) for i in range(4)])
    got = sequence_losses(orders, arrays=ARRAYS, predictor=RNN)
    explicit = sequence_losses(orders, arrays=ARRAYS, predictor=RNN, scoring=Scoring())
    assert np.array_equal(got, explicit)
    single = [evaluate_sequence(o, 1, arrays=ARRAYS, predictor=RNN).total_loss for o in orders]
    assert np.allclose(got, single)


# --- DJ scores in the search ------------------------------------------------------------------------------


def test_dj_modes_report_their_scores_and_greedy_takes_the_argmin():
    pool = np.arange(20, 300)
    w = Weights(sweetness=0.7, smoothness=0.6)
    pl = build_playlist([0], pool, 8, w, arrays=ARRAYS, predictor=RNN, scoring=DJ)
    s, c = pl.indices[:-1], pl.indices[1:]
    assert np.allclose(pl.key_similarity[1:], scoring.key_score(ARRAYS.key[s], ARRAYS.mode[s], ARRAYS.key[c],
                                                                 ARRAYS.mode[c], "camelot"))
    assert np.allclose(pl.tempo_similarity[1:], scoring.tempo_score(ARRAYS.tempo[s], ARRAYS.tempo[c], "dj"))
    assert np.allclose(pl.loss[1:], pl.distance[1:] - 0.7 * pl.key_similarity[1:] - 0.6 * pl.tempo_similarity[1:])
    for i in range(1, len(pl)):
        rest = [x for x in pool if x not in pl.indices[:i]]
        cand = np.array([np.concatenate([pl.indices[:i], [x]]) for x in rest])
        tot = sequence_losses(cand, arrays=ARRAYS, predictor=RNN, weights=w, scoring=DJ)
        assert rest[int(np.argmin(tot))] == pl.indices[i]


def test_camelot_scoring_raises_the_camelot_rate():
    rates = {}
    for name, sc in (("reference", Scoring()), ("dj", DJ)):
        hits = moves = 0
        for s in range(6):
            pl = build_playlist([s], np.arange(10, 300), 20, arrays=ARRAYS, predictor=RunningMean(), scoring=sc)
            hits += moves_ok(ARRAYS, pl.indices, camelot_ok).sum()
            moves += len(pl) - 1
        rates[name] = hits / moves
    assert rates["dj"] > rates["reference"] + 0.1, rates


# --- hard rules -------------------------------------------------------------------------------------------


def keyed_arrays():
    """Seed 0 in C major (8B); songs 1-3 in G major (9B, compatible) but far in feature space; songs 4-13 in
    F# major (2B, incompatible with 8B/9B, compatible with each other) right where the prediction is."""
    n = 14
    z = np.zeros((n, 8), np.float32)
    z[1:4] = 3.0
    key = np.array([0] + [7] * 3 + [6] * 10, np.int8)
    return SongArrays(z=z, mode=np.ones(n, np.int8), key=key, tempo=np.full(n, 120, np.float32),
                      pca=z[:, :3].copy(), energy=np.full(n, 0.5, np.float32),
                      valence=np.full(n, 0.5, np.float32), artist=np.arange(n, dtype=np.int32))


@pytest.mark.parametrize("search", ["greedy", "beam"])
def test_camelot_only_relaxes_when_the_pool_cannot_meet_it_and_marks_the_move(search):
    arrays = keyed_arrays()
    free = build_playlist([0], np.arange(1, 14), 14, search=search, arrays=arrays, predictor=RunningMean())
    assert not camelot_ok(arrays, 0, free.indices[1])  # without the rule the close, clashing songs come first
    sc = Scoring(rules=Rules(camelot_only=True))
    pl = build_playlist([0], np.arange(1, 14), 14, search=search, arrays=arrays, predictor=RunningMean(), scoring=sc)
    assert sorted(pl.indices[1:4].tolist()) == [1, 2, 3]  # the compatible songs while they last
    ok = moves_ok(arrays, pl.indices, camelot_ok)
    assert ok.sum() == 12  # one forced break: 9B -> 2B
    assert pl.relaxed[4] == ("camelot_only",)
    assert [i for i, r in enumerate(pl.relaxed) if r] == [4]
    assert pl.settings["relaxed_moves"] == 1 and pl.settings["scoring"]["rules"]["camelot_only"] is True


def test_camelot_only_with_a_compatible_pool_gives_only_compatible_moves():
    for s in range(4):
        seed = int(np.flatnonzero(ARRAYS.key >= 0)[s])
        pl = build_playlist([seed], np.arange(300), 20, arrays=ARRAYS, predictor=RNN,
                            scoring=Scoring(rules=Rules(camelot_only=True)))
        assert moves_ok(ARRAYS, pl.indices, camelot_ok).all()
        assert pl.settings["relaxed_moves"] == 0 and all(r == () for r in pl.relaxed)


def test_max_bpm_change_and_no_repeat_artist_hold_when_possible():
    arrays = make_arrays(300, seed=5, n_artists=6)  # few artists: repeats are likely without the rule
    rules = Rules(max_bpm_change=4.0, no_repeat_artist=True)
    pl = build_playlist([0], np.arange(1, 300), 20, arrays=arrays, predictor=RNN, scoring=Scoring(rules=rules))
    o = pl.indices
    assert (scoring.bpm_change_pct(arrays.tempo[o[:-1]], arrays.tempo[o[1:]]) <= 4.0 + 1e-6).all()
    a = arrays.artist[o]
    assert not ((a[:-1] == a[1:]) & (a[:-1] >= 0)).any()
    assert pl.relaxed_moves == 0


def test_rules_in_beam_never_break_more_than_greedy_and_width_one_is_greedy():
    arrays = make_arrays(80, seed=3, n_artists=4)
    for s in range(5):
        rng = np.random.default_rng(s)
        seeds = rng.choice(80, 2, replace=False)
        pool = rng.choice(80, 40, replace=False)
        g = build_playlist(seeds, pool, 25, arrays=arrays, predictor=RNN, scoring=ALL)
        b = build_playlist(seeds, pool, 25, search="beam", beam_width=5, arrays=arrays, predictor=RNN, scoring=ALL)
        assert (b.broken_rules, b.total_loss) <= (g.broken_rules, g.total_loss + 1e-9)
        one = build_playlist(seeds, pool, 25, search="beam", beam_width=1, arrays=arrays, predictor=RNN,
                             scoring=ALL)
        assert one.indices.tolist() == g.indices.tolist()
        # relaxed lists exactly the rules each move breaks
        o = g.indices
        fields = scoring.SongFields(arrays.key, arrays.mode, arrays.tempo, arrays.artist)
        masks = scoring.rule_masks(ALL.rules, fields.take(o[1:-1]), fields.take(o[2:]))
        for k in range(len(o) - 2):
            assert g.relaxed[k + 2] == tuple(n for n, m in masks.items() if not m[k])


def test_beam_pruning_stays_exact_with_dj_scoring_rules_and_arc(monkeypatch):
    arrays = make_arrays(2000, seed=4)
    seeds, pool = np.array([0, 1]), np.arange(2, 2000)
    sc = engine.fit_arc(ALL, arrays, pool)
    scorer = engine._Scorer(arrays, pool, Weights(sweetness=0.7, smoothness=0.6), sc, length=22)
    pruned = engine._beam_paths(seeds[None], pool, 20, 6, scorer, arrays, RunningMean())
    monkeypatch.setattr(engine, "_prune", lambda *a: None)
    full = engine._beam_paths(seeds[None], pool, 20, 6, scorer, arrays, RunningMean())
    assert pruned == full


# --- arcs -------------------------------------------------------------------------------------------------


def test_peak_arc_shapes_a_20_song_build():
    peaks = 0
    for s in range(5):
        pl = build_playlist([s], np.arange(5, 300), 20, arrays=ARRAYS, predictor=RNN,
                            scoring=Scoring(arc=Arc.named("peak"), arc_weight=5.0))
        first, middle, last = thirds(ARRAYS.energy[pl.indices].astype(np.float64))
        peaks += middle > first and middle > last
        # the breakdown: targets on songs, NaN on the seed; penalty = |energy - target|; loss includes it
        assert np.isnan(pl.arc_target[0]).all() and np.isfinite(pl.arc_target[1:]).all()
        e = ARRAYS.energy[pl.indices].astype(np.float64)
        assert np.allclose(pl.arc_penalty[1:], np.abs(e[1:] - pl.arc_target[1:, 0]))
        assert np.allclose(pl.loss[1:], pl.distance[1:] - pl.key_similarity[1:] - pl.tempo_similarity[1:]
                           + 5.0 * pl.arc_penalty[1:])
    assert peaks == 5
    ref = build_playlist([0], np.arange(5, 300), 20, arrays=ARRAYS, predictor=RNN)
    f, m, l = thirds(ARRAYS.energy[ref.indices].astype(np.float64))
    assert not (m > f + 0.1 and m > l + 0.1)  # the shape is the arc's doing, not the pool's


def test_named_arc_is_fitted_to_the_pool_and_recorded():
    low_pool = np.flatnonzero(ARRAYS.energy < 0.5)
    pl = build_playlist([int(low_pool[0])], low_pool[1:], 12, arrays=ARRAYS, predictor=RNN,
                        scoring=Scoring(arc=Arc.named("build"), arc_weight=3.0))
    pts = np.array(pl.settings["scoring"]["arc"]["energy"])
    assert pl.settings["scoring"]["arc"]["name"] == "build"
    assert 0 <= pts[:, 1].min() and pts[:, 1].max() < 0.5  # fitted inside what the pool can reach
    assert np.corrcoef(np.arange(11), ARRAYS.energy[pl.indices[1:]])[0, 1] > 0.5
    custom = Arc.from_points([[0, 0.9], [1, 0.95]])
    pl2 = build_playlist([0], np.arange(1, 300), 6, arrays=ARRAYS, predictor=RNN, scoring=Scoring(arc=custom))
    assert pl2.settings["scoring"]["arc"]["energy"] == [[0.0, 0.9], [1.0, 0.95]]  # custom arcs as given


def test_valence_arc_reports_both_targets():
    arc = Arc.from_points([[0, 0.2], [1, 0.8]], valence=[[0, 0.8], [1, 0.2]])
    pl = build_playlist([0], np.arange(1, 300), 10, arrays=ARRAYS, predictor=RNN, scoring=Scoring(arc=arc))
    assert pl.arc_target.shape == (10, 2)
    e, v = ARRAYS.energy[pl.indices].astype(float), ARRAYS.valence[pl.indices].astype(float)
    assert np.allclose(pl.arc_penalty[1:], np.abs(e - pl.arc_target[:, 0])[1:] + np.abs(v - pl.arc_target[:, 1])[1:])


def test_missing_fields_are_clear_errors():
    bare = SongArrays(z=ARRAYS.z, mode=ARRAYS.mode, key=ARRAYS.key, tempo=ARRAYS.tempo, pca=ARRAYS.pca)
    with pytest.raises(ValueError, match="energy"):
        build_playlist([0], np.arange(1, 50), 5, arrays=bare, predictor=RNN, scoring=Scoring(arc=Arc.named("peak")))
    with pytest.raises(ValueError, match="artist"):
        build_playlist([0], np.arange(1, 50), 5, arrays=bare, predictor=RNN,
                       scoring=Scoring(rules=Rules(no_repeat_artist=True)))
    ok = build_playlist([0], np.arange(1, 50), 5, arrays=bare, predictor=RNN,
                        scoring=Scoring(key="camelot", tempo="dj", rules=Rules(camelot_only=True)))
    assert len(ok) == 5


# --- reorder ----------------------------------------------------------------------------------------------


def test_reorder_minimises_rule_breaks_first():
    arrays = make_arrays(150, seed=8)
    rng = np.random.default_rng(1)
    # 8 songs that can be chained compatibly: keys walking around the wheel in major (B)
    ring = [0, 7, 2, 9, 4, 11, 6, 1]  # C, G, D, A, E, B, F#, C#: 8B, 9B, ... each +1
    idx = rng.choice(150, 8, replace=False)
    key = arrays.key.copy()
    mode = arrays.mode.copy()
    key[idx], mode[idx] = ring, 1
    arrays = replace(arrays, key=key, mode=mode)
    given = idx[[0, 4, 1, 5, 2, 6, 3, 7]]  # the same songs shuffled: many clashes
    sc = Scoring(rules=Rules(camelot_only=True))
    before = evaluate_sequence(given, 1, arrays=arrays, predictor=RNN, scoring=sc)
    out = reorder_songs(given, arrays, RNN, scoring=sc)
    assert sorted(out.indices.tolist()) == sorted(given.tolist()) and out.indices[0] == given[0]
    assert before.relaxed_moves >= 4 and out.relaxed_moves == 0
    assert out.settings["relaxed_moves"] == 0
    objective = sequence_losses(out.indices[None], arrays=arrays, predictor=RNN, scoring=sc)[0]
    assert objective == pytest.approx(out.total_loss)  # no broken rule: no penalty
    broken = sequence_losses(given[None], arrays=arrays, predictor=RNN, scoring=sc)[0]
    assert broken == pytest.approx(before.total_loss + RULE_PENALTY * before.broken_rules)


def test_reorder_follows_a_peak_arc():
    idx = np.random.default_rng(3).choice(300, 12, replace=False)
    sc = Scoring(arc=Arc.named("peak"), arc_weight=5.0)
    out = reorder_songs(idx, ARRAYS, RNN, scoring=sc)
    first, middle, last = thirds(ARRAYS.energy[out.indices].astype(np.float64))
    assert middle > first and middle > last
    assert out.settings["scoring"]["arc"]["name"] == "peak"


# --- DJ_DEFAULTS ------------------------------------------------------------------------------------------


def test_dj_defaults_are_a_dj_scoring():
    w, sc = DJ_DEFAULTS
    assert isinstance(w, Weights) and isinstance(sc, Scoring)
    assert (sc.key, sc.tempo) == ("camelot", "dj") and not sc.rules.active and sc.arc is None
    pl = build_playlist([0], np.arange(1, 300), 10, w, arrays=ARRAYS, predictor=RNN, scoring=sc)
    assert len(pl) == 10


def test_playlist_json_carries_arc_and_relaxed(tidy_csv):
    from disco.catalog import load_catalog
    from disco.export import playlist_frame, to_json, to_table
    from fakes import arrays_from_songs

    cat = load_catalog(tidy_csv, cache=False)
    arrays = arrays_from_songs(cat.songs)
    sc = Scoring(arc=Arc.named("peak"), arc_weight=2.0, rules=Rules(camelot_only=True, max_bpm_change=0.0))
    pl = build_playlist([0], np.arange(len(cat.songs)), 8, arrays=arrays, predictor=RNN, scoring=sc)
    assert pl.relaxed_moves >= 1  # a 0% tempo change cannot be met
    doc = json.loads(to_json(cat, pl))
    rows = doc["playlist"]
    assert rows[0]["arc_target"] is None and rows[0]["relaxed"] == []
    assert rows[3]["arc_target"] == pytest.approx(pl.arc_target[3, 0])
    assert rows[3]["arc_penalty"] == pytest.approx(pl.arc_penalty[3])
    assert [r["relaxed"] for r in rows] == [list(r) for r in pl.relaxed]
    assert doc["relaxed_moves"] == pl.relaxed_moves == doc["settings"]["relaxed_moves"]
    assert doc["settings"]["scoring"]["rules"] == {"camelot_only": True, "max_bpm_change": 0.0,
                                                   "no_repeat_artist": False}
    frame = playlist_frame(cat, pl)
    assert frame["relaxed"].tolist() == [",".join(r) for r in pl.relaxed]
    table = to_table(cat, pl)
    assert "target" in table and f"{pl.relaxed_moves} move" in table and "max_bpm_change" in table
    marked = [ln for ln in table.splitlines()[2:2 + len(pl)] if ln[2] == "!"]
    assert len(marked) == pl.relaxed_moves


def test_scorer_fast_paths_agree_with_the_scoring_functions():
    arrays = make_arrays(400, seed=9, n_artists=30)
    pool = np.arange(50, 400)
    w = Weights(flow=1.2, sweetness=0.7, smoothness=0.9)
    sc = engine.fit_arc(ALL, arrays, pool)
    scorer = engine._Scorer(arrays, pool, w, sc, length=20)
    last = np.array([0, 3, 7, 11])
    y = np.random.default_rng(0).normal(size=(4, 8))
    got = scorer.scores(last, y, position=6)
    d = np.linalg.norm(1.2 * y[:, None, :] - arrays.z[pool][None].astype(float), axis=2)
    ks = sc.key_score(arrays.key[last][:, None], arrays.mode[last][:, None], arrays.key[pool], arrays.mode[pool])
    ts = sc.tempo_score(arrays.tempo[last][:, None], arrays.tempo[pool])
    arc = np.abs(arrays.energy[pool].astype(float) - sc.arc.targets(20)[6, 0])
    assert np.allclose(got, 1.2 * d - 0.7 * ks - 0.9 * ts + 2.0 * arc, atol=1e-4)
    available = np.random.default_rng(1).random((4, len(pool))) < 0.5
    fields = scoring.SongFields(arrays.key, arrays.mode, arrays.tempo, arrays.artist)
    expected, _ = scoring.allowed_masks(sc.rules, fields.take(last), fields.take(pool), available)
    assert np.array_equal(scorer.allowed(last, available), expected)
