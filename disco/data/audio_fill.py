"""Filling songs' missing audio features from their files: a DJ library gives tempo, key, duration and a path,
DISCO's audio analysis (:mod:`disco.audio`) measures loudness, energy and danceability from the file.

>>> filled, report = fill_from_audio(catalog)                 # doctest: +SKIP
>>> print(report.summary())                                   # doctest: +SKIP

Only missing values are filled: the DJ software's tempo and key stay (its beat grid and key were often checked
by hand); a tempo, key (with its mode) or duration the library lacks is taken from the analysis too. Songs
filled this way get ``measured_by`` = the analysis's own value (``disco-audio-<version>``), so the flow model
puts DISCO's measures on the catalog's scale before its network reads them. A song whose file is missing,
unreadable or cannot be decoded keeps its missing values (it is ordered on key, tempo and whatever else it
has); it is counted in the :class:`FillReport`, never dropped. Analyses are cached by the audio layer (path,
size, modification time and analysis version), so a second fill of the same files decodes nothing.
"""

from __future__ import annotations

import copy
import hashlib
import math
import os
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from disco.data import schema
from disco.wording import plural

# What the analysis fills when a song lacks any of these (the features a DJ library does not have).
AUDIO_FEATURES = ("loudness", "energy", "danceability")
# Also filled, only where missing (a DJ library usually has them: they are kept).
ALSO_FILLED = ("tempo", "duration_ms")
NO_KEY = -1


@dataclass
class FillReport:
    """What :func:`fill_from_audio` did. Counts are songs: ``measured`` songs got values from their file's
    analysis (``from_cache`` of them from the analysis cache), ``no_file`` songs lacking a feature have no
    readable file (no path, or a file not found or not readable), ``failed`` lists ``(path, reason)`` of
    every file that could not be analysed (its songs keep their missing values). ``complete``: songs asked
    about that already had every audio feature. ``seconds``: wall time; ``notes``: e.g. an unusable cache."""

    measured: int = 0
    from_cache: int = 0
    no_file: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    complete: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def needed(self) -> bool:
        """True when some song lacked a feature (whether or not it could be measured)."""
        return bool(self.measured or self.no_file or self.failed)

    def summary(self, failures: bool = True) -> str:
        """One line: songs measured (from the cache), without a readable file, failed (each ``path: reason``
        when ``failures``)."""
        if not self.needed:
            return "audio analysis: every song already has " + ", ".join(AUDIO_FEATURES[:-1]) + \
                f" and {AUDIO_FEATURES[-1]}"
        parts = [f"audio analysis: {plural(self.measured, 'song')} measured from their files"
                 + (f" ({self.from_cache:,} from the cache)" if self.from_cache else "")
                 + f" in {self.seconds:.1f} s",
                 f"{plural(self.no_file, 'song')} without a readable file (kept without "
                 f"{'/'.join(AUDIO_FEATURES)})"]
        if self.failed:
            text = f"{plural(len(self.failed), 'file')} could not be analysed"
            if failures:
                text += ": " + "; ".join(f"{path}: {reason}" for path, reason in self.failed)
            parts.append(text)
        return "; ".join(parts + [f"note: {n}" for n in self.notes])


def _missing_mask(songs: pd.DataFrame) -> np.ndarray:
    """(n,) True for songs without one of :data:`AUDIO_FEATURES` (an absent column counts for every song)."""
    missing = np.zeros(len(songs), dtype=bool)
    for name in AUDIO_FEATURES:
        if name not in songs:
            return np.ones(len(songs), dtype=bool)
        missing |= pd.to_numeric(songs[name], errors="coerce").isna().to_numpy()
    return missing


def _readable(path: str) -> bool:
    return bool(path) and os.path.isfile(path) and os.access(path, os.R_OK)


def _targets(catalog, indices) -> np.ndarray:
    n = len(catalog.songs)
    if indices is None:
        return np.arange(n, dtype=np.int64)
    idx = np.asarray(list(indices) if not isinstance(indices, np.ndarray) else indices, dtype=np.int64).ravel()
    if len(idx) and (idx.min() < 0 or idx.max() >= n):
        raise IndexError(f"song index out of range (the catalog has {n} songs)")
    _, first = np.unique(idx, return_index=True)
    return idx[np.sort(first)]


def songs_to_measure(catalog, indices=None) -> tuple[list[int], list[int]]:
    """(songs with a readable file that lack an audio feature, songs that lack one and have no readable
    file), among ``indices`` (default: every song). Cheap: it reads no audio."""
    songs = catalog.songs
    idx = _targets(catalog, indices)
    lacking = idx[_missing_mask(songs)[idx]] if len(idx) else idx
    paths = songs["path"].to_numpy(dtype=object) if "path" in songs else np.full(len(songs), "", dtype=object)
    readable, unreadable = [], []
    for i in lacking.tolist():
        (readable if _readable(str(paths[i] or "")) else unreadable).append(int(i))
    return readable, unreadable


