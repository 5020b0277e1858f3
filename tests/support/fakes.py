"""Stand-ins for the trained model in engine tests: small predictors and made-up SongArrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

from disco.data.schema import ABSTRACT_FEATURES
from disco.model.arrays import SongArrays
from disco.model.baselines import PlaylistMeanPredictor


class LinearRNN:
    """Two linear SimpleRNN layers + Dense with random weights: order-dependent like the real network."""

    def __init__(self, units: int = 16, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.w1 = rng.normal(0, 0.3, (9, units)).astype(np.float32)
        self.u1 = rng.normal(0, 0.5 / np.sqrt(units), (units, units)).astype(np.float32)
        self.w2 = rng.normal(0, 0.3, (units, units)).astype(np.float32)
        self.u2 = rng.normal(0, 0.5 / np.sqrt(units), (units, units)).astype(np.float32)
        self.v = rng.normal(0, 0.4, (units, 8)).astype(np.float32)
        self.units = units

    def initial_state(self, batch: int = 1):
        return (np.zeros((batch, self.units), np.float32), np.zeros((batch, self.units), np.float32))

    def step(self, state, x):
        h1 = x @ self.w1 + state[0] @ self.u1
        h2 = h1 @ self.w2 + state[1] @ self.u2
        return (h1, h2), h2 @ self.v


RunningMean = PlaylistMeanPredictor  # predicts the mean z of the songs so far


def make_arrays(n: int = 200, seed: int = 0, no_key_fraction: float = 0.05, n_artists: int | None = None) -> SongArrays:
    """Random SongArrays: z ~ N(0, 1), keys 0..11 (a few -1), modes, tempi 70..180 BPM, raw energy and
    valence 0..1, artist codes 0..n_artists-1 (default n // 4; a few -1 = unknown)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 8)).astype(np.float32)
    key = rng.integers(0, 12, n).astype(np.int8)
    key[rng.random(n) < no_key_fraction] = -1
    mode = rng.integers(0, 2, n).astype(np.int8)
    tempo = rng.uniform(70, 180, n).astype(np.float32)
    # drawn after the original fields, so those stay as they were
    energy = rng.uniform(0, 1, n).astype(np.float32)
    valence = rng.uniform(0, 1, n).astype(np.float32)
    artist = rng.integers(0, max(1, n_artists or n // 4), n).astype(np.int32)
    artist[rng.random(n) < 0.02] = -1
    return SongArrays(z=z, mode=mode, key=key, tempo=tempo, pca=z[:, :3].copy(), energy=energy, valence=valence,
                      artist=artist)


def arrays_from_songs(songs: pd.DataFrame) -> SongArrays:
    """SongArrays from a songs frame with simple z-scoring (what FlowModel.song_arrays does, roughly)."""
    x = songs[list(ABSTRACT_FEATURES)].to_numpy(np.float64)
    z = ((x - x.mean(0)) / (x.std(0) + 1e-9)).astype(np.float32)
    artist = pd.factorize(songs["artist"].replace("", pd.NA))[0].astype(np.int32)  # -1 = unknown
    return SongArrays(z=z, mode=songs["mode"].to_numpy().astype(np.int8),
                      key=songs["key"].to_numpy().astype(np.int8),
                      tempo=songs["tempo"].to_numpy().astype(np.float32), pca=z[:, :3].copy(),
                      energy=songs["energy"].to_numpy(np.float32), valence=songs["valence"].to_numpy(np.float32),
                      artist=artist)
