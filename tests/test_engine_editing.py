"""Editing and planning a set through the facade (disco.engine.service.Disco): locked and banned songs, the
alternatives for one position, sets planned by minutes, candidate filters and the artist gap."""

import math

import numpy as np
import pandas as pd
import pytest

from disco.data.catalog import load_catalog
from disco.engine.playlist import RequestError
from disco.engine.pools import PoolFilters
from disco.engine.score import score_order
from disco.engine.service import Disco
from disco.engine.settings import DJ_ARTIST_GAP, RULES, EngineSettings
from disco.theory.arcs import Arc
from support import songgen
from support.fakes import LinearRNN, arrays_from_songs

GREEDY = EngineSettings(search="greedy")
BEAM = EngineSettings(beam_width=8)
SEARCHES = [pytest.param(GREEDY, id="greedy"), pytest.param(BEAM, id="beam")]


def disco_of(frame: pd.DataFrame, path) -> Disco:
    """The facade over a made-up song table, with the fake network (no trained model needed)."""
    frame.to_csv(path, index=False)
    cat = load_catalog(path, cache=False)
    return Disco(cat, arrays_from_songs(cat.songs), LinearRNN())


def track_numbers(frame: pd.DataFrame) -> np.ndarray:
    return frame["track_id"].str[1:].astype(int).to_numpy()


@pytest.fixture(scope="module")
def varied(tmp_path_factory) -> Disco:
    """Songs of many release years (some unknown), some at half time (64 BPM), some without a tempo (local
    files), some without a duration and a playlist without a genre."""
    frame = songgen.tidy_frame()
    num = track_numbers(frame)
    frame["track_album_release_date"] = ["" if n % 17 == 0 else f"{1990 + n % 30}-05-01" for n in num]
    frame["path"] = [f"/music/{n}.mp3" if n % 23 == 0 else "" for n in num]
    frame.loc[num % 23 == 0, "tempo"] = np.nan
    frame.loc[num % 10 == 0, "tempo"] = 64.0
    frame.loc[num % 11 == 0, "tempo"] = 250.0
    frame.loc[num % 7 == 0, "duration_ms"] = np.nan
    frame.loc[frame["playlist_id"] == frame["playlist_id"].iloc[-1], ["playlist_genre", "playlist_subgenre"]] = ""
    disco = disco_of(frame, tmp_path_factory.mktemp("varied") / "varied.csv")
    disco.frame = frame  # what the catalog was made of, to check filters independently
    return disco


@pytest.fixture(scope="module")
def few_artists(tmp_path_factory) -> Disco:
    """149 songs by 6 artists: the artist gap matters at every move."""
    frame = songgen.tidy_frame()
    frame["track_artist"] = [f"Artist {n % 6}" for n in track_numbers(frame)]
    return disco_of(frame, tmp_path_factory.mktemp("few") / "few.csv")


def artists(disco: Disco, pl) -> list[str]:
    return disco.catalog.songs["artist"].to_numpy()[pl.indices].tolist()


def minutes(disco: Disco, pl) -> np.ndarray:
    """Minutes per song of ``pl``, songs without a duration at the median the engine uses (none here)."""
    return disco.catalog.songs["duration_ms"].to_numpy(np.float64)[pl.indices] / 60_000.0


def rescored(disco: Disco, pl):
    """The order of ``pl`` scored again from scratch with its settings."""
    return score_order(pl.indices, pl.settings, arrays=disco.arrays, predictor=disco.predictor, n_seeds=pl.n_seeds)


def not_in(disco: Disco, excluded) -> int:
    """A song of the catalog that is not one of ``excluded``."""
    return int(np.setdiff1d(np.arange(len(disco.catalog.songs)), list(excluded))[0])


# --- locked songs --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("settings", SEARCHES + [pytest.param(EngineSettings(beam_width=8, arc=Arc.named("peak")),
                                                              id="beam-arc")])
