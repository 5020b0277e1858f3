"""Keys: the circle of fifths, the Camelot wheel, key names in every notation DJs use, key scores.

Pure, vectorized NumPy functions; arguments broadcast against each other. A key is Spotify's pair
(pitch class ``key`` 0..11 with 0 = C, -1 = no key detected; ``mode`` 1 major / 0 minor).

Notations (spec section 8): Camelot ``"8B"`` (C major) / ``"8A"`` (A minor); Open Key ``"1d"`` (C major) /
``"1m"`` (A minor); musical ``"C"`` / ``"Am"``. :func:`parse_key` reads any of them.
"""

from __future__ import annotations

import re

import numpy as np

# One spelling of the 12 pitch classes, as Mixxx and Rekordbox show them.
PITCH_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
NOTATIONS = ("camelot", "open_key", "musical")
KEY_SCORES = ("camelot", "reference")

# circle-of-fifths similarity by step distance 0..6: 1 - (delta - 1 + [delta == 0]) / 2.5 (the spec)
KEYSIM_BY_DELTA = np.array([1.0, 1.0, 0.6, 0.2, -0.2, -0.6, -1.0])
# graded DJ key score (0..1) by (same letter?, wheel step distance 0..6)
CAMELOT_SAME_LETTER = np.array([1.0, 0.9, 0.45, 0.1, 0.1, 0.1, 0.1])  # same code, +/-1, +/-2 "energy boost"
CAMELOT_OTHER_LETTER = np.array([0.8, 0.55, 0.1, 0.1, 0.1, 0.1, 0.1])  # A<->B, diagonal (8A -> 9B)
CAMELOT_NO_KEY = 0.5
NO_KEY_SLOT = 24  # camelot_index of "no key"


def _valid(key) -> tuple[np.ndarray, np.ndarray]:
    key = np.asarray(key)
    valid = (key >= 0) & (key <= 11)
    return valid, np.where(valid, key, 0).astype(np.int64)


def circle_position(key, mode) -> np.ndarray:
    """Position on the circle of fifths, 0..11 (C = 0, G = 1, ...); -1 where ``key`` is -1 (or invalid).

    A minor key is placed at its relative major (``key + 3 mod 12``); the position is ``7 * key mod 12``.
    """
    valid, k = _valid(key)
    major = np.where(np.asarray(mode) == 0, (k + 3) % 12, k)
    return np.where(valid, (7 * major) % 12, -1)


def key_similarity(key_a, mode_a, key_b, mode_b) -> np.ndarray:
    """The spec's key consonance of moving from a to b, in [-1, 1] (float64).

    Circle-of-fifths step distance ``delta`` (0..6) between the two (minor -> relative major) keys:
    delta 0 or 1 -> 1, 2 -> 0.6, 3 -> 0.2, 4 -> -0.2, 5 -> -0.6, 6 (tritone) -> -1. No key -> neutral 0.
    """
    return key_table("reference")[key_codes(key_a, mode_a, "reference"), key_codes(key_b, mode_b, "reference")]


def camelot_number(key, mode) -> np.ndarray:
    """Camelot wheel number 1..12 (0 where the key is -1). Major ``(7k + 7) mod 12 + 1``,
    minor ``(7k + 4) mod 12 + 1``."""
    valid, k = _valid(key)
    n = np.where(np.asarray(mode) == 0, (7 * k + 4) % 12 + 1, (7 * k + 7) % 12 + 1)
    return np.where(valid, n, 0)


def camelot_index(key, mode) -> np.ndarray:
    """Camelot wheel slot 0..23 (``number - 1`` for A/minor, ``number + 11`` for B/major); 24 = no key."""
    n = camelot_number(key, mode)
    idx = np.where(np.asarray(mode) == 0, n - 1, n + 11)
    return np.where(n > 0, idx, NO_KEY_SLOT).astype(np.intp)


def _camelot_table01() -> np.ndarray:
    slot = np.arange(24)
    number, letter = slot % 12, slot // 12
    diff = np.abs(number[:, None] - number[None, :])
    step = np.minimum(diff, 12 - diff)
    same = letter[:, None] == letter[None, :]
    table = np.full((25, 25), CAMELOT_NO_KEY)
    table[:24, :24] = np.where(same, CAMELOT_SAME_LETTER[step], CAMELOT_OTHER_LETTER[step])
    return table


