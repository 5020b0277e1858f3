"""DJ libraries in (disco.data.libraries) and out (disco.export.dj): Rekordbox XML, Traktor NML, Mixxx, M3U8."""

from __future__ import annotations

import math
import os
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from disco.data.libraries import (
    COUNT_NAMES,
    LIBRARY_COLUMNS,
    common,
    is_library,
    library_format,
    read_library,
    read_mixxx,
    read_rekordbox,
    read_traktor,
)
from disco.errors import CatalogError
from disco.export.dj import songs_without_file, to_m3u8, to_nml, to_rekordbox_xml
from support import dj_library_files as files

# (title, artist, folders under the music folder, file name, BPM, seconds, (key, mode))
SONGS = [
    ("Jóga", "Björk", ["Björk", "Homogenic"], "01 Jóga.mp3", 115.0, 305, (9, 0)),
    ("One More Time", "Daft Punk", ["Daft Punk"], "one more time.mp3", 122.5, 320, (5, 0)),
    ("Hash #1 & more", "C Artist", [], "c #1?.mp3", 128.0, 200, (0, 1)),
    ("Song D", "D Artist", ["100% mix"], "d.flac", 124.25, 250, (10, 0)),
]
# the same keys as Rekordbox, Traktor and Mixxx spell them
TONALITY = ["8A", "Fm", "Cmaj", "A#m"]
MUSICAL_KEY = [21, 17, 0, 22]
MIXXX_KEY_ID = [22, 18, 1, 23]
PLAY_ORDER = [2, 0, 3, 1]  # "Friday": songs 3, 1, 4, 2


@pytest.fixture
def music(tmp_path):
    """Dummy audio files (a few bytes) in a folder with spaces and non-ASCII names; their absolute paths."""
    root = tmp_path / "My Music"
    paths = []
    for _, _, folders, name, *_ in SONGS:
        path = root.joinpath(*folders, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"ID3")
        paths.append(str(path))
    return paths


def rekordbox_tracks(music):
    return [{"TrackID": str(10 + i), "Name": title, "Artist": artist, "Album": "An Album", "Genre": "House",
             "Year": "1997", "TotalTime": str(seconds), "AverageBpm": f"{bpm:.2f}", "Tonality": TONALITY[i],
             "Location": files.rekordbox_location(music[i])}
            for i, (title, artist, _, _, bpm, seconds, _) in enumerate(SONGS)]


def traktor_entries(music):
    entries = []
    for i, (title, artist, _, name, bpm, seconds, _) in enumerate(SONGS):
        folders = [p for p in os.path.dirname(music[i]).split("/") if p]
        entries.append(files.traktor_entry(title, artist, folders=folders, file=name, bpm=f"{bpm:.6f}",
                                           musical_key=MUSICAL_KEY[i], info_key="12m", playtime=seconds,
                                           album="An Album", genre="House", release_date="1997/9/22"))
    return entries


def write_rekordbox(tmp_path, music):
    nodes = [files.rekordbox_playlist("Warmup", [11, 10]),
             files.rekordbox_folder("Sets", [files.rekordbox_folder("2024", [
                 files.rekordbox_playlist("Friday", [10 + i for i in PLAY_ORDER])])])]
    return files.write_rekordbox_xml(tmp_path / "collection.xml", rekordbox_tracks(music), nodes)


def write_traktor(tmp_path, music):
    entries = traktor_entries(music)
    keys = [files.traktor_key(e) for e in entries]
    nodes = [files.traktor_playlist("Warmup", [keys[1], keys[0]]),
             files.traktor_folder("Sets", [files.traktor_playlist("Friday", [keys[i] for i in PLAY_ORDER])])]
    return files.write_traktor_nml(tmp_path / "collection.nml", entries, nodes)