def test_locked_songs_sit_at_their_positions_and_the_rest_is_built_around_them(disco, settings):
    seeds = [0, 3]
    free = disco.build(seeds, settings, length=12, pool_size=60)
    pool = free.info["pool_indices"]
    outside = not_in(disco, pool + seeds)  # a locked song need not be in the pool
    from_pool = int(free.indices[5])
    by_name = int(pool[-1])
    pl = disco.build(seeds, settings, length=12, pool_size=60,
                     locked={4: outside, 9: from_pool, 11: disco.catalog.label(by_name)})
    assert len(pl) == 12 and pl.indices[:2].tolist() == seeds
    assert pl.indices[[4, 9, 11]].tolist() == [outside, from_pool, by_name]
    assert len(set(pl.indices.tolist())) == 12
    others = np.delete(pl.indices, [0, 1, 4, 9, 11])
    assert np.isin(others, pool).all()  # the rest comes from the same pool
    assert pl.info["locked"] == [4, 9, 11]
    assert pl.settings.replace(arc=None) == free.settings.replace(arc=None)  # the settings asked, kept
    assert pl.settings.search == settings.search
    # the moves into and out of the locked songs are scored like any other
    again = rescored(disco, pl)
    assert pl.loss[2:] == pytest.approx(again.loss[2:]) and pl.relaxed == again.relaxed
    assert np.isfinite(pl.loss[2:]).all()


def test_locking_a_song_a_build_would_choose_elsewhere_changes_only_the_lock(disco):
    s = EngineSettings(search="greedy", artist_gap=0)
    free = disco.build([0], s, length=10, pool_size=50)
    song = int(free.indices[7])
    pl = disco.build([0], s, length=10, pool_size=50, locked={3: song})
    assert pl.indices[3] == song and song not in np.delete(pl.indices, 3)
    assert pl.indices[:3].tolist() == free.indices[:3].tolist()  # greedy without rules: the moves before, unchanged


@pytest.mark.parametrize("settings", SEARCHES)
def test_the_moves_into_a_locked_song_keep_the_artist_gap(few_artists, settings):
    disco = few_artists
    s = settings.replace(artist_gap=3)
    free = disco.build([0], s, length=14, pool_size=200)
    pool = np.array(free.info["pool_indices"])
    art = disco.catalog.songs["artist"].to_numpy()
    # lock, at 8, a song by the artist the free build plays at 6: the songs around it must change
    song = int(next(i for i in pool if art[i] == art[free.indices[6]] and i not in free.indices))
    pl = disco.build([0], s, length=14, pool_size=200, locked={8: song})
    names = artists(disco, pl)
    assert pl.indices[8] == song
    for p in range(1, len(pl)):
        assert names[p] not in names[max(0, p - 3):p], (p, names)
    assert pl.relaxed_moves == 0


@pytest.mark.parametrize("locked, match", [
    ({1: 20}, r"locked position 1 is a seed's"),
    ({0: 20}, r"locked position 0 is a seed's"),
    ({12: 20}, r"locked position 12 is past the end of a 12-song playlist"),
    ({40: 20}, r"locked position 40 is past the end"),
    ({-1: 20}, r"locked position -1.*from 0"),
    ({4: 20, 6: 20}, r"is locked twice"),
    ({4: 0}, r"Artist .* is a seed; it cannot also be locked"),
    ({"4": 20}, r"whole number"),
    ({True: 20}, r"whole number"),
    ({4.0: 20}, r"whole number"),
])
def test_bad_locks_are_clear_errors(disco, locked, match):
    with pytest.raises(RequestError, match=match):
        disco.build([0, 3], length=12, pool_size=40, locked=locked)


