import json
import math

import numpy as np
import pytest

from disco import scoring, theory
from disco.arcs import Arc
from disco.scoring import Rules, Scoring, SongFields

# every (key, mode) with its Camelot code, e.g. (9, 0) -> "8A"
KEYS = [(k, m) for m in (0, 1) for k in range(12)]
CODE = {theory.camelot_code(k, m): (k, m) for k, m in KEYS}


def km(code):
    return CODE[code]


def score(a, b):
    return float(scoring.camelot_key_score(*km(a), *km(b)))


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
    assert score(a, b) == pytest.approx(expected)
    assert score(b, a) == pytest.approx(expected)  # symmetric


def test_camelot_examples_match_theory_codes():
    # guards the fixture: C major = 8B, A minor = 8A (spec section 6)
    assert km("8B") == (0, 1) and km("8A") == (9, 0)


def test_every_camelot_pair_is_classified_by_the_stated_rules():
    ka, ma = np.array(KEYS).T
    got = scoring.camelot_key_score(ka[:, None], ma[:, None], ka[None, :], ma[None, :])
    assert got.shape == (24, 24)
    for i, a in enumerate(KEYS):
        for j, b in enumerate(KEYS):
            ca, cb = theory.camelot_code(*a), theory.camelot_code(*b)
            na, nb, la, lb = int(ca[:-1]), int(cb[:-1]), ca[-1], cb[-1]
            step = min((na - nb) % 12, (nb - na) % 12)
            if la == lb:
                want = {0: 1.0, 1: 0.9, 2: 0.45}.get(step, 0.1)
            else:
                want = {0: 0.8, 1: 0.55}.get(step, 0.1)
            assert got[i, j] == pytest.approx(want), (ca, cb)
    # each code has 1 same, 2 neighbours, 1 relative, 2 diagonals, 2 boosts, 16 others
    values, counts = np.unique(np.round(got[0], 3), return_counts=True)
    assert dict(zip(values.tolist(), counts.tolist())) == {0.1: 16, 0.45: 2, 0.55: 2, 0.8: 1, 0.9: 2, 1.0: 1}


def test_no_key_is_neutral():
    assert scoring.camelot_key_score(-1, 1, 0, 1) == 0.5
    assert scoring.camelot_key_score(5, 0, -1, 0) == 0.5
    assert scoring.camelot_key_score(-1, 0, -1, 1) == 0.5
    assert scoring.key_score(-1, 1, 3, 1, mode="camelot") == 0.0
    assert scoring.key_score(-1, 1, 3, 1, mode="reference") == 0.0


def test_key_score_modes_and_lookup_table_agree():
    keys = np.array([k for k, _ in KEYS] + [-1, -1])
    modes = np.array([m for _, m in KEYS] + [0, 1])
    a_k, a_m, b_k, b_m = keys[:, None], modes[:, None], keys[None, :], modes[None, :]
    cam = scoring.key_score(a_k, a_m, b_k, b_m, mode="camelot")
    assert np.allclose(cam, 2 * scoring.camelot_key_score(a_k, a_m, b_k, b_m) - 1)
    assert cam.min() == pytest.approx(-0.8) and cam.max() == pytest.approx(1.0)
    ref = scoring.key_score(a_k, a_m, b_k, b_m, mode="reference")
    assert np.allclose(ref, theory.key_similarity(a_k, a_m, b_k, b_m))
    for name, expected in (("camelot", cam), ("reference", ref)):
        codes = scoring.key_codes(keys, modes, name)
        assert np.allclose(scoring.key_table(name)[codes[:, None], codes[None, :]], expected)
    with pytest.raises(ValueError, match="key score"):
        scoring.key_score(0, 1, 0, 1, mode="fifths")


def test_camelot_mode_separates_diagonals_the_reference_calls_perfect():
    # 8A -> 9B (A minor -> G major) is delta 1 on the circle of fifths: 1.0 for the reference
    assert scoring.key_score(*km("8A"), *km("9B"), mode="reference") == pytest.approx(1.0)
    assert scoring.key_score(*km("8A"), *km("9B"), mode="camelot") == pytest.approx(0.1)
    assert not scoring.camelot_strict_compatible(*km("8A"), *km("9B"))
    assert scoring.camelot_strict_compatible(*km("8A"), *km("9A"))


@pytest.mark.parametrize("pct, expected", [(0, 1.0), (2, math.exp(-0.25)), (6, math.exp(-2.25)),
                                           (10, math.exp(-6.25))])
