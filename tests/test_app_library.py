"""The Library page through ``streamlit.testing.v1.AppTest`` (no browser): DJ library files written by the tests
load, list their playlists and problems, reorder one and offer every export; a scanned folder of synthesized
songs becomes the session's songs on Build and Reorder.

The downloads are generated when clicked: the tests keep the function each button registers and call it.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import streamlit as st

from disco.app.library import library_scan
from disco.data.catalog import load_catalog
from disco.data.libraries import read_library
from support.app import app_test, assert_clean, page, plain
from support.audio_synth import write_song
from support.library_set import ORDER, PLAYLIST, SONGS, WRITERS, audio_files, traktor

LIBRARY = "disco/app/views/library.py"


@pytest.fixture(autouse=True)
def _fresh_caches(tmp_path, monkeypatch):
    # AppTest runs in this process: start from empty Streamlit caches; no default catalog is needed here
    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "no-data"))
    yield


@pytest.fixture
def downloads(monkeypatch):
    """file name -> the function a download button runs when clicked."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    made: dict = {}
    original = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return made


def library_page():
    at = app_test().run()
    at.switch_page(LIBRARY).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame(at, *columns: str):
    """The first table of the page with these columns."""
    return next(d.value for d in at.dataframe if set(columns) <= set(d.value.columns))


PLAYLISTS, PROBLEMS, PLAYLIST_TABLE = ("playlist", "songs"), ("problem",), ("#", "title")
EXCLUDED, SCANNED = ("file", "reason"), ("title", "LUFS")


# -- DJ library files ----------------------------------------------------------------------------------------


def shown_order(at) -> list[str]:
    """The reordered playlist's titles as the page's table shows them."""
    return frame(at, *PLAYLIST_TABLE)["title"].tolist()


# every format's reading is tested fast in test_dj_libraries.py; the page once fast, with Rekordbox
@pytest.mark.parametrize("fmt", [f if f == "rekordbox" else pytest.param(f, marks=pytest.mark.slow) for f in WRITERS])
def test_a_dj_library_loads_lists_reorders_and_exports(fmt, models, tmp_path, downloads):
    paths = audio_files(tmp_path / "music")
    library_file = WRITERS[fmt](tmp_path, paths)
    at = library_page()
    at.get("file_uploader")[0].upload(library_file.name, library_file.read_bytes(), "application/octet-stream")
    at.run()
    assert_clean(at)
    assert f"Loaded {library_file.name}" in plain(at.success[0].value)

    listed = frame(at, *PLAYLISTS)
    assert dict(zip(listed["playlist"], listed["songs"])) == {PLAYLIST: 6, "Warm up": 2}
    warning = plain(at.warning[0].value)
    assert "1 file not found on this computer" in warning  # the last song's file is missing
    if fmt != "mixxx":  # Mixxx's key_id 0 is "no key", not a key it failed to read
        assert "1 key not understood" in warning
    problems = frame(at, *PROBLEMS)["problem"].tolist()
    assert any("file not found" in p and "Flo - Sixth.wav" in p for p in problems)

    at.selectbox(key="dj_playlist").set_value(PLAYLIST).run()
    assert_clean(at)
    assert "Flow network off" in plain(at.info[0].value)  # a DJ library has tempo and key, not the features
    titles = shown_order(at)
    assert sorted(titles) == sorted(s[0] for s in SONGS) and titles[0] == SONGS[ORDER[0] - 1][0]  # first kept
    assert at.metric[0].label == "total loss (lower is better)"
    labels = [d.label for d in at.get("download_button")]
    for label in ("Download CSV", "Download M3U8", "Download Rekordbox XML", "Download Traktor NML"):
        assert label in labels
    at.selectbox(key="library_listen").set_value(titles.index("Opening")).run()  # its file is here: it plays
    assert_clean(at)
    assert len(at.get("audio")) == 1

    by_title = {s[0]: p for s, p in zip(SONGS, paths)}
    m3u8 = downloads["friday-set.m3u8"]()
    files = [line for line in m3u8.splitlines() if line and not line.startswith("#")]
    assert files == [by_title[t] for t in titles]  # absolute paths, in DISCO's order
    xml = tmp_path / "export.xml"
    xml.write_text(downloads["friday-set.xml"](), encoding="utf-8")
    nml = tmp_path / "export.nml"
    nml.write_text(downloads["friday-set.nml"](), encoding="utf-8")
    for exported in (xml, nml):
        back = read_library(exported, check_files=False)
        assert back.playlist_names() == [f"{PLAYLIST} (DISCO)"]  # imported beside the original
        assert back.playlist_songs(f"{PLAYLIST} (DISCO)")["track_name"].tolist() == titles
    csv = load_catalog(downloads["friday-set.csv"]().encode(), name="export.csv", cache=False)
    assert csv.songs["track_name"].tolist() == titles


def test_a_library_file_on_this_computer_loads_by_its_path(models, tmp_path):
    library_file = traktor(tmp_path, audio_files(tmp_path / "music"))
    at = library_page()
    at.radio(key="dj_how").set_value("A file on this computer").run()
    at.text_input(key="dj_path").input(str(library_file)).run()
    at.button(key="dj_load").click().run()
    assert_clean(at)
    assert dict(zip(frame(at, *PLAYLISTS)["playlist"], frame(at, *PLAYLISTS)["songs"])) == {
        PLAYLIST: 6, "Warm up": 2}
    assert len(shown_order(at)) == 6  # the first playlist of two songs or more is reordered at once
    at.button(key="dj_close").click().run()
    assert_clean(at)
    assert not [d for d in at.dataframe if set(PLAYLISTS) <= set(d.value.columns)]