def test_lock_errors_name_the_songs_and_the_pool(disco):
    label = disco.catalog.label(20)
    with pytest.raises(RequestError, match="is locked twice"):
        disco.build([0], length=12, locked={4: 20, 6: label})  # the same song, named two ways
    with pytest.raises(RequestError, match="banned and locked at once"):
        disco.build([0], length=12, locked={4: 20}, banned=[label])
    with pytest.raises(RequestError, match="mapping"):
        disco.build([0], length=12, locked=[(4, 20)])
    with pytest.raises(RequestError, match=r"position 10 \(song 11\) is locked, but the pool fills the playlist "
                                           r"up to song \d+ only"):
        disco.build([0], length=12, pool_size=5, locked={10: 20})


# --- banned songs --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("settings", SEARCHES)
def test_banned_songs_never_appear(disco, settings):
    seeds = [0, 3]
    free = disco.build(seeds, settings, length=15, pool_size=40)
    ban = free.indices[2:].tolist()  # every song the build chose
    pl = disco.build(seeds, settings, length=15, pool_size=40, banned=ban)
    assert len(pl) == 15 and pl.message is None
    assert not np.isin(pl.indices, ban).any()
    assert pl.info["banned"] == sorted(ban) and pl.info["pool_size"] == 40 - len(ban)
    # banned by name, by id and by index alike; the rest of the pool is still used
    cat = disco.catalog
    names = [cat.label(ban[0]), cat.songs["track_id"].iloc[ban[1]], ban[2]]
    pl = disco.build(seeds, settings, length=15, pool_size=40, banned=names)
    assert not np.isin(pl.indices, ban[:3]).any() and pl.info["banned"] == sorted(ban[:3])


def test_banning_the_whole_pool_leaves_the_seeds_and_says_so(disco):
    pool = disco.build([0], GREEDY, length=6, pool_size=8).info["pool_indices"]
    pl = disco.build([0], GREEDY, length=6, pool_size=8, banned=pool[2:])
    assert len(pl) == 3 and set(pl.indices[1:].tolist()) == set(pool[:2])
    assert "ran out" in pl.message


def test_one_banned_song_may_be_given_alone(disco):
    pl = disco.build([0], GREEDY, length=8, pool_size=30)
    song = int(pl.indices[3])
    for banned in (song, disco.catalog.label(song)):
        again = disco.build([0], GREEDY, length=8, pool_size=30, banned=banned)
        assert song not in again.indices and again.info["banned"] == [song]


def test_banning_a_seed_is_a_clear_error(disco):
    with pytest.raises(RequestError, match=r"^Artist .* is a seed and banned"):
        disco.build([0, 3], length=8, banned=[3])
    with pytest.raises(RequestError, match=r"^Artist .* is a seed and banned"):
        disco.build([0, 3], length=8, banned=[disco.catalog.label(0)])


# --- alternatives for a position -----------------------------------------------------------------------------

def level(breaks) -> int:
    """How far a build relaxes the rules to allow a move that breaks ``breaks``: 0 = none."""
    return max((RULES.index(name) + 1 for name in breaks), default=0)


