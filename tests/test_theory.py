"""Music theory (disco.theory.keys, disco.theory.tempo): the spec's key and tempo similarity, the Camelot
wheel, key notations, the DJ key and tempo scores. Energy arcs are in test_arcs.py."""

import math

import numpy as np
import pytest

from disco.theory import keys, tempo

NAMES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def key_of(name):
    return NAMES.index(name)


# --- the spec's key similarity (section 3) -------------------------------------------------------------

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
    got = keys.key_similarity(key_of(a[0]), a[1], key_of(b[0]), b[1])
    assert got == pytest.approx(expected)


def test_key_similarity_by_delta_formula_and_no_key():
    ks = np.arange(12)
    sims = keys.key_similarity(0, 1, ks, 1)  # C major -> every major key
    delta = np.minimum((7 * ks) % 12, 12 - (7 * ks) % 12)
    assert np.allclose(sims, 1 - (delta - 1 + (delta == 0)) / 2.5)
    assert keys.key_similarity(-1, 1, 0, 1) == 0.0
    assert keys.key_similarity(4, 0, -1, 0) == 0.0
    # broadcasting: (3, 1) x (4,) -> (3, 4), symmetric
    m = keys.key_similarity(np.array([[0], [5], [-1]]), 1, np.array([0, 7, 6, -1]), 1)
    assert m.shape == (3, 4)
    assert np.allclose(m, keys.key_similarity(np.array([0, 7, 6, -1]), 1, np.array([[0], [5], [-1]]), 1))


def test_reference_key_table_matches_the_function():
    table = keys.key_table("reference")
    assert table.shape == (13, 13)
    for ka in range(12):
        for kb in range(12):
            pa, pb = keys.circle_position(ka, 1), keys.circle_position(kb, 1)
            assert table[pa, pb] == pytest.approx(keys.key_similarity(ka, 1, kb, 1))
    assert (table[12] == 0).all() and (table[:, 12] == 0).all()
    assert keys.circle_position(-1, 1) == -1 and keys.circle_position(9, 0) == keys.circle_position(0, 1)


# --- the Camelot wheel (section 6) ---------------------------------------------------------------------

CAMELOT = {  # (key name, mode) -> code, from the Camelot wheel
    ("B", 1): "1B", ("F#", 1): "2B", ("C#", 1): "3B", ("G#", 1): "4B", ("D#", 1): "5B", ("A#", 1): "6B",
    ("F", 1): "7B", ("C", 1): "8B", ("G", 1): "9B", ("D", 1): "10B", ("A", 1): "11B", ("E", 1): "12B",
    ("G#", 0): "1A", ("D#", 0): "2A", ("A#", 0): "3A", ("F", 0): "4A", ("C", 0): "5A", ("G", 0): "6A",
    ("D", 0): "7A", ("A", 0): "8A", ("E", 0): "9A", ("B", 0): "10A", ("F#", 0): "11A", ("C#", 0): "12A",
}


@pytest.mark.parametrize("km, code", sorted(CAMELOT.items()))
def test_camelot_codes(km, code):
    assert keys.camelot_code(key_of(km[0]), km[1]) == code


def test_camelot_vectorized_and_no_key():
    codes = keys.camelot_code(np.array([0, 9, -1]), np.array([1, 0, 1]))
    assert list(codes) == ["8B", "8A", ""]
    assert len(set(keys.camelot_code(np.repeat(np.arange(12), 2), np.tile([0, 1], 12)))) == 24
    slots = keys.camelot_index(np.repeat(np.arange(12), 2), np.tile([0, 1], 12))
    assert sorted(slots.tolist()) == list(range(24)) and keys.camelot_index(-1, 0) == keys.NO_KEY_SLOT


def test_camelot_compatible():
    C, G, F, D, Am = (0, 1), (7, 1), (5, 1), (2, 1), (9, 0)
    ok = lambda a, b: bool(keys.camelot_compatible(a[0], a[1], b[0], b[1]))  # noqa: E731
    assert ok(C, C) and ok(C, G) and ok(C, F) and ok(C, Am) and ok(Am, C)
    assert not ok(C, D)  # 8B -> 10B
    assert not ok((9, 1), Am)
    assert ok((4, 1), (11, 1))  # 12B -> 1B wraps
    assert not ok((-1, 1), C) and not ok(C, (-1, 0))
    # 11A (F# minor) and 12B (E major) are not compatible: other letter, other number
    assert not ok((6, 0), (4, 1))


