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

    z: (n, d) transformed features of the network in use (d = 8 for the main network, 0 when none is).
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

    def __post_init__(self):
        n = len(self.z)
        for name in ("z", "mode", "key", "tempo", "pca", "energy", "valence", "artist"):
            values = getattr(self, name)
            if values is not None and len(values) != n:
                raise ValueError(f"song arrays disagree: {name} has {len(values)} rows, z has {n}")
        for name in ("z", "pca"):  # the network's inputs and the plot's coordinates must be numbers
            bad = ~np.isfinite(np.asarray(getattr(self, name), dtype=np.float64)).all(axis=-1)
            if bad.any():
                raise ValueError(f"song {int(np.flatnonzero(bad)[0])}: {name} is not finite; the songs' features "
                                 "must be validated before they reach the engine")
        key, mode = np.asarray(self.key), np.asarray(self.mode)
        for name, bad in (("key", (key < -1) | (key > 11)), ("mode", (mode != 0) & (mode != 1))):
            if bad.any():
                raise ValueError(f"song {int(np.flatnonzero(bad)[0])}: {name} out of range")
        for name in ("tempo", "energy", "valence"):  # NaN = unknown (scored neutrally), never infinite
            values = getattr(self, name)
            if values is not None:
                v = np.asarray(values, dtype=np.float64)
                bad = np.isinf(v) | (v <= 0 if name == "tempo" else (v < 0) | (v > 1))
                if bad.any():
                    raise ValueError(f"song {int(np.flatnonzero(bad)[0])}: {name} {v[bad][0]} is out of range")

    def __len__(self) -> int:
        return len(self.z)

    @property
    def x(self) -> np.ndarray:
        """(n, 1 + d) network inputs: column 0 = mode, then ``z``."""
        return self.inputs(np.arange(len(self)))

    def inputs(self, idx) -> np.ndarray:
        """(k, 1 + d) float32 network inputs (mode, z) of songs ``idx`` (an index or an index array)."""
        idx = np.atleast_1d(np.asarray(idx, dtype=np.int64))
        x = np.empty((len(idx), 1 + np.shape(self.z)[1]), dtype=np.float32)
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
    """(S, L, d) float64 predictions after each song of each order ``orders`` (S, L), batched over orders."""
    orders = np.atleast_2d(np.asarray(orders, dtype=np.int64))
    S, L = orders.shape
    songs, local = np.unique(orders, return_inverse=True)
    x = arrays.inputs(songs)[local.reshape(S, L)]
    out = np.empty((S, L, arrays.z.shape[1]))
    state = predictor.initial_state(S)
    for i in range(L):
        state, y = step(predictor, state, x[:, i])
        out[:, i] = y
    return out