@pytest.mark.parametrize("settings", [
    pytest.param(EngineSettings(beam_width=8, camelot_only=True, max_bpm_change=6.0), id="three-rules"),
    pytest.param(EngineSettings(search="greedy", arc=Arc.named("peak")), id="greedy-arc"),
])
def test_alternatives_are_the_unused_songs_ranked_as_a_build_chooses(disco, settings):
    free = disco.build([0, 3], settings, length=12, pool_size=60)
    unused = [i for i in free.info["pool_indices"] if i not in free.indices]
    ban = unused[0]
    assert disco.alternatives(free, 6, k=1000)["index"].isin([ban]).any()
    pl = disco.build([0, 3], settings, length=12, pool_size=60, banned=[disco.catalog.label(ban)])
    position = 6
    every = disco.alternatives(pl, position, k=1000)
    pool, banned = set(pl.info["pool_indices"]), set(pl.info["banned"])
    assert banned == {ban} and ban not in every["index"].tolist()
    assert set(every["index"]) == pool - set(pl.indices.tolist()) - banned  # nothing played, nothing banned
    assert set(every["index"]) | set(pl.indices.tolist()) | banned >= set(free.info["pool_indices"])
    assert len(every) == len(set(every["index"]))
    top = disco.alternatives(pl, position, k=5)
    assert len(top) == 5 and top["index"].tolist() == every["index"].head(5).tolist()
    assert top["label"].tolist() == [disco.catalog.label(i) for i in top["index"]]
    # rule-keeping songs first (then those a build allows after relaxing the fewest rules), each group by loss
    levels = [level(b) for b in every["breaks"]]
    assert levels == sorted(levels)
    for lv in set(levels):
        losses = every["loss"].to_numpy()[np.array(levels) == lv]
        assert (np.diff(losses) >= -1e-12).all()
    # each row is the move's loss as scoring the playlist with that song at that position reports it
    for _, row in every.iterrows():
        order = pl.indices.copy()
        order[position] = row["index"]
        scored = score_order(order, pl.settings, arrays=disco.arrays, predictor=disco.predictor, n_seeds=2)
        assert row["loss"] == pytest.approx(scored.loss[position], abs=1e-9)
        assert row["distance"] == pytest.approx(scored.distance[position], abs=1e-9)
        assert row["key_score"] == pytest.approx(scored.key_score[position], abs=1e-9)
        assert row["tempo_score"] == pytest.approx(scored.tempo_score[position], abs=1e-9)
        assert row["arc_penalty"] == pytest.approx(scored.arc_penalty[position], abs=1e-9, nan_ok=True)
        assert tuple(row["breaks"]) == scored.relaxed[position]


def test_alternatives_see_the_artist_gap_of_the_songs_before(few_artists):
    disco = few_artists
    pl = disco.build([0], EngineSettings(artist_gap=3, beam_width=8), length=10, pool_size=200)
    every = disco.alternatives(pl, 7, k=1000)
    art = disco.catalog.songs["artist"].to_numpy()
    recent = set(art[pl.indices[4:7]])
    for _, row in every.iterrows():
        assert ("artist_gap" in row["breaks"]) == (art[row["index"]] in recent)
    assert every["breaks"].iloc[0] == ()


@pytest.mark.parametrize("settings", [
    pytest.param(EngineSettings(search="greedy", artist_gap=0), id="greedy"),
    pytest.param(EngineSettings(search="greedy", artist_gap=0, arc=Arc.named("build")), id="greedy-arc"),
])
def test_taking_an_alternative_gives_the_loss_it_promised(disco, settings):
    pl = disco.build([0], settings, length=10, pool_size=50)
    alternatives = disco.alternatives(pl, 5, k=3)
    for _, row in alternatives.iterrows():
        swapped = disco.build([0], settings, length=10, pool_size=50, locked={5: int(row["index"])})
        assert swapped.indices[:5].tolist() == pl.indices[:5].tolist()
        assert swapped.indices[5] == row["index"]
        assert swapped.loss[5] == pytest.approx(row["loss"], abs=1e-9)


def test_alternatives_of_a_used_up_pool_are_an_empty_table(disco):
    pl = disco.build([0], GREEDY, length=10, pool_size=5)
    frame = disco.alternatives(pl, 3)
    assert len(frame) == 0
    assert {"index", "label", "description", "loss", "breaks"} <= set(frame.columns)


def test_alternatives_errors(disco):
    pl = disco.build([0, 3], GREEDY, length=8, pool_size=30)
    for position, match in ((0, "positions 2..7"), (1, "positions 2..7"), (8, "positions 2..7"),
                            (-1, "positions 2..7"), (2.0, "whole number"), ("3", "whole number"),
                            (True, "whole number")):
        with pytest.raises(RequestError, match=match):
            disco.alternatives(pl, position)
    for k in (0, -2, True, 2.5):
        with pytest.raises(RequestError, match="k must be"):
            disco.alternatives(pl, 3, k)
    reordered = disco.reorder([0, 3, 9, 12, 15])
    with pytest.raises(RequestError, match="built from a candidate pool"):
        disco.alternatives(reordered, 2)
    with pytest.raises(RequestError, match="built from a candidate pool"):
        disco.alternatives(disco.score([0, 3, 9, 12]), 2)


