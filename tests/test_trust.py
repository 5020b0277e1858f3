"""What a user relies on from the catalog and the engine: blank songs never offered, one recording listed once,
look-alikes told apart, an unknown seed refused with the closest matches, the engine refusing bad numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from disco.data.catalog import load_catalog
from disco.engine.pools import CandidatePool
from disco.engine.service import Disco
from disco.errors import SeedError
from disco.model.arrays import SongArrays
from support.fakes import RunningMean, arrays_from_songs


@pytest.fixture
def frame(tidy_csv) -> pd.DataFrame:
    return pd.read_csv(tidy_csv, keep_default_na=False)


def _load(tmp_path, frame, name="songs.csv"):
    frame.to_csv(tmp_path / name, index=False)
    return load_catalog(tmp_path / name, cache=False)


def test_blank_songs_stay_in_the_catalog_but_are_never_candidates(tmp_path, frame):
    blank_ids = frame["track_id"].unique()[:3]
    rows = frame["track_id"].isin(blank_ids)
    frame.loc[rows, ["track_name", "track_artist"]] = ""
    cat = _load(tmp_path, frame)
    assert cat.report.blank_songs == 3 and "neither title nor artist" in cat.report.summary()
    blank = np.flatnonzero(cat.blank)
    assert len(blank) == 3
    seeds = [int(np.flatnonzero(~cat.blank)[0])]
    for source in ("union", "subgenre", "genre", "cooccurrence", "knn"):
        pool = CandidatePool(source, size=len(cat.songs)).select(cat, arrays_from_songs(cat.songs), seeds)
        assert not np.isin(pool, blank).any(), source
    assert not np.isin(cat.search("", limit=50)["index"], blank).any()


def test_one_recording_is_listed_once_and_look_alikes_show_album_and_year(tmp_path, frame):
    i, j, k = frame.drop_duplicates("track_id").index[:3]
    # the same recording on another album, with a featuring credit: one song for pools and search
    twin = frame.loc[[i]].assign(track_id="TWIN00000000000000000X",
                                 track_name=frame.loc[i, "track_name"] + " (feat. X)",
                                 track_album_name="Deluxe", track_album_release_date="2021-05-01")
    remaster = frame.loc[[j]].assign(track_id="REMASTER0000000000000X", track_name=frame.loc[j, "track_name"]
                                     + " - 2011 Remaster", energy=0.01)
    frame = pd.concat([frame, twin, remaster], ignore_index=True)
    cat = _load(tmp_path, frame)
    rec = cat.recordings
    a, b = cat.index_of([frame.loc[i, "track_id"], "TWIN00000000000000000X"])
    c, d = cat.index_of([frame.loc[j, "track_id"], "REMASTER0000000000000X"])
    assert rec[a] == rec[b] and rec[c] == rec[d] and rec[a] != rec[c]
    hits = cat.search(frame.loc[i, "track_name"], limit=10)
    assert (rec[hits["index"]] == rec[a]).sum() == 1  # listed once
    assert "(2019)" in hits["description"].iloc[0] and " · Album" in hits["description"].iloc[0]
    pool = CandidatePool("genre", size=len(cat.songs)).select(cat, arrays_from_songs(cat.songs), [int(k)])
    assert len(set(rec[pool])) == len(pool) and rec[k] not in set(rec[pool])


def test_spotifyr_artist_vectors_read_as_names(tmp_path, frame):
    frame = frame.rename(columns={"track_artist": "artist_name", "track_album_name": "album_name"})
    frame.loc[0, "artist_name"] = 'c("Daft Punk", "Pharrell Williams")'
    cat = _load(tmp_path, frame.drop(columns=["playlist_subgenre"]))
    row = cat.songs.index[cat.songs["track_id"] == frame.loc[0, "track_id"]][0]
    assert cat.songs.loc[row, "artist"] == "Daft Punk, Pharrell Williams"


def test_an_unknown_seed_is_refused_with_the_closest_matches(tmp_path, frame):
    cat = _load(tmp_path, frame)
    disco = Disco(cat, arrays_from_songs(cat.songs), RunningMean())
    with pytest.raises(SeedError, match="no song matches 'sigur ros hoppipolla'"):
        disco.resolve_seed("sigur ros hoppipolla")  # nothing close at all
    with pytest.raises(SeedError, match="no song matches 'sigur artist'; the closest are: Artist"):
        disco.resolve_seed("sigur artist")  # something close, but not meant
    title = cat.songs["track_name"][5]
    typo = title[:2] + title[3] + title[2] + title[4:]  # two letters swapped: still meant
    assert cat.songs["track_name"][disco.resolve_seed(f"{cat.songs['artist'][5]} {typo}")] == title


def test_the_cache_never_lands_in_the_working_folder(tmp_path, tidy_csv, monkeypatch):
    monkeypatch.delenv("DISCO_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    load_catalog(tidy_csv)
    assert not (tmp_path / "data").exists() and any((tmp_path / "xdg" / "disco").iterdir())


@pytest.mark.parametrize("field, value", [("z", np.inf), ("tempo", np.inf), ("tempo", -5.0), ("energy", 7.0),
                                          ("key", 13)])
def test_the_engine_refuses_bad_numbers(field, value):
    z = np.zeros((4, 8), np.float32)
    arrays = dict(z=z, mode=np.ones(4, np.int8), key=np.zeros(4, np.int8), tempo=np.full(4, 120.0, np.float32),
                  pca=z[:, :3], energy=np.full(4, 0.5, np.float32))
    arrays[field] = arrays[field].astype(np.float32 if field != "key" else np.int8).copy()
    arrays[field][2] = value
    with pytest.raises(ValueError, match="song 2"):
        SongArrays(**arrays)