def test_a_file_that_is_no_library_is_an_error(models, tmp_path):
    at = library_page()
    at.get("file_uploader")[0].upload("notes.xml", b"<notes><note>hi</note></notes>", "application/xml")
    at.run()
    assert not at.exception
    assert "<notes>" in plain(at.error[0].value) and "Rekordbox" in plain(at.error[0].value)
    at.radio(key="dj_how").set_value("A file on this computer").run()
    at.text_input(key="dj_path").input(str(tmp_path / "missing.nml")).run()
    at.button(key="dj_load").click().run()
    assert not at.exception
    assert "no such file" in plain(at.error[0].value)


# -- your own music --------------------------------------------------------------------------------------------
def test_progress_text_says_files_rate_and_time_left():
    assert library_scan.progress_text(0, 6, math.nan, math.nan) == "0 of 6 files"
    assert library_scan.progress_text(3, 6, 1.25, 2.4) == "3 of 6 files · 1.2 songs/s · about 2 s left"
    assert library_scan.progress_text(6, 6, 1.0, 0.0) == "6 of 6 files · 1.0 songs/s"
    assert library_scan.duration(125) == "2 min 05 s"


def test_a_missing_folder_is_an_error_and_nothing_changes(models, tmp_path):
    at = library_page()
    at.text_input(key="scan_folder").input(str(tmp_path / "no such music")).run()
    at.button(key="scan_folder_go").click().run()
    assert not at.exception
    assert "no such folder" in plain(at.error[0].value)
    assert "catalog_source" not in at.session_state or at.session_state["catalog_source"] is None


def music_folder(folder: Path) -> list[str]:
    """Four synthesized songs (FLAC and WAV) and a text file named .mp3."""
    titles = []
    for n, (key, mode, bpm) in enumerate([(0, 1, 120), (7, 1, 122), (9, 0, 118), (2, 1, 126)]):
        title = f"Song {n + 1}"
        write_song(folder / f"Artist {n + 1} - {title}.{'flac' if n % 2 else 'wav'}", key=key, mode=mode, bpm=bpm,
                   seconds=6.0, seed=n)
        titles.append(title)
    (folder / "notes.mp3").write_text("not audio at all")
    return titles


@pytest.mark.slow
def test_a_scanned_folder_becomes_the_songs_of_build_and_reorder(models, tmp_path, monkeypatch):
    monkeypatch.setattr(library_scan, "WORKERS", 1)  # no process pool to start in a test
    said = []
    original = library_scan.progress_text
    monkeypatch.setattr(library_scan, "progress_text", lambda *a: said.append(original(*a)) or said[-1])
    folder = tmp_path / "My Music"
    titles = music_folder(folder)
    at = library_page()
    at.text_input(key="scan_folder").input(str(folder)).run()
    at.button(key="scan_folder_go").click().run()
    assert_clean(at)
    assert said[0] == "0 of 5 files" and any("songs/s" in s and "left" in s for s in said)
    assert at.get("progress")[0].proto.value == 100
    excluded = frame(at, *EXCLUDED)
    assert excluded["file"].tolist() == [str(folder / "notes.mp3")]
    assert "not audio" in excluded["reason"].iat[0]
    assert sorted(frame(at, *SCANNED)["title"]) == titles
    assert "Build and Reorder use these 4 songs now" in plain(at.success[0].value)

    at.switch_page(page("build")).run()
    assert_clean(at)
    built = frame(at, *PLAYLIST_TABLE)
    assert sorted(built["title"]) == titles  # the pool ran out: every song of the folder, once
    at.selectbox(key="build_listen").set_value(0).run()  # the files are here: a song plays
    assert_clean(at)
    assert len(at.get("audio")) == 1

    at.switch_page(page("reorder")).run()
    at.radio(key="reorder_input").set_value(at.radio(key="reorder_input").options[2]).run()
    assert_clean(at)
    assert sorted(frame(at, *PLAYLIST_TABLE)["title"]) == titles
    assert at.metric[0].label == "total loss (lower is better)"


@pytest.mark.slow
def test_picked_files_are_scanned_from_a_folder_that_is_deleted(models, tmp_path, monkeypatch):
    from disco.audio import scan as scan_module

    monkeypatch.setattr(library_scan, "WORKERS", 1)
    folders = []
    original = scan_module.scan
    monkeypatch.setattr(scan_module, "scan",
                        lambda folder, **kw: folders.append(Path(folder)) or original(folder, **kw))
    source = tmp_path / "picked"
    titles = music_folder(source)[:2]
    at = library_page()
    at.radio(key="scan_how").set_value("Pick files").run()
    picker = at.get("file_uploader")[0]
    for path in [*sorted(source.glob("Artist [12]*")), source / "notes.mp3"]:
        picker.upload(path.name, path.read_bytes(), "audio/wav")
    at.run()
    at.button(key="scan_files_go").click().run()
    assert_clean(at)
    assert folders and not folders[0].exists()  # the temporary folder is gone
    assert frame(at, *EXCLUDED)["file"].tolist() == ["notes.mp3"]
    songs = frame(at, *SCANNED)
    assert sorted(songs["title"]) == titles and set(songs["file"]) == {p.name for p in source.glob("Artist [12]*")}
    at.switch_page(page("build")).run()
    assert_clean(at)
    assert sorted(frame(at, *PLAYLIST_TABLE)["title"]) == titles
    at.selectbox(key="build_listen").set_value(0).run()
    assert not at.get("audio")  # picked files are not kept: nothing to play
    assert any("No player for this song" in c.value for c in at.caption)
    assert at.session_state["catalog_source"].data  # the songs live in the session's source
