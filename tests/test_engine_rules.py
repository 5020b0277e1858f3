"""Hard rules (disco.engine.rules): the masks of Loss.rule_masks and their relaxation, move by move."""

import numpy as np
import pytest

from disco.engine import rules
from disco.engine.loss import Loss
from disco.engine.settings import RULES, EngineSettings
from disco.model.arrays import SongArrays
from disco.theory import keys

LAST = ("8A", 120.0, 7)  # the song moved from: A minor, 120 BPM, artist 7


def songs(codes, tempi, artists=None) -> SongArrays:
    """SongArrays of songs with keys written as Camelot codes, tempi in BPM and artist codes (-1 unknown)."""
    n = len(codes)
    k, m = np.array([keys.parse_key(c) for c in codes]).T
    z = np.zeros((n, 8), np.float32)
    return SongArrays(z=z, mode=m.astype(np.int8), key=k.astype(np.int8), tempo=np.asarray(tempi, np.float32),
                      pca=z[:, :3].copy(), energy=np.full(n, 0.5, np.float32),
                      artist=None if artists is None else np.asarray(artists, np.int32))


def allowed_moves(settings, codes, tempi, artists, available=None, last=LAST, dtype=np.float64):
    """(mask as a list, relaxed rules) of the moves from ``last`` to each candidate."""
    arrays = songs([last[0]] + list(codes), [last[1]] + list(tempi), [last[2]] + list(artists))
    loss = Loss(settings, arrays, np.arange(1, len(codes) + 1), dtype=dtype)
    avail = np.ones((1, len(codes)), bool) if available is None else np.array([available], bool)
    mask, relaxed = rules.allowed(loss.rule_masks(np.array([0])), avail)
    return mask[0].tolist(), relaxed[0]


CAMELOT = EngineSettings(camelot_only=True)
ALL = EngineSettings(camelot_only=True, max_bpm_change=6.0, artist_gap=1)


def test_pool_without_compatible_key_relaxes_and_marks():
    mask, relaxed = allowed_moves(CAMELOT, ["3B", "2A", "5B"], [120, 121, 150], [1, 2, 3])
    assert relaxed == ("camelot_only",)
    assert mask == [True, True, True]


def test_pool_with_one_compatible_key_keeps_only_it():
    cand = (["3B", "9A", "5B", "2A"], [120, 121, 150, 119], [1, 2, 3, 4])
    mask, relaxed = allowed_moves(CAMELOT, *cand)
    assert relaxed == ()
    assert mask == [False, True, False, False]
    # once that song is used, the rule gives way for the next move
    mask, relaxed = allowed_moves(CAMELOT, *cand, available=[True, False, True, True])
    assert relaxed == ("camelot_only",) and mask == [True, False, True, True]


def test_rules_combine_and_relax_in_order():
    # 0: key ok, tempo 10% off; 1: key off, tempo ok, same artist; 2: key off, tempo ok (half time)
    mask, relaxed = allowed_moves(ALL, ["9A", "3B", "4B"], [132, 121, 61], [1, 7, 2])
    assert relaxed == ("camelot_only",) and mask == [False, False, True]
    # every tempo is off too -> the BPM limit goes next, the artist rule holds
    mask, relaxed = allowed_moves(ALL, ["9A", "3B", "4B"], [132, 140, 100], [7, 1, 2])
    assert relaxed == ("camelot_only", "max_bpm_change") and mask == [False, True, True]
    # only the last song's artist left: everything relaxed, still something to play
    mask, relaxed = allowed_moves(ALL, ["3B", "4B"], [150, 100], [7, 7])
    assert relaxed == RULES and mask == [True, True]
    # nothing available: nothing to relax
    mask, relaxed = allowed_moves(ALL, ["3B", "4B"], [150, 100], [7, 7], available=[False, False])
    assert relaxed == () and mask == [False, False]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bpm_rule_is_an_inclusive_folded_percent(dtype):
    mask, relaxed = allowed_moves(EngineSettings(max_bpm_change=5.0), ["3B"] * 4, [126.0, 127.3, 246.0, 60.0],
                                  [-1, 1, 2, 3], dtype=dtype)
    assert mask == [True, False, True, True] and relaxed == ()  # 126 is exactly 5%: inclusive