def needs_audio(catalog, indices=None) -> bool:
    """True when a song among ``indices`` lacks an audio feature (then :func:`fill_from_audio` has something
    to measure or to report)."""
    songs = catalog.songs
    idx = _targets(catalog, indices)
    return bool(len(idx)) and bool(_missing_mask(songs)[idx].any())


def fill_from_audio(catalog, indices=None, *, workers: int | None = None, cache=True, progress=None):
    """``(catalog, FillReport)``: a new catalog whose songs (all, or the song indices ``indices``) that lack
    loudness, energy or danceability and have a readable ``path`` are measured from their file
    (:func:`disco.audio.scan.measure_files`: ``workers`` processes, the analysis ``cache``, ``progress(done,
    total, songs_per_s, eta_s)`` per file). Only missing values are filled (loudness, energy, danceability;
    tempo, key with its mode and duration only where the song has none); ``measured_by`` of the measured songs
    becomes the analysis's. The new catalog has the same songs in the same order (same track ids), the same
    playlists, and its load report's notes end with the :meth:`FillReport.summary` line. Nothing is dropped."""
    from disco.audio.scan import measure_files
    from disco.data.catalog import Catalog

    started = time.perf_counter()
    songs = catalog.songs
    idx = _targets(catalog, indices)
    readable, unreadable = songs_to_measure(catalog, idx)
    report = FillReport(no_file=len(unreadable), complete=len(idx) - len(readable) - len(unreadable))
    if not readable and not unreadable:
        report.seconds = time.perf_counter() - started
        return catalog, report
    filled = songs.copy()
    if readable:
        paths = filled["path"].to_numpy(dtype=object)
        by_path: dict[str, list[int]] = {}
        for i in readable:
            by_path.setdefault(os.path.abspath(str(paths[i])), []).append(i)
        result = measure_files(list(by_path), workers=workers, cache=cache, progress=progress)
        report.notes += list(result.notes)
        report.failed = list(result.excluded)
        fresh = {os.path.abspath(p) for p in result.songs["path"]}
        measured_rows = result.songs.set_index("path", drop=False)
        if "measured_by" not in filled:
            filled["measured_by"] = ""
        for path, rows in by_path.items():
            if path not in fresh:
                continue
            _fill_rows(filled, rows, measured_rows.loc[path])
            report.measured += len(rows)
        cached = {os.path.abspath(p) for p in result.cached}
        report.from_cache = sum(len(rows) for path, rows in by_path.items() if path in cached and path in fresh)
    report.seconds = time.perf_counter() - started
    new_report = copy.deepcopy(catalog.report)
    new_report.notes.append(report.summary())
    if report.measured:
        present = {c for c in schema.FEATURES if c in filled and filled[c].notna().any()}
        new_report.features_absent = [c for c in new_report.features_absent if c not in present]
        new_report.features_missing = {c: int(filled[c].isna().sum()) for c in schema.FEATURES
                                       if c in filled and filled[c].isna().any()}
        digest = hashlib.sha256(str(catalog.report.sha256).encode())
        digest.update(pd.util.hash_pandas_object(filled[list(AUDIO_FEATURES)], index=False).to_numpy().tobytes())
        new_report.sha256 = digest.hexdigest()
    return Catalog(filled, catalog.memberships, new_report), report


def _fill_rows(songs: pd.DataFrame, rows: list[int], measured: pd.Series) -> None:
    """Fill the missing values of ``songs`` rows ``rows`` from one analysis row, in place."""
    for name in AUDIO_FEATURES + ALSO_FILLED:
        value = _number(measured.get(name))
        if not math.isfinite(value):
            continue
        if name in schema.RANGES:
            low, high, _ = schema.RANGES[name]
            value = min(max(value, low), high)  # a song quieter than -60 LUFS is "very quiet", not an error
        if name not in songs:
            songs[name] = np.nan
        column = songs[name]
        for i in rows:
            if pd.isna(column.iat[i]):
                songs.iat[i, songs.columns.get_loc(name)] = value
    key = int(measured.get("key", NO_KEY))
    if key != NO_KEY and "key" in songs:
        kc, mc = songs.columns.get_loc("key"), songs.columns.get_loc("mode")
        for i in rows:
            if int(songs.iat[i, kc]) == NO_KEY:
                songs.iat[i, kc] = key
                songs.iat[i, mc] = int(measured.get("mode", 1))
    mb = songs.columns.get_loc("measured_by")
    for i in rows:
        songs.iat[i, mb] = str(measured["measured_by"])


def _number(value) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