def test_dj_tempo_kernel_values(pct, expected):
    got = float(scoring.dj_tempo_score(120.0, 120.0 * (1 + pct / 100)))
    assert got == pytest.approx(expected, rel=1e-9)
    assert float(scoring.tempo_score(120.0, 120.0 * (1 + pct / 100), mode="dj")) == pytest.approx(2 * expected - 1)


def test_dj_tempo_kernel_rough_landmarks():
    s = scoring.dj_tempo_score(100.0, np.array([102.0, 106.0, 110.0]))
    assert 0.75 < s[0] < 0.8 and 0.08 < s[1] < 0.12 and s[2] < 0.005
    p = np.linspace(0, 0.3, 31)
    assert (np.diff(scoring.dj_tempo_score(100.0, 100.0 * (1 + p))) < 0).all()  # falls with the change


def test_tempo_fold_invariance():
    for other in (60.0, 240.0, 480.0, 30.0):
        assert scoring.dj_tempo_score(120.0, other) == pytest.approx(1.0)
        assert scoring.bpm_change_pct(120.0, other) == pytest.approx(0.0)
    to = np.array([118.0, 123.0, 126.0, 131.0])
    base = scoring.dj_tempo_score(120.0, to)
    assert np.allclose(scoring.dj_tempo_score(240.0, to), base)
    assert np.allclose(scoring.dj_tempo_score(60.0, to), base)
    assert np.allclose(scoring.dj_tempo_score(120.0, 2 * to), base)
    assert scoring.bpm_change_pct(120.0, 246.0) == pytest.approx(2.5)


def test_tempo_invalid_is_neutral_and_modes():
    assert scoring.dj_tempo_score(0.0, 120.0) == 0.5
    assert scoring.tempo_score(np.nan, 120.0, mode="dj") == 0.0
    assert np.isnan(scoring.bpm_change_pct(-1.0, 120.0))
    t = np.array([100.0, 103.0, 141.4, 200.0])
    assert np.allclose(scoring.tempo_score(100.0, t, mode="reference"), theory.tempo_similarity(100.0, t))
    with pytest.raises(ValueError, match="tempo score"):
        scoring.tempo_score(100.0, 100.0, mode="cosine")
    with pytest.raises(ValueError, match="width"):
        scoring.dj_tempo_score(100.0, 100.0, width=0)


# --- rules ----------------------------------------------------------------------------------------------

def fields(codes, tempi, artists):
    k, m = np.array([km(c) for c in codes]).T
    return SongFields(k, m, np.asarray(tempi, float), np.asarray(artists))


LAST = SongFields(*km("8A"), 120.0, 7)


def test_pool_without_compatible_key_relaxes_and_marks():
    cand = fields(["3B", "2A", "5B"], [120, 121, 150], [1, 2, 3])
    mask, relaxed = scoring.allowed_mask(Rules(camelot_only=True), LAST, cand)
    assert relaxed == ("camelot_only",)
    assert mask.tolist() == [True, True, True]


def test_pool_with_one_compatible_key_keeps_only_it():
    cand = fields(["3B", "9A", "5B", "2A"], [120, 121, 150, 119], [1, 2, 3, 4])
    mask, relaxed = scoring.allowed_mask(Rules(camelot_only=True), LAST, cand)
    assert relaxed == () and not relaxed
    assert mask.tolist() == [False, True, False, False]
    # once that song is used, the rule gives way for the next move
    mask, relaxed = scoring.allowed_mask(Rules(camelot_only=True), LAST, cand,
                                         available=[True, False, True, True])
    assert relaxed == ("camelot_only",) and mask.tolist() == [True, False, True, True]


def test_rules_combine_and_relax_in_order():
    rules = Rules(camelot_only=True, max_bpm_change=6.0, no_repeat_artist=True)
    # 0: key ok, tempo 10% off; 1: key off, tempo ok, same artist; 2: key off, tempo ok (half time)
    cand = fields(["9A", "3B", "4B"], [132, 121, 61], [1, 7, 2])
    mask, relaxed = scoring.allowed_mask(rules, LAST, cand)
    assert relaxed == ("camelot_only",) and mask.tolist() == [False, False, True]
    # every tempo is off too -> the BPM limit goes next, the artist rule holds
    cand = fields(["9A", "3B", "4B"], [132, 140, 100], [7, 1, 2])
    mask, relaxed = scoring.allowed_mask(rules, LAST, cand)
    assert relaxed == ("camelot_only", "max_bpm_change") and mask.tolist() == [False, True, True]
    # only the last song's artist left: everything relaxed, still something to play
    cand = fields(["3B", "4B"], [150, 100], [7, 7])
    mask, relaxed = scoring.allowed_mask(rules, LAST, cand)
    assert relaxed == scoring.RELAX_ORDER and mask.all()
    # nothing available: nothing to relax
    mask, relaxed = scoring.allowed_mask(rules, LAST, cand, available=[False, False])
    assert relaxed == () and not mask.any()


