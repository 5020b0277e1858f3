"""Baselines DISCO is compared with: orderings of a fixed set of songs, and next-song scorers. (The DJ-tool
sort, ``camelot_bpm``, is the engine's own :func:`disco.engine.pairwise.dj_sort`, one of reorder's starts.)

Orderings work on one playlist's own arrays and return a permutation of ``range(n)`` that starts at
``start`` (the human first song in the evaluation). Scorers return scores where LOWER is better, (m, c):
row = query, column = candidate, matching :func:`disco.evaluation.metrics.target_ranks`.
"""

from __future__ import annotations

import numpy as np


def nearest_neighbour_order(z: np.ndarray, start: int = 0) -> np.ndarray:
    """Greedy chain: from ``start``, always move to the closest unused song in ``z`` (n, d) (Euclidean).
    Ties go to the lowest index."""
    z = np.asarray(z, dtype=np.float64)
    n = len(z)
    dist = np.linalg.norm(z[:, None, :] - z[None, :, :], axis=-1)
    used = np.zeros(n, dtype=bool)
    order = [start]
    used[start] = True
    for _ in range(n - 1):
        row = np.where(used, np.inf, dist[order[-1]])
        nxt = int(np.argmin(row))
        order.append(nxt)
        used[nxt] = True
    return np.asarray(order, dtype=np.int64)


def random_order(n: int, rng: np.random.Generator, start: int | None = 0) -> np.ndarray:
    """A random permutation of ``range(n)``; ``start`` (if not None) stays first."""
    if start is None:
        return rng.permutation(n)
    rest = np.delete(np.arange(n), start)
    return np.concatenate([[start], rng.permutation(rest)]).astype(np.int64)


# --- next-song scorers ---------------------------------------------------------------------------------


def nearest_neighbour_scores(z_last: np.ndarray, z_candidates: np.ndarray) -> np.ndarray:
    """Distance of each candidate to the last song: ``z_last`` (m, d), ``z_candidates`` (m, c, d) -> (m, c)."""
    return np.linalg.norm(z_candidates - z_last[:, None, :], axis=-1)


def popularity_scores(popularity: np.ndarray) -> np.ndarray:
    """Most popular first: ``-popularity`` (m, c); unknown (NaN) popularity ranks last."""
    pop = np.asarray(popularity, dtype=np.float64)
    return np.where(np.isnan(pop), np.inf, -pop)


def random_scores(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Uniform random scores: the chance level."""
    return rng.random(shape)