# --- sets planned by minutes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [10, 33.3, 61])
@pytest.mark.parametrize("settings", SEARCHES)
def test_a_set_planned_by_minutes_ends_within_one_song_of_the_target(disco, target, settings):
    pl = disco.build([0], settings, target_minutes=target, pool_size=80)
    m = minutes(disco, pl)
    assert m.sum() >= target - 1e-9 and m[:-1].sum() < target
    assert pl.info["minutes"] == pytest.approx(m.sum(), abs=0.01) and pl.info["minutes_estimated"] == 0
    assert pl.info["target_minutes"] == pytest.approx(target) and pl.info["lengths_tried"]
    assert pl.message is None and pl.indices[0] == 0 and len(set(pl.indices.tolist())) == len(pl)
    again = rescored(disco, pl)  # a set cut after the song that reaches the target is scored as cut
    assert pl.total_loss == pytest.approx(again.total_loss) and pl.relaxed == again.relaxed


def test_songs_without_a_duration_count_as_the_median(varied):
    pl = varied.build([1], GREEDY, target_minutes=45, pool_size=100)
    duration = varied.catalog.songs["duration_ms"].to_numpy(np.float64)
    pool = np.array(pl.info["pool_indices"])
    median = np.nanmedian(duration[pool]) / 60_000.0
    m = np.where(np.isnan(duration[pl.indices]), median, duration[pl.indices] / 60_000.0)
    unknown = int(np.isnan(duration[pl.indices]).sum())
    assert pl.info["minutes_estimated"] == unknown
    assert pl.info["minutes"] == pytest.approx(m.sum(), abs=0.01)
    assert m.sum() >= 45 and m[:-1].sum() < 45


def test_a_set_whose_pool_runs_out_says_how_far_it_got(disco):
    pl = disco.build([0], GREEDY, target_minutes=120, pool_size=6)
    m = minutes(disco, pl)
    assert len(pl) == 7 and m.sum() < 120
    assert "ran out" in pl.message and f"{m.sum():.1f} of the 120 minutes" in pl.message
    assert "instead of" not in pl.message  # no song count the user never asked for


def test_seeds_or_a_locked_song_past_the_target_are_kept_and_said(disco):
    pl = disco.build([0, 3, 5], GREEDY, target_minutes=2)
    assert pl.indices.tolist() == [0, 3, 5] and "the seeds last" in pl.message
    song = not_in(disco, [0])
    pl = disco.build([0], GREEDY, target_minutes=5, locked={6: song}, pool_size=40)
    assert len(pl) == 7 and pl.indices[6] == song and "locked song" in pl.message


@pytest.mark.parametrize("target", [0, -5, float("nan"), float("inf"), 1e6, "abc", "30", True, [30]])
def test_bad_targets_are_clear_errors(disco, target):
    with pytest.raises(RequestError, match="the target must be"):
        disco.build([0], target_minutes=target)


# --- candidate filters ---------------------------------------------------------------------------------------

def matches(disco: Disco, song: int, filters: PoolFilters) -> bool:
    """Whether ``song`` passes ``filters``, worked out from the table the catalog was made of."""
    row = disco.catalog.songs.iloc[song]
    rows = disco.frame[disco.frame["track_id"] == row["track_id"]]
    if filters.bpm is not None:
        low, high = filters.bpm
        if not any(low <= row["tempo"] * f <= high for f in (0.5, 1, 2)):  # NaN tempo: no match
            return False
    if filters.years is not None and not filters.years[0] <= row["year"] <= filters.years[1]:
        return False
    if filters.energy is not None and not filters.energy[0] <= row["energy"] <= filters.energy[1]:
        return False
    for name, column in (("genres", "playlist_genre"), ("subgenres", "playlist_subgenre")):
        wanted = getattr(filters, name)
        if wanted is not None and not {g.casefold() for g in wanted} & set(rows[column].str.casefold()):
            return False
    return True


