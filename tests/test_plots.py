"""The dashboard's Plotly figures: one point per song, moves classified by the theory functions."""

from __future__ import annotations

import numpy as np
import pytest

from disco import plots, theory


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
    expected = theory.camelot_compatible(keys[:-1], modes[:-1], keys[1:], modes[1:])
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


def test_energy_arc_and_loss_bars():
    fig = plots.energy_arc([0.1, 0.5, 0.9], [0.2, 0.3, 0.4], list("abc"), [True, False, False])
    assert list(_trace(fig, "energy").y) == [0.1, 0.5, 0.9]
    bars = plots.loss_bars([np.nan, 1.0, 2.0], [np.nan, 1.0, 0.6], [np.nan, 0.5, -1.0],
                           {"flow": 2.0, "sweetness": 1.0, "smoothness": 1.0})
    assert list(_trace(bars, "flow").y) == [2.0, 4.0]
    assert list(_trace(bars, "-smoothness").y) == [-0.5, 1.0]


def test_model_figures():
    fig = plots.mae_bars({"network": 0.65, "playlist_mean": 0.668, "global_mean": 0.81}, mad=0.85,
                         highlight="network")
    assert list(fig.data[0].x) == ["network", "playlist_mean", "global_mean"]
    curve = plots.tempo_similarity_curve()
    x, y = np.array(curve.data[0].x), np.array(curve.data[0].y)
    assert y[np.argmin(np.abs(x - 1))] == pytest.approx(1, abs=1e-3)
    assert y[np.argmin(np.abs(x - 2 ** 0.5))] == pytest.approx(-1, abs=1e-3)
    heat = plots.key_similarity_heatmap()
    z = np.array(heat.data[0].z)
    assert z.shape == (12, 12) and (np.diag(z) == 1).all() and z[0, 6] == -1
    assert plots.circle_labels()[0].startswith("C / Am (8B/8A)")


def test_energy_arc_draws_the_target_under_the_achieved_energy():
    from disco.arcs import Arc

    target = Arc.named("peak").curve(5)
    fig = plots.energy_arc([0.3, 0.5, 0.9, 0.6, 0.4], [0.5] * 5, list("abcde"), [True] + [False] * 4, target=target)
    names = [t.name for t in fig.data]
    assert names.index("target energy") < names.index("energy")  # drawn first: markers on top
    line = fig.data[names.index("target energy")]
    assert np.allclose(line.y, target) and list(line.x) == [1, 2, 3, 4, 5]
    assert "target energy" not in {t.name for t in plots.energy_arc([0.3] * 5, [0.5] * 5, list("abcde")).data}
    with pytest.raises(ValueError, match="one value per song"):
        plots.energy_arc([0.3] * 5, [0.5] * 5, list("abcde"), target=target[:3])