# --- key notations (spec section 8) -----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("8A", (9, 0)), ("08B", (0, 1)), ("12B", (4, 1)), ("8a", (9, 0)), (" 5A ", (0, 0)),       # Camelot
    ("1m", (9, 0)), ("1d", (0, 1)), ("10m", (0, 0)), ("01D", (0, 1)),                        # Open Key
    ("Am", (9, 0)), ("A#m", (10, 0)), ("Bbm", (10, 0)), ("C", (0, 1)), ("Cmaj", (0, 1)),     # musical
    ("F# minor", (6, 0)), ("C# major", (1, 1)), ("Ebm", (3, 0)), ("B", (11, 1)), ("Bb", (10, 1)),
    ("Bm", (11, 0)), ("Db", (1, 1)), ("E minor", (4, 0)), ("Cmin", (0, 0)),
])
def test_parse_key_every_notation(text, expected):
    assert keys.parse_key(text) == expected


@pytest.mark.parametrize("text", ["", "   ", None, "H", "13A", "0A", "8C", "xyz", "C##", "12x"])
def test_parse_key_unknown_or_empty_is_no_key(text):
    assert keys.parse_key(text) == (-1, 1)


def test_spec_section_8_key_facts():
    # C major = 8B = 1d; A minor = 8A = 1m; C minor = 5A = 10m
    for (k, m), camelot, open_key, musical in (((0, 1), "8B", "1d", "C"), ((9, 0), "8A", "1m", "Am"),
                                               ((0, 0), "5A", "10m", "Cm")):
        assert keys.camelot_code(k, m) == camelot and keys.open_key_code(k, m) == open_key
        assert keys.musical_name(k, m) == musical
        assert keys.parse_key(camelot) == keys.parse_key(open_key) == keys.parse_key(musical) == (k, m)
    # Camelot number from Open Key: ((open + 6) mod 12) + 1
    for k in range(12):
        for m in (0, 1):
            cam, ok = keys.camelot_code(k, m), keys.open_key_code(k, m)
            assert int(cam[:-1]) == (int(ok[:-1]) + 6) % 12 + 1
            assert (cam[-1], ok[-1]) == (("A", "m") if m == 0 else ("B", "d"))


@pytest.mark.parametrize("notation", keys.NOTATIONS)
def test_every_key_round_trips_through_parse_key(notation):
    labels = set()
    for k in range(12):
        for m in (0, 1):
            label = keys.key_label(k, m, notation)
            labels.add(label)
            assert keys.parse_key(label) == (k, m), label
    assert len(labels) == 24
    assert keys.key_label(-1, 1, notation) == ""
    assert keys.parse_key(keys.key_label(-1, 0, notation)) == (-1, 1)
    with pytest.raises(ValueError, match="notation"):
        keys.key_label(0, 1, "traktor")


def test_key_names_vectorized():
    k, m = np.array([0, 9, -1, 6]), np.array([1, 0, 1, 0])
    assert list(keys.open_key_code(k, m)) == ["1d", "1m", "", keys.open_key_code(6, 0)]
    assert list(keys.musical_name(k, m)) == ["C", "Am", "", "F#m"]


# --- the graded Camelot key score --------------------------------------------------------------------------

KEYS = [(k, m) for m in (0, 1) for k in range(12)]
CODE = {keys.camelot_code(k, m): (k, m) for k, m in KEYS}


def km(code):
    return CODE[code]


def cscore(a, b):
    return float(keys.camelot_key_score(*km(a), *km(b)))


@pytest.mark.parametrize("a, b, expected", [
    ("8A", "8A", 1.0),    # same code
    ("8A", "9A", 0.9),    # +1 same letter
    ("8A", "7A", 0.9),    # -1 same letter
    ("12B", "1B", 0.9),   # 12 wraps to 1
    ("8A", "8B", 0.8),    # A <-> B
    ("8A", "9B", 0.55),   # diagonal
    ("8B", "7A", 0.55),   # diagonal the other way
    ("8A", "10A", 0.45),  # energy boost
    ("1A", "11A", 0.45),  # energy boost across the wrap
    ("8A", "3B", 0.1),
    ("8A", "10B", 0.1),   # +2 with the other letter is not a boost
    ("8A", "2A", 0.1),    # opposite side of the wheel
])
def test_camelot_key_score_examples(a, b, expected):
    assert cscore(a, b) == pytest.approx(expected)
    assert cscore(b, a) == pytest.approx(expected)  # symmetric


def test_camelot_examples_match_theory_codes():
    # guards the fixture: C major = 8B, A minor = 8A (spec section 6)
    assert km("8B") == (0, 1) and km("8A") == (9, 0)


