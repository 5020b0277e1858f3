"""DJ library files on the Library page: loading one (an upload or a path on this machine), its playlists and
problems, one playlist as songs to reorder, and the exports for DJ software.

A loaded library is kept in the session (``LIBRARY_KEY``) as a :class:`LoadedLibrary`: its catalog and its load
report, never the uploaded bytes (they are read from a temporary folder that is deleted at once). Loading
another library, or closing this one, lets it go; so does the session's end.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from disco.app.session import loaders
from disco.engine.service import Disco, TrackList
from disco.errors import CatalogError
from disco.export import dj
from disco.export.formats import playlist_frame, render
from disco.wording import plural

LIBRARY_KEY = "dj_library"  # session_state: the LoadedLibrary, or None
MEASURE_WORKERS: int | None = None  # processes measuring a playlist's songs from their files: every core
LIBRARY_TYPES = ["xml", "nml", "sqlite", "db"]  # Rekordbox XML, Traktor NML, Mixxx mixxxdb.sqlite
FORMAT_NAMES = {"rekordbox": "Rekordbox XML", "traktor": "Traktor NML", "mixxx": "Mixxx library"}
PROBLEM_LABELS = {  # LibraryTable.counts name -> what it counts (one, many)
    "tracks_skipped": ("track left out", "tracks left out"),
    "entries_skipped": ("playlist entry left out", "playlist entries left out"),
    "keys_missing": ("song without a key", "songs without a key"),
    "keys_not_understood": ("key not understood", "keys not understood"),
    "tempos_missing": ("song without a tempo", "songs without a tempo"),
    "paths_missing": ("song without a file path", "songs without a file path"),
    "paths_not_found": ("file not found on this computer", "files not found on this computer"),
}
# The exports offered beside the playlist view's own CSV, JSON and M3U8: label, format, extension, MIME type.
DJ_EXPORTS = (("Rekordbox XML", "rekordbox", "xml", "application/xml"),
              ("Traktor NML", "nml", "nml", "application/xml"))


@dataclass(frozen=True)
class LoadedLibrary:
    """A DJ library file as the page shows it: its songs as a catalog (its playlists in play order), and its
    load report (``counts`` and one line per ``problem``). ``playlists``: (name, songs in the file)."""

    name: str
    format: str
    sha256: str
    catalog: object
    playlists: tuple[tuple[str, int], ...]
    counts: dict
    problems: tuple[str, ...]
    fills: tuple = ()  # (playlist name, FillReport) of each playlist whose songs were measured from their files

    @property
    def kind(self) -> str:
        return FORMAT_NAMES.get(self.format, self.format)

    @property
    def content_key(self) -> str:
        """The file's sha256 and its songs' (which change once songs are measured): caches tell them apart."""
        return f"{self.sha256}:{self.catalog.sha256}"

    def fill_report(self, name: str):
        """The :class:`~disco.data.audio_fill.FillReport` of the playlist ``name`` once measured, else None."""
        return next((report for known, report in self.fills if known == name), None)


def _read(path: Path, name: str, sha256: str) -> LoadedLibrary:
    from disco.data.catalog import load_catalog
    from disco.data.libraries import read_library

    table = read_library(path)  # CatalogError when the file is no DJ library, saying what it is instead
    catalog = load_catalog(path, name=name, cache=False)  # never copied to the disk cache
    return LoadedLibrary(name=name, format=table.format, sha256=sha256, catalog=catalog,
                         playlists=tuple((n, len(ids)) for n, ids in table.playlists),
                         counts=dict(table.counts), problems=tuple(table.problems))


def safe_file_name(name: str, fallback: str = "library") -> str:
    """The last part of an uploaded file's name, usable as a file name in a folder of ours."""
    base = Path(str(name).replace("\\", "/")).name.strip().lstrip(".")
    return base or fallback


def load_upload(name: str, data: bytes) -> LoadedLibrary:
    """A DJ library from an upload's bytes, read from a temporary folder deleted before this returns (so the
    load report names the user's file). Raises CatalogError."""
    with tempfile.TemporaryDirectory(prefix="disco-upload-") as folder:
        path = Path(folder) / safe_file_name(name)
        path.write_bytes(data)
        return _read(path, path.name, hashlib.sha256(data).hexdigest())


def load_path(text: str) -> LoadedLibrary:
    """A DJ library file on this machine (``~`` allowed). Raises CatalogError."""
    text = (text or "").strip().strip('"')
    if not text:
        raise CatalogError("give the path of a DJ library file (Rekordbox XML, Traktor NML or mixxxdb.sqlite)")
    path = Path(text).expanduser()
    if path.is_dir():
        raise CatalogError(f"{path} is a folder; give the library file itself (Rekordbox XML, Traktor NML or "
                           "mixxxdb.sqlite)")
    if not path.is_file():
        raise CatalogError(f"{path}: no such file")
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return _read(path, str(path), digest.hexdigest())


