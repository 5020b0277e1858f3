"""The six-song "Friday set" as each DJ application's library file: short synthesized audio files for all but
the last song, and the library naming them (Rekordbox XML, Traktor NML, Mixxx database)."""

from __future__ import annotations

from pathlib import Path

from disco.audio import synth
from support import dj_library_files as djf
from support.audio_synth import write_audio

PLAYLIST = "Friday set"
# title, artist, BPM, key as Rekordbox/Traktor/Mixxx write it (Camelot text / Traktor VALUE / Mixxx key_id)
SONGS = [("Opening", "Ada", 120.0, "8B", 0, 1), ("Second", "Bo", 122.0, "9B", 7, 8),
         ("Third", "Cy", 121.0, "xyz", 9, 10), ("Fourth", "Di", 126.0, "3B", 1, 2),
         ("Fifth", "Ed", 124.0, "10A", 19, 20), ("Sixth", "Flo", 123.0, "8A", 21, 22)]
ORDER = [3, 1, 6, 4, 2, 5]  # the playlist's order in the file (1-based track numbers)


def audio_files(folder: Path) -> list[str]:
    """A short audio file for every song but the last (its file is missing)."""
    paths = []
    for n, (title, artist, bpm, *_rest) in enumerate(SONGS):
        path = folder / f"{artist} - {title}.wav"
        if n < len(SONGS) - 1:
            write_audio(path, synth.sine(220.0 * (1 + n / 10), 1.0))
        paths.append(str(path))
    return paths


def rekordbox(folder: Path, paths: list[str]) -> Path:
    tracks = [{"TrackID": n + 1, "Name": t, "Artist": a, "TotalTime": 200, "AverageBpm": bpm, "Tonality": key,
               "Location": djf.rekordbox_location(p)}
              for n, ((t, a, bpm, key, _, _), p) in enumerate(zip(SONGS, paths))]
    return djf.write_rekordbox_xml(folder / "rekordbox.xml", tracks, [
        djf.rekordbox_playlist(PLAYLIST, ORDER),
        djf.rekordbox_folder("Old", [djf.rekordbox_playlist("Warm up", [1, 2])])])


def traktor(folder: Path, paths: list[str]) -> Path:
    entries = []
    for (title, artist, bpm, _, value, _), path in zip(SONGS, paths):
        parts = Path(path).parts
        entries.append(djf.traktor_entry(title, artist, volume="", folders=list(parts[1:-1]), file=parts[-1],
                                         bpm=bpm, musical_key=value if title != "Third" else None,
                                         info_key="xyz" if title == "Third" else None, playtime=200))
    keys = [djf.traktor_key(e) for e in entries]
    return djf.write_traktor_nml(folder / "collection.nml", entries, [
        djf.traktor_playlist(PLAYLIST, [keys[i - 1] for i in ORDER]),
        djf.traktor_playlist("Warm up", keys[:2])])


def mixxx(folder: Path, paths: list[str]) -> Path:
    tracks = [djf.mixxx_track(n + 1, t, a, p, bpm=bpm, key_id=key_id if t != "Third" else 0, duration=200)
              for n, ((t, a, bpm, _, _, key_id), p) in enumerate(zip(SONGS, paths))]
    return djf.write_mixxx_db(folder / "mixxxdb.sqlite", tracks, [
        (1, PLAYLIST, [(track, position) for position, track in enumerate(ORDER, start=1)], 0),
        (2, "Warm up", [(1, 1), (2, 2)], 0)])


WRITERS = {"rekordbox": rekordbox, "traktor": traktor, "mixxx": mixxx}