def write_mixxx(tmp_path, music):
    tracks = [files.mixxx_track(i + 1, title, artist, music[i], bpm=bpm, key_id=MIXXX_KEY_ID[i],
                                key_text=TONALITY[i], duration=seconds, album="An Album", year="1997-09-22",
                                genre="House")
              for i, (title, artist, _, _, bpm, seconds, _) in enumerate(SONGS)]
    # stored out of order: the reader must sort by position
    friday = [(i + 1, position) for position, i in enumerate(PLAY_ORDER, start=1)][::-1]
    return files.write_mixxx_db(tmp_path / "mixxxdb.sqlite", tracks,
                                playlists=[(7, "Warmup", [(2, 1), (1, 2)], 0), (3, "Friday", friday, 0)])


WRITE = {"rekordbox": write_rekordbox, "traktor": write_traktor, "mixxx": write_mixxx}
READ = {"rekordbox": read_rekordbox, "traktor": read_traktor, "mixxx": read_mixxx}


def assert_songs(songs: pd.DataFrame, music, order=None):
    """Rows of ``songs`` are SONGS[order] (all of them by default), with the right fields."""
    order = range(len(SONGS)) if order is None else order
    assert len(songs) == len(order)
    for row, i in zip(songs.itertuples(), order):
        title, artist, _, _, bpm, seconds, (key, mode) = SONGS[i]
        assert (row.track_name, row.artist) == (title, artist)
        assert row.tempo == pytest.approx(bpm, abs=0.01)
        assert row.duration_ms == pytest.approx(seconds * 1000)
        assert (row.key, row.mode) == (key, mode)
        assert row.path == music[i] and os.path.isfile(row.path)


# --- each format in ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["rekordbox", "traktor", "mixxx"])
def test_each_format_reads_tracks_and_playlists_in_play_order(fmt, tmp_path, music):
    lib = READ[fmt](WRITE[fmt](tmp_path, music))
    assert lib.format == fmt and tuple(lib.songs.columns) == LIBRARY_COLUMNS
    assert_songs(lib.songs, music)
    assert lib.songs["track_id"].str.startswith(f"{fmt}:").all()
    assert (lib.songs["album"] == "An Album").all() and (lib.songs["genre"] == "House").all()
    assert (lib.songs["year"] == 1997).all()
    assert lib.playlist_names() == ["Warmup", "Friday"]
    ids = lib.songs["track_id"].tolist()
    assert lib.playlist("Friday") == [ids[i] for i in PLAY_ORDER]
    assert lib.playlist("warmup") == [ids[1], ids[0]]  # case-insensitive when unambiguous
    assert_songs(lib.playlist_songs("Friday"), music, PLAY_ORDER)
    assert lib.problems == [] and lib.counts["problems"] == 0
    assert lib.counts["tracks"] == 4 and lib.counts["playlists"] == 2 and lib.counts["playlist_entries"] == 6
    assert set(lib.counts) == set(COUNT_NAMES) and "4 tracks, 2 playlists" in lib.summary()
    with pytest.raises(CatalogError, match="no playlist named 'Sunday'.*'Friday'"):
        lib.playlist("Sunday")


@pytest.mark.parametrize("text, key, mode", [
    ("8A", 9, 0), ("8B", 0, 1), ("5A", 0, 0), ("1m", 9, 0), ("1d", 0, 1), ("10m", 0, 0), ("Am", 9, 0),
    ("A#m", 10, 0), ("Bbm", 10, 0), ("C", 0, 1), ("Cmaj", 0, 1), ("F# minor", 6, 0), ("Fm", 5, 0), ("Dbm", 1, 0),
])
def test_rekordbox_tonality_in_every_notation(text, key, mode, tmp_path, music):
    track = dict(rekordbox_tracks(music)[0], Tonality=text)
    lib = read_rekordbox(files.write_rekordbox_xml(tmp_path / "k.xml", [track]))
    assert (lib.songs.loc[0, "key"], lib.songs.loc[0, "mode"], lib.songs.loc[0, "key_text"]) == (key, mode, text)
    assert lib.problems == []


