"""Your own music on the Library page: scan a folder on this machine, or files picked in the browser (written to a
temporary folder that is deleted when the scan ends), and make the songs the session's song source.

The scanned songs become the session's catalog the way an uploaded song file does
(:func:`disco.app.session.sources.use_uploaded`): as a song table in the session, nowhere else. The last scan's record
(``SCAN_KEY``: its songs and the files left out) is kept in the session too, until the next scan.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from disco.app.library.library_files import safe_file_name
from disco.app.session import loaders, sources, uploads
from disco.audio.decode import AUDIO_EXTENSIONS
from disco.data.schema import FEATURES
from disco.theory.keys import key_label
from disco.wording import plural

SCAN_KEY = "library_scan"  # session_state: the last ScanRecord
WORKERS: int | None = None  # processes a scan uses: every core
AUDIO_TYPES = sorted({ext.lstrip(".") for ext in AUDIO_EXTENSIONS})  # the file picker's types
SHOWN_COLUMNS = {"artist": "artist", "track_name": "title", "tempo": "BPM", "key_text": "key",
                 "energy": "energy", "danceability": "danceability", "loudness": "LUFS", "file": "file"}

Progress = Callable[[int, int, float, float], None]


@dataclass(frozen=True)
class ScanRecord:
    """A finished scan: ``what`` was scanned (a folder, or "N picked files"), its ``songs`` (DISCO's song-file
    schema; ``path`` is empty for picked files, which are gone), the files left out as ``(file, reason)``, a
    one-line ``summary``, and the name and sha256 of the song table the session uses for them. ``files``: each
    song's file as shown (its path, or a picked file's name)."""

    what: str
    songs: pd.DataFrame
    files: tuple[str, ...]
    excluded: tuple[tuple[str, str], ...]
    summary: str
    notes: tuple[str, ...]
    source_name: str
    sha256: str


def progress_text(done: int, total: int, songs_per_s: float, eta_s: float) -> str:
    """``"12 of 40 files · 1.3 songs/s · about 25 s left"`` (rate and time once the first file is done)."""
    parts = [f"{done:,} of {plural(total, 'file')}"]
    if math.isfinite(songs_per_s) and songs_per_s > 0:
        parts.append(f"{songs_per_s:.1f} songs/s")
    if math.isfinite(eta_s) and done < total:
        parts.append(f"about {duration(eta_s)} left")
    return " · ".join(parts)


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds} s" if seconds < 90 else f"{seconds // 60} min {seconds % 60:02d} s"


def songs_csv(songs: pd.DataFrame) -> bytes:
    """The scanned songs as a song file DISCO reads (the CLI's ``--out`` CSV), without the features no song has
    (what audio analysis cannot measure): a song with no file (a picked one) may then miss them too."""
    empty = [c for c in FEATURES if c in songs and songs[c].isna().all()]
    return songs.drop(columns=empty).to_csv(index=False).encode("utf-8")


def _record(result, what: str, source_name: str, shown_path: Callable[[str], str], *, picked: bool = False
            ) -> ScanRecord:
    excluded = tuple((shown_path(path), reason) for path, reason in result.excluded)
    files = tuple(shown_path(path) for path in result.songs["path"])
    if picked:  # the files are deleted with the scan's folder: the songs keep no path
        result.songs["path"] = ""
    rate = f"{result.songs_per_s:.1f} songs/s" if result.processed else "nothing new to analyse"
    summary = (f"{plural(result.files_found, 'audio file')} in {what}: {result.analysed:,} analysed, "
               f"{result.from_cache:,} known from earlier scans, {len(excluded):,} left out; "
               f"{plural(len(result.songs), 'song')} in {result.seconds:.1f} s ({rate})")
    data = songs_csv(result.songs)
    return ScanRecord(what=what, songs=result.songs, files=files, excluded=excluded, summary=summary,
                      notes=tuple(result.notes), source_name=source_name, sha256=hashlib.sha256(data).hexdigest())


def scan_folder(text: str, progress: Progress | None = None) -> ScanRecord:
    """Scan the folder ``text`` (``~`` allowed) on every core, with the analysis cache (a rescan analyses only
    new or changed files). Raises ScanError for a missing folder."""
    from disco.audio.scan import ScanError, scan

    text = (text or "").strip().strip('"')
    if not text:
        raise ScanError("give the folder holding your music, e.g. ~/Music")
    result = scan(text, workers=WORKERS, cache=True, progress=progress)
    name = result.folder.name or str(result.folder)
    return _record(result, str(result.folder), f"{name} (scanned).csv", lambda path: path)


def scan_files(files, progress: Progress | None = None) -> ScanRecord:
    """Scan picked files (``UploadedFile``s, or anything with ``.name`` and ``.getvalue()``) from a temporary
    folder, deleted when the scan ends; Streamlit's copies are let go as they are written. Nothing is cached
    (the paths do not outlive the scan); the songs keep no file path."""
    from disco.audio.scan import scan

    with tempfile.TemporaryDirectory(prefix="disco-scan-") as folder:
        root = Path(folder)
        taken: set[str] = set()
        for file in files:
            name = unique_name(safe_file_name(file.name, "song"), taken)
            (root / name).write_bytes(file.getvalue())
            uploads.release(file)
        result = scan(root, workers=WORKERS, cache=False, progress=progress)
        return _record(result, plural(len(taken), "picked file"), "picked files (scanned).csv",
                       lambda path: os.path.relpath(path, root) if path.startswith(str(root)) else path, picked=True)


def unique_name(name: str, taken: set[str]) -> str:
    """``name``, or ``stem (2).ext``... when a file of that name was already picked."""
    stem, ext = os.path.splitext(name)
    candidate, n = name, 1
    while candidate.casefold() in taken:
        n += 1
        candidate = f"{stem} ({n}){ext}"
    taken.add(candidate.casefold())
    return candidate


def last_scan() -> ScanRecord | None:
    found = st.session_state.get(SCAN_KEY)
    return found if isinstance(found, ScanRecord) else None


def keep(record: ScanRecord) -> None:
    st.session_state[SCAN_KEY] = record


def use_songs(record: ScanRecord) -> None:
    """Make the scan's songs the session's song source (Build and Reorder use them). Raises CatalogError or
    ModelError when they cannot be used."""
    data = songs_csv(record.songs)
    loaders.uploaded_disco(record.source_name, data)  # validate before switching
    sources.use_uploaded(record.source_name, data)


def in_use(record: ScanRecord) -> bool:
    """True while the scan's songs are the session's song source."""
    return sources.current_source().sha256 == record.sha256


def songs_table(record: ScanRecord, notation: str = "camelot") -> pd.DataFrame:
    """The scanned songs as shown: artist, title, BPM, key (in ``notation``), DISCO's energy, danceability and
    loudness, and the file (a picked file's name)."""
    songs = record.songs
    keys = songs["key"].to_numpy("int64"), songs["mode"].to_numpy("int64")
    shown = songs.assign(key_text=np.atleast_1d(key_label(*keys, notation)) if len(songs) else [],
                         file=list(record.files))
    return shown[list(SHOWN_COLUMNS)].rename(columns=SHOWN_COLUMNS)


def excluded_table(record: ScanRecord) -> pd.DataFrame:
    return pd.DataFrame(list(record.excluded), columns=["file", "reason"])

