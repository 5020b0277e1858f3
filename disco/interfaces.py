"""The two shapes the engine works on, agreed between model, engine, evaluation and dashboard.

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
        return np.concatenate([self.mode[:, None].astype(np.float32), self.z], axis=1)


class Predictor(Protocol):
    """Predicts the next song's ``z`` from the songs so far, one song per call."""

    def initial_state(self, batch: int = 1) -> State:
        """Zero state for ``batch`` independent sequences."""

    def step(self, state: State, x: np.ndarray) -> tuple[State, np.ndarray]:
        """Feed one song per sequence: ``x`` (batch, 9) -> (new state, y (batch, 8) predicted next ``z``)."""
