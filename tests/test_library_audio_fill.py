"""DJ libraries' songs measured from their files: a Rekordbox XML and a Traktor NML written by the tests point at
synthesized audio (plus a missing file and a corrupt one); the fill keeps the library's tempo and key, fills
loudness, energy and danceability, counts what it could not measure, reads the cache the second time, and the
``reorder``/``score``/``build`` commands and the Library page use it. Every signal is synthesized here."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest

from disco.audio import analysis, decode, scan
from disco.cli.main import main
from disco.data.audio_fill import fill_from_audio, needs_audio, songs_to_measure
from disco.data.catalog import load_catalog
from support import dj_library_files as djf
from support.audio_synth import write_song

# librosa compiles its kernels on first use: one worker runs every test that calls it
pytestmark = pytest.mark.xdist_group("audio")

FEATURES = ("loudness", "energy", "danceability")
SECONDS = 8.0  # enough audio for a beat and a key, little enough to stay fast


# title, artist, file, the audio (key, mode, BPM) or None (no such file) or "corrupt",
# the library's BPM, Rekordbox Tonality, Traktor MUSICAL_KEY (None = the library has none)
SONGS = [
    ("Alpha", "Ada", "alpha.wav", (2, 1, 124.0), 125.5, "5A", 12),   # library says C minor, 125.5 BPM: kept
    ("Beta", "Bo", "beta.flac", (9, 0, 120.0), None, None, None),    # library has no tempo nor key: measured
    ("Gamma", "Cy", "gone.wav", None, 122.0, "8A", 21),              # its file is missing
    ("Delta", "Di", "broken.wav", "corrupt", 121.0, "9A", 16),       # its file is not audio
]
SET, GOOD = "Friday set", "Good files"
SET_ORDER, GOOD_ORDER = [1, 3, 4, 2], [2, 1]  # 1-based track numbers


@pytest.fixture
def music(tmp_path, monkeypatch) -> dict[str, Path]:
    """title -> the path the library gives; the files that exist are written here."""
    monkeypatch.setattr(decode, "ffmpeg_path", lambda: None)
    folder = tmp_path / "music"
    folder.mkdir()
    paths = {}
    for n, (title, _, name, audio, *_rest) in enumerate(SONGS):
        path = folder / name
        if audio == "corrupt":
            path.write_bytes(np.random.default_rng(n).bytes(6000))
        elif audio is not None:
            key, mode, bpm = audio
            write_song(path, key=key, mode=mode, bpm=bpm, seconds=SECONDS, seed=n + 1)
        paths[title] = path
    return paths


def rekordbox(folder: Path, paths: dict[str, Path]) -> Path:
    tracks = [{"TrackID": n + 1, "Name": title, "Artist": artist, "TotalTime": int(SECONDS), "AverageBpm": bpm,
               "Tonality": tonality, "Location": djf.rekordbox_location(paths[title])}
              for n, (title, artist, _, _, bpm, tonality, _) in enumerate(SONGS)]
    return djf.write_rekordbox_xml(folder / "rekordbox.xml", tracks, [djf.rekordbox_playlist(SET, SET_ORDER),
                                                                       djf.rekordbox_playlist(GOOD, GOOD_ORDER)])


def traktor(folder: Path, paths: dict[str, Path]) -> Path:
    entries = []
    for title, artist, _, _, bpm, _, value in SONGS:
        parts = paths[title].parts
        entries.append(djf.traktor_entry(title, artist, volume="", folders=list(parts[1:-1]), file=parts[-1],
                                         bpm=bpm, musical_key=value, playtime=int(SECONDS)))
    keys = [djf.traktor_key(e) for e in entries]
    return djf.write_traktor_nml(folder / "collection.nml", entries, [
        djf.traktor_playlist(SET, [keys[i - 1] for i in SET_ORDER]),
        djf.traktor_playlist(GOOD, [keys[i - 1] for i in GOOD_ORDER])])


WRITERS = {"rekordbox": rekordbox, "traktor": traktor}


def folded_error(found: float, true: float) -> float:
    ratio = found / true
    return abs(ratio * 2.0 ** -round(math.log2(ratio)) - 1.0)


def by_title(catalog):
    return catalog.songs.set_index("track_name")


# -- the fill ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", list(WRITERS))
def test_fill_measures_readable_files_keeps_the_library_tempo_and_key_and_drops_nothing(fmt, music, tmp_path):
    catalog = load_catalog(WRITERS[fmt](tmp_path, music), cache=False)
    before = catalog.songs.copy()
    assert needs_audio(catalog) and catalog.songs["loudness"].isna().all()

    filled, report = fill_from_audio(catalog, workers=1)

    assert catalog.songs.equals(before)  # the catalog given is not changed
    assert filled.songs["track_id"].tolist() == catalog.songs["track_id"].tolist()  # same songs, same order
    assert filled.playlists == catalog.playlists and filled.playlist_names == catalog.playlist_names
    songs = by_title(filled)
    for title in ("Alpha", "Beta"):
        assert all(np.isfinite(songs.loc[title, f]) for f in FEATURES), title
        assert songs.loc[title, "measured_by"] == analysis.MEASURED_BY
        assert 0 <= songs.loc[title, "energy"] <= 1 and 0 <= songs.loc[title, "danceability"] <= 1
    alpha = songs.loc["Alpha"]
    assert (alpha["tempo"], alpha["key"], alpha["mode"]) == (125.5, 0, 0)  # the DJ software's, not the audio's
    beta = songs.loc["Beta"]  # the library had neither: the analysis's
    assert (beta["key"], beta["mode"]) == (9, 0) and folded_error(beta["tempo"], 120.0) < 0.01
    for title, bpm in (("Gamma", 122.0), ("Delta", 121.0)):  # kept, unmeasured, with the library's values
        assert all(np.isnan(songs.loc[title, f]) for f in FEATURES), title
        assert songs.loc[title, "measured_by"] == "" and songs.loc[title, "tempo"] == bpm

    assert (report.measured, report.from_cache, report.no_file) == (2, 0, 1)
    assert [path for path, _ in report.failed] == [str(music["Delta"])]
    assert "not audio" in report.failed[0][1]
    line = report.summary()
    assert "2 songs measured" in line and "1 song without a readable file" in line
    assert f"{music['Delta']}: not audio" in line
    assert filled.report.notes[-1] == line and line not in catalog.report.notes
    assert filled.sha256 != catalog.sha256  # caches keyed by the songs tell the filled ones apart
    assert filled.report.features_missing["loudness"] == 2


def test_second_fill_comes_from_the_cache(music, tmp_path, monkeypatch):
    catalog = load_catalog(rekordbox(tmp_path, music), cache=False)
    first, report = fill_from_audio(catalog, workers=1)
    assert report.from_cache == 0

    def no_decoding(*args, **kwargs):
        raise AssertionError("analysed again")

    monkeypatch.setattr(scan, "analyse_file", no_decoding)  # anything analysed now would fail
    again, cached = fill_from_audio(catalog, workers=1)
    assert (cached.measured, cached.from_cache, cached.no_file) == (2, 2, 1)
    assert cached.failed == report.failed  # the corrupt file's reason is cached too
    assert "(2 from the cache)" in cached.summary()
    cols = list(FEATURES) + ["tempo", "key", "mode", "measured_by"]
    assert again.songs[cols].equals(first.songs[cols])

    nothing, none = fill_from_audio(catalog, workers=1, cache=False)  # no cache: analysed, and failing here
    assert none.measured == 0 and len(none.failed) == 3 and "analysed again" in none.failed[0][1]
    assert by_title(nothing)["loudness"].isna().all()


def test_fill_of_some_songs_only_measures_those(music, tmp_path):
    catalog = load_catalog(rekordbox(tmp_path, music), cache=False)
    alpha = int(catalog.index_of(["rekordbox:1"])[0])
    assert songs_to_measure(catalog, [alpha]) == ([alpha], [])
    calls = []
    filled, report = fill_from_audio(catalog, [alpha], workers=1, progress=lambda *a: calls.append(a))
    songs = by_title(filled)
    assert np.isfinite(songs.loc["Alpha", "loudness"]) and np.isnan(songs.loc["Beta", "loudness"])
    assert (report.measured, report.no_file, report.failed) == (1, 0, [])
    assert calls[0][:2] == (0, 1) and calls[-1][:2] == (1, 1)

    done, nothing = fill_from_audio(filled, [alpha], workers=1)  # nothing missing: the same catalog back
    assert done is filled and not nothing.needed and "already has" in nothing.summary()
    with pytest.raises(IndexError):
        fill_from_audio(catalog, [len(catalog)])


def test_measure_files_lists_every_path_once_with_the_reason_it_was_not_used(music, tmp_path):
    paths = [music["Alpha"], str(music["Alpha"]), music["Gamma"], music["Delta"], music["Beta"]]
    calls = []
    result = scan.measure_files(paths, workers=1, cache=False, progress=lambda *a: calls.append(a))
    assert result.files_found == 4 and result.analysed == 2 and result.folder == music["Alpha"].parent
    assert sorted(result.songs["path"]) == sorted([str(music["Alpha"]), str(music["Beta"])])
    reasons = dict(result.excluded)
    assert "cannot read the file" in reasons[str(music["Gamma"])]
    assert "not audio" in reasons[str(music["Delta"])]
    assert calls[0][:2] == (1, 4)  # the missing file is known at once; the others are analysed
    assert calls[-1][:2] == (4, 4)
    assert scan.measure_files([], workers=1, cache=False).files_found == 0


# -- the command line ------------------------------------------------------------------------------------------
@pytest.fixture
def one_worker(monkeypatch):
    """The commands measure the songs in this process (as the dashboard's test does): a pool of fresh processes
    would each load librosa's compiled kernels again. The pool is tested in test_audio.py."""
    measure = scan.measure_files
    monkeypatch.setattr(scan, "measure_files", lambda paths, **kwargs: measure(paths, **{**kwargs, "workers": 1}))


def run(command: list[str], out: Path, capsys) -> tuple[dict, str]:
    assert main(command + ["--format", "json", "--out", str(out)]) == 0, capsys.readouterr().err
    err = capsys.readouterr().err
    return json.loads(out.read_text()), err


def loudness(doc: dict) -> dict[str, float | None]:
    return {row["track_name"]: row["loudness"] for row in doc["playlist"]}


@pytest.mark.slow
def test_cli_reorder_and_score_measure_the_playlist_unless_no_audio(audio_model, music, one_worker, tmp_path,
                                                                    capsys):
    library = rekordbox(tmp_path, music)
    doc, err = run(["reorder", str(library), "--playlist", GOOD], tmp_path / "good.json", capsys)
    assert "audio analysis: 2 songs measured" in err and "broken.wav" not in err  # only that playlist's songs
    assert all(v is not None for v in loudness(doc).values())
    assert doc["info"]["network"] and "rank-mapped" in doc["info"]["flow"]  # the audio network is on
    assert re.search(r"playlist 'Good files'; flow network \S+ on danceability, energy, loudness", err)

    doc, err = run(["score", str(library), "--playlist", GOOD], tmp_path / "score.json", capsys)
    assert "(2 from the cache)" in err and doc["info"]["network"]

    doc, err = run(["reorder", str(library), "--playlist", SET], tmp_path / "set.json", capsys)
    assert "1 song without a readable file" in err and f"{music['Delta']}: not audio" in err
    shown = loudness(doc)
    assert shown["Gamma"] is None and shown["Delta"] is None and shown["Alpha"] is not None
    assert len(doc["playlist"]) == 4  # nothing dropped
    assert doc["info"]["flow"].startswith("flow network off") and "loudness (2 songs)" in doc["info"]["flow"]

    doc, err = run(["reorder", str(library), "--playlist", GOOD, "--no-audio"], tmp_path / "plain.json", capsys)
    assert "audio analysis" not in err and "measuring" not in err
    assert all(v is None for v in loudness(doc).values())
    assert doc["info"]["flow"].startswith("flow network off") and "loudness (2 songs)" in doc["info"]["flow"]


def test_cli_build_with_a_library_as_data_measures_its_songs(audio_model, music, one_worker, tmp_path, capsys):
    library = traktor(tmp_path, music)
    doc, err = run(["build", "--data", str(library), "--seed", "Bo - Beta", "--playlist", GOOD, "--length", "2"],
                   tmp_path / "build.json", capsys)
    assert "audio analysis: 2 songs measured" in err and "1 song without a readable file" in err
    assert [row["track_name"] for row in doc["playlist"]] == ["Beta", "Alpha"]
    assert all(v is not None for v in loudness(doc).values())


# -- the dashboard ---------------------------------------------------------------------------------------------
def test_library_page_measures_a_playlist_with_a_button(audio_model, music, tmp_path, monkeypatch):
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from disco.app.library import library_dj_panel, library_files

    st.cache_data.clear()
    st.cache_resource.clear()
    monkeypatch.setenv("DISCO_DATA_DIR", str(tmp_path / "no-data"))
    monkeypatch.setattr(library_files, "MEASURE_WORKERS", 1)
    library = rekordbox(tmp_path, music)
    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "app.py"), default_timeout=180).run()
    at.switch_page("disco/app/views/library.py").run()
    at.get("file_uploader")[0].upload(library.name, library.read_bytes(), "application/xml")
    at.run()
    at.selectbox(key="dj_playlist").set_value(GOOD).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Flow network off" in at.info[0].value.replace("\\", "")
    button = at.button(key=library_dj_panel.MEASURE_KEY)
    assert button.label == library_dj_panel.MEASURE_LABEL

    button.click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [i for i in at.info if "Flow network off" in i.value.replace("\\", "")]  # the network is on now
    captions = " ".join(c.value.replace("\\", "") for c in at.caption)
    assert "Audio analysis: 2 songs measured" in captions and "rank-mapped" in captions
    assert not [b for b in at.button if b.key == library_dj_panel.MEASURE_KEY]  # measured once, kept
    assert at.session_state[library_files.LIBRARY_KEY].fill_report(GOOD).measured == 2

    at.selectbox(key="dj_playlist").set_value(SET).run()  # Alpha and Beta are measured; Delta fails
    at.button(key=library_dj_panel.MEASURE_KEY).click().run()
    assert not at.exception, [e.value for e in at.exception]
    failed = next(d.value for d in at.dataframe if set(d.value.columns) == {"file", "reason"})
    assert failed["file"].tolist() == [str(music["Delta"])]
    assert [e.label for e in at.expander if "could not be analysed" in e.label] == ["1 file could not be analysed"]


def test_a_library_read_again_from_the_catalog_cache_keeps_its_playlist_names(music, tmp_path):
    # (a cached copy once renamed a library's playlists after the file, as for a one-playlist song table)
    library = rekordbox(tmp_path, music)
    first = load_catalog(library)
    again = load_catalog(library)
    assert again.report.from_cache
    assert sorted(again.playlist_names.values()) == sorted(first.playlist_names.values()) == sorted([SET, GOOD])
    assert len(again.playlist(GOOD)) == 2
