"""The dashboard's Plotly figures: one point per song, moves classified by the theory functions, the loss
terms from the playlist's own settings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disco.engine.playlist import Playlist
from disco.engine.settings import EngineSettings
from disco.plots import evaluation as eval_plots
from disco.plots import model as model_plots
from disco.plots import playlist as plots
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
    fig = plots.trajectory_3d(pca, labels, seeds, background=rng.normal(size=(50, 3)))
    line = _trace(fig, "playlist")
    assert line.mode == "lines+markers"
    np.testing.assert_allclose(np.array(line.x), pca[:, 0])
    np.testing.assert_allclose(np.array(line.z), pca[:, 2])
    assert list(line.marker.color) == list(range(1, 13))  # coloured by position
    assert "Artist 3 - Song 3" in line.text[3]
    seed_trace = _trace(fig, "seeds")
    np.testing.assert_allclose(np.array(seed_trace.y), pca[:2, 1])
    assert len(_trace(fig, "catalog").x) == 50


def test_trajectory_without_seeds_has_no_seed_trace_and_rejects_bad_shapes():
    fig = plots.trajectory_3d(np.zeros((3, 3)), ["a", "b", "c"])
    assert [t.name for t in fig.data] == ["playlist"]
    with pytest.raises(ValueError, match="labels"):
        plots.trajectory_3d(np.zeros((3, 3)), ["a"])
    with pytest.raises(ValueError, match=r"\(n, 3\)"):
        plots.trajectory_3d(np.zeros((3, 2)), ["a", "b", "c"])


def test_key_view_splits_moves_into_compatible_and_clashing():
    # C major (8B) -> G major (9B): ok; G major -> C# major (3B): clash; C# -> no key: clash; none -> A minor
    keys = np.array([0, 7, 1, -1, 9])
    modes = np.array([1, 1, 1, 1, 0])
    fig = plots.key_view(keys, modes, list("abcde"))
    songs = _trace(fig, "songs")
    assert list(songs.text) == ["8B", "9B", "3B", "", "8A"]
    assert np.isnan(songs.y[3])
    ok = _trace(fig, "compatible move")
    clash = _trace(fig, "clash")
    expected = camelot_compatible(keys[:-1], modes[:-1], keys[1:], modes[1:])
    assert ok.name == f"compatible move ({int(expected.sum())})"
    assert clash.name == f"clash ({int((~expected).sum())})"
    assert list(ok.x[:2]) == [1, 2]  # the 8B -> 9B move joins positions 1 and 2


def test_tempo_moves_fold_double_time():
    moves = plots.tempo_moves([100.0, 103.0, 206.0, 150.0])
    np.testing.assert_allclose(moves["change_pct"][:2], [3.0, 0.0], atol=1e-9)
    assert list(moves["fold"]) == [0, 1, 0]
    assert list(moves["compatible"]) == [True, True, False]
    fig = plots.tempo_view([100.0, 103.0, 206.0, 150.0], list("abcd"), [True, False, False, False])
    bars = _trace(fig, "tempo change")
    assert list(bars.text) == ["", "x2", ""]
    assert list(bars.marker.color) == [plots.GOOD, plots.GOOD, plots.BAD]
    assert len(_trace(fig, "BPM").y) == 4


def _playlist(settings: EngineSettings, arc_penalty=(np.nan, np.nan, np.nan)) -> Playlist:
    """Three songs, one seed; two scored moves."""
    nan = np.nan
    return Playlist(indices=np.array([4, 7, 9]), n_seeds=1, settings=settings, predicted=np.full((3, 8), nan),
                    distance=np.array([nan, 1.0, 2.0]), key_score=np.array([nan, 1.0, 0.6]),
                    tempo_score=np.array([nan, 0.5, -1.0]), arc_target=np.full((3, 1), nan),
                    arc_penalty=np.asarray(arc_penalty, dtype=float), loss=np.array([nan, 0.0, 0.0]),
                    relaxed=[(), (), ()], total_loss=0.0)


def test_energy_arc_and_loss_bars_weighted_by_the_playlists_settings():
    fig = plots.energy_arc([0.1, 0.5, 0.9], [0.2, 0.3, 0.4], list("abc"), [True, False, False])
    assert list(_trace(fig, "energy").y) == [0.1, 0.5, 0.9]
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
    fig = plots.tempo_view([100.0, 100.0 * (1 + TEMPO_TOLERANCE_PCT / 100) - 0.01, 130.0], list("abc"))
    assert list(_trace(fig, "tempo change").marker.color) == [plots.GOOD, plots.BAD]
    levels = sorted(shape.y0 for shape in fig.layout.shapes)
    assert levels == [-TEMPO_TOLERANCE_PCT, TEMPO_TOLERANCE_PCT]
    assert f"within {TEMPO_TOLERANCE_PCT:g}%" in fig.layout.title.text


def test_model_figures():
    fig = model_plots.mae_bars({"network": 0.65, "playlist_mean": 0.668, "global_mean": 0.81}, mad=0.85,
                               highlight="network")
    assert list(fig.data[0].x) == ["network", "playlist_mean", "global_mean"]
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
    frame = pd.DataFrame({"camelot_rate": [0.7, 0.2], "tempo_rate": [0.6, 0.3]}, index=["disco", "random"])
    fig = eval_plots.bars(frame, ["camelot_rate", "tempo_rate"], "rates")
    assert [t.name for t in fig.data] == ["Camelot-compatible moves", f"tempo within {TEMPO_TOLERANCE_PCT:g}%"]
    assert list(fig.data[0].x) == ["disco", "random"]
    rows = pd.DataFrame({"slider": ["flow", "flow", "sweetness"], "value": [0.0, 1.0, 0.5],
                         "camelot_rate": [0.3, 0.4, 0.5]})
    assert [t.name for t in eval_plots.sensitivity(rows, "camelot_rate").data] == ["flow", "sweetness"]
    thirds = eval_plots.thirds({"dj": {"thirds": [0.5, 0.8, 0.6]}})
    assert thirds.data[0].name == "DJ preset (default)" and list(thirds.data[0].y) == [0.5, 0.8, 0.6]
    grid = pd.DataFrame({"sweetness": [0.7], "smoothness": [0.6], "step_ratio": [1.05], "camelot_rate": [0.82],
                         "tempo_rate": [0.9]})
    assert list(eval_plots.weight_grid(grid, {"camelot_rate": 0.8}).data[0].text) == ["0.7/0.6"]


def test_energy_arc_draws_the_target_under_the_achieved_energy():
    target = Arc.named("peak").curve(5)
    fig = plots.energy_arc([0.3, 0.5, 0.9, 0.6, 0.4], [0.5] * 5, list("abcde"), [True] + [False] * 4, target=target)
    names = [t.name for t in fig.data]
    assert names.index("target energy") < names.index("energy")  # drawn first: markers on top
    line = fig.data[names.index("target energy")]
    assert np.allclose(line.y, target) and list(line.x) == [1, 2, 3, 4, 5]
    assert "target energy" not in {t.name for t in plots.energy_arc([0.3] * 5, [0.5] * 5, list("abcde")).data}
    with pytest.raises(ValueError, match="one value per song"):
        plots.energy_arc([0.3] * 5, [0.5] * 5, list("abcde"), target=target[:3])
