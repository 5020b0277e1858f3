"""Evaluation metrics as pure NumPy functions: ranking quality and the flow of an ordered sequence.

Ranking functions take ``scores`` (m, c) where LOWER is better (a loss or a distance), one row per query.
Sequence functions take the per-song arrays of ONE ordered sequence and measure its ``len - 1`` moves.
"""

from __future__ import annotations

import warnings

import numpy as np

from disco.theory.keys import camelot_compatible
from disco.theory.tempo import TEMPO_TOLERANCE_PCT, tempo_compatible


def _tie_breaker(shape, rng: np.random.Generator | None) -> np.ndarray:
    # a random secondary sort key: ties are broken at random (seeded) instead of by column order
    if rng is None:
        return np.zeros(shape)
    return rng.random(shape)


def target_ranks(scores: np.ndarray, target: int = 0, rng: np.random.Generator | None = None) -> np.ndarray:
    """1-based rank of column ``target`` in each row of ``scores`` (m, c), lower score = better.

    Ties with the target are broken at random with ``rng``; without it, pessimistically (the target
    is placed after every candidate with the same score). NaN scores count as worst.
    """
    s = np.where(np.isnan(scores), np.inf, np.asarray(scores, dtype=np.float64))
    t = s[:, target : target + 1]
    better = (s < t).sum(axis=1)
    ties = (s == t).sum(axis=1) - 1  # other columns equal to the target
    if rng is None:
        return better + ties + 1
    return better + np.floor(rng.random(len(s)) * (ties + 1)).astype(np.int64) + 1


def hit_at_k(ranks: np.ndarray, k: int = 10) -> float:
    """Fraction of queries whose target rank is <= ``k`` (0..1)."""
    ranks = np.asarray(ranks)
    return float(np.mean(ranks <= k)) if ranks.size else float("nan")


def mean_reciprocal_rank(ranks: np.ndarray) -> float:
    """Mean of ``1 / rank`` (0..1; 1 = target always first)."""
    ranks = np.asarray(ranks, dtype=np.float64)
    return float(np.mean(1.0 / ranks)) if ranks.size else float("nan")


def r_precision(scores: np.ndarray, relevant: np.ndarray, rng: np.random.Generator | None = None) -> np.ndarray:
    """Per-row R-precision (RecSys Challenge 2018): ``|relevant among the top |G|| / |G|``, ``|G|`` = the
    row's number of relevant columns. ``scores`` (m, c), lower = better; ``relevant`` (m, c) bool.
    Ties are broken at random with ``rng`` (else by column order). Rows without relevant items give NaN.
    """
    s = np.where(np.isnan(scores), np.inf, np.asarray(scores, dtype=np.float64))
    relevant = np.asarray(relevant, dtype=bool)
    order = np.lexsort((_tie_breaker(s.shape, rng), s), axis=-1)  # last key = primary
    sorted_rel = np.take_along_axis(relevant, order, axis=1)
    g = relevant.sum(axis=1)
    in_top = np.cumsum(sorted_rel, axis=1)
    hits = np.where(g > 0, in_top[np.arange(len(s)), np.maximum(g - 1, 0)], 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(g > 0, hits / g, np.nan)


# --- flow of one ordered sequence (arrays already in playing order) ------------------------------------


def camelot_rate(key: np.ndarray, mode: np.ndarray) -> float:
    """Fraction of consecutive moves that are Camelot-compatible (a key of -1 is never compatible)."""
    key, mode = np.asarray(key), np.asarray(mode)
    if len(key) < 2:
        return float("nan")
    return float(np.mean(camelot_compatible(key[:-1], mode[:-1], key[1:], mode[1:])))


def tempo_rate(tempo: np.ndarray, tolerance_pct: float = TEMPO_TOLERANCE_PCT) -> float:
    """Fraction of consecutive moves whose tempo change is within ``tolerance_pct`` percent after folding
    double/half time."""
    tempo = np.asarray(tempo)
    if len(tempo) < 2:
        return float("nan")
    return float(np.mean(tempo_compatible(tempo[:-1], tempo[1:], tolerance_pct)))


def feature_steps(z: np.ndarray) -> np.ndarray:
    """Euclidean length of each move in feature space, ``||z[i+1] - z[i]||`` (len - 1,)."""
    z = np.asarray(z, dtype=np.float64)
    return np.linalg.norm(np.diff(z, axis=0), axis=1)


def energy_changes(energy: np.ndarray) -> np.ndarray:
    """``|energy[i+1] - energy[i]|`` per move (raw energy, 0..1)."""
    return np.abs(np.diff(np.asarray(energy, dtype=np.float64)))


def transition_counts(key, mode, tempo, z, energy, tolerance_pct: float = TEMPO_TOLERANCE_PCT) -> dict[str, float]:
    """Sums over one sequence's moves, so sequences can be pooled: ``moves``, ``camelot``, ``tempo`` (moves
    within ``tolerance_pct`` percent), ``feature_step``, ``energy_change`` (sums; divide by ``moves`` for means)."""
    key, mode, tempo = np.asarray(key), np.asarray(mode), np.asarray(tempo)
    n = max(len(key) - 1, 0)
    if n == 0:
        return {"moves": 0, "camelot": 0.0, "tempo": 0.0, "feature_step": 0.0, "energy_change": 0.0}
    return {
        "moves": n,
        "camelot": float(camelot_compatible(key[:-1], mode[:-1], key[1:], mode[1:]).sum()),
        "tempo": float(tempo_compatible(tempo[:-1], tempo[1:], tolerance_pct).sum()),
        "feature_step": float(feature_steps(z).sum()),
        "energy_change": float(energy_changes(energy).sum()),
    }


# --- shape of a playlist's energy (the peak-arc check) -------------------------------------------------


def thirds_means(values: np.ndarray) -> tuple[float, float, float]:
    """Mean of the first, middle and last third of ``values`` (one playlist in playing order). The outer
    thirds are the first and last ``n // 3`` values, the middle the rest (20 songs: 6 / 8 / 6). NaNs are
    ignored; needs at least 3 values (else all NaN)."""
    v = np.asarray(values, dtype=np.float64)
    n = len(v)
    if n < 3:
        return (float("nan"),) * 3
    a = n // 3
    with warnings.catch_warnings():  # an all-NaN third gives NaN, quietly
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(np.nanmean(v[:a])), float(np.nanmean(v[a:n - a])), float(np.nanmean(v[n - a:]))


def peak_shape(values: np.ndarray) -> bool:
    """True when the middle third's mean is strictly above both outer thirds' (:func:`thirds_means`)."""
    first, middle, last = thirds_means(values)
    return bool(middle > first and middle > last)

