"""disco.audio: decoding, tags, the measures on synthesized audio with known answers, folder scans and the
cache, and the ``library scan`` command. Every signal is synthesized here; no real recordings."""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from disco.audio import analysis, decode, measures, scan, synth, tags
from disco.errors import DiscoError
from support import audio_synth

# librosa compiles its kernels on first use: one worker runs every test that calls it
pytestmark = pytest.mark.xdist_group("audio")

SR = synth.SR


def folded_error(found: float, true: float) -> float:
    """Relative tempo error after folding double/half time."""
    ratio = found / true
    return abs(ratio * 2.0 ** -round(math.log2(ratio)) - 1.0)


# ============================================================ key


@pytest.mark.parametrize("key,mode", [(0, 1), (7, 1), (10, 1), (4, 1), (9, 0), (2, 0), (6, 0), (0, 0)])
def test_key_and_mode_of_cadences(key, mode):
    y = synth.cadence(key, mode, 9.0, bpm=140)  # one whole cadence: 20 beats
    found = measures.estimate_key(measures.mean_chroma(y, SR))
    assert (found.key, found.mode) == (key, mode)
    assert found.confidence > 0.6


@pytest.mark.parametrize("key,mode", [(3, 1), (11, 0)])
def test_key_survives_drums(key, mode):
    y = synth.song(key, mode, 118, 15.0, seed=key)
    found = measures.estimate_key(measures.mean_chroma(y, SR))
    assert (found.key, found.mode) == (key, mode)


@pytest.mark.parametrize("signal_name", ["silence", "drums", "noise", "random clicks"])
def test_no_key_without_tonal_content(signal_name):
    y = {"silence": np.zeros(SR * 8, dtype=np.float32),
         "drums": synth.drums(120, 8.0, hats=True),
         "noise": (0.1 * np.random.default_rng(0).standard_normal(SR * 8)).astype(np.float32),
         "random clicks": synth.random_clicks(4, 8.0)}[signal_name]
    assert measures.estimate_key(measures.mean_chroma(y, SR)).key == -1


def test_key_profiles_are_the_24_rotations():
    profiles = measures.key_profiles()
    assert profiles.shape == (24, 12)
    np.testing.assert_array_equal(profiles[3], np.roll(measures.KK_MAJOR_PROFILE, 3))
    np.testing.assert_array_equal(profiles[12 + 9], np.roll(measures.KK_MINOR_PROFILE, 9))
    r = measures.key_correlations(measures.KK_MINOR_PROFILE)  # the C minor profile itself
    assert int(np.argmax(r)) == 12 and r[12] == pytest.approx(1.0)
    assert np.isnan(measures.key_correlations(np.ones(12))).all()


# ============================================================ tempo


@pytest.mark.parametrize("bpm,swing", [(72.0, 0.5), (95.5, 0.0), (128.0, 1.0), (151.3, 0.5), (176.0, 0.0)])
def test_tempo_of_drum_loops_within_one_percent_after_folding(bpm, swing):
    y = synth.drums(bpm, 12.0, swing=swing, jitter_ms=4.0, noise_db=-30.0, seed=int(bpm))
    found = measures.estimate_tempo(measures.onset_envelope(y, SR), SR)
    assert folded_error(found.bpm, bpm) < 0.01
    assert 70 <= found.bpm <= 180
    assert found.alternative in (pytest.approx(found.bpm * 2, abs=0.11), pytest.approx(found.bpm / 2, abs=0.11))


def test_beat_grid_fit_is_exact_and_ignores_dropped_beats():
    period = 60.0 / 123.45
    beats = 0.37 + period * np.arange(200)
    beats = np.delete(beats, [5, 6, 50, 120])  # the tracker missed some
    bpm, scatter = measures.beat_grid_fit(beats)
    assert bpm == pytest.approx(123.45, abs=0.01)
    assert scatter < 1e-9
    assert math.isnan(measures.beat_grid_fit(beats[:3])[0])


def test_octave_rule():
    assert measures.fold_tempo(200.0) == 100.0 and measures.fold_tempo(50.0) == 100.0
    assert measures.fold_tempo(90.0) == 90.0 and math.isnan(measures.fold_tempo(0.0))
    assert measures.tempo_alternative(90.0) == 180.0  # below 120: double
    assert measures.tempo_alternative(150.0) == 75.0  # above 120: half
    assert math.isnan(measures.tempo_alternative(math.nan))


# ============================================================ loudness, energy, danceability


