"""The spec's strong baseline as a predictor: the next song is the mean of the playlist so far."""

from __future__ import annotations

import numpy as np


class PlaylistMeanPredictor:
    """A :class:`~disco.model.arrays.Predictor` whose next ``z`` is the mean ``z`` of the songs so far
    (state = running sum (B, 8) and count (B, 1))."""

    def initial_state(self, batch: int = 1):
        return (np.zeros((batch, 8), np.float32), np.zeros((batch, 1), np.float32))

    def step(self, state, x):
        total, count = state[0] + x[:, 1:], state[1] + 1
        return (total, count), total / count