def _compatible_table() -> np.ndarray:
    slot = np.arange(24)
    number, letter = slot % 12, slot // 12
    step = (number[:, None] - number[None, :]) % 12
    same = letter[:, None] == letter[None, :]
    table = np.zeros((25, 25), dtype=bool)
    table[:24, :24] = np.where(same, (step == 0) | (step == 1) | (step == 11), step == 0)
    return table


_CAMELOT_TABLE = _camelot_table01()
COMPATIBLE_TABLE = _compatible_table()  # [camelot_index(a), camelot_index(b)] -> camelot_compatible


def camelot_compatible(key_a, mode_a, key_b, mode_b) -> np.ndarray:
    """True where a DJ can mix a into b on the Camelot wheel: same code; +/-1 with the same letter
    (12 wraps to 1); same number with the other letter. False when either key is -1."""
    return COMPATIBLE_TABLE[camelot_index(key_a, mode_a), camelot_index(key_b, mode_b)]


def camelot_key_score(key_a, mode_a, key_b, mode_b) -> np.ndarray:
    """Graded DJ key score of mixing a into b, in 0..1 (float64, symmetric).

    Same Camelot code 1.0; +/-1 with the same letter 0.9 (12 wraps to 1); same number A<->B 0.8; +/-1 with
    the other letter (diagonal, 8A -> 9B) 0.55; +/-2 with the same letter ("energy boost") 0.45; anything
    else 0.1. Either key -1 (not detected) -> neutral 0.5.
    """
    return _CAMELOT_TABLE[camelot_index(key_a, mode_a), camelot_index(key_b, mode_b)]


def key_codes(key, mode, score: str = "camelot") -> np.ndarray:
    """Per-song row/column of :func:`key_table`: Camelot slot 0..23 (24 = no key) for ``"camelot"``,
    circle-of-fifths position 0..11 (12 = no key) for ``"reference"``. Precompute once per catalog."""
    _check_score(score)
    if score == "camelot":
        return camelot_index(key, mode)
    pos = circle_position(key, mode)
    return np.where(pos < 0, 12, pos).astype(np.intp)


def key_table(score: str = "camelot") -> np.ndarray:
    """Lookup ``T[key_codes(a), key_codes(b)]`` of the loss's key term, in -1..1 (float64): (25, 25)
    ``2 * camelot_key_score - 1`` for ``"camelot"``; (13, 13) :func:`key_similarity` for ``"reference"``.
    No key gives a neutral 0 in both."""
    _check_score(score)
    if score == "camelot":
        return 2.0 * _CAMELOT_TABLE - 1.0
    pos = np.arange(12)
    diff = np.abs(pos[:, None] - pos[None, :])
    table = np.zeros((13, 13))
    table[:12, :12] = KEYSIM_BY_DELTA[np.minimum(diff, 12 - diff)]
    return table


def key_score(key_a, mode_a, key_b, mode_b, score: str = "camelot") -> np.ndarray:
    """The loss's key term in -1..1: ``"camelot"`` = ``2 * camelot_key_score - 1``; ``"reference"`` =
    :func:`key_similarity` (the spec's circle of fifths)."""
    return key_table(score)[key_codes(key_a, mode_a, score), key_codes(key_b, mode_b, score)]


def _check_score(score: str) -> None:
    if score not in KEY_SCORES:
        raise ValueError(f"key score must be one of {KEY_SCORES}, got {score!r}")


# --- names and notations -----------------------------------------------------------------------------


def _strings(values, fn) -> np.ndarray | str:
    out = np.frompyfunc(fn, 2, 1)(*values)
    return out if isinstance(out, np.ndarray) else str(out)


def camelot_code(key, mode):
    """Camelot code such as ``"8B"`` (C major) or ``"8A"`` (A minor); ``""`` where the key is -1.
    Scalars give a ``str``, arrays an object array of ``str``."""
    number = camelot_number(key, mode)
    return _strings((number, np.asarray(mode)), lambda n, m: f"{n}{'A' if m == 0 else 'B'}" if n > 0 else "")


