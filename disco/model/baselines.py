"""Predictors without a trained network: the playlist mean (the spec's strong baseline) and no network at all."""

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


class NoNetwork:
    """The predictor of songs without audio features: no state, an empty prediction (B, 0), so the loss's
    distance term is 0 and songs are ordered on key, tempo and the arc."""

    def initial_state(self, batch: int = 1):
        return (np.zeros((batch, 0), np.float32),)

    def step(self, state, x):
        return state, np.zeros((len(x), 0), np.float32)
