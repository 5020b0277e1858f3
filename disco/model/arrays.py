"""The two shapes the engine works on: song arrays and a step-by-step predictor.

- :class:`SongArrays`: the numeric view of a catalog (row ``i`` = ``Catalog.songs`` row ``i``).
- :class:`Predictor`: anything that predicts the next song's transformed features one step at a
  time while carrying a hidden state (the NumPy RNN stepper; tests may use simpler ones).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

State = tuple[np.ndarray, ...]  # each array (batch, units); index rows to select beams


@dataclass(frozen=True)
class SongArrays:
    """Per-song arrays, float32/int8, aligned with ``Catalog.songs`` rows.

    z: (n, 8) transformed abstract features (``schema.ABSTRACT_FEATURES`` order, Yeo-Johnson + scaled).
    mode: (n,) 1 major, 0 minor.  key: (n,) pitch class 0..11, -1 = no key.  tempo: (n,) BPM > 0.
    pca: (n, 3) PCA of ``z`` for the 3D trajectory.
    Optional, for DJ rules and energy arcs: energy, valence (n,) raw 0..1; artist (n,) int codes, -1 = unknown.
    """

    z: np.ndarray
    mode: np.ndarray
    key: np.ndarray
    tempo: np.ndarray
    pca: np.ndarray
    energy: np.ndarray | None = None
    valence: np.ndarray | None = None
    artist: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.z)

    @property
    def x(self) -> np.ndarray:
        """(n, 9) network inputs: column 0 = mode, columns 1..8 = ``z``."""
        return self.inputs(np.arange(len(self)))

    def inputs(self, idx) -> np.ndarray:
        """(k, 9) float32 network inputs (mode, z) of songs ``idx`` (an index or an index array)."""
        idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        x = np.empty((len(idx), 9), dtype=np.float32)
        x[:, 0] = np.asarray(self.mode)[idx]
        x[:, 1:] = np.asarray(self.z)[idx]
        return x


class Predictor(Protocol):
    """Predicts the next song's ``z`` from the songs so far, one song per call."""

    def initial_state(self, batch: int = 1) -> State:
        """Zero state for ``batch`` independent sequences."""

    def step(self, state: State, x: np.ndarray) -> tuple[State, np.ndarray]:
        """Feed one song per sequence: ``x`` (batch, 9) -> (new state, y (batch, 8) predicted next ``z``)."""


def step(predictor: Predictor, state: State, x: np.ndarray) -> tuple[State, np.ndarray]:
    """One predictor step with the shapes the engine relies on: a tuple state and an ndarray ``y``."""
    state, y = predictor.step(state, np.asarray(x, dtype=np.float32))
    return tuple(state), np.asarray(y)


def take_state(state: State, rows: np.ndarray) -> State:
    """The state of sequences ``rows`` (to follow the beams kept)."""
    return tuple(s[rows] for s in state)


def predictions(predictor: Predictor, arrays: SongArrays, orders: np.ndarray) -> np.ndarray:
    """(S, L, 8) float64 predictions after each song of each order ``orders`` (S, L), batched over orders."""
    orders = np.atleast_2d(np.asarray(orders, dtype=np.int64))
    S, L = orders.shape
    songs, local = np.unique(orders, return_inverse=True)
    x = arrays.inputs(songs)[local.reshape(S, L)]
    out = np.empty((S, L, 8))
    state = predictor.initial_state(S)
    for i in range(L):
        state, y = step(predictor, state, x[:, i])
        out[:, i] = y
    return out