def test_rekordbox_location_variants(tmp_path, music):
    tracks = rekordbox_tracks(music)[:2]
    tracks[0]["Location"] = "file://" + files.rekordbox_location(music[0])[len("file://localhost"):]  # file:///
    tracks.append(dict(tracks[1], TrackID="20", Location="file://localhost/C:/Music/a%20b/Bj%C3%B6rk.mp3"))
    tracks.append(dict(tracks[1], TrackID="21", Location="https://example.invalid/stream/1"))
    lib = read_rekordbox(files.write_rekordbox_xml(tmp_path / "loc.xml", tracks))
    assert lib.songs["path"].tolist() == [music[0], music[1], "C:/Music/a b/Björk.mp3", ""]
    assert lib.counts["paths_not_found"] == 1 and lib.counts["paths_missing"] == 1
    assert any("TRACK 3 (TrackID=20): file not found: C:/Music/a b/Björk.mp3" in p for p in lib.problems)
    assert any("TRACK 4 (TrackID=21): Location 'https://example.invalid/stream/1' is not a local file" in p
               for p in lib.problems)


def test_rekordbox_playlist_by_location(tmp_path, music):
    tracks = rekordbox_tracks(music)
    # KeyType 1: entries name tracks by Location; one spelled differently (file:///), one unknown
    keys = [tracks[2]["Location"], "file://" + tracks[0]["Location"][len("file://localhost"):],
            files.rekordbox_location("/nowhere/x.mp3")]
    lib = read_rekordbox(files.write_rekordbox_xml(tmp_path / "kt1.xml", tracks,
                                                   [files.rekordbox_playlist("ByPath", keys, key_type=1)]))
    assert lib.playlist("ByPath") == ["rekordbox:12", "rekordbox:10"]
    assert lib.counts["entries_skipped"] == 1
    assert any("playlist 'ByPath': entry 3" in p and "not in the collection" in p for p in lib.problems)


def test_rekordbox_problems_are_reported_not_fatal(tmp_path, music):
    tracks = rekordbox_tracks(music)
    del tracks[0]["AverageBpm"]                      # a missing attribute
    tracks[1]["Tonality"] = "Xm"                     # a key nobody writes
    tracks[2]["Location"] = files.rekordbox_location(str(tmp_path / "gone.mp3"))  # not on disk
    tracks[3]["TotalTime"] = "abc"
    tracks.append(dict(tracks[3], TrackID="11", Name="Second 11"))  # a duplicated TrackID
    tracks.append({"Name": "No id"})
    nodes = [files.rekordbox_playlist("Friday", [13, 999, 11])]
    lib = read_rekordbox(files.write_rekordbox_xml(tmp_path / "collection.xml", tracks, nodes))
    assert lib.songs["track_id"].tolist() == ["rekordbox:10", "rekordbox:11", "rekordbox:12", "rekordbox:13"]
    assert lib.songs.loc[1, "track_name"] == "One More Time"  # the first of the duplicates is kept
    assert math.isnan(lib.songs.loc[0, "tempo"]) and lib.songs.loc[1, "key"] == -1
    assert math.isnan(lib.songs.loc[3, "duration_ms"])
    assert lib.playlist("Friday") == ["rekordbox:13", "rekordbox:11"]
    expected = [
        "collection.xml: TRACK 1 (TrackID=10): no AverageBpm, no tempo",
        "collection.xml: TRACK 2 (TrackID=11): Tonality 'Xm' not understood, no key",
        f"collection.xml: TRACK 3 (TrackID=12): file not found: {tmp_path / 'gone.mp3'}",
        "collection.xml: TRACK 4 (TrackID=13): TotalTime 'abc' is not a number, no duration",
        "collection.xml: TRACK 5 (TrackID=11): duplicate id '11' (the first one is kept); track left out",
        "collection.xml: TRACK 6 (Name='No id'): no TrackID, so no playlist can refer to it; track left out",
        "collection.xml: playlist 'Friday': entry 2 (Key=999): not in the collection; entry left out",
    ]
    assert sorted(lib.problems) == sorted(expected)
    c = lib.counts
    assert (c["tracks"], c["tracks_skipped"], c["entries_skipped"], c["keys_not_understood"], c["tempos_missing"],
            c["paths_not_found"], c["problems"]) == (4, 2, 1, 1, 1, 1, 7)