def test_every_camelot_pair_is_classified_by_the_stated_rules():
    ka, ma = np.array(KEYS).T
    got = keys.camelot_key_score(ka[:, None], ma[:, None], ka[None, :], ma[None, :])
    assert got.shape == (24, 24)
    for i, a in enumerate(KEYS):
        for j, b in enumerate(KEYS):
            ca, cb = keys.camelot_code(*a), keys.camelot_code(*b)
            na, nb, la, lb = int(ca[:-1]), int(cb[:-1]), ca[-1], cb[-1]
            step = min((na - nb) % 12, (nb - na) % 12)
            if la == lb:
                want = {0: 1.0, 1: 0.9, 2: 0.45}.get(step, 0.1)
            else:
                want = {0: 0.8, 1: 0.55}.get(step, 0.1)
            assert got[i, j] == pytest.approx(want), (ca, cb)
            # the hard rule: same code, +/-1 with the same letter, same number A<->B
            assert bool(keys.camelot_compatible(*a, *b)) == ((la == lb and step <= 1) or (la != lb and step == 0))
    # each code has 1 same, 2 neighbours, 1 relative, 2 diagonals, 2 boosts, 16 others
    values, counts = np.unique(np.round(got[0], 3), return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist())) == {0.1: 16, 0.45: 2, 0.55: 2, 0.8: 1, 0.9: 2, 1.0: 1}


def test_no_key_is_neutral():
    assert keys.camelot_key_score(-1, 1, 0, 1) == 0.5
    assert keys.camelot_key_score(5, 0, -1, 0) == 0.5
    assert keys.camelot_key_score(-1, 0, -1, 1) == 0.5
    assert keys.key_score(-1, 1, 3, 1, score="camelot") == 0.0
    assert keys.key_score(-1, 1, 3, 1, score="reference") == 0.0


def test_key_scores_and_lookup_tables_agree():
    ks = np.array([k for k, _ in KEYS] + [-1, -1])
    ms = np.array([m for _, m in KEYS] + [0, 1])
    a_k, a_m, b_k, b_m = ks[:, None], ms[:, None], ks[None, :], ms[None, :]
    cam = keys.key_score(a_k, a_m, b_k, b_m, score="camelot")
    assert np.allclose(cam, 2 * keys.camelot_key_score(a_k, a_m, b_k, b_m) - 1)
    assert cam.min() == pytest.approx(-0.8) and cam.max() == pytest.approx(1.0)
    ref = keys.key_score(a_k, a_m, b_k, b_m, score="reference")
    assert np.allclose(ref, keys.key_similarity(a_k, a_m, b_k, b_m))
    for name, expected in (("camelot", cam), ("reference", ref)):
        codes = keys.key_codes(ks, ms, name)
        assert np.allclose(keys.key_table(name)[codes[:, None], codes[None, :]], expected)
    assert keys.key_score(0, 1, 7, 1) == pytest.approx(0.8)  # camelot is the default: 8B -> 9B = 2 * 0.9 - 1
    for bad in (lambda: keys.key_score(0, 1, 0, 1, score="fifths"), lambda: keys.key_table("fifths"),
                lambda: keys.key_codes(0, 1, "fifths")):
        with pytest.raises(ValueError, match="key score"):
            bad()


def test_camelot_score_separates_diagonals_the_reference_calls_perfect():
    # 8A -> 9B (A minor -> G major) is delta 1 on the circle of fifths: 1.0 for the reference
    assert keys.key_score(*km("8A"), *km("9B"), score="reference") == pytest.approx(1.0)
    assert keys.key_score(*km("8A"), *km("9B"), score="camelot") == pytest.approx(0.1)
    assert not keys.camelot_compatible(*km("8A"), *km("9B"))
    assert keys.camelot_compatible(*km("8A"), *km("9A"))


# --- tempo: the spec's similarity, folding, the DJ tolerance ---------------------------------------------

def test_tempo_similarity_ratios():
    assert tempo.tempo_similarity(120, 120) == pytest.approx(1)
    assert tempo.tempo_similarity(120, 240) == pytest.approx(1)
    assert tempo.tempo_similarity(120, 60) == pytest.approx(1)
    assert tempo.tempo_similarity(100, 100 * math.sqrt(2)) == pytest.approx(-1)
    assert tempo.tempo_similarity(100, 100 * 2 ** 0.25) == pytest.approx(0, abs=1e-12)
    assert tempo.tempo_similarity(0, 120) == 0  # invalid tempo is neutral
    assert tempo.tempo_similarity(np.array([100, 120]), np.array([[100], [200]])).shape == (2, 2)
    t = np.array([100.0, 103.0, 141.4, 200.0])
    assert np.allclose(tempo.tempo_similarity(100.0, t), np.cos(2 * np.pi * np.log2(t / 100.0)))
    assert np.array_equal(tempo.tempo_score(100.0, t, "reference"), tempo.tempo_similarity(100.0, t))