@pytest.mark.parametrize("filters", [
    PoolFilters(bpm=(120, 130)),
    PoolFilters(years=(1995, 2005)),
    PoolFilters(genres=("POP",)),
    PoolFilters(subgenres=["hard rock", "Big Room"]),
    PoolFilters(energy=(0.3, 0.6)),
    PoolFilters(bpm=(100, 140), years=(1990, 2010), genres=["edm", "rock"], energy=(0.2, 0.9)),
], ids=["bpm", "years", "genre", "subgenres", "energy", "all"])
@pytest.mark.parametrize("settings", SEARCHES)
def test_every_chosen_song_matches_the_filters(varied, filters, settings):
    disco = varied
    pl = disco.build([1], settings, length=10, pool_size=500, filters=filters)
    n = len(disco.catalog.songs)
    matching = [i for i in range(n) if matches(disco, i, filters)]
    assert len(pl) == 10 or "ran out" in pl.message
    assert all(matches(disco, int(i), filters) for i in pl.indices[1:])
    pool = pl.info["pool_indices"]
    assert set(pool) == set(matching) - {1}  # a large pool takes every song that matches, and only those
    assert pl.info["filters"] == filters.to_dict()
    assert pl.info["filtered"]["matching"] == len(matching)


def test_a_bpm_range_folds_double_and_half_time(varied):
    cat = varied.catalog
    tempo = cat.songs["tempo"].to_numpy()
    keep, _ = PoolFilters(bpm=(120, 130)).mask(cat)
    assert keep[tempo == 64.0].all() and keep[tempo == 250.0].all()  # 64 x 2 = 128, 250 / 2 = 125
    keep, _ = PoolFilters(bpm=(131, 140)).mask(cat)
    assert not keep[tempo == 64.0].any() and not keep[tempo == 250.0].any()
    pool = varied.pool([1], "union", 500, filters=PoolFilters(bpm=(120, 130)))
    assert np.isin(np.flatnonzero(tempo == 64.0), pool).all()


@pytest.mark.parametrize("filters, column", [(PoolFilters(bpm=(60, 200)), "tempo"),
                                             (PoolFilters(years=(1900, 2100)), "year")])
def test_songs_missing_a_filtered_value_are_left_out_and_counted(varied, filters, column):
    # ranges wide enough for every song that has the value: only the missing ones are left out
    values = varied.catalog.songs[column].to_numpy(np.float64)
    missing = np.flatnonzero(np.isnan(values))
    assert len(missing) >= 3
    pl = varied.build([2], GREEDY, length=10, pool_size=500, filters=filters)
    assert not np.isin(pl.info["pool_indices"], missing).any()
    assert pl.info["filtered"] == {"matching": len(values) - len(missing), "missing_dropped": len(missing)}


def test_a_playlist_without_a_genre_is_left_out_by_a_genre_filter(varied):
    frame = varied.frame
    no_genre = set(frame.loc[frame["playlist_genre"].fillna("") == "", "track_id"])
    tagged = set(frame.loc[frame["playlist_genre"].fillna("") != "", "track_id"])
    only_untagged = varied.catalog.index_of(sorted(no_genre - tagged))
    assert len(only_untagged)
    keep, missing = PoolFilters(genres=["pop", "rock", "edm"]).mask(varied.catalog)
    assert not keep[only_untagged].any() and missing[only_untagged].all()
    assert keep.sum() + missing.sum() == len(varied.catalog.songs)


def test_filters_that_match_nothing_leave_the_seeds_and_say_so(varied):
    pl = varied.build([1], GREEDY, length=10, filters=PoolFilters(genres=["polka"]))
    assert pl.indices.tolist() == [1] and "ran out" in pl.message
    assert pl.info["filtered"]["matching"] == 0