@pytest.mark.parametrize("fmt", ["rekordbox", "traktor"])
def test_truncated_xml_names_file_line_and_column(fmt, tmp_path, music):
    path = WRITE[fmt](tmp_path, music)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    for read in (READ[fmt], read_library):
        with pytest.raises(CatalogError, match=rf"{path.name}: not well-formed XML at line \d+, column \d+"):
            read(path)


def test_xml_with_entities_or_too_large_is_refused(tmp_path, music, monkeypatch):
    path = tmp_path / "bomb.xml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE DJ_PLAYLISTS [<!ENTITY a "aaaaaaaaaa">]>\n'
                    '<DJ_PLAYLISTS Version="1.0.0"><COLLECTION><TRACK TrackID="1" Name="&a;"/></COLLECTION>'
                    '</DJ_PLAYLISTS>', encoding="utf-8")
    with pytest.raises(CatalogError, match="bomb.xml: declares XML entities"):
        read_rekordbox(path)
    big = write_rekordbox(tmp_path, music)
    monkeypatch.setattr(common, "MAX_XML_BYTES", 100)
    with pytest.raises(CatalogError, match="collection.xml: .* larger than"):
        read_rekordbox(big)


def test_traktor_keys_locations_and_problems(tmp_path, music):
    entries = traktor_entries(music)
    entries[0]["MUSICAL_KEY"] = None                   # INFO KEY (Open Key) then
    entries[0]["KEY"] = "1m"
    entries[1]["KEY"] = "1d"                           # MUSICAL_KEY wins over a disagreeing INFO KEY
    entries[2]["MUSICAL_KEY"], entries[2]["KEY"] = None, None
    entries[3]["BPM"] = "abc"
    windows = files.traktor_entry("Win", "W", volume="C:", folders=["Music", "a b"], file="x.mp3", bpm="120",
                                  musical_key=12, playtime=100)
    duplicate = dict(entries[1], TITLE="Again")
    no_location = files.traktor_entry("Stream", "S", location=False, bpm="120", musical_key=1, playtime=10)
    keys = [files.traktor_key(e) for e in entries]
    nodes = [files.traktor_playlist("Smart", [], node_type="SMARTLIST"),
             files.traktor_playlist("Friday", [keys[3], "Macintosh HD/:nowhere/:x.mp3", keys[0]])]
    path = files.write_traktor_nml(tmp_path / "collection.nml", entries + [windows, duplicate, no_location], nodes)
    lib = read_traktor(path)
    songs = lib.songs
    assert songs["track_id"].tolist()[:4] == [f"traktor:{k}" for k in keys]
    assert (songs.loc[0, "key"], songs.loc[0, "mode"], songs.loc[0, "key_text"]) == (9, 0, "1m")
    assert (songs.loc[1, "key"], songs.loc[1, "mode"]) == (5, 0)
    assert songs.loc[2, "key"] == -1 and math.isnan(songs.loc[3, "tempo"])
    assert songs.loc[4, ["path", "key", "mode"]].tolist() == ["C:/Music/a b/x.mp3", 0, 0]
    assert songs["path"].tolist()[:4] == music
    assert lib.playlist_names() == ["Friday"]
    assert lib.playlist("Friday") == [f"traktor:{keys[3]}", f"traktor:{keys[0]}"]
    problems = "\n".join(lib.problems)
    for expected in ("collection.nml: ENTRY 3 (TITLE='Hash #1 & more'): no MUSICAL_KEY or INFO KEY, no key",
                     "collection.nml: ENTRY 4 (TITLE='Song D'): TEMPO BPM 'abc' is not a number, no tempo",
                     "collection.nml: ENTRY 5 (TITLE='Win'): file not found: C:/Music/a b/x.mp3",
                     "collection.nml: ENTRY 6 (TITLE='Again'): duplicate id",
                     "collection.nml: ENTRY 7 (TITLE='Stream'): no LOCATION with a FILE",
                     "collection.nml: playlist NODE 2 (NAME='Smart'): a smart list has no stored order",
                     ("collection.nml: playlist 'Friday': entry 2 (KEY='Macintosh HD/:nowhere/:x.mp3'): "
                      "not in the collection; entry left out")):
        assert expected in problems
    assert lib.counts["tracks_skipped"] == 2 and lib.counts["keys_missing"] == 1