def test_bpm_rule_is_a_folded_percent_and_artist_rule_ignores_unknown():
    cand = fields(["3B"] * 4, [126.0, 127.3, 246.0, 60.0], ["", "x", "y", "z"])
    mask, relaxed = scoring.allowed_mask(Rules(max_bpm_change=5.0), LAST, cand)
    assert mask.tolist() == [True, False, True, True] and relaxed == ()  # 126 is exactly 5%: inclusive
    last = SongFields(*km("8A"), 120.0, "")
    mask, _ = scoring.allowed_mask(Rules(no_repeat_artist=True), last, cand)
    assert mask.all()  # an unknown artist is never a repeat
    last = SongFields(*km("8A"), 120.0, "x")
    mask, _ = scoring.allowed_mask(Rules(no_repeat_artist=True), last, cand)
    assert mask.tolist() == [True, False, True, True]
    with pytest.raises(ValueError, match="artists"):
        scoring.allowed_mask(Rules(no_repeat_artist=True), SongFields(0, 1, 120.0), cand)


def test_no_rules_allow_every_available_song():
    cand = fields(["3B", "9A"], [10, 500], [7, 7])
    mask, relaxed = scoring.allowed_mask(Rules(), LAST, cand, available=[True, False])
    assert mask.tolist() == [True, False] and relaxed == ()


def test_batched_masks_match_one_move_at_a_time():
    rng = np.random.default_rng(0)
    P, B = 40, 6
    cand = SongFields(rng.integers(-1, 12, P), rng.integers(0, 2, P), rng.uniform(80, 170, P),
                      rng.integers(0, 5, P))
    last = SongFields(rng.integers(-1, 12, B), rng.integers(0, 2, B), rng.uniform(80, 170, B),
                      rng.integers(0, 5, B))
    avail = rng.random((B, P)) < 0.3
    avail[0] = False
    for rules in (Rules(camelot_only=True), Rules(True, 2.0, True), Rules(max_bpm_change=1.0)):
        mask, relaxed = scoring.allowed_masks(rules, last, cand, avail)
        assert mask.shape == (B, P)
        for b in range(B):
            one, r = scoring.allowed_mask(rules, last.take(b), cand, avail[b])
            assert (mask[b] == one).all() and relaxed[b] == r


def test_rules_validation():
    with pytest.raises(ValueError, match="percent"):
        Rules(max_bpm_change=-1)
    assert Rules(True, 6, True).active == scoring.RELAX_ORDER
    assert Rules().active == ()


# --- the bundle -----------------------------------------------------------------------------------------

def test_scoring_defaults_are_the_reference_and_to_dict_is_json():
    s = Scoring()
    assert s.key == "reference" and s.tempo == "reference" and not s.uses_arc
    assert s.key_score(0, 1, 6, 1) == theory.key_similarity(0, 1, 6, 1)
    d = Scoring(key="camelot", tempo="dj", rules=Rules(True, 6.0, True), arc=Arc.named("peak"),
                arc_weight=2.0).to_dict()
    back = json.loads(json.dumps(d))
    assert back["key_score"] == "camelot" and back["tempo_score"] == "dj" and back["arc_weight"] == 2.0
    assert back["rules"] == {"camelot_only": True, "max_bpm_change": 6.0, "no_repeat_artist": True}
    assert back["arc"]["name"] == "peak" and len(back["arc"]["energy"]) >= 2
    assert Scoring().to_dict()["arc"] is None
    hash(Scoring(arc=Arc.named("waves")))  # usable as a dict key (evaluation grids)


@pytest.mark.parametrize("kwargs", [{"key": "fifths"}, {"tempo": "cos"}, {"arc_weight": -1.0},
                                    {"arc_weight": float("nan")}, {"tempo_width": 0.0}])
def test_scoring_rejects_bad_settings(kwargs):
    with pytest.raises(ValueError):
        Scoring(**kwargs)