def test_fold_and_tempo_compatible():
    assert tempo.fold_tempo_ratio(100, 210) == pytest.approx(1.05)
    assert tempo.fold_tempo_ratio(100, 52) == pytest.approx(1.04)
    assert tempo.TEMPO_TOLERANCE_PCT == 6.0  # spec section 6: DJs keep tempo changes within about 6%
    assert bool(tempo.tempo_compatible(100, 105.9))
    assert bool(tempo.tempo_compatible(100, 106))  # the tolerance is inclusive
    assert bool(tempo.tempo_compatible(100, 200))
    assert bool(tempo.tempo_compatible(128, 64 * 0.95))
    assert not bool(tempo.tempo_compatible(100, 107))
    assert not bool(tempo.tempo_compatible(100, 141))
    assert not bool(tempo.tempo_compatible(np.nan, 100))
    assert tempo.tempo_compatible(100, np.array([100, 103, 110]), tolerance_pct=4).tolist() == [True, True, False]


def test_tempo_change_is_a_percent_after_folding():
    assert tempo.tempo_change_pct(120.0, 123.0) == pytest.approx(2.5)
    assert tempo.tempo_change_pct(120.0, 246.0) == pytest.approx(2.5)
    assert tempo.tempo_change_pct(120.0, 58.5) == pytest.approx(2.5)  # 117 at double time
    assert tempo.tempo_change_pct(100.0, 141.0) == pytest.approx(41.0)
    assert np.isnan(tempo.tempo_change_pct(-1.0, 120.0)) and np.isnan(tempo.tempo_change_pct(120.0, 0.0))
    x = np.linspace(-3, 3, 61)
    assert np.abs(tempo.fold_octaves(x)).max() <= 0.5 + 1e-12
    assert np.allclose(tempo.change_pct_from_octaves(x), np.abs(np.exp2(tempo.fold_octaves(x)) - 1) * 100)


# --- the DJ tempo kernel -------------------------------------------------------------------------------

@pytest.mark.parametrize("pct, kernel", [(0, 1.0), (2, math.exp(-0.25)), (6, math.exp(-2.25)), (10, math.exp(-6.25))])
def test_dj_tempo_kernel_values(pct, kernel):
    # the kernel exp(-(change / 4%)^2), mapped to -1..1 for the loss: 2 * kernel - 1
    assert tempo.DJ_TEMPO_WIDTH_PCT == 4.0
    got = float(tempo.tempo_score(120.0, 120.0 * (1 + pct / 100), "dj"))
    assert got == pytest.approx(2 * kernel - 1, rel=1e-9, abs=1e-12)
    octaves = math.log2(1 + pct / 100)
    assert float(tempo.dj_score_from_octaves(octaves)) == pytest.approx(2 * kernel - 1, rel=1e-9, abs=1e-12)
    assert float(tempo.tempo_score(120.0, 120.0 * (1 + pct / 100))) == pytest.approx(got)  # "dj" is the default


def test_dj_tempo_kernel_rough_landmarks_and_width():
    s = (tempo.tempo_score(100.0, np.array([102.0, 106.0, 110.0]), "dj") + 1) / 2
    assert 0.75 < s[0] < 0.8 and 0.08 < s[1] < 0.12 and s[2] < 0.005
    p = np.linspace(0, 0.3, 31)
    d = np.diff(tempo.tempo_score(100.0, 100.0 * (1 + p), "dj"))
    assert (d <= 0).all() and (d[:12] < 0).all()  # falls with the change (to -1 in float64 beyond ~15%)
    # a wider kernel forgives more: 6% with width 8 scores as 3% with width 4
    assert tempo.tempo_score(100.0, 106.0, "dj", width_pct=8.0) == pytest.approx(tempo.tempo_score(100.0, 103.0, "dj"))


def test_tempo_fold_invariance():
    for other in (60.0, 240.0, 480.0, 30.0):
        assert tempo.tempo_score(120.0, other, "dj") == pytest.approx(1.0)
        assert tempo.tempo_change_pct(120.0, other) == pytest.approx(0.0)
    to = np.array([118.0, 123.0, 126.0, 131.0])
    base = tempo.tempo_score(120.0, to, "dj")
    assert np.allclose(tempo.tempo_score(240.0, to, "dj"), base)
    assert np.allclose(tempo.tempo_score(60.0, to, "dj"), base)
    assert np.allclose(tempo.tempo_score(120.0, 2 * to, "dj"), base)


def test_tempo_invalid_is_neutral_and_bad_arguments():
    assert tempo.tempo_score(0.0, 120.0, "dj") == 0.0
    assert tempo.tempo_score(np.nan, 120.0, "dj") == 0.0
    assert tempo.tempo_score(120.0, -5.0, "reference") == 0.0
    assert tempo.dj_score_from_octaves(np.nan) == 0.0
    with pytest.raises(ValueError, match="tempo score"):
        tempo.tempo_score(100.0, 100.0, "cosine")
    for width in (0, -4.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="width"):
            tempo.dj_score_from_octaves(0.0, width)
        with pytest.raises(ValueError, match="width"):
            tempo.tempo_score(100.0, 100.0, "dj", width_pct=width)
