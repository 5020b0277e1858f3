"""The dashboard's Plotly figures: one point per song, moves classified by the theory functions, the Camelot
wheel's geometry, tempo folded like a DJ mixes it, named 3D axes, the loss terms from the playlist's own
settings, code names shown as words."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disco.engine.playlist import Playlist
from disco.engine.settings import EngineSettings
from disco.plots import evaluation as eval_plots
from disco.plots import keys as key_plots
from disco.plots import model as model_plots
from disco.plots import names
from disco.plots import playlist as plots
from disco.plots import tempo as tempo_plots
from disco.plots import trajectory as trajectory_plots
from disco.plots.common import BAD, GOOD
from disco.theory.arcs import Arc
from disco.theory.keys import camelot_compatible, camelot_key_score, parse_key
from disco.theory.tempo import TEMPO_TOLERANCE_PCT


def _trace(fig, prefix):
    matches = [t for t in fig.data if (t.name or "").startswith(prefix)]
    assert len(matches) == 1, [t.name for t in fig.data]
    return matches[0]


def test_trajectory_has_one_point_per_song_in_order():
    rng = np.random.default_rng(1)
    pca = rng.normal(size=(12, 3))
    labels = [f"Artist {i} - Song {i}" for i in range(12)]
    seeds = np.zeros(12, bool)
    seeds[:2] = True
    fig = trajectory_plots.trajectory_3d(pca, labels, seeds, background=rng.normal(size=(50, 3)),
                                         axes=("PC1: energy +", "PC2: valence +", "PC3: liveness −"))
    line = _trace(fig, "playlist")
    assert line.mode == "lines+markers"
    np.testing.assert_allclose(np.array(line.x), pca[:, 0])
    np.testing.assert_allclose(np.array(line.z), pca[:, 2])
    assert list(line.marker.color) == list(range(1, 13))  # coloured by position
    assert list(line.line.color) == list(range(1, 13))  # the path too: its direction shows
    assert "1. Artist 0" in line.text[0] and line.text[11].startswith("12. ")  # numbered hover
    np.testing.assert_allclose([_trace(fig, "start").x[0], _trace(fig, "end").x[0]], pca[[0, -1], 0])
    assert list(_trace(fig, "numbers").text) == [str(p) for p in range(1, 13)]
    assert fig.layout.scene.xaxis.title.text == "PC1"  # short along the axis, named in full in the note
    assert fig.layout.annotations[0].text.split("<br>") == ["PC1: energy +", "PC2: valence +", "PC3: liveness −"]
    assert "Artist 3 - Song 3" in line.text[3]
    seed_trace = _trace(fig, "seeds")
    np.testing.assert_allclose(np.array(seed_trace.y), pca[:2, 1])
    assert len(_trace(fig, "catalog").x) == 50


def test_trajectory_without_seeds_has_no_seed_trace_and_rejects_bad_shapes():
    fig = trajectory_plots.trajectory_3d(np.zeros((3, 3)), ["a", "b", "c"])
    assert [t.name for t in fig.data] == ["playlist", "numbers", "start", "end"]
    with pytest.raises(ValueError, match="labels"):
        trajectory_plots.trajectory_3d(np.zeros((3, 3)), ["a"])
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        trajectory_plots.trajectory_3d(np.zeros((3, 2)), ["a", "b", "c"])


def test_long_trajectories_number_every_fifth_song():
    fig = trajectory_plots.trajectory_3d(np.random.default_rng(0).normal(size=(55, 3)), [str(i) for i in range(55)])
    assert list(_trace(fig, "numbers").text) == [str(p) for p in range(1, 56, 5)]
    assert len(_trace(fig, "playlist").x) == 55


def test_axes_are_named_by_their_strongest_features():
    features = ("acousticness", "danceability", "energy", "loudness")
    components = np.array([[-0.48, 0.05, 0.63, 0.56], [0.1, 0.95, 0.0, 0.1], [0.0, 0.1, -0.3, -0.2]])
    names_ = trajectory_plots.axis_names(components, features)
    assert names_[0] == "PC1: energy +, loudness +"  # the two strongest (both >= 0.4)
    assert names_[1] == "PC2: danceability +"
    assert names_[2] == "PC3: energy −"  # none reaches 0.4: the strongest, with its direction
    assert trajectory_plots.fallback_axis_names(["energy", "tempo"]) == (
        "energy (standardised)", "tempo (log, standardised)", "(none)")
    titles = [trajectory_plots.short_axis_title(n) for n in (names_[0], *trajectory_plots.fallback_axis_names(
        ["energy", "tempo"]))]
    assert titles == ["PC1", "energy", "tempo", "(none)"]
    with pytest.raises(ValueError, match="components"):
        trajectory_plots.axis_names(components[:2], features)


def test_key_strip_splits_moves_into_compatible_and_clashing():
    # C major (8B) -> G major (9B): ok; G major -> C# major (3B): clash; C# -> no key: clash; none -> A minor
    keys = np.array([0, 7, 1, -1, 9])
    modes = np.array([1, 1, 1, 1, 0])
    fig = key_plots.key_strip(keys, modes, list("abcde"))
    songs = _trace(fig, "songs")
    assert list(songs.text) == ["8B", "9B", "3B", "", "8A"]
    assert np.isnan(songs.y[3])
    ok = _trace(fig, "compatible move")
    clash = _trace(fig, "clash")
    expected = camelot_compatible(keys[:-1], modes[:-1], keys[1:], modes[1:])
    assert ok.name == f"compatible move ({int(expected.sum())})"
    assert clash.name == f"clash ({int((~expected).sum())})"
    assert list(ok.x[:2]) == [1, 2]  # the 8B -> 9B move joins positions 1 and 2


def test_key_strip_wraps_12_to_1_the_short_way_and_highlights_changed_moves():
    keys, modes = np.array([parse_key(c) for c in ("12A", "1A", "1A")]).T  # 12A -> 1A: a neighbour
    fig = key_plots.key_strip(keys, modes, list("abc"), changed=[True, False])
    ok = _trace(fig, "compatible move")
    ys = [y for y in ok.y if y is not None]
    assert max(ys) <= 12.5 and min(ys) >= 0.5 and 12.5 in ys and 0.5 in ys  # leaves at the top, back at the bottom
    assert len([y for y in _trace(fig, "changed").y if y is not None]) == 4  # only the first move (two pieces)
    assert list(_trace(fig, "songs").text) == ["12A", "1A", ""]  # a key is written where it changes
    with pytest.raises(ValueError, match="one flag per move"):
        key_plots.key_strip(keys, modes, list("abc"), changed=[True])


def test_wheel_puts_8a_and_8b_at_one_angle_minor_inside():
    (ka, ma), (kb, mb) = parse_key("8A"), parse_key("8B")
    theta, radius = key_plots.wheel_position(np.array([ka, kb, 0, -1]), np.array([ma, mb, 1, 1]))
    assert theta[0] == theta[1] and radius[0] < radius[1]
    assert theta[2] == theta[1]  # C major is 8B
    assert np.isnan(theta[3]) and np.isnan(radius[3])  # no key: not on the wheel
    angles = [key_plots.wheel_position(*parse_key(f"{n}A"))[0] for n in range(1, 13)]
    assert angles == [(30.0 * n) % 360 for n in range(1, 13)]  # clockwise, 12 at the top (0 degrees)


def test_wheel_draws_12a_to_1a_as_a_short_arc():
    keys, modes = np.array([parse_key(c) for c in ("12A", "1A", "12A")]).T
    fig = key_plots.key_wheel(keys, modes, list("abc"))
    ok = _trace(fig, "compatible move")
    theta = np.array([t for t in ok.theta if t is not None], dtype=float)
    assert len(theta) == 2 * key_plots.PATH_STEPS
    assert np.all((theta >= -1e-9) & (theta <= 30 + 1e-9))  # between 12 (0 degrees) and 1 (30), never round
    assert ok.marker.symbol == "arrow" and ok.marker.angleref == "previous"  # pointing along the path
    sizes = [s for s, t in zip(ok.marker.size, ok.theta) if t is not None]
    assert sizes.count(key_plots.ARROW_SIZE) == 2  # one arrowhead per move, at its end
    assert list(_trace(fig, "move numbers").text) == ["2", "3"]
    assert ok.name == "compatible move (2)" and _trace(fig, "clash").name == "clash (0)"
    a, _ = key_plots.move_path(330.0, 1.0, 30.0, 1.0)  # 11A -> 1A: 60 degrees clockwise through 12
    assert np.all(np.diff(a) > 0) and a[-1] - a[0] == pytest.approx(60.0)


def test_wheel_colours_clashes_and_highlights_changed_moves():
    keys, modes = np.array([parse_key(c) for c in ("8A", "3B", "3B", "4B")]).T
    fig = key_plots.key_wheel(keys, modes, list("abcd"), [True, False, False, False],
                              changed=[False, True, False])
    assert _trace(fig, "clash").name == "clash (1)" and _trace(fig, "compatible move").name == "compatible move (2)"
    assert _trace(fig, "clash").line.color == BAD and _trace(fig, "compatible move").line.color == GOOD
    changed = [t for t in _trace(fig, "changed").theta if t is not None]
    assert len(changed) == key_plots.PATH_STEPS  # the one flagged move: the 3B -> 3B loop
    assert {"wheel", "songs", "move numbers"} <= {t.name for t in fig.data}
    assert fig.layout.polar.angularaxis.direction == "clockwise" and fig.layout.polar.angularaxis.rotation == 90


def test_tempo_is_folded_like_a_dj_mixes_it():
    folded, power = tempo_plots.folded_tempi([100.0, 206.0, 103.0, 51.0, 0.0, 150.0])
    np.testing.assert_allclose(folded[[0, 1, 2, 3, 5]], [100.0, 103.0, 103.0, 102.0, 75.0])
    assert list(power[[0, 1, 2, 3]]) == [0, -1, 0, 1] and np.isnan(folded[4])
    assert [tempo_plots.fold_label(p) for p in (0, 1, -1, 2)] == ["", "×2", "×½", "×4"]
    folded, power = tempo_plots.folded_tempi([170.0, 172.0, 86.0])  # the set's own octave is kept
    np.testing.assert_allclose(folded, [170.0, 172.0, 172.0])


def test_tempo_moves_fold_double_time():
    moves = tempo_plots.tempo_moves([100.0, 103.0, 206.0, 150.0])
    np.testing.assert_allclose(moves["change_pct"][:2], [3.0, 0.0], atol=1e-9)
    assert list(moves["fold"]) == [0, 1, 0]
    assert list(moves["compatible"]) == [True, True, False]
    fig = tempo_plots.tempo_view([100.0, 103.0, 206.0, 150.0], list("abcd"), [True, False, False, False])
    bars = _trace(fig, "tempo change")
    assert list(bars.marker.color) == [GOOD, GOOD, BAD]
    line = _trace(fig, "folded BPM")
    np.testing.assert_allclose(line.y, [100.0, 103.0, 103.0, 75.0])
    assert list(line.text) == ["", "", "×½", "×½"]  # the fold beside the songs that needed one
    assert "raw" not in line.hovertext[0] and "×½ of 206.0 BPM" in line.hovertext[2]
    assert fig.layout.xaxis.range == fig.layout.xaxis2.range == (0.5, 4.5)  # the four positions, no more


def _playlist(settings: EngineSettings, arc_penalty=(np.nan, np.nan, np.nan)) -> Playlist:
    """Three songs, one seed; two scored moves."""
    nan = np.nan
    return Playlist(indices=np.array([4, 7, 9]), n_seeds=1, settings=settings, predicted=np.full((3, 8), nan),
                    distance=np.array([nan, 1.0, 2.0]), key_score=np.array([nan, 1.0, 0.6]),
                    tempo_score=np.array([nan, 0.5, -1.0]), arc_target=np.full((3, 1), nan),
                    arc_penalty=np.asarray(arc_penalty, dtype=float), loss=np.array([nan, 0.0, 0.0]),
                    relaxed=[(), (), ()], total_loss=0.0)


def _flow(energy, valence=None, dance=None):
    n = len(energy)
    return {"energy": energy, "valence": valence if valence is not None else [0.5] * n,
            "danceability": dance if dance is not None else [0.6] * n}


def test_flow_over_the_set_and_loss_bars_weighted_by_the_playlists_settings():
    fig = plots.flow_over_set(_flow([0.1, 0.5, 0.9], [0.2, 0.3, 0.4], [0.7, 0.6, 0.5]), list("abc"),
                              [True, False, False])
    assert list(_trace(fig, "energy").y) == [0.1, 0.5, 0.9]
    assert list(_trace(fig, "danceability").y) == [0.7, 0.6, 0.5] and list(_trace(fig, "valence").x) == [1, 2, 3]
    bars = plots.loss_bars(_playlist(EngineSettings(flow=2.0, sweetness=1.0, smoothness=1.0)))
    assert list(_trace(bars, "flow").y) == [2.0, 4.0]
    assert list(_trace(bars, "-sweetness").y) == [-1.0, -0.6]
    assert list(_trace(bars, "-smoothness").y) == [-0.5, 1.0]
    assert [t.name for t in bars.data if t.name.startswith("arc")] == []  # no arc: no arc term
    with_arc = plots.loss_bars(_playlist(EngineSettings(sweetness=0.5, arc=Arc.named("peak"), arc_weight=3.0),
                                         arc_penalty=(np.nan, 0.1, 0.2)))
    np.testing.assert_allclose(_trace(with_arc, "arc").y, [0.3, 0.6])
    np.testing.assert_allclose(_trace(with_arc, "-sweetness").y, [-0.5, -0.3])


def test_tempo_view_marks_the_tolerance_in_percent():
    fig = tempo_plots.tempo_view([100.0, 100.0 * (1 + TEMPO_TOLERANCE_PCT / 100) - 0.01, 130.0], list("abc"))
    assert list(_trace(fig, "tempo change").marker.color) == [GOOD, BAD]
    levels = sorted(shape.y0 for shape in fig.layout.shapes)
    assert levels == [-TEMPO_TOLERANCE_PCT, TEMPO_TOLERANCE_PCT]
    assert f"within {TEMPO_TOLERANCE_PCT:g}%" in fig.layout.title.text


def test_model_figures():
    fig = model_plots.mae_bars({"network: gru": 0.65, "playlist_mean": 0.668, "global_mean": 0.81}, mad=0.85,
                               highlight="network: gru")
    assert list(fig.data[0].x) == ["network: GRU", "baseline: the playlist's average so far",
                                   "baseline: the average song"]  # in words
    assert list(fig.data[0].marker.color)[0] == model_plots.HIGHLIGHT
    assert [t.name for t in model_plots.tempo_score_curves(("dj",)).data] == ["DJ kernel"]
    curves = model_plots.tempo_score_curves()
    assert [t.name for t in curves.data] == ["DJ kernel", "reference"]  # the default first
    x = np.array(curves.data[0].x)
    dj, ref = np.array(curves.data[0].y), np.array(curves.data[1].y)

    def at(ratio: float) -> int:
        return int(np.argmin(np.abs(x - ratio)))

    assert dj[at(1)] == pytest.approx(1, abs=1e-2) and ref[at(1)] == pytest.approx(1, abs=1e-3)
    assert ref[at(2 ** 0.5)] == pytest.approx(-1, abs=1e-3)
    assert dj[at(1.06)] < 0 < ref[at(1.06)]  # 6% apart: the DJ kernel already penalises, the cosine not
    heat = model_plots.circle_of_fifths_heatmap()
    z = np.array(heat.data[0].z)
    assert z.shape == (12, 12) and (np.diag(z) == 1).all() and z[0, 6] == -1
    assert model_plots.circle_labels()[0].startswith("C / Am (8B/8A)")


def test_camelot_heatmap_is_the_dj_key_score_by_code():
    heat = model_plots.camelot_heatmap()
    z, labels = np.array(heat.data[0].z), list(heat.data[0].x)
    assert z.shape == (24, 24) and labels[:3] == ["1A", "1B", "2A"]

    def cell(a: str, b: str) -> float:
        return z[labels.index(a), labels.index(b)]

    assert cell("8A", "8A") == 1.0 and cell("8A", "9A") == 0.9 and cell("8A", "8B") == 0.8
    assert cell("8A", "9B") == 0.55 and cell("8A", "10A") == 0.45 and cell("8A", "2A") == 0.1
    (k1, m1), (k2, m2) = parse_key("12B"), parse_key("1B")  # the wheel wraps
    assert cell("12B", "1B") == camelot_key_score(k1, m1, k2, m2) == 0.9


def test_evaluation_figures():
    frame = pd.DataFrame({"camelot_rate": [0.7, 0.2], "tempo_rate": [0.6, 0.3]},
                         index=["disco_beam_reference", "random"])
    fig = eval_plots.bars(frame, ["camelot_rate", "tempo_rate"], "rates")
    assert [t.name for t in fig.data] == ["Camelot-compatible moves", f"tempo within {TEMPO_TOLERANCE_PCT:g}%"]
    assert list(fig.data[0].x) == ["DISCO, reference scoring, beam search", "random"]  # no code names
    rows = pd.DataFrame({"slider": ["flow", "flow", "flow", "spicy", "spicy"], "value": [0.0, 1.0, 4.0, 0.5, 4.0],
                         "is_default": [False, True, False, False, False], "camelot_rate": [0.3, 0.4, 0.5, 0.6, 0.7]})
    fig = eval_plots.sensitivity(rows, "camelot_rate", {"flow": (0.0, 3.0), "spicy": (0.5, 2.0)})
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert [t.name for t in lines] == ["flow", "spicy"]
    assert list(lines[0].x) == [0.0, 1.0] and list(lines[1].x) == [0.5]  # values beyond the slider left out
    low, high = fig.layout.xaxis.range
    assert low < 0.0 < 3.0 < high and high - 3.0 < 0.2  # the panel spans the slider's range
    low, high = fig.layout.xaxis2.range
    assert low < 0.5 < 2.0 < high and high - 2.0 < 0.1
    assert [t.name for t in fig.data if t.mode == "markers"] == ["flow: preset value"]
    thirds = eval_plots.thirds({"dj": {"thirds": [0.5, 0.8, 0.6]}})
    assert thirds.data[0].name == "DJ preset (default)" and list(thirds.data[0].y) == [0.5, 0.8, 0.6]
    grid = pd.DataFrame({"sweetness": [0.7], "smoothness": [0.6], "step_ratio": [1.05], "camelot_rate": [0.82],
                         "tempo_rate": [0.9]})
    assert list(eval_plots.weight_grid(grid, {"camelot_rate": 0.8}).data[0].text) == ["0.7/0.6"]


def test_flow_over_the_set_draws_the_target_under_the_achieved_energy():
    target = Arc.named("peak").curve(5)
    fig = plots.flow_over_set(_flow([0.3, 0.5, 0.9, 0.6, 0.4]), list("abcde"), [True] + [False] * 4, target=target)
    traces = [t.name for t in fig.data]
    assert traces.index("target energy") < traces.index("energy")  # drawn first: markers on top
    line = fig.data[traces.index("target energy")]
    assert np.allclose(line.y, target) and list(line.x) == [1, 2, 3, 4, 5]
    assert "target energy" not in {t.name for t in plots.flow_over_set(_flow([0.3] * 5), list("abcde")).data}
    with pytest.raises(ValueError, match="one value per song"):
        plots.flow_over_set(_flow([0.3] * 5), list("abcde"), target=target[:3])


def test_code_names_are_shown_as_words():
    assert names.method("disco_beam_reference") == "DISCO, reference scoring, beam search"
    assert names.method("human") == "human order" and names.method("new_method") == "new method"
    assert names.measure("hit_at_10") == "hit@10" and names.build("dj_peak") == "DJ preset + peak arc"
    assert names.predictor("network: gru_residual") == "network: GRU + running mean"
    assert names.predictor("last_song") == "baseline: the same song again"
    for table in (names.METHODS, names.BUILDS, names.MEASURES, names.PREDICTORS):
        assert all("_" not in label for label in table.values())


def test_song_labels_are_literal_hover_text():
    labels = ['<a href="http://evil.example">x</a>', "Tom & Jerry <3"]
    fig = trajectory_plots.trajectory_3d(np.zeros((2, 3)), labels, [True, False])
    hover = " ".join(next(t for t in fig.data if t.name == "playlist").text)
    assert "<a" not in hover and "&lt;a href" in hover and "Tom &amp; Jerry &lt;3" in hover
    for view in (key_plots.key_strip, key_plots.key_wheel):
        key = view(np.array([0, 7]), np.array([1, 1]), labels)
        assert all("<a" not in h for h in next(t for t in key.data if t.name == "songs").hovertext)
    tempo = tempo_plots.tempo_view([120.0, 121.0], labels)
    assert all("<a" not in h for h in _trace(tempo, "folded BPM").hovertext)