def test_filters_narrow_a_crate_too(varied):
    name = varied.catalog.playlist_names[next(iter(varied.catalog.playlist_names))]
    crate = varied.catalog.playlist(name)
    f = PoolFilters(energy=(0.0, 0.5))
    pl = varied.build([int(crate[0])], GREEDY, length=30, playlist=name, filters=f)
    energy = varied.catalog.songs["energy"].to_numpy()
    assert (energy[pl.indices[1:]] <= 0.5).all() and np.isin(pl.indices, crate).all()
    assert pl.info["filtered"]["matching"] == int((energy[crate] <= 0.5).sum())  # of the crate, seed included


@pytest.mark.parametrize("kwargs, match", [
    (dict(bpm=(130, 120)), "low end 130 is above its high end 120"),
    (dict(energy=(0.5, 2)), "within 0..1"),
    (dict(energy=(-0.1, 0.5)), "within 0..1"),
    (dict(years=(1999.5, 2005)), "whole years"),
    (dict(bpm=(0, 10)), "above 0 BPM"),
    (dict(bpm=(120, math.nan)), "finite numbers"),
    (dict(bpm=("a", "b")), "finite numbers"),
    (dict(years=(True, 2000)), "finite numbers"),
    (dict(bpm=120), r"\(low, high\) pair"),
    (dict(bpm=(120,)), r"\(low, high\) pair"),
    (dict(bpm="120-130"), r"\(low, high\) pair"),
    (dict(genres=[]), "non-empty names"),
    (dict(genres=["pop", " "]), "non-empty names"),
    (dict(genres=5), "non-empty names"),
    (dict(subgenres=[None]), "non-empty names"),
])
def test_bad_filters_are_clear_errors(kwargs, match):
    with pytest.raises(RequestError, match=match):
        PoolFilters(**kwargs)


def test_filters_must_be_pool_filters(disco):
    with pytest.raises(RequestError, match="PoolFilters"):
        disco.build([0], filters={"bpm": (120, 130)})
    assert not PoolFilters().active and PoolFilters(genres="pop").genres == ("pop",)


# --- the artist gap ------------------------------------------------------------------------------------------

def test_the_dj_preset_keeps_artists_apart():
    assert EngineSettings().artist_gap == DJ_ARTIST_GAP >= 2
    assert EngineSettings.from_preset("reference").artist_gap == 0


@pytest.mark.parametrize("gap", [1, 2, 4])
@pytest.mark.parametrize("settings", SEARCHES)
def test_no_artist_repeats_within_the_gap_when_the_pool_allows(few_artists, gap, settings):
    disco = few_artists
    pl = disco.build([0, 5], settings.replace(artist_gap=gap), length=16, pool_size=200)
    names = artists(disco, pl)
    for p in range(2, len(pl)):
        assert names[p] not in names[max(0, p - gap):p], (p, names)
    assert pl.relaxed_moves == 0
    # without the rule the same pool repeats artists that closely: the rule made the difference
    free = disco.build([0, 5], settings.replace(artist_gap=0), length=16, pool_size=200)
    names = artists(disco, free)
    assert any(names[p] in names[max(0, p - gap):p] for p in range(2, len(free)))


@pytest.mark.parametrize("settings", SEARCHES)
def test_an_artist_gap_the_pool_cannot_keep_is_relaxed_and_marked(few_artists, settings):
    disco = few_artists  # 6 artists: a gap of 8 cannot hold after the first few songs
    pl = disco.build([0], settings.replace(artist_gap=8), length=14, pool_size=200)
    names = artists(disco, pl)
    repeats = [p for p in range(1, len(pl)) if names[p] in names[max(0, p - 8):p]]
    assert repeats  # the build went on instead of stopping
    assert [p for p in range(len(pl)) if "artist_gap" in pl.relaxed[p]] == repeats
    assert len(set(names[:6])) == 6  # kept while it could
