"""Music theory for transitions: key consonance (circle of fifths, Camelot wheel) and tempo.

Pure, vectorized NumPy functions; every argument broadcasts against the others. Keys are Spotify pitch
classes (0 = C .. 11 = B, -1 = no key detected), modes 1 = major / 0 = minor, tempi in BPM.
"""

from __future__ import annotations

import numpy as np

# keysim by circle-of-fifths step distance 0..6: 1 - (delta - 1 + [delta == 0]) / 2.5
KEYSIM_BY_DELTA = np.array([1.0, 1.0, 0.6, 0.2, -0.2, -0.6, -1.0])


def circle_position(key, mode) -> np.ndarray:
    """Position on the circle of fifths, 0..11 (C = 0, G = 1, ...); -1 where ``key`` is -1 (or invalid).

    A minor key is placed at its relative major (``key + 3 mod 12``); the position is ``7 * key mod 12``.
    """
    key = np.asarray(key)
    mode = np.asarray(mode)
    valid = (key >= 0) & (key <= 11)
    k = np.where(valid, key, 0).astype(np.int64)
    major = np.where(mode == 0, (k + 3) % 12, k)
    return np.where(valid, (7 * major) % 12, -1)


def key_similarity(key_a, mode_a, key_b, mode_b) -> np.ndarray:
    """Key consonance of moving from (key_a, mode_a) to (key_b, mode_b), in [-1, 1] (float).

    Circle-of-fifths step distance ``delta`` (0..6) between the two (minor -> relative major) keys:
    delta 0 or 1 (same key, a fifth, a fourth, relative minor/major) -> 1, 2 -> 0.6, 3 -> 0.2,
    4 -> -0.2, 5 -> -0.6, 6 (tritone) -> -1. Either key -1 (not detected) -> neutral 0.
    """
    pa = circle_position(key_a, mode_a)
    pb = circle_position(key_b, mode_b)
    diff = np.abs(pa - pb) % 12
    delta = np.minimum(diff, 12 - diff)
    sim = KEYSIM_BY_DELTA[delta]
    return np.where((pa < 0) | (pb < 0), 0.0, sim)


def keysim_table() -> np.ndarray:
    """(13, 13) lookup ``T[pos_a, pos_b]`` of :func:`key_similarity` by circle position; index 12 (and -1)
    = no key, giving 0. Lets the engine score thousands of candidates with one ``take``."""
    pos = np.arange(12)
    diff = np.abs(pos[:, None] - pos[None, :])
    table = np.zeros((13, 13))
    table[:12, :12] = KEYSIM_BY_DELTA[np.minimum(diff, 12 - diff)]
    return table


def camelot_number(key, mode) -> np.ndarray:
    """Camelot wheel number 1..12 (0 where the key is -1). Major ``(7k + 7) mod 12 + 1``,
    minor ``(7k + 4) mod 12 + 1``."""
    key = np.asarray(key)
    mode = np.asarray(mode)
    valid = (key >= 0) & (key <= 11)
    k = np.where(valid, key, 0).astype(np.int64)
    n = np.where(mode == 0, (7 * k + 4) % 12 + 1, (7 * k + 7) % 12 + 1)
    return np.where(valid, n, 0)


def camelot_code(key, mode):
    """Camelot code such as ``"8B"`` (C major) or ``"8A"`` (A minor); ``""`` where the key is -1.

    Scalars give a ``str``, arrays an object array of ``str`` of the broadcast shape.
    """
    number = camelot_number(key, mode)
    letter = np.where(np.asarray(mode) == 0, "A", "B")
    number, letter = np.broadcast_arrays(number, letter)
    out = np.empty(number.shape, dtype=object)
    for idx in np.ndindex(number.shape):
        out[idx] = f"{number[idx]}{letter[idx]}" if number[idx] > 0 else ""
    return out[()] if out.ndim == 0 else out


def camelot_compatible(key_a, mode_a, key_b, mode_b) -> np.ndarray:
    """True where a DJ can mix a into b on the Camelot wheel: same code; +/-1 with the same letter
    (12 wraps to 1); same number with the other letter. False when either key is -1."""
    na, nb = camelot_number(key_a, mode_a), camelot_number(key_b, mode_b)
    la, lb = np.asarray(mode_a) == 0, np.asarray(mode_b) == 0
    step = (na - nb) % 12
    same_letter = la == lb
    ok = np.where(same_letter, (step == 0) | (step == 1) | (step == 11), step == 0)
    return ok & (na > 0) & (nb > 0)


def tempo_similarity(tempo_from, tempo_to) -> np.ndarray:
    """``cos(2 pi log2(tempo_to / tempo_from))`` in [-1, 1]: 1 at the same, double or half tempo,
    -1 at a ratio of sqrt(2). Tempi in BPM; non-positive or NaN tempi give a neutral 0."""
    a = np.asarray(tempo_from, dtype=np.float64)
    b = np.asarray(tempo_to, dtype=np.float64)
    valid = (a > 0) & (b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.cos(2 * np.pi * np.log2(np.where(valid, b, 1.0) / np.where(valid, a, 1.0)))
    return np.where(valid, sim, 0.0)


def fold_tempo_ratio(tempo_from, tempo_to) -> np.ndarray:
    """``tempo_to / tempo_from`` folded by powers of 2 (double/half time) into [1/sqrt(2), sqrt(2)].

    NaN where a tempo is non-positive or NaN.
    """
    a = np.asarray(tempo_from, dtype=np.float64)
    b = np.asarray(tempo_to, dtype=np.float64)
    valid = (a > 0) & (b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        octaves = np.log2(np.where(valid, b, 1.0) / np.where(valid, a, 1.0))
    folded = np.exp2(octaves - np.round(octaves))
    return np.where(valid, folded, np.nan)


def tempo_compatible(tempo_from, tempo_to, tolerance: float = 0.06) -> np.ndarray:
    """True where the tempo change, after folding double/half time, is within ``tolerance``
    (a fraction: 0.06 = 6%, what DJs accept). False for invalid tempi."""
    ratio = fold_tempo_ratio(tempo_from, tempo_to)
    with np.errstate(invalid="ignore"):
        return np.abs(ratio - 1.0) <= tolerance + 1e-12