def test_mixxx_key_ids_hidden_rows_playlists_and_crates(tmp_path, music):
    key_files = [tmp_path / f"k{i}.mp3" for i in range(24)]  # Mixxx stores each location once
    for path in key_files:
        path.write_bytes(b"ID3")
    tracks = [files.mixxx_track(i + 1, f"K{i}", "A", str(key_files[i]), bpm=120, key_id=i + 1, duration=60)
              for i in range(24)]
    tracks += [files.mixxx_track(30, "Text key", "A", music[1], bpm=120, key_id=0, key_text="Bbm", duration=60),
               files.mixxx_track(31, "Hidden", "A", music[2], bpm=120, key_id=1, duration=60, deleted=1),
               files.mixxx_track(32, "No file", "A", None, bpm=0, key_id=99, key_text="??", duration=60)]
    path = files.write_mixxx_db(tmp_path / "mixxxdb.sqlite", tracks,
                                playlists=[(1, "Set", [(31, 1), (30, 3), (5, 2)], 0),
                                           (2, "Auto DJ", [(1, 1)], 1)],
                                crates=[("Techno", [1, 2, 3])])
    lib = read_library(path)
    assert lib.format == "mixxx"
    songs = lib.songs.set_index("track_id")
    names = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]
    for i in range(24):
        row = songs.loc[f"mixxx:{i + 1}"]
        assert (row["key"], row["mode"]) == (i % 12, int(i < 12)), names[i % 12]
    assert (songs.loc["mixxx:30", "key"], songs.loc["mixxx:30", "mode"]) == (10, 0)
    assert "mixxx:31" not in songs.index and songs.loc["mixxx:32", "path"] == ""
    assert lib.playlist_names() == ["Set"] and lib.playlist("Set") == ["mixxx:5", "mixxx:30"]
    problems = "\n".join(lib.problems)
    for expected in (("mixxxdb.sqlite: library id=31 (title='Hidden'): hidden or deleted in Mixxx "
                      "(mixxx_deleted=1); track left out"),
                     "library id=32 (title='No file'): no track_locations row",
                     "library id=32 (title='No file'): key_id 99 is not 0..24",
                     "library id=32 (title='No file'): bpm 0.0 is not a positive number, no tempo",
                     "playlist 'Set': entry at position 1 (track_id=31): the track is hidden or deleted in Mixxx",
                     "playlist 'Auto DJ': hidden in Mixxx (the Auto DJ queue)",
                     "crate 'Techno': a crate has no order; its 3 tracks are not read as a playlist"):
        assert expected in problems
    assert lib.counts["tracks_skipped"] == 1 and lib.counts["entries_skipped"] == 1


def test_format_detection(tmp_path, music):
    for fmt in ("rekordbox", "traktor", "mixxx"):
        path = WRITE[fmt](tmp_path, music)
        assert library_format(path) == fmt and is_library(path)
        assert read_library(path).format == fmt
    csv = tmp_path / "songs.csv"
    csv.write_text("track_id,track_name\n1,a\n", encoding="utf-8")
    other = tmp_path / "other.xml"
    other.write_text("<playlist><track/></playlist>", encoding="utf-8")
    for path in (csv, other, tmp_path / "missing.xml", tmp_path):
        assert not is_library(path)
    with pytest.raises(CatalogError, match="songs.csv: not a DJ library file"):
        read_library(csv)
    with pytest.raises(CatalogError, match="other.xml: the XML root element is <playlist>"):
        read_library(other)
    with pytest.raises(CatalogError, match="not an SQLite database"):
        read_mixxx(csv)


