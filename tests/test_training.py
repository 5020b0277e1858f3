"""Windows, split by playlist, baselines and metrics on small hand-made cases (no TensorFlow)."""

from __future__ import annotations

import numpy as np
import pytest

from disco.model.windows import (
    baseline_maes,
    mad,
    make_windows,
    masked_mae,
    running_mean,
    split_playlists,
    window_tensors,
)


def _x(n_songs: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_songs, 9)).astype(np.float32)
    x[:, 0] = rng.integers(0, 2, n_songs)
    return x


def test_windows_cover_every_transition_once():
    playlists = {"long": list(range(120)), "short": [200, 201, 202], "single": [300], "exact": list(range(400, 450))}
    w = make_windows(playlists, length=50)
    assert w.playlist_ids == ("long", "long", "long", "short", "exact")
    assert w.skipped_playlists == 1
    assert w.songs.shape == (5, 50)
    # long: starts 0, 49, 98 (stride 49), last window padded with -1
    assert w.songs[0, 0] == 0 and w.songs[1, 0] == 49 and w.songs[2, 0] == 98
    assert list(w.lengths) == [50, 50, 22, 3, 50]
    assert (w.songs[3, 3:] == -1).all()
    transitions = {(int(a), int(b)) for row in w.songs for a, b in zip(row[:-1], row[1:]) if b >= 0}
    expected = {(i, i + 1) for i in range(119)} | {(200, 201), (201, 202)} | {(i, i + 1) for i in range(400, 449)}
    assert transitions == expected
    assert w.n_transitions == len(expected) == 119 + 2 + 49
    assert w.n_playlists == 3


def test_window_tensors_targets_are_next_song_and_masked():
    x = _x(30)
    w = make_windows({"a": [3, 7, 1, 9], "b": list(range(10, 30))}, length=8)
    X, Y, mask = window_tensors(w, x)
    assert X.shape == (len(w), 7, 9) and Y.shape == (len(w), 7, 8) and mask.dtype == bool
    assert mask[0].tolist() == [True, True, True, False, False, False, False]
    np.testing.assert_array_equal(X[0, :3], x[[3, 7, 1]])
    np.testing.assert_array_equal(Y[0, :3], x[[7, 1, 9], 1:])
    assert not X[0, 3:].any() and not Y[0, 3:].any()  # padding is zero
    for r in range(len(w)):
        idx = w.songs[r]
        for t in np.flatnonzero(mask[r]):
            np.testing.assert_array_equal(Y[r, t], x[idx[t + 1], 1:])
    assert mask.sum() == w.n_transitions


def test_split_is_disjoint_complete_and_seeded():
    ids = [f"p{i:03d}" for i in range(200)]
    split = split_playlists(ids, seed=3)
    sets = {k: set(v) for k, v in split.items()}
    assert not (sets["train"] & sets["validation"] or sets["train"] & sets["test"] or sets["validation"] & sets["test"])
    assert sets["train"] | sets["validation"] | sets["test"] == set(ids)
    assert (len(split["train"]), len(split["validation"]), len(split["test"])) == (140, 30, 30)
    reordered = split_playlists(list(reversed(ids)), seed=3)  # membership does not depend on input order
    assert all(set(reordered[k]) == sets[k] for k in split)
    assert split_playlists(ids, seed=3) == split
    assert split_playlists(ids, seed=4)["test"] != split["test"]
    with pytest.raises(ValueError, match="unique"):
        split_playlists(["a", "a", "b"])
    with pytest.raises(ValueError, match="fractions"):
        split_playlists(ids, fractions=(0.5, 0.5, 0.5))


def test_windows_of_a_split_never_share_playlists():
    playlists = {f"p{i}": list(range(i * 100, i * 100 + 20 + i)) for i in range(40)}
    split = split_playlists(list(playlists), seed=0)
    owners = {}
    for name, ids in split.items():
        for pid in make_windows({p: playlists[p] for p in ids}).playlist_ids:
            owners.setdefault(pid, set()).add(name)
    assert all(len(v) == 1 for v in owners.values()) and len(owners) == 40


def test_baselines_on_hand_made_case():
    # one window: songs z = 0, 2, 4 (all 8 dims), plus padding; one window: z = 1, 1
    X = np.zeros((2, 3, 9), np.float32)
    Y = np.zeros((2, 3, 8), np.float32)
    mask = np.array([[True, True, False], [True, False, False]])
    X[0, 0, 1:], X[0, 1, 1:] = 0, 2
    Y[0, 0], Y[0, 1] = 2, 4
    X[1, 0, 1:], Y[1, 0] = 1, 1
    X[1, 1:, 1:] = 99  # padding garbage must not count
    maes = baseline_maes(X, Y, mask, global_mean=np.ones(8, np.float32))
    # last song: |0-2|, |2-4|, |1-1| -> 4/3 ; playlist mean: |0-2|, |1-4|, |1-1| -> 5/3 ; global 1: 1, 3, 0 -> 4/3
    assert maes["last_song"] == pytest.approx(4 / 3)
    assert maes["playlist_mean"] == pytest.approx(5 / 3)
    assert maes["global_mean"] == pytest.approx(4 / 3)
    # targets 2, 4, 1: mean 7/3, deviations 1/3, 5/3, 4/3 -> 10/9
    assert mad(Y, mask) == pytest.approx(10 / 9)
    assert masked_mae(Y, Y, mask) == 0.0


def test_running_mean_respects_mask():
    X = np.zeros((1, 4, 9), np.float32)
    X[0, :, 1:] = np.array([2, 4, 6, 100])[:, None]
    m = running_mean(X, np.array([[True, True, True, False]]))
    np.testing.assert_allclose(m[0, :3, 0], [2, 3, 4])
    np.testing.assert_allclose(m[0, 3, 0], 4)  # a masked step does not enter the mean
    with pytest.raises(ValueError, match="no transitions"):
        masked_mae(X[..., 1:], X[..., 1:], np.zeros((1, 4), bool))
