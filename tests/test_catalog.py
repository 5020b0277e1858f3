"""The catalog: loading the layouts people have, validation, playlists, cache."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pandas as pd
import pytest

from disco.data import cache as catalog_cache
from disco.data import schema
from disco.data.catalog import Catalog, load_catalog, load_default_catalog
from disco.errors import CatalogError
from support import songgen

FEATS = list(schema.FEATURES)


def _first_occurrence_playlists(frame: pd.DataFrame) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pid, tid in zip(frame["playlist_id"], frame["track_id"]):
        lst = out.setdefault(pid, [])
        if tid not in lst:
            lst.append(tid)
    return out


# -- real data ---------------------------------------------------------------------------------------------------
@pytest.mark.real_data
@pytest.mark.slow
def test_real_catalog_counts_and_order(real_csv):
    cat = load_catalog(real_csv, cache=False)
    r = cat.report
    with open(real_csv, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert r.rows_read == len(rows) == 32_833
    # every excluded row is accounted for, and songs kept = unique valid tracks
    bad_rows = {n for ex in r.examples.values() for n in ex}
    assert r.rows_excluded == sum(r.excluded.values()) == len(bad_rows)
    bad_ids = {rows[n - 1]["track_id"] for n in bad_rows}
    valid_ids = {row["track_id"] for i, row in enumerate(rows, 1) if i not in bad_rows}
    assert len({row["track_id"] for row in rows}) == 28_356
    assert len(cat) == r.songs_kept == len(valid_ids) == 28_356 - len(bad_ids - valid_ids)
    assert len(cat.playlists) == r.playlists == 471
    assert cat.songs["genre"].nunique() == 6 and cat.songs["subgenre"].nunique() == 24
    assert r.duplicate_rows == 582
    # playlist order: each track's first occurrence in its playlist, file order
    valid = pd.DataFrame([row for i, row in enumerate(rows, 1) if i not in bad_rows])
    assert cat.playlists == _first_occurrence_playlists(valid)
    assert len(cat.memberships) == r.rows_read - r.rows_excluded - r.duplicate_rows
    assert list(cat.songs.columns) == list(schema.SONG_COLUMNS)
    assert list(cat.memberships.columns) == list(schema.MEMBERSHIP_COLUMNS)
    # rows whose names are the literal NA are kept as songs with unknown names
    na_ids = {row["track_id"] for row in rows if row["track_name"] == "NA"}
    assert na_ids and set(cat.songs.loc[cat.index_of(sorted(na_ids)), "track_name"]) == {""}
    assert f"songs kept: {len(cat):,}" in r.summary() and "playlists: 471" in r.summary()


@pytest.mark.real_data
@pytest.mark.slow
def test_real_catalog_cache_reload_is_equal(real_csv):
    first = load_catalog(real_csv)
    second = load_catalog(real_csv)
    assert not first.report.from_cache and second.report.from_cache
    pd.testing.assert_frame_equal(first.songs, second.songs)
    pd.testing.assert_frame_equal(first.memberships, second.memberships)
    assert first.playlists == second.playlists and first.playlist_names == second.playlist_names
    assert second.report.excluded == first.report.excluded and second.sha256 == first.sha256


# -- made-up data in each layout ---------------------------------------------------------------------------------
def test_tidy_layout(tidy_csv):
    frame = pd.read_csv(tidy_csv)
    cat = load_catalog(tidy_csv)
    assert cat.report.schema == "tidytuesday"
    assert len(cat) == frame["track_id"].nunique()
    assert cat.playlists == _first_occurrence_playlists(frame)
    assert cat.playlist_names["P" + "0" * 21] == "Playlist 0"
    first = frame.drop_duplicates("track_id")
    np.testing.assert_allclose(cat.songs[FEATS].to_numpy(float), first[FEATS].to_numpy(float))
    assert cat.songs["key"].dtype == np.int64 and cat.songs["tempo"].dtype == np.float64
    assert (cat.memberships.groupby("playlist_id")["position"].apply(lambda p: list(p) == list(range(len(p))))).all()


def _reference(tmp_path):
    frame = songgen.write_tidy_csv(tmp_path / "ref.csv", n_songs=60, n_playlists=3, seed=3)
    return frame, load_catalog(tmp_path / "ref.csv")


def _same_songs(cat: Catalog, ref: Catalog) -> None:
    assert list(cat.songs.columns) == list(schema.SONG_COLUMNS)
    assert list(cat.songs["track_id"]) == list(ref.songs["track_id"])
    np.testing.assert_allclose(cat.songs[FEATS].to_numpy(float), ref.songs[FEATS].to_numpy(float))
    assert list(cat.songs["track_name"]) == list(ref.songs["track_name"])


def test_spotifyr_layout(tmp_path):
    frame, ref = _reference(tmp_path)
    out = frame.rename(columns={"track_id": "track.id", "track_name": "track.name", "track_artist": "artists.name",
                                "track_album_name": "track.album.name", "track_popularity": "track.popularity",
                                "duration_ms": "track.duration_ms"})
    out = out.drop(columns=["playlist_genre", "playlist_subgenre"])
    out["track.uri"] = "spotify:track:" + out["track.id"]
    out["added_at"] = "2020-01-01T00:00:00Z"
    out.to_csv(tmp_path / "spotifyr.csv", index=False)
    cat = load_catalog(tmp_path / "spotifyr.csv")
    _same_songs(cat, ref)
    assert cat.playlists == ref.playlists and cat.report.schema == "spotifyr"
    assert list(cat.songs["artist"]) == list(ref.songs["artist"])
    assert list(cat.songs["album"]) == list(ref.songs["album"])


def test_spotifyr_key_mode_only(tmp_path):
    frame, ref = _reference(tmp_path)
    names = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
    out = frame.rename(columns={"track_id": "track.id", "track_name": "track.name"})
    out["key_mode"] = [f"{names[k]} {'major' if m else 'minor'}" for k, m in zip(out["key"], out["mode"])]
    out.drop(columns=["key", "mode"]).to_csv(tmp_path / "km.csv", index=False)
    cat = load_catalog(tmp_path / "km.csv")
    assert list(cat.songs["key"]) == list(ref.songs["key"]) and list(cat.songs["mode"]) == list(ref.songs["mode"])


def test_exportify_layout_is_one_playlist(tmp_path):
    frame, ref = _reference(tmp_path)
    one = frame[frame["playlist_id"] == frame["playlist_id"].iloc[0]]
    out = pd.DataFrame({
        "Track URI": "spotify:track:" + one["track_id"], "Track Name": one["track_name"],
        "Artist Name(s)": one["track_artist"], "Album Name": one["track_album_name"],
        "Duration (ms)": one["duration_ms"], "Popularity": one["track_popularity"],
        "Added At": "2021-05-01T10:00:00Z",
        **{f.capitalize(): one[f] for f in FEATS},
    })
    out.to_csv(tmp_path / "Road Trip.csv", index=False, quoting=csv.QUOTE_ALL)
    cat = load_catalog(tmp_path / "Road Trip.csv")
    assert cat.report.schema == "exportify"
    assert list(cat.playlists.values()) == [list(one["track_id"].drop_duplicates())]
    assert list(cat.playlist_names.values()) == ["Road Trip"]
    assert set(cat.songs["track_id"]) == set(one["track_id"])
    sub = ref.songs.set_index("track_id").loc[cat.songs["track_id"], FEATS]
    np.testing.assert_allclose(cat.songs[FEATS].to_numpy(float), sub.to_numpy(float))
    # the old "Spotify ID" header works too
    out.rename(columns={"Track URI": "Spotify ID"}).assign(**{"Spotify ID": one["track_id"].to_numpy()}).to_csv(
        tmp_path / "old.csv", index=False)
    assert set(load_catalog(tmp_path / "old.csv").songs["track_id"]) == set(one["track_id"])


def test_kaggle_layout(tmp_path):
    frame, ref = _reference(tmp_path)
    out = frame.rename(columns={"track_artist": "artists", "track_album_name": "album_name",
                                "track_popularity": "popularity", "playlist_genre": "track_genre"})
    out = out.drop(columns=["playlist_id", "playlist_name", "playlist_subgenre", "track_album_id"])
    out["artists"] = out["artists"] + ";Guest Star"
    out["explicit"] = False
    out["time_signature"] = 4
    out.to_csv(tmp_path / "dataset.csv", index=True)  # Kaggle's file has an unnamed index column
    cat = load_catalog(tmp_path / "dataset.csv")
    _same_songs(cat, ref)
    assert cat.report.schema == "kaggle spotify tracks"
    assert cat.playlists == {} and len(cat.memberships) == 0
    assert cat.songs["artist"].iloc[0] == ref.songs["artist"].iloc[0] + ", Guest Star"
    assert list(cat.songs["genre"]) == list(ref.songs["genre"])


def test_parquet_and_buffer_and_frame(tmp_path, tidy_csv):
    ref = load_catalog(tidy_csv)
    frame = pd.read_csv(tidy_csv)
    frame.to_parquet(tmp_path / "songs.parquet")
    for cat in (load_catalog(tmp_path / "songs.parquet"),
                load_catalog(io.BytesIO(tidy_csv.read_bytes()), name="upload.csv"),
                Catalog.from_frame(frame, source="frame")):
        pd.testing.assert_frame_equal(cat.songs, ref.songs)
        assert cat.playlists == ref.playlists


# -- validation ----------------------------------------------------------------------------------------------------
def test_invalid_rows_excluded_and_reported(tmp_path):
    frame = songgen.tidy_frame(n_songs=80, n_playlists=4, seed=1).drop_duplicates("track_id").reset_index(drop=True)
    frame = frame.astype({"key": float, "mode": float})
    bad = {  # data row number (1-based) -> (column, value, reason)
        2: ("danceability", np.nan, "danceability missing"),
        3: ("energy", 1.5, "energy outside 0..1"),
        4: ("key", 12, "key outside -1..11"),
        5: ("mode", 2, "mode outside 0..1"),
        6: ("tempo", 0, "tempo outside 20..300 BPM"),
        7: ("loudness", np.inf, "loudness is not finite"),
        8: ("track_id", "", "no track id"),
        9: ("valence", -0.1, "valence outside 0..1"),
    }
    for row, (col, value, _) in bad.items():
        frame.loc[row - 1, col] = value
    frame.loc[9, "key"] = -1  # no key detected: valid
    frame.loc[10, "track_name"] = "NA"  # a title, not a missing value
    frame.to_csv(tmp_path / "bad.csv", index=False)
    cat = load_catalog(tmp_path / "bad.csv")
    r = cat.report
    assert r.rows_read == len(frame) and r.rows_excluded == len(bad)
    assert len(cat) == len(frame) - len(bad)
    for row, (_, _, reason) in bad.items():
        assert r.excluded[reason] == 1 and r.examples[reason] == [row]
    assert frame.loc[9, "track_id"] in set(cat.songs["track_id"])
    assert cat.songs.loc[cat.index_of([frame.loc[9, "track_id"]])[0], "key"] == -1
    text = r.summary()
    assert "energy outside 0..1: 1 rows (e.g. rows 3)" in text


def test_bad_line_does_not_sink_the_file(tmp_path, tidy_csv):
    lines = tidy_csv.read_text().splitlines()
    lines.insert(3, lines[3] + ",extra,fields")
    (tmp_path / "x.csv").write_text("\n".join(lines) + "\n")
    cat = load_catalog(tmp_path / "x.csv")
    (reason,) = [k for k in cat.report.excluded if k.startswith("wrong number of fields")]
    assert cat.report.excluded[reason] == 1 and cat.report.examples[reason] == [3]  # data row 3 = file line 4
    assert cat.report.rows_read == len(lines) - 1


def test_literal_na_and_null_titles_kept_outside_r_files(tmp_path):
    frame = songgen.tidy_frame(n_songs=20, n_playlists=1, seed=2).rename(columns={"track_artist": "artists"})
    frame = frame.drop(columns=["playlist_subgenre", "playlist_id", "playlist_name"])
    frame.loc[0, "track_name"], frame.loc[1, "track_name"] = "NA", "Null"
    frame.to_csv(tmp_path / "k.csv", index=False)
    cat = load_catalog(tmp_path / "k.csv")
    names = dict(zip(cat.songs["track_id"], cat.songs["track_name"]))
    assert names[frame.loc[0, "track_id"]] == "NA" and names[frame.loc[1, "track_id"]] == "Null"


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"\n\n  \n", "is empty"),
    (b"track_id,track_name\nX,Y\n", "missing required columns: no audio feature at all"),
    (b"title,danceability\nY,0.5\n", "missing required column track_id"),
    (",".join(songgen.TIDY_COLUMNS).encode() + b"\n", "header but no song rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary file"),
    (b"PAR1garbage", "cannot be read"),
])
def test_unusable_files(tmp_path, content, message):
    path = tmp_path / "songs.csv"
    path.write_bytes(content)
    with pytest.raises(CatalogError, match=message) as info:
        load_catalog(path)
    assert str(path) in str(info.value)


def test_absent_feature_columns_are_named_not_invented(tmp_path, tidy_csv):
    frame = pd.read_csv(tidy_csv).drop(columns=["tempo", "valence"])
    frame.to_csv(tmp_path / "m.csv", index=False)
    cat = load_catalog(tmp_path / "m.csv")
    assert cat.report.features_absent == ["valence", "tempo"]
    assert "feature columns absent (their songs are ordered without them): valence, tempo" in cat.report.summary()
    assert cat.songs["tempo"].isna().all() and cat.songs["valence"].isna().all()


def test_songs_with_a_file_may_miss_features_spotify_songs_may_not(tmp_path, tidy_csv):
    frame = pd.read_csv(tidy_csv).drop_duplicates("track_id").head(10).reset_index(drop=True)
    frame["path"] = ""
    frame.loc[[1, 2], "path"] = ["/music/a.flac", "/music/b.flac"]
    frame.loc[[1, 2, 3], "acousticness"] = np.nan  # 1, 2: own files, measured without it; 3: a Spotify song
    frame.to_csv(tmp_path / "mixed.csv", index=False)
    cat = load_catalog(tmp_path / "mixed.csv")
    assert len(cat) == 9 and cat.report.excluded == {"acousticness missing": 1}
    assert cat.report.examples["acousticness missing"] == [4]
    assert cat.report.features_missing == {"acousticness": 2}


def test_zip_and_all_invalid_and_missing_file(tmp_path, tidy_csv):
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as zf:
        zf.write(tidy_csv, "songs.csv")
    with pytest.raises(CatalogError, match="ZIP"):
        load_catalog(tmp_path / "s.zip")
    frame = pd.read_csv(tidy_csv).assign(tempo=-1)
    frame.to_csv(tmp_path / "all_bad.csv", index=False)
    with pytest.raises(CatalogError, match="no usable song rows.*tempo outside 20..300 BPM"):
        load_catalog(tmp_path / "all_bad.csv")
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "nope.csv")


def test_default_catalog_absent_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "empty"))
    with pytest.raises(CatalogError, match="data fetch.*DISCO_DATA_DIR"):
        load_default_catalog()


# -- cache and accessors ----------------------------------------------------------------------------------------------
def test_cache_hit_equal_and_survives_corruption(tmp_path, tidy_csv, monkeypatch):
    first = load_catalog(tidy_csv)
    files = list((tmp_path / "cache").glob("*"))
    assert len(files) == 3
    second = load_catalog(tidy_csv)
    assert second.report.from_cache
    pd.testing.assert_frame_equal(first.songs, second.songs)
    pd.testing.assert_frame_equal(first.memberships, second.memberships)
    assert first.playlists == second.playlists
    for f in files:
        if f.suffix == ".parquet":
            f.write_bytes(b"broken")
    third = load_catalog(tidy_csv)
    assert not third.report.from_cache
    pd.testing.assert_frame_equal(first.songs, third.songs)
    # an unusable cache folder just means no cache
    monkeypatch.setenv("DISCO_CACHE_DIR", str(tidy_csv))  # a file, not a folder
    assert catalog_cache.cache_dir() is None
    assert len(load_catalog(tidy_csv)) == len(first)


def test_cache_keyed_by_content(tmp_path, tidy_csv):
    load_catalog(tidy_csv)
    frame = pd.read_csv(tidy_csv)
    frame.loc[0, "tempo"] = 99.5
    frame.to_csv(tidy_csv, index=False)
    cat = load_catalog(tidy_csv)
    assert not cat.report.from_cache
    assert cat.songs.loc[0, "tempo"] == 99.5


def test_index_of_and_label(tidy_csv):
    cat = load_catalog(tidy_csv)
    ids = list(cat.songs["track_id"].iloc[[5, 2, 7]])
    assert list(cat.index_of(ids)) == [5, 2, 7]
    assert list(cat.index_of("spotify:track:" + ids[0])) == [5]
    with pytest.raises(KeyError, match="NOPE"):
        cat.index_of([ids[0], "NOPE"])
    row = cat.songs.iloc[3]
    assert cat.label(3) == f"{row['artist']} - {row['track_name']}"