def test_location_mappings_both_ways():
    from disco.data.libraries import rekordbox, traktor

    for path, location in [("/Users/me/a b/Björk #1?.mp3", "file://localhost/Users/me/a%20b/Bj%C3%B6rk%20%231%3F.mp3"),
                           ("C:/Music/100% mix.mp3", "file://localhost/C:/Music/100%25%20mix.mp3")]:
        assert rekordbox.location_from_path(path) == location and rekordbox.path_from_location(location) == path
    assert rekordbox.location_from_path("C:\\Music\\a.mp3") == "file://localhost/C:/Music/a.mp3"
    assert rekordbox.path_from_location("file:///srv/a%20b.mp3") == "/srv/a b.mp3"
    assert rekordbox.path_from_location("file://C:/a.mp3") == "C:/a.mp3"
    assert rekordbox.path_from_location("https://example.invalid/a.mp3") is None
    for path, location in [("/Users/me/a.mp3", ("Macintosh HD", "/:Users/:me/:", "a.mp3")),
                           ("C:/Music/a b/x.mp3", ("C:", "/:Music/:a b/:", "x.mp3")),
                           ("/a.mp3", ("Macintosh HD", "/:", "a.mp3"))]:
        assert traktor.location_from_path(path) == location and traktor.path_from_location(*location) == path
    assert traktor.location_from_path("C:\\Music\\x.mp3") == ("C:", "/:Music/:", "x.mp3")
    # a file on another macOS volume: the volume is not in the path; /Volumes/<name> is where it lives
    assert traktor.location_from_path("/Volumes/USB/Sets/x.mp3") == ("USB", "/:Sets/:", "x.mp3")
    assert traktor.path_from_location("USB", "/:Sets/:", "x.mp3") == "/Sets/x.mp3"
    assert traktor.volume_path("USB", "/:Sets/:", "x.mp3") == "/Volumes/USB/Sets/x.mp3"
    assert traktor.volume_path("C:", "/:Sets/:", "x.mp3") is None
    assert traktor.primary_key("C:", "/:Music/:", "x.mp3") == "C:/:Music/:x.mp3"


# --- out and back in ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["rekordbox", "nml"])
@pytest.mark.parametrize("source", ["rekordbox", "traktor", "mixxx"])
def test_round_trip_keeps_songs_in_the_new_order(source, target, tmp_path, music):
    lib = read_library(WRITE[source](tmp_path, music))
    rows = lib.playlist_songs("Friday").iloc[::-1].reset_index(drop=True)  # stands in for DISCO's order
    new_order = PLAY_ORDER[::-1]
    out = tmp_path / ("out.xml" if target == "rekordbox" else "out.nml")
    text = to_rekordbox_xml(rows, "DISCO Friday") if target == "rekordbox" else to_nml(rows, "DISCO Friday")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    out.write_text(text, encoding="utf-8")
    again = read_library(out)
    assert again.problems == [] and again.playlist_names() == ["DISCO Friday"]
    assert_songs(again.playlist_songs("DISCO Friday"), music, new_order)


def test_m3u8_paths_resolve_to_the_files(tmp_path, music):
    lib = read_library(write_rekordbox(tmp_path, music))
    rows = lib.playlist_songs("Friday").iloc[::-1]
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    text = to_m3u8(rows, out_dir)
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U" and len(lines) == 1 + 2 * len(rows)
    entries = [line for line in lines[1:] if not line.startswith("#")]
    assert next(line for line in lines if line.startswith("#EXTINF")) == "#EXTINF:320,Daft Punk - One More Time"
    resolved = [os.path.normpath(out_dir / entry) for entry in entries]
    assert resolved == [music[i] for i in PLAY_ORDER[::-1]]
    assert all(not os.path.isabs(entry) for entry in entries)
    assert all(os.path.isfile(p) for p in resolved)
    assert [line for line in to_m3u8(rows).splitlines() if not line.startswith("#")] == resolved  # absolute