def open_key_code(key, mode):
    """Open Key code such as ``"1d"`` (C major) or ``"1m"`` (A minor); ``""`` where the key is -1.
    Open Key number = Camelot number - 7 (mod 12, 1..12)."""
    number = camelot_number(key, mode)
    return _strings((number, np.asarray(mode)),
                    lambda n, m: f"{(n - 8) % 12 + 1}{'m' if m == 0 else 'd'}" if n > 0 else "")


def musical_name(key, mode):
    """Musical name such as ``"C"`` (C major), ``"Am"`` (A minor), ``"F#m"``; ``""`` where the key is -1."""
    valid, k = _valid(key)
    return _strings((np.where(valid, k, -1), np.asarray(mode)),
                    lambda p, m: f"{PITCH_NAMES[p]}{'m' if m == 0 else ''}" if p >= 0 else "")


def key_label(key, mode, notation: str = "camelot"):
    """The key in ``notation`` (one of :data:`NOTATIONS`)."""
    if notation not in NOTATIONS:
        raise ValueError(f"key notation must be one of {NOTATIONS}, got {notation!r}")
    return {"camelot": camelot_code, "open_key": open_key_code, "musical": musical_name}[notation](key, mode)


_PITCH = {"C": 0, "B#": 0, "C#": 1, "DB": 1, "D": 2, "D#": 3, "EB": 3, "E": 4, "FB": 4, "F": 5, "E#": 5,
          "F#": 6, "GB": 6, "G": 7, "G#": 8, "AB": 8, "A": 9, "A#": 10, "BB": 10, "B": 11, "CB": 11}
_CAMELOT_TEXT = re.compile(r"^0?(\d{1,2})\s*([AB])$")
_OPEN_KEY_TEXT = re.compile(r"^0?(\d{1,2})\s*([MD])$")


def _from_camelot(number: int, minor: bool) -> tuple[int, int]:
    # invert camelot_number: minor n = (7k + 4) % 12 + 1 -> k = 7 (n - 5) mod 12; major k = 7 (n - 8) mod 12
    k = (7 * (number - (5 if minor else 8))) % 12
    return int(k), 0 if minor else 1


def parse_key(text) -> tuple[int, int]:
    """(key, mode) of a key written in any notation DJs use; ``(-1, 1)`` when empty or not understood.

    Camelot ``"8A"``/``"08B"``; Open Key ``"1m"``/``"1d"``; musical ``"Am"``, ``"A#m"``, ``"Bbm"``, ``"C"``,
    ``"Cmaj"``, ``"F# minor"``, ``"C# major"``, ``"Ebm"``. Case and spaces are ignored.
    """
    s = ("" if text is None else str(text)).strip().upper().replace("♭", "B").replace("♯", "#")
    if not s:
        return -1, 1
    m = _CAMELOT_TEXT.match(s)
    if m and 1 <= int(m.group(1)) <= 12:
        return _from_camelot(int(m.group(1)), m.group(2) == "A")
    m = _OPEN_KEY_TEXT.match(s)
    if m and 1 <= int(m.group(1)) <= 12:
        return _from_camelot((int(m.group(1)) + 6) % 12 + 1, m.group(2) == "M")
    compact = re.sub(r"\s+", " ", s)
    parts = compact.split(" ")
    if len(parts) == 2 and parts[1] in ("MAJOR", "MINOR", "MAJ", "MIN", "DUR", "MOLL"):
        root, quality = parts[0], parts[1]
    else:
        root, quality = compact.replace(" ", ""), ""
        for suffix in ("MINOR", "MAJOR", "MOLL", "MIN", "MAJ", "DUR", "M"):
            # "BBM" = Bb minor, "BM" = B minor, "AM" = A minor; a lone "B"/"BB" stays a root
            if root.endswith(suffix) and root[:-len(suffix)] in _PITCH:
                root, quality = root[:-len(suffix)], suffix
                break
    if root not in _PITCH:
        return -1, 1
    minor = quality in ("M", "MIN", "MINOR", "MOLL")
    return _PITCH[root], 0 if minor else 1
