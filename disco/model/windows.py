"""Training data for the flow network: playlist windows, the split by playlist, and the baselines.

No TensorFlow here. Conventions:

- A playlist is an ordered list of song indices (rows of ``Catalog.songs``).
- Windows: a playlist of ``n`` songs is cut into windows of up to ``length`` (50) songs starting at
  songs 0, 49, 98, ... (stride ``length - 1``): consecutive windows share one song, so every transition
  (song i -> song i+1) of the playlist is in exactly one window, and none is lost at a cut. The network's
  state (and the playlist-mean baseline) restarts at each window. Playlists of fewer than 2 songs have no
  transition and give no window (counted in :attr:`Windows.skipped_playlists`).
- Tensors: inputs ``X`` (W, length-1, 9) are songs 0..n-2 of each window, targets ``Y`` (W, length-1, 8)
  songs 1..n-1; ``mask`` (W, length-1) is True on real transitions; padding is 0.
- MAE = mean over the real transitions and the 8 dimensions of |prediction - target|.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SPLITS = ("train", "validation", "test")
WINDOW_LENGTH = 50


@dataclass(frozen=True)
class Windows:
    """Playlist windows as song indices: ``songs`` (W, length) int32, -1 = padding."""

    playlist_ids: tuple[str, ...]  # (W,) the playlist each window comes from
    songs: np.ndarray
    skipped_playlists: int = 0  # playlists with < 2 songs (no transition)

    def __len__(self) -> int:
        return len(self.songs)

    @property
    def lengths(self) -> np.ndarray:
        return (self.songs >= 0).sum(axis=1)

    @property
    def n_transitions(self) -> int:
        return int((self.lengths - 1).sum())

    @property
    def n_playlists(self) -> int:
        return len(set(self.playlist_ids))


def make_windows(playlists: Mapping[str, Sequence[int]], length: int = WINDOW_LENGTH) -> Windows:
    """Cut each playlist (id -> ordered song indices) into windows of up to ``length`` songs (stride length-1)."""
    if length < 2:
        raise ValueError(f"window length must be >= 2, got {length}")
    ids, rows, skipped = [], [], 0
    for pid, songs in playlists.items():
        songs = np.asarray(songs, dtype=np.int64)
        if len(songs) < 2:
            skipped += 1
            continue
        for start in range(0, len(songs) - 1, length - 1):
            chunk = songs[start:start + length]
            row = np.full(length, -1, dtype=np.int32)
            row[:len(chunk)] = chunk
            ids.append(pid)
            rows.append(row)
    arr = np.stack(rows) if rows else np.empty((0, length), dtype=np.int32)
    return Windows(tuple(ids), arr, skipped)


def window_tensors(windows: Windows, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Inputs, targets and mask of ``windows`` given per-song network inputs ``x`` (n_songs, 9).

    Returns ``X`` (W, L-1, 9), ``Y`` (W, L-1, 8) float32 (target = next song's columns 1..8 of ``x``)
    and ``mask`` (W, L-1) bool; padded steps are 0.
    """
    x = np.asarray(x, dtype=np.float32)
    idx = windows.songs
    full = np.where((idx >= 0)[..., None], x[np.maximum(idx, 0)], np.float32(0))
    mask = (idx[:, 1:] >= 0)
    X = full[:, :-1] * mask[..., None]
    Y = full[:, 1:, 1:] * mask[..., None]
    return X.astype(np.float32), Y.astype(np.float32), mask


def split_playlists(playlist_ids: Sequence[str], fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
                    seed: int = 0) -> dict[str, list[str]]:
    """Split playlist ids into train/validation/test (a seeded shuffle; each id in exactly one split).

    The result does not depend on the input order (ids are sorted before shuffling). Each split keeps
    the ids in their input order.
    """
    if len(fractions) != 3 or any(f < 0 for f in fractions) or not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"fractions must be 3 non-negative numbers summing to 1, got {fractions}")
    unique = list(dict.fromkeys(playlist_ids))
    if len(unique) != len(playlist_ids):
        raise ValueError("playlist ids must be unique")
    order = np.random.default_rng(seed).permutation(len(unique))
    shuffled = [sorted(unique)[i] for i in order]
    n_train = int(round(fractions[0] * len(unique)))
    n_val = int(round(fractions[1] * len(unique)))
    parts = {"train": shuffled[:n_train], "validation": shuffled[n_train:n_train + n_val],
             "test": shuffled[n_train + n_val:]}
    rank = {pid: i for i, pid in enumerate(unique)}
    return {k: sorted(v, key=rank.__getitem__) for k, v in parts.items()}


# -- metrics and baselines ---------------------------------------------------------------------------
def masked_mae(pred: np.ndarray, Y: np.ndarray, mask: np.ndarray) -> float:
    """Mean |pred - Y| over the real transitions (``mask``) and the 8 dimensions."""
    if not mask.any():
        raise ValueError("no transitions to score")
    return float(np.abs(pred - Y)[mask].mean())


def mad(Y: np.ndarray, mask: np.ndarray) -> float:
    """Mean absolute deviation of the real targets from their (per-dimension) mean."""
    y = Y[mask]
    return float(np.abs(y - y.mean(axis=0)).mean())


def running_mean(X: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Mean of ``z`` (columns 1..8 of ``X``) over each window's songs so far, including the current one."""
    z = X[..., 1:].astype(np.float64)
    m = np.ones(X.shape[:2]) if mask is None else mask.astype(np.float64)
    total = np.cumsum(z * m[..., None], axis=1)
    count = np.maximum(np.cumsum(m, axis=1), 1.0)
    return (total / count[..., None]).astype(np.float32)


def baseline_predictions(X: np.ndarray, mask: np.ndarray, global_mean: np.ndarray) -> dict[str, np.ndarray]:
    """Predictions (W, L-1, 8) of the three baselines on inputs ``X``.

    global_mean: the same vector everywhere (the mean train target). last_song: the current song's ``z``.
    playlist_mean: the mean ``z`` of the window's songs so far (current song included).
    """
    shape = X.shape[:2] + (X.shape[2] - 1,)
    return {
        "global_mean": np.broadcast_to(np.asarray(global_mean, np.float32), shape),
        "last_song": X[..., 1:],
        "playlist_mean": running_mean(X, mask),
    }


def baseline_maes(X: np.ndarray, Y: np.ndarray, mask: np.ndarray, global_mean: np.ndarray) -> dict[str, float]:
    """MAE of each baseline of :func:`baseline_predictions` on the transitions of ``X, Y, mask``."""
    return {name: masked_mae(p, Y, mask) for name, p in baseline_predictions(X, mask, global_mean).items()}