def current() -> LoadedLibrary | None:
    found = st.session_state.get(LIBRARY_KEY)
    return found if isinstance(found, LoadedLibrary) else None


def keep(library: LoadedLibrary | None) -> None:
    """Make ``library`` the page's library (None: close it)."""
    st.session_state[LIBRARY_KEY] = library


def playlists_frame(library: LoadedLibrary) -> pd.DataFrame:
    return pd.DataFrame(list(library.playlists), columns=["playlist", "songs"])


def problem_counts(library: LoadedLibrary) -> list[str]:
    """What the load report counts, in words, for the counts that are not zero ("2 keys not understood")."""
    counts = {name: int(library.counts.get(name, 0)) for name in PROBLEM_LABELS}
    return [plural(n, *PROBLEM_LABELS[name]) for name, n in counts.items() if n]


def problem_lines(library: LoadedLibrary) -> list[str]:
    """The load report's problems, each without the file name it starts with (the page names the file)."""
    prefix = f"{Path(library.name).name}: "
    return [line.removeprefix(prefix) for line in library.problems]


def reorderable(library: LoadedLibrary) -> list[str]:
    """Names of the playlists with at least two songs, each name once, in the library's order."""
    seen: dict[str, None] = {}
    for name, count in library.playlists:
        if count >= 2:
            seen.setdefault(name, None)
    return list(seen)


@st.cache_resource(show_spinner="Reading the playlist...", **loaders.USER_DATA)
def _playlist(_library: LoadedLibrary, sha256: str, name: str, _model, models_dir: str) -> tuple[Disco, TrackList]:
    sub = _library.catalog.subset(_library.catalog.playlist(name))
    if len(sub) == 0:
        raise CatalogError(f"playlist {name!r} of {_library.name} has no usable song: "
                           f"{_library.catalog.report.summary()}")
    arrays, predictor, status = _model.prepare(sub)
    tracks = TrackList(sub, arrays, np.arange(len(sub), dtype=np.int64), f"{_library.name}, playlist {name!r}",
                       report=sub.report, predictor=predictor, status=status)
    return Disco(sub, arrays, predictor, model=_model, status=status), tracks


def playlist_songs(library: LoadedLibrary, name: str) -> tuple[Disco, TrackList, str]:
    """The playlist ``name`` as songs to reorder (in the library's order), a Disco over them, and their content
    key. Raises CatalogError/ModelError."""
    from disco import config

    disco, tracks = _playlist(library, library.content_key, name, loaders.flow_model(), str(config.models_dir()))
    return disco, tracks, f"library:{library.content_key}:{name}"


def songs_to_measure(library: LoadedLibrary, name: str) -> tuple[int, int]:
    """Songs of the playlist ``name`` lacking loudness, energy or danceability: (with a readable file, without
    one). Reads no audio."""
    from disco.data.audio_fill import songs_to_measure as lacking

    readable, unreadable = lacking(library.catalog, library.catalog.playlist(name))
    return len(readable), len(unreadable)


def measure_playlist(library: LoadedLibrary, name: str, progress=None) -> LoadedLibrary:
    """The library with the songs of playlist ``name`` that lack loudness, energy or danceability measured from
    their files (:func:`~disco.data.audio_fill.fill_from_audio`, on every core, with the analysis cache;
    ``progress(done, total, songs_per_s, eta_s)``), and the fill's report kept under the playlist's name."""
    from disco.data.audio_fill import fill_from_audio

    filled, report = fill_from_audio(library.catalog, library.catalog.playlist(name), workers=MEASURE_WORKERS,
                                     cache=True, progress=progress)
    fills = tuple((known, r) for known, r in library.fills if known != name) + ((name, report),)
    return replace(library, catalog=filled, fills=fills)


def export_name(name: str) -> str:
    """The exported playlist's name: beside the original once imported, never in its place."""
    return f"{name} (DISCO)"


def dj_export(catalog, playlist, fmt: str, name: str) -> str:
    """The playlist ``name`` in DISCO's order as Rekordbox XML (``"rekordbox"``) or Traktor NML (``"nml"``),
    named :func:`export_name` in it."""
    return render(catalog, playlist, fmt, name=export_name(name))


def songs_without_file(catalog, playlist) -> list[str]:
    """Songs of the playlist with no file path: Rekordbox XML and NML leave them out."""
    return dj.songs_without_file(playlist_frame(catalog, playlist))
