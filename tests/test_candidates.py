"""Candidate pools around seed songs (disco.engine.pools)."""

import numpy as np
import pandas as pd
import pytest

from disco.data.catalog import load_catalog
from disco.engine.pools import SOURCES, CandidatePool, cooccurrence_counts
from support import songgen
from support.fakes import arrays_from_songs


@pytest.fixture
def cat(tidy_csv):
    return load_catalog(tidy_csv, cache=False)


@pytest.mark.parametrize("source", SOURCES)
def test_pool_excludes_seeds_is_bounded_unique_and_deterministic(cat, source):
    arrays = arrays_from_songs(cat.songs)
    seeds = [0, 5, 17]
    pool = CandidatePool(source, size=40).select(cat, arrays, seeds)
    assert 0 < len(pool) <= 40
    assert not set(pool.tolist()) & set(seeds)
    assert len(set(pool.tolist())) == len(pool)
    assert pool.tolist() == CandidatePool(source, size=40).select(cat, arrays, seeds).tolist()


def test_subgenre_and_genre_pools_match_the_seeds_playlists(cat):
    arrays = arrays_from_songs(cat.songs)
    seed = 3
    m = cat.memberships
    sid = cat.songs.at[seed, "track_id"]
    subs = set(m.loc[m.track_id == sid, "subgenre"]) | {cat.songs.at[seed, "subgenre"]}
    pool = CandidatePool("subgenre", size=1000).select(cat, arrays, [seed])
    allowed = (set(m.loc[m.subgenre.isin(subs), "track_id"])
               | set(cat.songs.loc[cat.songs.subgenre.isin(subs), "track_id"]))
    assert set(cat.songs.track_id.iloc[pool]) <= allowed
    assert len(pool) == len(allowed - {sid})  # all of them when the size allows
    genre_pool = CandidatePool("genre", size=1000).select(cat, arrays, [seed])
    assert set(pool.tolist()) <= set(genre_pool.tolist())


def test_cooccurrence_ranks_by_shared_playlists(cat):
    arrays = arrays_from_songs(cat.songs)
    seeds = [2, 40]
    counts, _ = cooccurrence_counts(cat, seeds)
    # brute force: playlists holding a seed, songs counted per playlist
    ids = cat.songs.track_id
    seed_pl = {p for p, tracks in cat.playlists.items() if set(tracks) & set(ids.iloc[seeds])}
    expected = np.array([sum(t in set(cat.playlists[p]) for p in seed_pl) for t in ids])
    assert (counts == expected).all()
    pool = CandidatePool("cooccurrence", size=1000).select(cat, arrays, seeds)
    assert (np.diff(counts[pool]) <= 0).all()  # most shared first
    assert set(pool.tolist()) == set(np.flatnonzero(expected > 0).tolist()) - set(seeds)


def test_knn_pool_is_the_nearest_songs(cat):
    arrays = arrays_from_songs(cat.songs)
    seeds = [7, 8]
    pool = CandidatePool("knn", size=15).select(cat, arrays, seeds)
    z = arrays.z.astype(np.float64)
    d = np.min(np.linalg.norm(z[:, None, :] - z[seeds][None], axis=2), axis=1)
    d[seeds] = np.inf
    assert (np.diff(d[pool]) >= -1e-9).all()
    assert d[pool].max() <= np.sort(d)[14] + 1e-9


def test_union_mixes_sources_and_skips_same_song_releases(cat):
    arrays = arrays_from_songs(cat.songs)
    cp = CandidatePool("union", size=60)
    pool = cp.select(cat, arrays, [0, 1])
    assert set(cp.counts_) == {"cooccurrence", "knn", "subgenre", "genre"}
    knn = CandidatePool("knn", size=60).select(cat, arrays, [0, 1])
    co = CandidatePool("cooccurrence", size=60).select(cat, arrays, [0, 1])
    assert knn[0] in pool and co[0] in pool
    recordings = cat.recordings
    assert len(set(recordings[pool].tolist())) == len(pool)


def test_pools_skip_other_releases_of_a_seed_and_of_each_other(tmp_path):
    frame = songgen.tidy_frame()
    first = frame.drop_duplicates("track_id").iloc[0]
    # the seed re-released under another id, and one song listed twice under other ids: the same recordings
    seed_release = first.copy()
    seed_release["track_id"], seed_release["track_name"] = "R" * 22, f"{first.track_name} - 2011 Remaster"
    other = frame.drop_duplicates("track_id").iloc[1]
    twins = [other.copy(), other.copy()]
    twins[0]["track_id"], twins[0]["track_name"] = "S" * 22, f"{other.track_name} (feat. Somebody)"
    twins[1]["track_id"] = "Q" * 22
    path = tmp_path / "songs.csv"
    frame = pd.concat([frame, pd.DataFrame([seed_release, *twins])], ignore_index=True)
    frame.to_csv(path, index=False)
    cat = load_catalog(path, cache=False)
    arrays = arrays_from_songs(cat.songs)
    seed = int(cat.index_of([first.track_id])[0])
    release = int(cat.index_of(["R" * 22])[0])
    copies = cat.index_of([other.track_id, "S" * 22, "Q" * 22])
    assert cat.recordings[seed] == cat.recordings[release] and len(set(cat.recordings[copies])) == 1
    for source in SOURCES:
        pool = CandidatePool(source, size=1000).select(cat, arrays, [seed])
        assert release not in pool.tolist(), source  # the seed's other release is the seed
        assert len(set(pool.tolist()) & set(copies.tolist())) <= 1, source
        assert len(set(cat.recordings[pool].tolist())) == len(pool)
    knn = CandidatePool("knn", size=5).select(cat, arrays, [seed])
    assert len(knn) == 5 and release not in knn.tolist()  # not even as the nearest neighbour (distance 0)


def test_bad_parameters():
    with pytest.raises(ValueError, match="source"):
        CandidatePool("spotify")
    with pytest.raises(ValueError, match="size"):
        CandidatePool(size=0)


def test_bad_seeds(cat):
    arrays = arrays_from_songs(cat.songs)
    with pytest.raises(ValueError, match="at least one seed"):
        CandidatePool().select(cat, arrays, [])
    with pytest.raises(ValueError, match="out of range"):
        CandidatePool().select(cat, arrays, [len(cat.songs)])


@pytest.mark.real_data
@pytest.mark.slow
def test_real_catalog_pools(real_csv):
    cat = load_catalog(real_csv)
    arrays = arrays_from_songs(cat.songs)
    seeds = cat.index_of(cat.songs.track_id.iloc[[100, 5000, 20000]])
    for source in SOURCES:
        pool = CandidatePool(source, 300).select(cat, arrays, seeds)
        assert len(pool) == 300 and not set(pool.tolist()) & set(seeds.tolist())
        assert len(set(cat.recordings[pool].tolist())) == 300
