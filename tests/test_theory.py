import math

import numpy as np
import pytest

from disco import theory


def key_of(name):
    return ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"].index(name)


@pytest.mark.parametrize("a, b, expected", [
    (("C", 1), ("C", 1), 1.0),      # same key
    (("C", 1), ("G", 1), 1.0),      # a fifth up
    (("C", 1), ("F", 1), 1.0),      # a fourth
    (("C", 1), ("A", 0), 1.0),      # relative minor = same circle position
    (("A", 0), ("E", 0), 1.0),      # minor keys a fifth apart
    (("C", 1), ("D", 1), 0.6),      # delta 2
    (("C", 1), ("A", 1), 0.2),      # delta 3
    (("C", 1), ("E", 1), -0.2),     # delta 4
    (("C", 1), ("B", 1), -0.6),     # delta 5
    (("C", 1), ("F#", 1), -1.0),    # tritone, delta 6
    (("C", 1), ("D#", 0), -1.0),    # D# minor -> F# major
])
def test_key_similarity_spec_values(a, b, expected):
    got = theory.key_similarity(key_of(a[0]), a[1], key_of(b[0]), b[1])
    assert got == pytest.approx(expected)


def test_key_similarity_by_delta_formula_and_no_key():
    keys = np.arange(12)
    sims = theory.key_similarity(0, 1, keys, 1)  # C major -> every major key
    delta = np.minimum((7 * keys) % 12, 12 - (7 * keys) % 12)
    assert np.allclose(sims, 1 - (delta - 1 + (delta == 0)) / 2.5)
    assert theory.key_similarity(-1, 1, 0, 1) == 0.0
    assert theory.key_similarity(4, 0, -1, 0) == 0.0
    # broadcasting: (3, 1) x (4,) -> (3, 4), symmetric
    m = theory.key_similarity(np.array([[0], [5], [-1]]), 1, np.array([0, 7, 6, -1]), 1)
    assert m.shape == (3, 4)
    assert np.allclose(m, theory.key_similarity(np.array([0, 7, 6, -1]), 1, np.array([[0], [5], [-1]]), 1))


def test_keysim_table_matches_function():
    table = theory.keysim_table()
    for ka in range(12):
        for kb in range(12):
            pa, pb = theory.circle_position(ka, 1), theory.circle_position(kb, 1)
            assert table[pa, pb] == pytest.approx(theory.key_similarity(ka, 1, kb, 1))
    assert (table[12] == 0).all() and (table[:, 12] == 0).all()


CAMELOT = {  # (key name, mode) -> code, from the Camelot wheel
    ("B", 1): "1B", ("F#", 1): "2B", ("C#", 1): "3B", ("G#", 1): "4B", ("D#", 1): "5B", ("A#", 1): "6B",
    ("F", 1): "7B", ("C", 1): "8B", ("G", 1): "9B", ("D", 1): "10B", ("A", 1): "11B", ("E", 1): "12B",
    ("G#", 0): "1A", ("D#", 0): "2A", ("A#", 0): "3A", ("F", 0): "4A", ("C", 0): "5A", ("G", 0): "6A",
    ("D", 0): "7A", ("A", 0): "8A", ("E", 0): "9A", ("B", 0): "10A", ("F#", 0): "11A", ("C#", 0): "12A",
}


@pytest.mark.parametrize("km, code", sorted(CAMELOT.items()))
def test_camelot_codes(km, code):
    assert theory.camelot_code(key_of(km[0]), km[1]) == code


def test_camelot_vectorized_and_no_key():
    codes = theory.camelot_code(np.array([0, 9, -1]), np.array([1, 0, 1]))
    assert list(codes) == ["8B", "8A", ""]
    assert len(set(theory.camelot_code(np.repeat(np.arange(12), 2), np.tile([0, 1], 12)))) == 24


def test_camelot_compatible():
    C, G, F, D, Am = (0, 1), (7, 1), (5, 1), (2, 1), (9, 0)
    ok = lambda a, b: bool(theory.camelot_compatible(a[0], a[1], b[0], b[1]))
    assert ok(C, C) and ok(C, G) and ok(C, F) and ok(C, Am) and ok(Am, C)
    assert not ok(C, D)  # 8B -> 10B
    assert not ok((9, 1), Am)
    assert ok((4, 1), (11, 1))  # 12B -> 1B wraps
    assert not ok((-1, 1), C) and not ok(C, (-1, 0))
    # 11A (F# minor) and 12B (E major) are not compatible: other letter, other number
    assert not ok((6, 0), (4, 1))


def test_tempo_similarity_ratios():
    assert theory.tempo_similarity(120, 120) == pytest.approx(1)
    assert theory.tempo_similarity(120, 240) == pytest.approx(1)
    assert theory.tempo_similarity(120, 60) == pytest.approx(1)
    assert theory.tempo_similarity(100, 100 * math.sqrt(2)) == pytest.approx(-1)
    assert theory.tempo_similarity(100, 100 * 2 ** 0.25) == pytest.approx(0, abs=1e-12)
    assert theory.tempo_similarity(0, 120) == 0  # invalid tempo is neutral
    assert theory.tempo_similarity(np.array([100, 120]), np.array([[100], [200]])).shape == (2, 2)


def test_fold_and_tempo_compatible():
    assert theory.fold_tempo_ratio(100, 210) == pytest.approx(1.05)
    assert theory.fold_tempo_ratio(100, 52) == pytest.approx(1.04)
    assert bool(theory.tempo_compatible(100, 105.9))
    assert bool(theory.tempo_compatible(100, 200))
    assert bool(theory.tempo_compatible(128, 64 * 0.95))
    assert not bool(theory.tempo_compatible(100, 107))
    assert not bool(theory.tempo_compatible(100, 141))
    assert not bool(theory.tempo_compatible(np.nan, 100))
    assert theory.tempo_compatible(100, np.array([100, 103, 110]), tolerance=0.04).tolist() == [True, True, False]