def test_bpm_rule_folds_double_and_half_time():
    # 241 ~ 2 x 120.5 (0.4%) and 59 ~ 118 / 2 (1.7%) keep a 2% limit; 125 (4.2%) and 180 (~90 x 2: 25%) break it
    for dtype in (np.float32, np.float64):
        mask, _ = allowed_moves(EngineSettings(max_bpm_change=2.0), ["3B"] * 4, [241.0, 59.0, 125.0, 180.0],
                                [1, 2, 3, 4], dtype=dtype)
        assert mask == [True, True, False, False]


def test_artist_rule_ignores_unknown_artists():
    cand = (["3B"] * 4, [126.0, 127.3, 246.0, 60.0], [-1, 1, 2, 3])
    mask, _ = allowed_moves(EngineSettings(artist_gap=1), *cand, last=("8A", 120.0, -1))
    assert mask == [True] * 4  # an unknown artist is never a repeat
    mask, _ = allowed_moves(EngineSettings(artist_gap=1), *cand, last=("8A", 120.0, 1))
    assert mask == [True, False, True, True]
    # songs without artists (SongArrays.artist None) are unknown artists: never a repeat
    no_artists = Loss(EngineSettings(artist_gap=1), songs(["8A", "3B"], [120, 120]), np.array([1]))
    assert no_artists.rule_masks(np.array([0]))["artist_gap"].all()


def test_no_rules_allow_every_available_song():
    mask, relaxed = allowed_moves(EngineSettings(artist_gap=0), ["3B", "9A"], [10, 500], [7, 7],
                                  available=[True, False])
    assert mask == [True, False] and relaxed == ()


def test_batched_masks_match_one_move_at_a_time():
    rng = np.random.default_rng(0)
    n, P, B = 60, 40, 6
    z = np.zeros((n, 8), np.float32)
    arrays = SongArrays(z=z, mode=rng.integers(0, 2, n).astype(np.int8), key=rng.integers(-1, 12, n).astype(np.int8),
                        tempo=rng.uniform(80, 170, n).astype(np.float32), pca=z[:, :3],
                        artist=rng.integers(0, 5, n).astype(np.int32))
    cand, last = np.arange(P), np.arange(P, P + B)
    avail = rng.random((B, P)) < 0.3
    avail[0] = False
    seen = set()
    for s in (CAMELOT, EngineSettings(camelot_only=True, max_bpm_change=2.0, artist_gap=1),
              EngineSettings(max_bpm_change=1.0)):
        masks = Loss(s, arrays, cand).rule_masks(last)
        mask, relaxed = rules.allowed(masks, avail)
        assert mask.shape == (B, P) and len(relaxed) == B
        assert not (mask & ~avail).any()  # never an unavailable song
        for b in range(B):
            one, r = rules.allowed({k: m[b:b + 1] for k, m in masks.items()}, avail[b:b + 1])
            assert (mask[b] == one[0]).all() and relaxed[b] == r[0]
            seen.add(r[0])
    assert len(seen) >= 3  # rows that keep every rule, relax some, relax all


def test_broken_names_the_rules_a_move_breaks():
    arrays = songs(["8A", "9A", "3B", "3B"], [120, 132, 121, 150], [7, 1, 7, 2])
    masks = Loss(ALL, arrays, np.arange(1, 4)).rule_masks(np.array([0]))
    assert rules.broken(masks, 0, 0) == ("max_bpm_change",)
    assert rules.broken(masks, 0, 1) == ("camelot_only", "artist_gap")
    assert rules.broken(masks, 0, 2) == ("camelot_only", "max_bpm_change")
    assert rules.broken({}, 0, 0) == ()