def test_loudness_of_a_sine_and_of_silence():
    sine = synth.sine(1000.0, 5.0, dbfs=-20.0)
    assert measures.integrated_loudness(sine, SR) == pytest.approx(-23.0, abs=0.3)
    # BS.1770 sums channel powers: the same sine on both channels is 3 dB louder
    assert measures.integrated_loudness(np.c_[sine, sine], SR) == pytest.approx(-20.0, abs=0.3)
    assert math.isnan(measures.integrated_loudness(np.zeros(SR * 2), SR))
    assert math.isnan(measures.integrated_loudness(sine[: SR // 10], SR))  # shorter than one 0.4 s block


def test_energy_higher_for_loud_dense_than_quiet_sparse():
    loud_dense = synth.master(synth.song(0, 1, 140, 10.0, drum_level=0.95, chord_level=0.6, noise_db=-25))
    quiet_sparse = synth.cadence(0, 1, 10.0, bpm=60, level=0.05)
    loud = analysis.analyse_signal(loud_dense, SR)
    quiet = analysis.analyse_signal(quiet_sparse, SR)
    assert loud.loudness > -10 and quiet.loudness < -30
    assert loud.onsets_per_s > quiet.onsets_per_s
    assert loud.energy > 0.6 and quiet.energy < 0.1


def test_energy_formula():
    assert measures.energy(-10.0, 3.0) == 0.5
    assert measures.energy(-6.0, 3.0) == measures.energy(-10.0, 6.0) == pytest.approx(0.731, abs=1e-3)
    assert measures.energy(-60.0, 0.0) < 0.001 and measures.energy(0.0, 50.0) > 0.99
    assert math.isnan(measures.energy(math.nan, 3.0))


def test_danceability_higher_for_steady_beat_than_random_clicks():
    steady = analysis.analyse_signal(synth.drums(118, 12.0, noise_db=-40), SR)
    random = analysis.analyse_signal(synth.random_clicks(4.0, 12.0, seed=2), SR)
    assert steady.danceability > 0.6
    assert random.danceability < 0.3
    assert steady.danceability > random.danceability + 0.3


def test_danceability_formula():
    assert measures.danceability(1.0, 0.0) == 1.0
    assert measures.danceability(0.0, math.nan) == 0.0
    assert measures.danceability(0.5, 0.05) == pytest.approx(0.6 * 0.5 + 0.4 * math.exp(-1), abs=1e-3)


def test_analysis_of_silence_is_marked_silent():
    quiet = analysis.analyse_signal(np.zeros(SR * 4, dtype=np.float32), SR)
    assert quiet.silent and quiet.key == -1 and math.isnan(quiet.tempo) and math.isnan(quiet.energy)


# ============================================================ decoding and tags


def test_decode_reads_every_soundfile_format_as_mono_at_the_analysis_rate(tmp_path):
    stereo = np.c_[synth.sine(440, 3.0, sr=44100), synth.sine(440, 3.0, sr=44100)]
    for ext in (".wav", ".flac", ".ogg", ".mp3"):
        audio = decode.decode(audio_synth.write_audio(tmp_path / f"x{ext}", stereo, sr=44100))
        assert audio.sr == decode.ANALYSIS_SR and audio.mono.ndim == 1 and audio.mono.dtype == np.float32
        assert audio.duration_s == pytest.approx(3.0, abs=0.1)
        assert audio.analysed_s == pytest.approx(3.0, abs=0.1)


def test_decode_takes_the_middle_of_long_files(tmp_path):
    path = audio_synth.write_audio(tmp_path / "long.flac", synth.sine(220, 30.0))
    audio = decode.decode(path, max_seconds=10.0)
    assert audio.analysed_s == pytest.approx(10.0, abs=0.01)
    assert audio.offset_s == pytest.approx(10.0, abs=0.01)
    assert audio.duration_s == pytest.approx(30.0, abs=0.01)


def test_decode_errors_say_why(tmp_path, monkeypatch):
    monkeypatch.setattr(decode, "ffmpeg_path", lambda: None)
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "text.mp3").write_text("not audio at all\n" * 50)
    (tmp_path / "apple.m4a").write_bytes(b"\x00\x00\x00\x20ftypM4A ")
    audio_synth.write_audio(tmp_path / "short.wav", synth.sine(440, 0.5))
    cases = {"empty.wav": "empty file (0 bytes)", "text.mp3": "not audio",
             "apple.m4a": "unsupported (no ffmpeg decoder for .m4a)", "short.wav": "too short"}
    for name, reason in cases.items():
        with pytest.raises(decode.DecodeError, match=reason.replace("(", r"\(").replace(")", r"\)")) as err:
            decode.decode(tmp_path / name)
        assert isinstance(err.value, DiscoError)
    assert decode.DecodeError("x", cacheable=False).cacheable is False


def test_m4a_goes_through_ffmpeg_when_there_is_one(tmp_path, monkeypatch):
    audio_synth.install_fake_ffmpeg(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    path = audio_synth.write_song(tmp_path / "song.wav", key=4, mode=1, bpm=120, seconds=6.0)
    m4a = path.rename(tmp_path / "song.m4a")
    audio = decode.decode(m4a)
    assert audio.sr == decode.ANALYSIS_SR and audio.analysed_s == pytest.approx(6.0, abs=0.05)
    assert audio.channels_sr == decode.FFMPEG_RATE and audio.channels.shape[1] == 2
    (tmp_path / "bad.m4a").write_bytes(b"garbage")
    with pytest.raises(decode.DecodeError, match="ffmpeg could not decode it"):
        decode.decode(tmp_path / "bad.m4a")


@pytest.mark.parametrize("ext", [".flac", ".ogg", ".wav"])
def test_tags_read_from_the_file(tmp_path, ext):
    path = audio_synth.write_audio(tmp_path / f"whatever{ext}", synth.sine(440, 2.5), title="Jóga",
                                   artist="Björk", album="Homogenic", date="1997-09-22", genre="Electronic")
    found = tags.read_tags(path)
    assert (found.title, found.artist, found.album, found.genre, found.year) == (
        "Jóga", "Björk", "Homogenic", "Electronic", 1997)
    assert found.duration_s == pytest.approx(2.5, abs=0.05) and found.source == "tags"


@pytest.mark.parametrize("rel,artist,title", [
    ("Artist - Title.wav", "Artist", "Title"),
    ("01. Artist - Title.wav", "Artist", "Title"),
    ("02 - Artist - Title - Remix.wav", "Artist", "Title - Remix"),
    ("50 Cent - In Da Club.wav", "50 Cent", "In Da Club"),
    ("Björk/Jóga.wav", "Björk", "Jóga"),
    ("Untitled.wav", "", "Untitled"),  # the scanned folder's own name is not an artist
])
def test_names_from_the_file_name_when_there_are_no_tags(tmp_path, rel, artist, title):
    path = audio_synth.write_audio(tmp_path / rel, synth.sine(440, 0.5))
    found = tags.read_tags(path, root=tmp_path)
    assert (found.artist, found.title, found.album, found.year) == (artist, title, "", None)
    assert found.source == "file name"


def test_track_id_is_stable_and_from_the_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = analysis.track_id_for("song.mp3")
    assert a == analysis.track_id_for(tmp_path / "song.mp3")
    assert a.startswith("file:") and len(a) == len("file:") + 16
    assert a != analysis.track_id_for(tmp_path / "other.mp3")


# ============================================================ scanning and the cache


@pytest.fixture(scope="module")
def library_template(tmp_path_factory):
    root = tmp_path_factory.mktemp("template") / "My Music"
    return root, audio_synth.make_library(root)


@pytest.fixture
def library(library_template, tmp_path, monkeypatch):
    """A fresh copy of a music folder (see audio_synth.make_library), a private cache folder, no ffmpeg."""
    monkeypatch.setattr(decode, "ffmpeg_path", lambda: None)
    monkeypatch.setenv("DISCO_CACHE_DIR", str(tmp_path / "cache"))
    template, expected = library_template
    root = tmp_path / template.name
    shutil.copytree(template, root)
    return root, expected


def check_outcome(result, root, expected):
    reasons = dict(result.excluded)
    songs = set(result.songs["path"])
    for rel, outcome in expected.items():
        path = str(root / rel)
        if outcome == "song":
            assert path in songs, (rel, reasons.get(path))
        else:
            assert outcome in reasons.get(path, ""), (rel, reasons.get(path))
    assert result.files_found == len(expected)
    assert result.analysed + result.from_cache + len(result.excluded) == result.files_found


def test_scan_lists_every_file_as_song_or_excluded_with_its_reason(library):
    root, expected = library
    calls = []
    result = scan.scan(root, workers=1, progress=lambda *a: calls.append(a))
    check_outcome(result, root, expected)
    assert (result.analysed, result.from_cache) == (4, 0)
    songs = result.songs.set_index("path")
    assert list(result.songs.columns) == list(analysis.ROW_COLUMNS)
    assert result.songs["track_id"].is_unique
    opening = songs.loc[str(root / "Artist One/Artist One - Opening.flac")]
    assert (opening["artist"], opening["track_name"], opening["key"], opening["mode"]) == (
        "Artist One", "Opening", 2, 1)
    assert folded_error(opening["tempo"], 124) < 0.01
    assert opening["duration_ms"] == pytest.approx(6000, abs=50)
    deep = songs.loc[str(root / "Artist One/Live/Deep Track.wav")]
    assert (deep["artist"], deep["key"], deep["mode"]) == ("Live", 9, 0)  # the folder holding it
    for name in analysis.UNMEASURED_FEATURES + ("popularity",):
        assert result.songs[name].isna().all()
    assert result.songs["energy"].between(0, 1).all() and result.songs["danceability"].between(0, 1).all()
    assert calls[0][:2] == (0, len(expected)) and calls[-1][:2] == (len(expected), len(expected))
    assert calls[-1][2] > 0 and calls[-1][3] == 0


def test_rescan_uses_the_cache_and_a_changed_file_is_analysed_again(library):
    root, expected = library
    first = scan.scan(root, workers=1)
    again = scan.scan(root, workers=1)
    assert again.analysed == 0 and again.from_cache == 4
    assert again.excluded_from_cache == 4  # the damaged files; the .m4a is checked afresh (ffmpeg may appear)
    check_outcome(again, root, expected)
    assert again.songs.equals(first.songs)

    audio_synth.set_mtime(root / "Artist One/Live/Deep Track.wav")
    changed = scan.scan(root, workers=1)
    assert (changed.analysed, changed.from_cache) == (1, 3)
    assert changed.songs.equals(first.songs)


def test_analysis_version_change_invalidates_the_cache(library, tmp_path):
    root, _ = library
    scan.scan(root, workers=1)
    with scan.AnalysisCache(scan.default_cache_path(), version=analysis.ANALYSIS_VERSION + 1) as newer:
        result = scan.scan(root, workers=1, cache=newer)
    assert result.analysed == 4


def test_interrupted_scan_keeps_what_it_finished(library, monkeypatch):
    root, expected = library
    real = scan.analyse_file
    finished = []

    def stop_on_third(path, root_):
        if len(finished) == 2:
            raise KeyboardInterrupt
        song = real(path, root_)
        finished.append(path)
        return song

    monkeypatch.setattr(scan, "analyse_file", stop_on_third)
    with pytest.raises(KeyboardInterrupt):
        scan.scan(root, workers=1)
    monkeypatch.setattr(scan, "analyse_file", real)
    with scan.AnalysisCache(scan.default_cache_path()) as cache:
        assert len(cache) >= 2
    resumed = scan.scan(root, workers=1)
    assert resumed.from_cache == 2 and resumed.analysed == 2
    check_outcome(resumed, root, expected)


def test_a_file_name_that_is_not_utf8_is_listed_with_its_reason(tmp_path):
    good = audio_synth.write_song(tmp_path / "music" / "good.wav", seconds=3.0)
    bad = os.fsencode(tmp_path / "music") + b"/caf\xe9 \xff.wav"
    try:
        good.rename(bad.decode("utf-8", "surrogateescape"))
    except (OSError, UnicodeError):
        pytest.skip("this file system only takes UTF-8 names")
    result = scan.scan(tmp_path / "music", workers=1, cache=False)
    [(path, reason)] = result.excluded
    assert "not valid UTF-8" in reason and path.endswith("caf\ufffd \ufffd.wav")
    assert result.songs.empty


def test_cache_file_that_is_not_a_database_is_set_aside(tmp_path):
    path = tmp_path / "cache.sqlite"
    path.write_text("this is not SQLite")
    with scan.AnalysisCache(path) as cache:
        assert len(cache) == 0
    assert (tmp_path / "cache.sqlite.damaged").exists()


def test_scan_without_cache_and_bad_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("DISCO_CACHE_DIR", str(tmp_path / "cache"))
    audio_synth.write_song(tmp_path / "music" / "a.wav", seconds=4.0)
    result = scan.scan(tmp_path / "music", workers=1, cache=False)
    assert result.analysed == 1 and result.cache_path is None
    assert not (tmp_path / "cache" / scan.CACHE_FILE_NAME).exists()
    with pytest.raises(scan.ScanError, match="no such folder"):
        scan.scan(tmp_path / "missing")
    with pytest.raises(scan.ScanError, match="not a folder"):
        scan.scan(tmp_path / "music" / "a.wav")
    (tmp_path / "empty").mkdir()
    empty = scan.scan(tmp_path / "empty", workers=1, cache=False)
    assert empty.files_found == 0 and empty.songs.empty and list(empty.songs.columns) == list(analysis.ROW_COLUMNS)


@pytest.mark.slow
def test_scan_on_two_processes_gives_the_same_songs(library):
    """Slow: each new worker process loads librosa and its compiled numba code (about 5 s)."""
    root, expected = library
    pooled = scan.scan(root, workers=2, cache=False)
    check_outcome(pooled, root, expected)
    alone = scan.scan(root, workers=1, cache=False)
    assert pooled.songs.equals(alone.songs)


@pytest.mark.slow
def test_killed_scan_keeps_the_cache_entries_written_before(tmp_path):
    """Kill (SIGKILL) a scan of 12 files running in a subprocess once 3 are cached; a rescan reuses them."""
    root = tmp_path / "music"
    for i in range(12):
        audio_synth.write_song(root / f"song {i:02d}.flac", key=i, bpm=90 + 5 * i, seconds=8.0, seed=i)
    env = dict(os.environ, DISCO_CACHE_DIR=str(tmp_path / "cache"))
    code = f"from disco.audio.scan import scan; scan({str(root)!r}, workers=1)"
    proc = subprocess.Popen([sys.executable, "-c", code], env=env)
    cache_file = tmp_path / "cache" / scan.CACHE_FILE_NAME
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            if cache_file.exists():
                with scan.AnalysisCache(cache_file) as cache:
                    if len(cache) >= 3:
                        break
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    with scan.AnalysisCache(cache_file) as cache:
        kept = len(cache)
    assert 3 <= kept < 12
    result = scan.scan(root, workers=1, cache=cache_file)
    assert result.from_cache == kept and result.analysed == 12 - kept


# ============================================================ the command


def run_cli(argv: list[str]) -> int:
    from disco.cli import library as library_cli

    parser = argparse.ArgumentParser(prog="disco")
    library_cli.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_library_scan_writes_the_songs_and_lists_exclusions(library, tmp_path, capsys):
    root, expected = library
    out = tmp_path / "songs.csv"
    assert run_cli(["library", "scan", str(root), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    printed = capsys.readouterr().out
    for rel, outcome in expected.items():
        if outcome != "song":
            assert f"{root / rel}: " in printed
    assert "9 audio files found" in printed and "4 analysed, 0 from cache, 5 excluded" in printed
    import pandas as pd

    table = pd.read_csv(out)
    assert list(table.columns) == list(analysis.ROW_COLUMNS) and len(table) == 4

    assert run_cli(["library", "scan", str(root), "--workers", "1", "--quiet"]) == 0
    assert "0 analysed, 4 from cache" in capsys.readouterr().out


def test_cli_library_scan_prints_a_table(library, capsys):
    root, _ = library
    assert run_cli(["library", "scan", str(root), "--workers", "1", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "BPM" in out and "Artist One" in out and "Am" in out  # Deep Track is in A minor


def test_cli_errors_are_one_line(tmp_path):
    with pytest.raises(DiscoError, match="no such folder"):
        run_cli(["library", "scan", str(tmp_path / "nope"), "--workers", "1"])
    with pytest.raises(DiscoError, match="does not exist"):
        run_cli(["library", "scan", str(tmp_path), "--out", str(tmp_path / "no" / "x.csv")])
    with pytest.raises(DiscoError, match="at least 1"):
        run_cli(["library", "scan", str(tmp_path), "--workers", "0"])


# ============================================================ layering


@pytest.mark.slow
def test_audio_layer_imports_no_data_layer_dashboard_or_tensorflow():
    code = ("import sys, disco.audio.scan, disco.audio.synth; "
            "print([m for m in sys.modules if m.split('.')[0] in ('streamlit', 'tensorflow', 'keras') "
            "or m.startswith('disco.data')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().replace("'", '"')) == []


@pytest.mark.slow
def test_a_worker_process_that_dies_costs_only_its_own_file(tmp_path):
    paths = [str(tmp_path / f"{i:02d}{'-crash' if i in (3, 7) else ''}.wav") for i in range(10)]
    results = []
    scan._run_pool(paths, str(tmp_path), 2, results.append, task=audio_synth.analyse_or_crash)
    reasons = {path: reason for path, _, reason, _ in results}
    assert sorted(reasons) == sorted(paths)
    for path in paths:
        expected = "the decoder crashed on it" if "crash" in path else "fine (fake)"
        assert expected in reasons[path]
