"""Tempo: folding double/half time, the DJ tolerance, and the loss's tempo scores.

Pure, vectorized NumPy functions; arguments broadcast. Tempi are in BPM (> 0; anything else is "no tempo"
and scores neutrally). Every tempo change is a **percent** of the first tempo after folding double/half
time: 120 -> 123 BPM and 120 -> 246 BPM are both a 2.5% change.
"""

from __future__ import annotations

import math

import numpy as np

TEMPO_TOLERANCE_PCT = 6.0  # DJs keep tempo changes within about 6% (spec section 6)
DJ_TEMPO_WIDTH_PCT = 4.0  # width of the DJ kernel exp(-(change / width)^2): ~0.78 at 2%, ~0.1 at 6%
TEMPO_SCORES = ("dj", "reference")


def log2_tempo(tempo) -> np.ndarray:
    """``log2(tempo)`` (float64), NaN where the tempo is not a positive number."""
    t = np.asarray(tempo, dtype=np.float64)
    valid = t > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(valid, np.log2(np.where(valid, t, 1.0)), np.nan)


def fold_octaves(octaves) -> np.ndarray:
    """A tempo ratio given in octaves (``log2(to / from)``) folded by whole octaves into [-0.5, 0.5]."""
    x = np.asarray(octaves)
    return x - np.round(x)


def change_pct_from_octaves(octaves) -> np.ndarray:
    """Absolute tempo change in percent (0..~41.4) of a ratio given in octaves, after folding."""
    x = fold_octaves(octaves)
    return np.abs(np.exp2(x) - 1.0) * 100.0


def fold_tempo_ratio(tempo_from, tempo_to) -> np.ndarray:
    """``tempo_to / tempo_from`` folded by powers of 2 into [1/sqrt(2), sqrt(2)]; NaN for invalid tempi."""
    return np.exp2(fold_octaves(log2_tempo(tempo_to) - log2_tempo(tempo_from)))


def tempo_change_pct(tempo_from, tempo_to) -> np.ndarray:
    """Absolute tempo change in percent of ``tempo_from`` after folding double/half time (0..~41.4);
    NaN where a tempo is invalid. 120 -> 123 BPM is 2.5; 120 -> 246 BPM is 2.5 too."""
    return change_pct_from_octaves(log2_tempo(tempo_to) - log2_tempo(tempo_from))


def tempo_compatible(tempo_from, tempo_to, tolerance_pct: float = TEMPO_TOLERANCE_PCT) -> np.ndarray:
    """True where the folded tempo change is within ``tolerance_pct`` percent; False for invalid tempi."""
    with np.errstate(invalid="ignore"):
        return tempo_change_pct(tempo_from, tempo_to) <= tolerance_pct + 1e-9


def reference_score_from_octaves(octaves) -> np.ndarray:
    """The spec's tempo similarity of a ratio in octaves: ``cos(2 pi octaves)``, 1 at the same, double or
    half tempo, -1 at a ratio of sqrt(2); NaN octaves (invalid tempo) -> neutral 0."""
    x = np.asarray(octaves)
    return np.nan_to_num(np.cos(2 * np.pi * x), nan=0.0)


def dj_score_from_octaves(octaves, width_pct: float = DJ_TEMPO_WIDTH_PCT) -> np.ndarray:
    """The DJ tempo kernel in -1..1 of a ratio in octaves: ``2 exp(-(change / width)^2) - 1`` with the folded
    change and ``width_pct`` in percent: 1 at 0%, ~0.56 at 2%, ~-0.79 at 6%; NaN (invalid tempo) -> 0."""
    if not (width_pct > 0 and math.isfinite(width_pct)):
        raise ValueError(f"tempo width must be a positive percent, got {width_pct!r}")
    p = change_pct_from_octaves(octaves) / np.asarray(width_pct, dtype=np.asarray(octaves).dtype)
    return np.nan_to_num(2 * np.exp(-p * p) - 1, nan=0.0)


def tempo_score(tempo_from, tempo_to, score: str = "dj", width_pct: float = DJ_TEMPO_WIDTH_PCT) -> np.ndarray:
    """The loss's tempo term in -1..1: ``"dj"`` (:func:`dj_score_from_octaves`) or ``"reference"``
    (:func:`reference_score_from_octaves`, the spec's cosine)."""
    octaves = log2_tempo(tempo_to) - log2_tempo(tempo_from)
    if score == "dj":
        return dj_score_from_octaves(octaves, width_pct)
    if score == "reference":
        return reference_score_from_octaves(octaves)
    raise ValueError(f"tempo score must be one of {TEMPO_SCORES}, got {score!r}")


def tempo_similarity(tempo_from, tempo_to) -> np.ndarray:
    """The spec's tempo similarity ``cos(2 pi log2(tempo_to / tempo_from))`` in [-1, 1]; invalid -> 0."""
    return tempo_score(tempo_from, tempo_to, "reference")