def test_songs_without_a_file(tmp_path, music):
    spotify_id = "4uLU6hMCjMI75M1A2tKUQC"
    rows = pd.DataFrame({"track_id": [spotify_id, "rekordbox:5"], "track_name": ["Linked", "Nowhere"],
                         "artist": ["Someone", "Nobody"], "album": ["", ""], "duration_ms": [200_000.0, np.nan],
                         "tempo": [120.0, np.nan], "key": [0, -1], "mode": [1, 1]})  # no path column
    lines = to_m3u8(rows, tmp_path).splitlines()
    assert lines == ["#EXTM3U", "# no local file for Someone - Linked: Spotify link", "#EXTINF:200,Someone - Linked",
                     f"https://open.spotify.com/track/{spotify_id}",
                     "# no local file and no Spotify link for Nobody - Nowhere; left out"]
    assert songs_without_file(rows) == ["Someone - Linked", "Nobody - Nowhere"]
    rows["path"] = [music[0], np.nan]
    assert songs_without_file(rows) == ["Nobody - Nowhere"]
    for text in (to_rekordbox_xml(rows, "P"), to_nml(rows, "P")):
        assert "no local file for Nobody - Nowhere; left out" in text
        ET.fromstring(text.split("\n", 1)[1])  # well-formed
    out = tmp_path / "p.xml"
    out.write_text(to_rekordbox_xml(rows, "P"), encoding="utf-8")
    assert read_rekordbox(out).playlist("P") == ["rekordbox:1"]


def test_a_title_cannot_inject_lines(tmp_path, music):
    evil = "Evil\r\n#EXTINF:0,x\nfile:///etc/passwd\u2028\x00\x1b[31m"
    rows = pd.DataFrame({"track_id": ["rekordbox:1"], "track_name": [evil], "artist": ["A\nB"], "album": ["x"],
                         "duration_ms": [1000.0], "tempo": [120.0], "key": [9], "mode": [0],
                         "path": [music[0]]})
    lines = to_m3u8(rows, tmp_path).splitlines()
    assert len(lines) == 3 and lines[2] == os.path.relpath(music[0], tmp_path)
    assert lines[1] == "#EXTINF:1,A B - Evil #EXTINF:0,x file:///etc/passwd [31m"
    assert not any(line.startswith("file:") for line in lines)
    for name, text in (("x.xml", to_rekordbox_xml(rows, "P\nQ")), ("x.nml", to_nml(rows, "P\nQ"))):
        (tmp_path / name).write_text(text, encoding="utf-8")
        lib = read_library(tmp_path / name)
        assert lib.songs.loc[0, "track_name"] == "Evil #EXTINF:0,x file:///etc/passwd [31m"
        assert lib.playlist_names() == ["P Q"]


def test_writers_take_playlist_frame_rows(tidy_csv):
    from disco.data.catalog import load_catalog
    from disco.engine.search import build_playlist
    from disco.export.formats import playlist_frame
    from support.fakes import LinearRNN, arrays_from_songs

    cat = load_catalog(tidy_csv, cache=False)
    playlist = build_playlist([4], np.arange(len(cat.songs)), 5, arrays=arrays_from_songs(cat.songs),
                              predictor=LinearRNN())
    rows = playlist_frame(cat, playlist)
    lines = to_m3u8(rows).splitlines()
    assert sum(line.startswith("https://open.spotify.com/track/") for line in lines) == 5
    assert len(songs_without_file(rows)) == 5
    assert "<COLLECTION Entries=\"0\"" in to_rekordbox_xml(rows, "P")
